package config

import (
	"fmt"
	"slices"
	"strings"
)

// Governance configures the account-wide guardrails: IAM groups and password policy, the audit
// trail, AWS Config and its rules, and the functions that undo drift. They exist once per account
// (the Config recorder once per account and region), whichever environments share the account.
type Governance struct {
	Enabled          bool           `yaml:"enabled" default:"true" doc:"Deploy the account guardrails. false: no account stages at all, for installations whose accounts are governed elsewhere (e.g. by AWS Control Tower or the Landing Zone Accelerator)."`
	ExcludedAccounts []string       `yaml:"excludedAccounts" pattern:"^[0-9]{12}$" doc:"Accounts that keep their own trail/recorder; no governance stacks are deployed there. Each must be the account of an environment."`
	HomeRegion       string         `yaml:"homeRegion" pattern:"^[a-z]{2}(-[a-z]+)+-[0-9]$" doc:"Region of each account's IAM and audit-trail stacks. Unset: the region of the account's first environment."`
	Groups           GroupNames     `yaml:"groups" doc:"Names of the IAM groups."`
	Users            []GroupUser    `yaml:"users" doc:"Existing IAM users to add to the groups; no user or password is created."`
	PasswordPolicy   PasswordPolicy `yaml:"passwordPolicy" doc:"The account password policy of IAM users."`
	Trail            Trail          `yaml:"trail" doc:"The multi-region CloudTrail trail of each account."`
	ConfigRules      []string       `yaml:"configRules" pattern:"^[A-Z0-9_]+$" doc:"AWS Config managed rule identifiers (e.g. RESTRICTED_INCOMING_TRAFFIC). Unset: the default set, see the README."`
	AllowedRegions   []string       `yaml:"allowedRegions" pattern:"^[a-z]{2}(-[a-z]+)+-[0-9]$" doc:"Regions API calls are expected in; a call anywhere else raises an alarm. Unset: the environments' regions, the home regions and us-east-1 (IAM and other global services)."`
	Remediation      Remediation    `yaml:"remediation" doc:"The functions that undo drift."`
	AlertEmails      []string       `yaml:"alertEmails" pattern:"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$" doc:"E-mail addresses subscribed to the alert topic (each confirms the subscription once)."`
}

// GroupNames names the three IAM groups.
type GroupNames struct {
	Admin      string `yaml:"admin" default:"Admin" pattern:"^[A-Za-z0-9+=,.@_-]{1,128}$" doc:"Full administrators (AdministratorAccess)."`
	Developers string `yaml:"developers" default:"Developers" pattern:"^[A-Za-z0-9+=,.@_-]{1,128}$" doc:"Builders (PowerUserAccess), denied tampering with the audit trail and Config."`
	Operators  string `yaml:"operators" default:"Operators" pattern:"^[A-Za-z0-9+=,.@_-]{1,128}$" doc:"Read-only operators (ReadOnlyAccess plus billing view), denied tampering with the audit trail and Config."`
}

// GroupUser is an existing IAM user and the groups it belongs to.
type GroupUser struct {
	Name    string   `yaml:"name" required:"true" pattern:"^[A-Za-z0-9+=,.@_-]{1,64}$" doc:"The IAM user name."`
	Groups  []string `yaml:"groups" required:"true" minItems:"1" pattern:"^(admin|developers|operators)$" doc:"Groups to join: admin, developers, operators."`
	Account string   `yaml:"account" pattern:"^[0-9]{12}$" doc:"The account the user is in. Unset: every account of the installation."`
}

// PasswordPolicy is the account password policy.
type PasswordPolicy struct {
	MinimumLength   int `yaml:"minimumLength" default:"14" minimum:"8" maximum:"128" doc:"Minimum password length."`
	ReusePrevention int `yaml:"reusePrevention" default:"24" minimum:"1" maximum:"24" doc:"How many previous passwords cannot be reused."`
	MaxAgeDays      int `yaml:"maxAgeDays" default:"90" minimum:"1" maximum:"1095" doc:"Days before a password expires."`
}

