package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Physical names: every name editbay gives an AWS resource from the project, environment, pool,
// account and region is composed here, next to the service's rule for it, so that validation checks
// the very names the stacks use. A name AWS would refuse is a config error with the field path that
// caused it, instead of a jsii error deep in synth or a failed deployment.
//
// The rules come from the services' API references (and botocore's models of them):
// S3 "Bucket naming rules", CloudTrail CreateTrail, EventBridge PutRule, EC2 CreateLaunchTemplate,
// CloudWatch PutDashboard, Network Firewall CreateFirewall/CreateFirewallPolicy/CreateRuleGroup,
// AppStream CreateFleet/CreateStack/CreateImageBuilder, CloudWatch Logs CreateLogGroup/PutMetricFilter,
// KMS CreateAlias, SSM PutParameter/CreateAssociation, Secrets Manager CreateSecret, RDS
// CreateDBCluster, Config PutConfigRule/PutConfigurationRecorder/PutDeliveryChannel, CloudFormation
// CreateStack.
//
// Resources editbay leaves to CloudFormation to name (Lambda functions, IAM roles and policies, SNS
// topics, DynamoDB tables, load balancers and target groups) need no check.

// nameRule is a service's rule for one kind of name.
type nameRule struct {
	kind     string         // e.g. "S3 bucket name"
	min, max int            // length bounds, in characters
	chars    *regexp.Regexp // the whole name must match
	charsDoc string         // chars in words, for the message
	extra    func(string) string
}

// problem says why name breaks the rule, or "" when AWS accepts it.
func (r nameRule) problem(name string) string {
	switch {
	case len(name) > r.max:
		return fmt.Sprintf("at most %d characters, it has %d", r.max, len(name))
	case len(name) < r.min:
		return fmt.Sprintf("at least %d characters, it has %d", r.min, len(name))
	case !r.chars.MatchString(name):
		return r.charsDoc
	case r.extra != nil:
		return r.extra(name)
	}
	return ""
}

func hasAny(s string, affixes []string, has func(string, string) bool) string {
	for _, a := range affixes {
		if has(s, a) {
			return a
		}
	}
	return ""
}

func isIP(s string) bool { _, err := netip.ParseAddr(s); return err == nil }

