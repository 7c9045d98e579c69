package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
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
	Products             []string             `yaml:"products" enum:"workstation,project-bucket" doc:"Products offered. Default: [project-bucket], and workstation when the environment has an access tier."`
	Workstation          CatalogWorkstation   `yaml:"workstation" doc:"The personal workstation product."`
	ProjectBucket        CatalogProjectBucket `yaml:"projectBucket" doc:"The project data bucket product."`
	VersionsDirectory    string               `yaml:"versionsDirectory" default:"product-stack-snapshots" doc:"Directory (relative to where cdk runs) of the product versions' templates, which CDK writes when a version is first synthesized; commit it, as earlier versions are deployed from it."`

	defaultProducts bool // products was not given
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

// CatalogWorkstation is the personal workstation product: one persistent EC2 workstation for one
// user, from the environment's workstation design.
type CatalogWorkstation struct {
	Version          string   `yaml:"version" default:"v1" pattern:"^v[0-9]{1,4}$" doc:"The product's current version (see projectBucket.version)."`
	PreviousVersions []string `yaml:"previousVersions" pattern:"^v[0-9]{1,4}$" doc:"Earlier versions users may still launch and update to."`
	Pools            []string `yaml:"pools" doc:"Pools whose image users may choose (each's image must be an SSM parameter, all of one OS). Default: the pools with SSM parameter images of the first such pool's OS."`
	InstanceTypes    []string `yaml:"instanceTypes" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" doc:"Instance types users may choose, the first the default; each in allowedInstanceTypes. Default: the offered pools' types and fallback types."`
	MinVolumeGiB     int      `yaml:"minVolumeGiB" minimum:"8" maximum:"16384" default:"50" doc:"Smallest root volume users may choose."`
	MaxVolumeGiB     int      `yaml:"maxVolumeGiB" minimum:"8" maximum:"16384" default:"1000" doc:"Largest root volume users may choose."`
	VolumeGiB        int      `yaml:"volumeGiB" minimum:"8" maximum:"16384" default:"100" doc:"The root volume size offered by default, between the bounds."`
	StopAfterIdle    string   `yaml:"stopAfterIdle" doc:"Go duration of low CPU after which the workstation is stopped (CloudWatch alarm, in steps of 5 minutes); \"0\": never. Default: the first offered pool's stopAfterIdle, or its stopAfterLogoff."`
	IdleCpuPercent   int      `yaml:"idleCpuPercent" minimum:"1" maximum:"100" default:"5" doc:"Average CPU utilization (percent) below which the workstation counts as idle."`
	RootDeviceName   string   `yaml:"rootDeviceName" pattern:"^/dev/[a-z0-9]+$" doc:"Root device of the images, whose volume gets the chosen size and the workstation key. Default: /dev/xvda for Linux (Amazon Linux), /dev/sda1 for Windows."`
}

// Catalog products, as written in catalog.products.
const (
	ProductWorkstation   = "workstation"
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
		c.Products = []string{ProductProjectBucket} // workstation is added by CatalogProducts with an access tier
		c.defaultProducts = true
	}
	if !given("projectBucket.noncurrentVersionDays") {
		c.ProjectBucket.NoncurrentVersionDays = []int{30, 90, 365}
	}
}

// CatalogProducts are the products e's catalog offers: as configured, or by default the project
// bucket and, with an access tier whose pools have an image to offer (or with workstation.pools set),
// the workstation.
func (c *Config) CatalogProducts(e Environment) []string {
	if e.Catalog.defaultProducts && e.Access != nil && (len(e.Catalog.Workstation.Pools) > 0 || len(c.CatalogWorkstationPools(e)) > 0) {
		return []string{ProductWorkstation, ProductProjectBucket}
	}
	return e.Catalog.Products
}

// CatalogWorkstationPools are the pools whose images the workstation product offers.
func (c *Config) CatalogWorkstationPools(e Environment) []Pool {
	if e.Access == nil {
		return nil
	}
	w := e.Catalog.Workstation
	var out []Pool
	for _, p := range e.Access.Pools {
		switch {
		case len(w.Pools) > 0:
			if slices.Contains(w.Pools, p.Name) {
				out = append(out, p)
			}
		case p.Image.SsmParameter != "" && (len(out) == 0 || out[0].Image.Os == p.Image.Os):
			out = append(out, p)
		}
	}
	return out
}