// Trail configures the audit trail's storage.
type Trail struct {
	LogRetentionDays     int        `yaml:"logRetentionDays" default:"365" minimum:"1" doc:"Days the trail's CloudWatch Logs copy is kept (a CloudWatch Logs retention value)."`
	ColdStorageAfterDays int        `yaml:"coldStorageAfterDays" default:"90" minimum:"1" doc:"Days after which log files move to S3 Glacier Flexible Retrieval."`
	ExpireAfterDays      int        `yaml:"expireAfterDays" default:"2557" minimum:"1" doc:"Days after which log files are deleted (default about 7 years)."`
	ObjectLock           ObjectLock `yaml:"objectLock" doc:"S3 Object Lock on the audit bucket: every log file is write-once for the retention period."`
}

// ObjectLock is the audit bucket's default Object Lock retention.
type ObjectLock struct {
	Mode          string `yaml:"mode" enum:"GOVERNANCE,COMPLIANCE,off" default:"GOVERNANCE" doc:"GOVERNANCE: only a principal allowed s3:BypassGovernanceRetention can delete a locked version early (editbay denies it to every principal); COMPLIANCE: no one can, not even the root user, until retention ends; off: no Object Lock. Once on, Object Lock cannot be turned off for the bucket."`
	RetentionDays int    `yaml:"retentionDays" default:"365" minimum:"1" maximum:"36500" doc:"Days each log file version is locked; at most trail.expireAfterDays."`
}

// Object Lock modes.
const ObjectLockOff = "off"

// Remediation configures the guardrail functions.
type Remediation struct {
	Mode                 string `yaml:"mode" enum:"enforce,dryRun" default:"enforce" doc:"enforce: undo drift and alert; dryRun: alert with what would have been done, change nothing."`
	RecorderCheckMinutes int    `yaml:"recorderCheckMinutes" default:"5" minimum:"1" maximum:"1440" doc:"Minutes between the scheduled checks that the Config recorder records (a backstop for missed events)."`
}

// Remediation modes.
const (
	RemediationEnforce = "enforce"
	RemediationDryRun  = "dryRun"
)

// DefaultConfigRules are the AWS Config managed rules deployed when configRules is unset.
var DefaultConfigRules = []string{
	"INCOMING_SSH_DISABLED",                   // restricted-ssh
	"RESTRICTED_INCOMING_TRAFFIC",             // restricted-common-ports
	"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",    // security groups open only to authorized ports
	"CLOUD_TRAIL_ENABLED",                     // cloudtrail-enabled
	"CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", // log-file validation
	"MULTI_REGION_CLOUD_TRAIL_ENABLED",        // multi-region trail
	"MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",      // MFA for console users
	"ROOT_ACCOUNT_MFA_ENABLED",                // root MFA
	"VPC_FLOW_LOGS_ENABLED",                   // VPC flow logs
	"S3_BUCKET_PUBLIC_READ_PROHIBITED",        // S3 public read prohibited
	"S3_BUCKET_SSL_REQUESTS_ONLY",             // S3 TLS only
	"ENCRYPTED_VOLUMES",                       // encrypted EBS volumes
	"RDS_STORAGE_ENCRYPTED",                   // RDS storage encrypted
	"EC2_IMDSV2_CHECK",                        // IMDSv2
}

// SecurityGroupRules are the managed rules whose non-compliance the security-group function fixes.
var SecurityGroupRules = []string{"INCOMING_SSH_DISABLED", "RESTRICTED_INCOMING_TRAFFIC", "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS"}

// Rules returns the configured Config rules, or the defaults.
func (g Governance) Rules() []string {
	if len(g.ConfigRules) == 0 {
		return slices.Clone(DefaultConfigRules)
	}
	return slices.Clone(g.ConfigRules)
}

// Account is one AWS account of the installation and what governance deploys there.
type Account struct {
	// ID is the account ID, or "" for the environment-agnostic account: the account of whatever
	// credentials deploy it.
	ID string
	// Name is the ID, or "default" for the environment-agnostic account; the stage is account-<Name>.
	Name string
	// HomeRegion holds the account's IAM and trail stacks.
	HomeRegion string
	// Regions are the regions of the account's environments, home first: each gets a Config recorder
	// and the guardrail functions.
	Regions []string
	// Environments are the names of the environments deployed to the account, and HubStageName when
	// the egress hub is.
	Environments []string
}

// DefaultAccountName names the environment-agnostic account.
const DefaultAccountName = "default"