var (
	s3BucketRule = nameRule{kind: "S3 bucket name", min: 3, max: 63,
		chars:    regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`),
		charsDoc: "only lower-case letters, digits, periods and hyphens, starting and ending with a letter or digit",
		extra: func(s string) string {
			switch {
			case strings.Contains(s, ".."):
				return "no two adjacent periods"
			case isIP(s):
				return "not formatted as an IP address"
			}
			if p := hasAny(s, []string{"xn--", "sthree-", "amzn-s3-demo-"}, strings.HasPrefix); p != "" {
				return fmt.Sprintf("the prefix %q is reserved", p)
			}
			if p := hasAny(s, []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}, strings.HasSuffix); p != "" {
				return fmt.Sprintf("the suffix %q is reserved", p)
			}
			return ""
		}}
	trailRule = nameRule{kind: "CloudTrail trail name", min: 3, max: 128,
		chars:    regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`),
		charsDoc: "only ASCII letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit",
		extra: func(s string) string {
			switch {
			case adjacentPunctuation.MatchString(s):
				return "no adjacent periods, underscores or hyphens (like --)"
			case isIP(s):
				return "not formatted as an IP address"
			}
			return ""
		}}
	eventRuleRule      = nameRule{kind: "EventBridge rule name", min: 1, max: 64, chars: regexp.MustCompile(`^[.\-_A-Za-z0-9]+$`), charsDoc: "only letters, digits, periods, hyphens and underscores"}
	launchTemplateRule = nameRule{kind: "EC2 launch template name", min: 3, max: 128, chars: regexp.MustCompile(`^[a-zA-Z0-9().\-/_]+$`), charsDoc: "only letters, digits and ( ) . - / _"}
	dashboardRule      = nameRule{kind: "CloudWatch dashboard name", min: 1, max: 255, chars: regexp.MustCompile(`^[A-Za-z0-9_-]+$`), charsDoc: "only letters, digits, hyphens and underscores"}
	firewallRule       = nameRule{kind: "Network Firewall name", min: 1, max: 128, chars: regexp.MustCompile(`^[a-zA-Z0-9-]+$`), charsDoc: "only letters, digits and hyphens"}
	appStreamRule      = nameRule{kind: "AppStream name", min: 1, max: 101, chars: regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`), charsDoc: "a letter or digit, then letters, digits, _ . -"}
	logGroupRule       = nameRule{kind: "CloudWatch Logs group name", min: 1, max: 512, chars: regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`), charsDoc: "only letters, digits and . - _ / #"}
	metricFilterRule   = nameRule{kind: "CloudWatch Logs metric filter name", min: 1, max: 512, chars: regexp.MustCompile(`^[^:*]+$`), charsDoc: "no : or *"}
	kmsAliasRule       = nameRule{kind: "KMS alias", min: 7, max: 256, chars: regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`), charsDoc: "alias/ then only letters, digits, / _ -",
		extra: func(s string) string {
			if strings.HasPrefix(s, "alias/aws/") {
				return "the prefix alias/aws/ is reserved for AWS managed keys"
			}
			return ""
		}}
	ssmParameterRule = nameRule{kind: "SSM parameter name", min: 1, max: 1011, chars: regexp.MustCompile(`^/?[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+){0,14}$`), charsDoc: "only letters, digits and _ . - in at most 15 levels separated by /",
		extra: func(s string) string {
			first := strings.ToLower(strings.TrimPrefix(s, "/"))
			if p := hasAny(first, []string{"aws", "ssm"}, strings.HasPrefix); p != "" {
				return fmt.Sprintf("it must not begin with %q (reserved, case-insensitive)", p)
			}
			return ""
		}}
	secretRule         = nameRule{kind: "Secrets Manager secret name", min: 1, max: 512, chars: regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`), charsDoc: "only letters, digits and / _ + = . @ -"}
	dbClusterRule      = nameRule{kind: "RDS DB cluster identifier", min: 1, max: 63, chars: regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`), charsDoc: "a letter, then letters, digits and hyphens, not ending with a hyphen", extra: noDoubleHyphen}
	configNameRule     = nameRule{kind: "AWS Config recorder or delivery channel name", min: 1, max: 256, chars: regexp.MustCompile(`\S`), charsDoc: "not blank"}
	configRuleNameRule = nameRule{kind: "AWS Config rule name", min: 1, max: 128, chars: regexp.MustCompile(`\S`), charsDoc: "not blank"}
	stackRule          = nameRule{kind: "CloudFormation stack name", min: 1, max: 128, chars: regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`), charsDoc: "a letter, then letters, digits and hyphens"}
	associationRule    = nameRule{kind: "SSM association name", min: 3, max: 128, chars: regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`), charsDoc: "only letters, digits and _ - ."}
	scalingPolicyRule  = nameRule{kind: "Application Auto Scaling policy name", min: 1, max: 256, chars: regexp.MustCompile(`^[[:print:]]+$`), charsDoc: "only printable characters"}
)

var adjacentPunctuation = regexp.MustCompile(`[._-]{2}`)

func noDoubleHyphen(s string) string {
	if strings.Contains(s, "--") {
		return "no two consecutive hyphens"
	}
	return ""
}

// unsetAccountID stands in for the account ID of an environment-agnostic account when names are
// checked: the real one is a deploy-time token, and every account ID has 12 digits.
const unsetAccountID = "123456789012"

// EnvPrefix prefixes the physical names of an environment's resources: <project>-<environment>.
func (c *Config) EnvPrefix(e Environment) string { return c.Project + "-" + e.Name }

// EnvStackName is the CloudFormation stack name of one of an environment's stacks (network, access,
// workspace).
func (c *Config) EnvStackName(e Environment, stack string) string {
	return c.EnvPrefix(e) + "-" + stack
}

// Environment stack names, as passed to EnvStackName.
const (
	StackNetwork   = "network"
	StackAccess    = "access"
	StackWorkspace = "workspace"
)

// DatabaseClusterIdentifier names the broker database cluster (and so its log group, secret and
// connection parameter).
func (c *Config) DatabaseClusterIdentifier(e Environment) string { return c.EnvPrefix(e) + "-brokers" }

// DatabaseLogGroupName is the fixed log group RDS exports the cluster's PostgreSQL log to.
func (c *Config) DatabaseLogGroupName(e Environment) string {
	return "/aws/rds/cluster/" + c.DatabaseClusterIdentifier(e) + "/postgresql"
}

// DatabaseSecretName names the cluster's master-user secret.
func (c *Config) DatabaseSecretName(e Environment) string {
	return c.DatabaseClusterIdentifier(e) + "/master"
}

// DatabaseParameterName is the SSM parameter that tells brokers where the database is.
func (c *Config) DatabaseParameterName(e Environment) string {
	return "/" + c.DatabaseClusterIdentifier(e) + "/connection"
}

// LaunchTemplateName names a pool's launch template, by which brokers and the pool scaler launch
// its workstations.
func (c *Config) LaunchTemplateName(e Environment, pool string) string {
	return c.EnvPrefix(e) + "-" + pool
}

// AccessDashboardName names the access tier's dashboard.
func (c *Config) AccessDashboardName(e Environment) string { return c.EnvPrefix(e) + "-access" }

// brokersConstructID is the construct ID of the broker cluster in the access stack; the web ACL's log
// group name is built from it.
const brokersConstructID = "Brokers"

// WebACLLogGroupName names the brokers' web ACL log group; WAF writes only to groups named
// aws-waf-logs-*.
func (c *Config) WebACLLogGroupName(e Environment) string {
	return "aws-waf-logs-" + c.EnvStackName(e, StackAccess) + "-" + brokersConstructID
}

// directoryJoinID is the construct ID of the workstations' directory-join association.
const directoryJoinID = "JoinWorkstations"

// DirectoryJoinAssociationName names the SSM association that joins workstations to the directory.
func (c *Config) DirectoryJoinAssociationName(e Environment) string {
	return c.EnvStackName(e, StackAccess) + "-" + directoryJoinID
}

// EgressFirewallName names the egress firewall of one zone, by the zone's letter suffix.
func (c *Config) EgressFirewallName(e Environment, zone string) string {
	return c.EnvPrefix(e) + "-egress-" + zoneSuffix(zone)
}

// EgressPolicyName names the egress firewall policy.
func (c *Config) EgressPolicyName(e Environment) string { return c.EnvPrefix(e) + "-egress" }

// EgressDashboardName names the egress dashboard.
func (c *Config) EgressDashboardName(e Environment) string { return c.EnvPrefix(e) + "-egress" }

// EgressRuleGroupName names an egress rule group (kind allow-list or raw-rules); the capacity is in
// the name because it is fixed at creation, so a new capacity makes a new group.
func (c *Config) EgressRuleGroupName(e Environment, kind string) string {
	return fmt.Sprintf("%s-%s-%d", c.EnvPrefix(e), kind, e.Egress.Capacity)
}

// Egress rule group kinds.
const (
	RuleGroupAllowList = "allow-list"
	RuleGroupRawRules  = "raw-rules"
)

// zoneSuffix is the letter part of a zone name (a of eu-west-1a).
func zoneSuffix(az string) string { return az[strings.LastIndexAny(az, "0123456789")+1:] }

// Egress hub names. The hub is one per installation, so its names hold the project only.

// HubPrefix prefixes the hub's names.
func (c *Config) HubPrefix() string { return c.Project + "-" + HubStageName }

// HubStackName is the CloudFormation stack name of the hub.
func (c *Config) HubStackName() string { return c.HubPrefix() }

// HubFirewallName names the hub firewall of one zone.
func (c *Config) HubFirewallName(zone string) string { return c.HubPrefix() + "-" + zoneSuffix(zone) }

// HubPolicyName names the hub's firewall policy, and HubDashboardName its dashboard.
func (c *Config) HubPolicyName() string    { return c.HubPrefix() }
func (c *Config) HubDashboardName() string { return c.HubPrefix() }

// HubRuleGroupName names the hub's allow-list (or managed) rule group; the capacity is in the name,
// as it is fixed at creation.
func (c *Config) HubRuleGroupName() string {
	return fmt.Sprintf("%s-%s-%d", c.HubPrefix(), RuleGroupAllowList, c.EgressHub.Capacity)
}

// HubRoutesStackName is the stack, in the hub's account, that joins spoke e's attachment to the
// hub's route tables.
func (c *Config) HubRoutesStackName(e Environment) string { return c.EnvStackName(e, StackHubRoutes) }

// StackHubRoutes is the environment stack name part of a spoke's hub routes.
const StackHubRoutes = "hub-routes"

// StackCatalog is the environment stack name part of the self-service catalog.
const StackCatalog = "catalog"

// CatalogParameterName is an SSM parameter through which the catalog stack gives its products'
// templates a value of the environment (kind), read with a dynamic reference at launch.
func (c *Config) CatalogParameterName(e Environment, kind string) string {
	return "/" + c.Project + "/" + e.Name + "/catalog/" + kind
}

// CatalogAccessLogsParameter holds the name of the bucket that receives the product buckets'
// server access logs.
const CatalogAccessLogsParameter = "access-log-bucket"

// HubParameterName is the SSM parameter through which the hub publishes one of its IDs (kind):
// spokes read the Transit Gateway's ID from it, shared through RAM, instead of a copied ID.
func (c *Config) HubParameterName(kind string) string {
	return "/" + c.Project + "/" + HubStageName + "/" + kind
}

// Kinds of HubParameterName.
const (
	HubTransitGatewayParameter  = "transit-gateway-id"
	HubSpokesTableParameter     = "spokes-route-table-id"
	HubInspectionTableParameter = "inspection-route-table-id"
)

// HubParameterKinds are every HubParameterName kind.
var HubParameterKinds = []string{HubTransitGatewayParameter, HubSpokesTableParameter, HubInspectionTableParameter}

// WorkspaceName names the AppStream resources of an environment's workspace, by part: fleet,
// workspace (the AppStream stack), image-builder, capacity-utilization (the scaling policy).
func (c *Config) WorkspaceName(e Environment, part string) string { return c.EnvPrefix(e) + "-" + part }

// Workspace name parts, as passed to WorkspaceName.
const (
	WorkspaceFleet        = "fleet"
	WorkspaceStack        = "workspace"
	WorkspaceImageBuilder = "image-builder"
	WorkspaceScaling      = "capacity-utilization"
)

// AccountPrefix prefixes the physical names of an account's governance: <project>-account-<name>.
func (c *Config) AccountPrefix(a Account) string { return c.Project + "-" + a.StageName() }

// AccountStackName is the CloudFormation stack name of one of an account's stacks (audit, identity,
// global-events, guardrails-<region>).
func (c *Config) AccountStackName(a Account, stack string) string {
	return c.AccountPrefix(a) + "-" + stack
}

// TrailName names the account's multi-region trail.
func (c *Config) TrailName(a Account) string { return c.AccountPrefix(a) + "-trail" }

// AuditBucketName names the audit bucket. Bucket names are global: the account ID and home region
// make it unique. accountID is a.ID, or the deploy-time account token of an environment-agnostic
// account.
func (c *Config) AuditBucketName(accountID, homeRegion string) string {
	return fmt.Sprintf("%s-audit-%s-%s", c.Project, accountID, homeRegion)
}

// AuditLogGroupName names the trail's CloudWatch Logs group.
func (c *Config) AuditLogGroupName() string { return "/" + c.Project + "/audit-trail" }

// AuditKeyAlias names the trail's KMS key.
func (c *Config) AuditKeyAlias(a Account) string { return "alias/" + c.AccountPrefix(a) + "-audit" }

// RecorderName and DeliveryChannelName name the account's AWS Config recorder and channel.
func (c *Config) RecorderName(a Account) string { return c.AccountPrefix(a) + "-recorder" }

// DeliveryChannelName names the account's AWS Config delivery channel.
func (c *Config) DeliveryChannelName(a Account) string { return c.AccountPrefix(a) + "-channel" }

// GuardPrefix prefixes the guardrail functions' EventBridge rules and metric filter.
func (c *Config) GuardPrefix() string { return c.Project + "-guard" }

// GuardRuleName names a guardrail EventBridge rule (one of GuardRules).
func (c *Config) GuardRuleName(rule string) string { return c.GuardPrefix() + "-" + rule }

// GuardRules are the EventBridge rules of the guardrail functions (constructs/guardrail_functions.go),
// which the guardrails stack names by GuardRuleName: the construct panics on a rule missing here, and
// stacks' governance test fails on a rule here it does not make.
var GuardRules = []string{
	"trail-change", "flow-logs-deleted", "compliance-change", "sg-change", "sg-noncompliant",
	"recorder-change", "recorder-check", "mfa-removed", "signin-without-mfa", "root-activity",
	"tamper-keys", "tamper-rules", "tamper-functions", "tamper-topic", "tamper-config", "tamper-audit", "tamper-check",
}

// HomeGuardRules are the GuardRules only the home region's guardrails make: the audit bucket and
// log group live there.
var HomeGuardRules = []string{"tamper-audit"}

// OutsideRegionsFilterName names the metric filter that counts calls outside the allowed regions.
func (c *Config) OutsideRegionsFilterName() string {
	return c.GuardPrefix() + "-outside-allowed-regions"
}

// ForwardRuleName names a rule of the global-events stack that forwards one of ForwardedEvents from
// us-east-1 to the home region.
func (c *Config) ForwardRuleName(a Account, event string) string {
	return c.AccountPrefix(a) + "-forward-" + event
}

// GlobalEventsRegion is where IAM, STS and most console sign-in events are delivered to EventBridge.
const GlobalEventsRegion = "us-east-1"

// ForwardsGlobalEvents says whether the account gets the global-events stack, which forwards
// GlobalEventsRegion's events home: only when none of its regions is GlobalEventsRegion.
func (a Account) ForwardsGlobalEvents() bool { return !slices.Contains(a.Regions, GlobalEventsRegion) }

// ForwardedEvents are the sign-in security events forwarded from us-east-1: the keys of
// constructs.SignInSecurityPatterns, or the global-events stack panics.
var ForwardedEvents = []string{"mfa-removed", "signin-without-mfa", "root-activity"}

// GuardrailsDashboardName names the guardrails dashboard of a region.
func (c *Config) GuardrailsDashboardName(region string) string {
	return c.Project + "-guardrails-" + region
}

// composedName is one physical name, the rule it must follow, and how it is composed: parts are
// the config values in it, most general first, each with its field path.
type composedName struct {
	rule    nameRule
	parts   []namePart
	compose func(parts []string) string
	note    string // e.g. how an unset account was stood in for
}

type namePart struct{ path, value string }

// checkNames composes every physical name of the config and reports each AWS would refuse, at the
// field path that caused it: the most specific part whose change alone would not fix the name is
// blamed on the part before it. Each kind of name is reported once per field.
func checkNames(c *Config, ps *Problems) {
	if c.Project == "" {
		return // reported as required
	}
	reported := map[string]bool{}
	report := func(n composedName) {
		values := make([]string, len(n.parts))
		for i, p := range n.parts {
			values[i] = p.value
		}
		name := n.compose(values)
		why := n.rule.problem(name)
		if why == "" {
			return
		}
		// Blame the most specific part whose shortest valid value fixes the name; failing that, the
		// project.
		blamed := 0
		for i := len(n.parts) - 1; i > 0; i-- {
			fixed := append([]string(nil), values...)
			fixed[i] = "x"
			if n.rule.problem(n.compose(fixed)) == "" {
				blamed = i
				break
			}
		}
		part := n.parts[blamed]
		key := part.path + "\x00" + n.rule.kind
		if reported[key] {
			return
		}
		reported[key] = true
		ps.add(part.path, "%q makes the %s %q invalid: %s%s", part.value, n.rule.kind, name, why, n.note)
	}
	project := namePart{"project", c.Project}

	for i, e := range c.Environments {
		if e.Name == "" {
			continue
		}
		ep := index("environments", i)
		env := namePart{ep + ".name", e.Name}
		envName := func(rule nameRule, f func(c *Config, e Environment) string) {
			report(composedName{rule: rule, parts: []namePart{project, env}, compose: func(v []string) string {
				return f(&Config{Project: v[0]}, Environment{Name: v[1], Egress: e.Egress})
			}})
		}
		for _, s := range []string{StackNetwork, StackAccess, StackWorkspace} {
			envName(stackRule, func(c *Config, e Environment) string { return c.EnvStackName(e, s) })
		}
		if a := e.Access; a != nil {
			envName(dbClusterRule, (*Config).DatabaseClusterIdentifier)
			envName(logGroupRule, (*Config).DatabaseLogGroupName)
			envName(secretRule, (*Config).DatabaseSecretName)
			envName(ssmParameterRule, (*Config).DatabaseParameterName)
			envName(dashboardRule, (*Config).AccessDashboardName)
			envName(logGroupRule, (*Config).WebACLLogGroupName)
			if a.Directory != nil {
				envName(associationRule, (*Config).DirectoryJoinAssociationName)
			}
			for j, pool := range a.Pools {
				if pool.Name == "" {
					continue
				}
				pp := namePart{index(ep+".access.pools", j) + ".name", pool.Name}
				report(composedName{rule: launchTemplateRule, parts: []namePart{project, env, pp}, compose: func(v []string) string {
					return (&Config{Project: v[0]}).LaunchTemplateName(Environment{Name: v[1]}, v[2])
				}})
			}
		}
		if e.Egress.Local() {
			envName(firewallRule, (*Config).EgressPolicyName)
			envName(dashboardRule, (*Config).EgressDashboardName)
			for _, kind := range []string{RuleGroupAllowList, RuleGroupRawRules} {
				envName(firewallRule, func(c *Config, e Environment) string { return c.EgressRuleGroupName(e, kind) })
			}
			for _, z := range e.AvailabilityZones {
				envName(firewallRule, func(c *Config, e Environment) string { return c.EgressFirewallName(e, z) })
			}
		}
		if e.Catalog.Enabled {
			envName(stackRule, func(c *Config, e Environment) string { return c.EnvStackName(e, StackCatalog) })
			envName(ssmParameterRule, func(c *Config, e Environment) string { return c.CatalogParameterName(e, CatalogAccessLogsParameter) })
		}
		if e.Workspace.Enabled {
			parts := []string{WorkspaceFleet, WorkspaceStack}
			if e.Workspace.ImageBuilder.Enabled {
				parts = append(parts, WorkspaceImageBuilder)
			}
			for _, part := range parts {
				envName(appStreamRule, func(c *Config, e Environment) string { return c.WorkspaceName(e, part) })
			}
			envName(scalingPolicyRule, func(c *Config, e Environment) string { return c.WorkspaceName(e, WorkspaceScaling) })
		}
	}

	if h := c.EgressHub; h != nil {
		hubName := func(rule nameRule, f func(c *Config) string) {
			report(composedName{rule: rule, parts: []namePart{project}, compose: func(v []string) string {
				return f(&Config{Project: v[0], EgressHub: h})
			}})
		}
		hubName(stackRule, (*Config).HubStackName)
		hubName(firewallRule, (*Config).HubPolicyName)
		hubName(firewallRule, (*Config).HubRuleGroupName)
		hubName(dashboardRule, (*Config).HubDashboardName)
		for _, z := range h.AvailabilityZones {
			hubName(firewallRule, func(c *Config) string { return c.HubFirewallName(z) })
		}
		for _, k := range HubParameterKinds {
			hubName(ssmParameterRule, func(c *Config) string { return c.HubParameterName(k) })
		}
		for i, e := range c.Environments {
			if e.Egress.ViaHub() && e.Name != "" {
				report(composedName{rule: stackRule, parts: []namePart{project, {index("environments", i) + ".name", e.Name}}, compose: func(v []string) string {
					return (&Config{Project: v[0]}).HubRoutesStackName(Environment{Name: v[1]})
				}})
			}
		}
	}

	if !c.Governance.Enabled {
		return
	}
	projectName := func(rule nameRule, f func(c *Config) string) {
		report(composedName{rule: rule, parts: []namePart{project}, compose: func(v []string) string { return f(&Config{Project: v[0]}) }})
	}
	projectName(logGroupRule, (*Config).AuditLogGroupName)
	projectName(metricFilterRule, (*Config).OutsideRegionsFilterName)
	for _, r := range GuardRules {
		projectName(eventRuleRule, func(c *Config) string { return c.GuardRuleName(r) })
	}
	if len(c.Governance.ConfigRules) == 0 {
		for _, id := range DefaultConfigRules {
			projectName(configRuleNameRule, func(c *Config) string { return ConfigRuleName(c.Project, id) })
		}
	}
	for j, id := range c.Governance.ConfigRules {
		rp := namePart{index("governance.configRules", j), id}
		report(composedName{rule: configRuleNameRule, parts: []namePart{project, rp}, compose: func(v []string) string { return ConfigRuleName(v[0], v[1]) }})
	}
	for _, a := range c.GovernedAccounts() {
		accountName := func(rule nameRule, note string, f func(c *Config) string) {
			report(composedName{rule: rule, parts: []namePart{project}, note: note, compose: func(v []string) string { return f(&Config{Project: v[0]}) }})
		}
		id, note := a.ID, ""
		if id == "" {
			id, note = unsetAccountID, " (the account is unset, so a 12-digit account ID was assumed)"
		}
		accountName(s3BucketRule, note, func(c *Config) string { return c.AuditBucketName(id, a.HomeRegion) })
		accountName(trailRule, "", func(c *Config) string { return c.TrailName(a) })
		accountName(kmsAliasRule, "", func(c *Config) string { return c.AuditKeyAlias(a) })
		accountName(configNameRule, "", func(c *Config) string { return c.RecorderName(a) })
		accountName(configNameRule, "", func(c *Config) string { return c.DeliveryChannelName(a) })
		for _, s := range []string{"audit", "identity"} {
			accountName(stackRule, "", func(c *Config) string { return c.AccountStackName(a, s) })
		}
		for _, r := range a.Regions {
			accountName(stackRule, "", func(c *Config) string { return c.AccountStackName(a, "guardrails-"+r) })
			accountName(dashboardRule, "", func(c *Config) string { return c.GuardrailsDashboardName(r) })
		}
		if a.ForwardsGlobalEvents() {
			accountName(stackRule, "", func(c *Config) string { return c.AccountStackName(a, "global-events") })
			for _, ev := range ForwardedEvents {
				accountName(eventRuleRule, "", func(c *Config) string { return c.ForwardRuleName(a, ev) })
			}
		}
	}
}
