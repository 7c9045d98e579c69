package config

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Catalog is an environment's self-service portfolio in AWS Service Catalog: products the platform
// team approved, launched by the audience under a launch role with the product's permissions only,
// with cost tags the users choose from but cannot change.
type Catalog struct {
	Enabled              bool                 `yaml:"enabled" doc:"Create the Catalog stack: a Service Catalog portfolio of the products below."`
	Name                 string               `yaml:"name" doc:"Portfolio display name, 1 to 100 characters. Default: <project> <environment> self-service."`
	Description          string               `yaml:"description" doc:"What the portfolio offers, shown to its users (at most 2000 characters)."`
	ProviderName         string               `yaml:"providerName" default:"platform team" doc:"Who provides the products, shown to users (1 to 50 characters)."`
	Audience             CatalogAudience      `yaml:"audience" doc:"Who may browse and launch the products."`
	TagOptions           map[string][]string  `yaml:"tagOptions" doc:"Cost tags every launched product carries, each with the values users may choose from (e.g. CostCenter: [CC-1, CC-2]); users cannot change or remove them afterwards. Must offer Project, CostCenter and Owner. Default: those three, each with the environment's cost tag value."`
	NotificationTopicArn string               `yaml:"notificationTopicArn" pattern:"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}$" doc:"SNS topic (in the environment's account and region) notified of every launch, update and termination's stack events. Unset: no notifications."`
	Products             []string             `yaml:"products" enum:"project-bucket" doc:"Products offered. Default: [project-bucket]."`
	ProjectBucket        CatalogProjectBucket `yaml:"projectBucket" doc:"The project data bucket product."`
	VersionsDirectory    string               `yaml:"versionsDirectory" default:"product-stack-snapshots" doc:"Directory (relative to where cdk runs) of the product versions' templates, which CDK writes when a version is first synthesized; commit it, as earlier versions are deployed from it."`
}

// CatalogAudience names the principals the portfolio is shared with.
type CatalogAudience struct {
	Groups []string `yaml:"groups" enum:"admin,developers,operators" doc:"Governance IAM groups of the environment's account whose members may launch (needs governance). Default: [developers]."`
	Roles  []string `yaml:"roles" pattern:"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$" doc:"ARNs of IAM roles (e.g. IAM Identity Center permission set roles) whose sessions may launch."`
}

// CatalogProjectBucket is the project data bucket product.
type CatalogProjectBucket struct {
	Version                string   `yaml:"version" default:"v1" pattern:"^v[0-9]{1,4}$" doc:"The product's current version. Change the product's code, then raise this (v2): the old version stays deployable from its snapshot if listed in previousVersions."`
	PreviousVersions       []string `yaml:"previousVersions" pattern:"^v[0-9]{1,4}$" doc:"Earlier versions users may still launch and update to, each from its snapshot in versionsDirectory."`
	NoncurrentVersionDays  []int    `yaml:"noncurrentVersionDays" minimum:"1" maximum:"3650" doc:"The choices users have for how many days overwritten or deleted object versions are kept, first the default. Default: [30, 90, 365]."`
	AccessLogRetentionDays int      `yaml:"accessLogRetentionDays" minimum:"1" default:"365" doc:"Days the buckets' server access logs are kept."`
}

// Catalog products, as written in catalog.products.
const (
	ProductProjectBucket = "project-bucket"
)

// Catalog audience groups, as written in catalog.audience.groups.
const (
	AudienceAdmin      = "admin"
	AudienceDevelopers = "developers"
	AudienceOperators  = "operators"
)

// RequiredTagOptions are the cost tags every catalog must offer values for.
var RequiredTagOptions = []string{TagProject, TagCostCenter, TagOwner}

// fillDefaults sets the list defaults: the audience, the products and the retention choices. An empty
// list the file gives stays empty (and validation says whether that is allowed).
func (c *Catalog) fillDefaults(given func(string) bool) {
	if !given("audience.groups") {
		c.Audience.Groups = []string{AudienceDevelopers}
	}
	if !given("products") {
		c.Products = []string{ProductProjectBucket}
	}
	if !given("projectBucket.noncurrentVersionDays") {
		c.ProjectBucket.NoncurrentVersionDays = []int{30, 90, 365}
	}
}

// CatalogName is the portfolio's display name.
func (c *Config) CatalogName(e Environment) string {
	if e.Catalog.Name != "" {
		return e.Catalog.Name
	}
	return fmt.Sprintf("%s %s self-service", c.Project, e.Name)
}

// CatalogTagOptions are the tag options of e's portfolio: the configured ones, or the environment's
// cost tags.
func (c *Config) CatalogTagOptions(e Environment) map[string][]string {
	if e.Catalog.TagOptions != nil {
		return e.Catalog.TagOptions
	}
	tags := c.CostTags(e)
	out := map[string][]string{}
	for _, k := range RequiredTagOptions {
		out[k] = []string{tags[k]}
	}
	return out
}