// Accounts groups the environments by account, in the order they first appear, then the egress
// hub's account. Environments without an account form one environment-agnostic account (validation
// forbids mixing the two; a hub's spokes all have one).
func (c *Config) Accounts() []Account {
	var out []Account
	idx := map[string]int{}
	for _, e := range c.Environments {
		i, ok := idx[e.Account]
		if !ok {
			name := e.Account
			if name == "" {
				name = DefaultAccountName
			}
			home := c.Governance.HomeRegion
			if home == "" {
				home = e.Region
			}
			out = append(out, Account{ID: e.Account, Name: name, HomeRegion: home, Regions: []string{home}})
			i = len(out) - 1
			idx[e.Account] = i
		}
		a := &out[i]
		a.Environments = append(a.Environments, e.Name)
		if !slices.Contains(a.Regions, e.Region) {
			a.Regions = append(a.Regions, e.Region)
		}
	}
	// The network account of the hub is guarded like the accounts it serves.
	if h := c.EgressHub; h != nil && h.Account != "" {
		i, ok := idx[h.Account]
		if !ok {
			home := c.Governance.HomeRegion
			if home == "" {
				home = h.Region
			}
			out = append(out, Account{ID: h.Account, Name: h.Account, HomeRegion: home, Regions: []string{home}})
			i = len(out) - 1
		}
		a := &out[i]
		a.Environments = append(a.Environments, HubStageName)
		if h.Region != "" && !slices.Contains(a.Regions, h.Region) {
			a.Regions = append(a.Regions, h.Region)
		}
	}
	return out
}

// GovernedAccounts are the accounts governance deploys to: Accounts() less governance.excludedAccounts,
// or none when governance.enabled is false.
func (c *Config) GovernedAccounts() []Account {
	if !c.Governance.Enabled {
		return nil
	}
	var out []Account
	for _, a := range c.Accounts() {
		if a.ID == "" || !slices.Contains(c.Governance.ExcludedAccounts, a.ID) {
			out = append(out, a)
		}
	}
	return out
}

// AllowedRegions returns the configured regions, or the environments' and home regions plus
// us-east-1, sorted.
func (c *Config) AllowedRegions() []string {
	if len(c.Governance.AllowedRegions) > 0 {
		return slices.Sorted(slices.Values(c.Governance.AllowedRegions))
	}
	set := []string{"us-east-1"}
	for _, a := range c.Accounts() {
		for _, r := range a.Regions {
			if !slices.Contains(set, r) {
				set = append(set, r)
			}
		}
	}
	slices.Sort(set)
	return set
}