// CatalogInstanceTypes are the instance types the workstation product offers.
func (c *Config) CatalogInstanceTypes(e Environment) []string {
	if w := e.Catalog.Workstation; len(w.InstanceTypes) > 0 {
		return w.InstanceTypes
	}
	var out []string
	for _, p := range c.CatalogWorkstationPools(e) {
		for _, t := range append([]string{p.InstanceType}, p.FallbackInstanceTypes...) {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// CatalogStopAfterIdle is the workstation product's idle stop delay (0: never).
func (c *Config) CatalogStopAfterIdle(e Environment) time.Duration {
	s := e.Catalog.Workstation.StopAfterIdle
	if s == "" {
		if pools := c.CatalogWorkstationPools(e); len(pools) > 0 {
			s = pools[0].StopAfterIdle
			if s == "" || s == "0" {
				s = pools[0].StopAfterLogoff
			}
		}
	}
	d, _ := parsePowerDelay(s)
	return d
}

// CatalogRootDevice is the root device name of the workstation product's images.
func (c *Config) CatalogRootDevice(e Environment) string {
	if d := e.Catalog.Workstation.RootDeviceName; d != "" {
		return d
	}
	if pools := c.CatalogWorkstationPools(e); len(pools) > 0 && pools[0].Image.Os == "windows" {
		return "/dev/sda1"
	}
	return "/dev/xvda"
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
		// A malformed ARN is reported by its pattern; only a well-formed one names an account.
		if parts := strings.Split(r, ":"); len(parts) == 6 && e.Account != "" && parts[4] != e.Account {
			acct := parts[4]
			ps.add(index(p+".audience.roles", j), "%q is in account %s, not the environment's %s; a portfolio is shared with principals of its own account", r, acct, e.Account)
		}
	}
	if arn := cat.NotificationTopicArn; arn != "" {
		parts := strings.Split(arn, ":")
		if len(parts) == 6 && (parts[3] != e.Region || (e.Account != "" && parts[4] != e.Account)) {
			ps.add(p+".notificationTopicArn", "%q is not in the environment's account and region (%s, %s)", arn, orUnset(e.Account), e.Region)
		}
	}
	checkTagOptions(c.CatalogTagOptions(e), cat.TagOptions != nil, p+".tagOptions", ps)
	if len(cat.Products) == 0 {
		ps.add(p+".products", "offers nothing; list at least one product or disable the catalog")
	}
	dupIn(cat.Products, p+".products", ps)
	if slices.Contains(c.CatalogProducts(e), ProductWorkstation) {
		checkCatalogWorkstation(c, e, p+".workstation", ps)
	}
	if slices.Contains(c.CatalogProducts(e), ProductProjectBucket) {
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

// checkCatalogWorkstation checks the workstation product against the environment's access tier.
func checkCatalogWorkstation(c *Config, e Environment, p string, ps *Problems) {
	w := e.Catalog.Workstation
	if e.Access == nil {
		ps.add(p, "the workstation product uses the access tier's workstation design (security group, role, key); this environment has no access tier")
		return
	}
	if slices.Contains(w.PreviousVersions, w.Version) {
		ps.add(p+".previousVersions", "lists the current version %q", w.Version)
	}
	dupIn(w.PreviousVersions, p+".previousVersions", ps)
	pools := map[string]Pool{}
	for _, pool := range e.Access.Pools {
		pools[pool.Name] = pool
	}
	for j, name := range w.Pools {
		pool, ok := pools[name]
		switch {
		case !ok:
			ps.add(index(p+".pools", j), "%q is not a pool of this environment", name)
		case pool.Image.SsmParameter == "":
			ps.add(index(p+".pools", j), "pool %q's image is given by AMI IDs; the product offers images by SSM parameter only", name)
		}
	}
	dupIn(w.Pools, p+".pools", ps)
	offered := c.CatalogWorkstationPools(e)
	if len(offered) == 0 {
		ps.add(p+".pools", "no pool has an image given by SSM parameter, so there is no image to offer")
	}
	for _, pool := range offered {
		if pool.Image.Os != offered[0].Image.Os {
			ps.add(p+".pools", "mixes %s and %s images; the product's root device is that of one OS", offered[0].Image.Os, pool.Image.Os)
			break
		}
	}
	for j, t := range w.InstanceTypes {
		if !slices.Contains(c.AllowedInstanceTypes, t) {
			ps.add(index(p+".instanceTypes", j), "%q is not in allowedInstanceTypes", t)
		}
	}
	dupIn(w.InstanceTypes, p+".instanceTypes", ps)
	if !(w.MinVolumeGiB <= w.VolumeGiB && w.VolumeGiB <= w.MaxVolumeGiB) {
		ps.add(p+".volumeGiB", "%d is not between minVolumeGiB %d and maxVolumeGiB %d", w.VolumeGiB, w.MinVolumeGiB, w.MaxVolumeGiB)
	}
	if w.StopAfterIdle != "" {
		if _, err := parsePowerDelay(w.StopAfterIdle); err != nil {
			ps.add(p+".stopAfterIdle", "%v", err)
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