// checkCatalog validates an environment's catalog.
func checkCatalog(c *Config, e Environment, p string, ps *Problems) {
	cat := e.Catalog
	if !cat.Enabled {
		return
	}
	if n := utf8.RuneCountInString(c.CatalogName(e)); n < 1 || n > 100 {
		ps.add(p+".name", "the portfolio name %q must have 1 to 100 characters (it has %d)", c.CatalogName(e), n)
	}
	if n := utf8.RuneCountInString(cat.Description); n > 2000 {
		ps.add(p+".description", "must have at most 2000 characters (it has %d)", n)
	}
	if n := utf8.RuneCountInString(cat.ProviderName); n < 1 || n > 50 {
		ps.add(p+".providerName", "must have 1 to 50 characters (it has %d)", n)
	}
	if len(cat.Audience.Groups) == 0 && len(cat.Audience.Roles) == 0 {
		ps.add(p+".audience", "names no group or role, so nobody could launch the products")
	}
	dupIn(cat.Audience.Groups, p+".audience.groups", ps)
	dupIn(cat.Audience.Roles, p+".audience.roles", ps)
	if len(cat.Audience.Groups) > 0 && !c.governs(e) {
		ps.add(p+".audience.groups", "%v are governance's IAM groups, which the account of %s does not get (governance is off or excludes it); name roles instead", cat.Audience.Groups, e.Name)
	}
	for j, r := range cat.Audience.Roles {
		if acct := strings.Split(r, ":")[4]; e.Account != "" && acct != e.Account {
			ps.add(index(p+".audience.roles", j), "%q is in account %s, not the environment's %s; a portfolio is shared with principals of its own account", r, acct, e.Account)
		}
	}
	if arn := cat.NotificationTopicArn; arn != "" {
		parts := strings.Split(arn, ":")
		if parts[3] != e.Region || (e.Account != "" && parts[4] != e.Account) {
			ps.add(p+".notificationTopicArn", "%q is not in the environment's account and region (%s, %s)", arn, orUnset(e.Account), e.Region)
		}
	}
	checkTagOptions(c.CatalogTagOptions(e), cat.TagOptions != nil, p+".tagOptions", ps)
	if len(cat.Products) == 0 {
		ps.add(p+".products", "offers nothing; list at least one product or disable the catalog")
	}
	dupIn(cat.Products, p+".products", ps)
	if slices.Contains(cat.Products, ProductProjectBucket) {
		b := cat.ProjectBucket
		bp := p + ".projectBucket"
		if slices.Contains(b.PreviousVersions, b.Version) {
			ps.add(bp+".previousVersions", "lists the current version %q", b.Version)
		}
		dupIn(b.PreviousVersions, bp+".previousVersions", ps)
		if len(b.NoncurrentVersionDays) == 0 {
			ps.add(bp+".noncurrentVersionDays", "offers no choice; give at least one number of days")
		}
		seen := map[int]bool{}
		for j, d := range b.NoncurrentVersionDays {
			if seen[d] {
				ps.add(index(bp+".noncurrentVersionDays", j), "%d is listed twice", d)
			}
			seen[d] = true
		}
	}
}

// checkTagOptions applies Service Catalog's TagOption rules (keys of 1 to 128 characters, values of
// 1 to 256, AWS tag characters) and requires the mandatory cost tags.
func checkTagOptions(opts map[string][]string, given bool, p string, ps *Problems) {
	for _, k := range RequiredTagOptions {
		if len(opts[k]) == 0 && given {
			ps.add(p+"."+k, "the mandatory cost tag needs at least one allowed value")
		}
	}
	for _, k := range sortedKeysOfLists(opts) {
		kp := p + "." + k
		switch {
		case utf8.RuneCountInString(k) > 128:
			ps.add(kp, "tag keys must have 1 to 128 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"), strings.HasPrefix(strings.ToLower(k), "editbay:"):
			ps.add(kp, "the prefix of %q is reserved", k)
		case !tagChars.MatchString(k):
			ps.add(kp, "key %q has characters AWS tags do not allow", k)
		}
		for j, v := range opts[k] {
			if n := utf8.RuneCountInString(v); n < 1 || n > 256 || !tagChars.MatchString(v) {
				ps.add(index(kp, j), "%q: tag option values have 1 to 256 of the characters AWS tags allow", v)
			}
		}
		dupIn(opts[k], kp, ps)
	}
}

func sortedKeysOfLists(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// governs says whether governance deploys to e's account (and so creates its IAM groups).
func (c *Config) governs(e Environment) bool {
	for _, a := range c.GovernedAccounts() {
		if a.ID == e.Account {
			return true
		}
	}
	return false
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}