// checkGovernance reports problems of the governance section and of the accounts it derives.
func checkGovernance(c *Config, ps *Problems) {
	g := c.Governance
	// Which environments share an account is read from environments[].account; an environment
	// without one could be any account, so it cannot be grouped with one that has an account.
	first := -1
	for i, e := range c.Environments {
		if !g.Enabled {
			break
		}
		if e.Account != "" {
			first = i
			break
		}
	}
	if first >= 0 {
		for i, e := range c.Environments {
			if e.Account == "" {
				ps.add(index("environments", i)+".account", "is unset while environments[%d] sets one; governance deploys its guardrails once per account, so set account on every environment or on none", first)
			}
		}
	}

	gn := []struct{ key, name string }{{"admin", g.Groups.Admin}, {"developers", g.Groups.Developers}, {"operators", g.Groups.Operators}}
	for i := range gn {
		for j := range i {
			if gn[i].name != "" && strings.EqualFold(gn[i].name, gn[j].name) {
				ps.add("governance.groups."+gn[i].key, "%q is already the name of groups.%s (IAM group names are case-insensitive)", gn[i].name, gn[j].key)
			}
		}
	}

	accounts := map[string]bool{}
	for _, e := range c.Environments {
		accounts[e.Account] = true
	}
	for i, id := range g.ExcludedAccounts {
		if !accounts[id] {
			ps.add(index("governance.excludedAccounts", i), "%q is not the account of any environment", id)
		}
	}
	dupIn(g.ExcludedAccounts, "governance.excludedAccounts", ps)
	seenUser := map[string]string{}
	for i, u := range g.Users {
		p := index("governance.users", i)
		if u.Account != "" && !accounts[u.Account] {
			ps.add(p+".account", "%q is not the account of any environment", u.Account)
		}
		key := strings.ToLower(u.Name) + "@" + u.Account
		if prev, dup := seenUser[key]; dup && u.Name != "" {
			ps.add(p+".name", "%q is already listed at %s", u.Name, prev)
		}
		seenUser[key] = p
		dupIn(u.Groups, p+".groups", ps)
	}

	dupIn(g.ConfigRules, "governance.configRules", ps)
	for i, id := range g.ConfigRules {
		checkConfigRule(id, index("governance.configRules", i), ps)
	}
	checkRegion(g.HomeRegion, "governance.homeRegion", ps)
	for i, r := range g.AllowedRegions {
		checkRegion(r, index("governance.allowedRegions", i), ps)
	}
	dupIn(g.AllowedRegions, "governance.allowedRegions", ps)
	dupIn(g.AlertEmails, "governance.alertEmails", ps)
	if len(g.AllowedRegions) > 0 {
		for _, a := range c.GovernedAccounts() {
			for _, r := range a.Regions {
				if !slices.Contains(g.AllowedRegions, r) {
					ps.add("governance.allowedRegions", "lacks %q, where account %s deploys; calls there would raise alarms", r, a.Name)
				}
			}
		}
	}
	t := g.Trail
	if t.LogRetentionDays > 0 && !slices.Contains(logRetentionDays, t.LogRetentionDays) {
		ps.add("governance.trail.logRetentionDays", "%d is not a CloudWatch Logs retention period (%s)", t.LogRetentionDays, intList(logRetentionDays))
	}
	if t.ObjectLock.Mode != ObjectLockOff && t.ObjectLock.RetentionDays > t.ExpireAfterDays {
		ps.add("governance.trail.objectLock.retentionDays", "%d is after expireAfterDays (%d): the lifecycle could not expire locked log files", t.ObjectLock.RetentionDays, t.ExpireAfterDays)
	}
	if t.ExpireAfterDays > 0 && t.ExpireAfterDays <= t.ColdStorageAfterDays {
		ps.add("governance.trail.expireAfterDays", "%d must be later than coldStorageAfterDays (%d)", t.ExpireAfterDays, t.ColdStorageAfterDays)
	}
}

func dupIn(list []string, p string, ps *Problems) {
	seen := map[string]bool{}
	for j, v := range list {
		if seen[v] {
			ps.add(index(p, j), "%q is listed twice", v)
		}
		seen[v] = true
	}
}

// StageName is the CDK stage (and stack name part) of an account's governance: account-<name>.
func (a Account) StageName() string { return fmt.Sprintf("account-%s", a.Name) }

// configRuleNames are AWS's own names of managed rules whose name is not their identifier in
// lower-case kebab form.
var configRuleNames = map[string]string{
	"INCOMING_SSH_DISABLED":            "restricted-ssh",
	"RESTRICTED_INCOMING_TRAFFIC":      "restricted-common-ports",
	"CLOUD_TRAIL_ENABLED":              "cloudtrail-enabled",
	"MULTI_REGION_CLOUD_TRAIL_ENABLED": "multi-region-cloudtrail-enabled",
}

// ConfigRuleName is the name editbay gives the managed rule identifier: <project>-<AWS's rule name>,
// e.g. editbay-restricted-ssh.
func ConfigRuleName(project, identifier string) string {
	name, ok := configRuleNames[identifier]
	if !ok {
		name = strings.ToLower(strings.ReplaceAll(identifier, "_", "-"))
	}
	return ConfigRulePrefix(project) + name
}

// ConfigRulePrefix starts the name of every Config rule editbay deploys (ConfigRuleName), by which the
// guardrails count the compliance changes of editbay's rules only.
func ConfigRulePrefix(project string) string { return project + "-" }

// AccountRules are managed rules that evaluate the account rather than a region's resources (IAM, the
// multi-region trail); they are deployed in the home region only, so each finding is reported once.
var AccountRules = []string{
	"CLOUD_TRAIL_ENABLED", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "MULTI_REGION_CLOUD_TRAIL_ENABLED",
	"MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "ROOT_ACCOUNT_MFA_ENABLED", "IAM_PASSWORD_POLICY",
	"IAM_USER_MFA_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK",
}
