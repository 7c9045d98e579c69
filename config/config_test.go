package config

import (
	"encoding/json"
	"errors"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const base = `
project: demo
tags: {Project: demo, CostCenter: CC-1, Owner: ops}
environments:
  - name: stg
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network:
      vpcCidr: 10.1.0.0/16
`

// mutate replaces one fragment of base, failing the test if the fragment is not there.
func mutate(t *testing.T, old, new string) string {
	t.Helper()
	return replaceIn(t, base, old, new)
}

// replaceIn replaces one fragment of the config doc, failing the test if the fragment is not there.
func replaceIn(t *testing.T, doc, old, new string) string {
	t.Helper()
	if !strings.Contains(doc, old) {
		t.Fatalf("test bug: %q is not in the config", old)
	}
	return strings.Replace(doc, old, new, 1)
}

func TestBaseIsValid(t *testing.T) {
	c, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Environments[0].Network
	if n.NatMode != NatPerAz || n.FlowLogs.Destination != FlowLogsToCloudWatch || n.FlowLogs.RetentionDays != 365 {
		t.Errorf("defaults not applied: %+v", n)
	}
	if n.Subnets != (SubnetMasks{Public: 24, Private: 20, Isolated: 24, Firewall: 28}) {
		t.Errorf("subnet defaults not applied: %+v", n.Subnets)
	}
	want := map[string]string{"Project": "demo", "CostCenter": "CC-1", "Owner": "ops", "Environment": "stg"}
	if got := c.CostTags(c.Environments[0]); !maps.Equal(got, want) {
		t.Errorf("CostTags = %v, want %v", got, want)
	}
}

func TestSetValuesAreNotDefaulted(t *testing.T) {
	c, err := Parse([]byte(mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      natMode: single\n      subnets: {private: 22}")))
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Environments[0].Network; n.NatMode != NatSingle || n.Subnets.Private != 22 || n.Subnets.Public != 24 {
		t.Errorf("got %+v", n)
	}
}

func TestMalformedConfigs(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // each must appear in the error, as "path: message"
	}{
		{"unknown top-level key", base + "colour: blue\n", []string{`colour: unknown key`}},
		{"unknown nested key with hint", mutate(t, "vpcCidr:", "vpcCIDR:"), []string{`environments[0].network.vpcCIDR: unknown key (did you mean "vpcCidr"?)`, `environments[0].network.vpcCidr: is required`}},
		{"duplicate key", mutate(t, "project: demo", "project: demo\nproject: other"), []string{`project: duplicate key`}},
		{"wrong shape", mutate(t, "clientCidrs: [198.51.100.0/24]", "clientCidrs: 198.51.100.0/24"), []string{`environments[0].clientCidrs: expected a list, got "198.51.100.0/24"`}},
		{"not a number", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      flowLogs: {retentionDays: forever}"), []string{`environments[0].network.flowLogs.retentionDays: "forever" is not a valid whole number`}},
		{"one zone", mutate(t, "[eu-west-1a, eu-west-1b]", "[eu-west-1a]"), []string{`environments[0].availabilityZones: need at least 2, got 1`}},
		{"zone of another region", mutate(t, "eu-west-1b]", "us-east-1b]"), []string{`environments[0].availabilityZones[1]: "us-east-1b" is not a zone of region "eu-west-1"`}},
		{"zone twice", mutate(t, "eu-west-1b]", "eu-west-1a]"), []string{`environments[0].availabilityZones[1]: "eu-west-1a" is listed twice`}},
		{"bad region", mutate(t, "region: eu-west-1", "region: Europe"), []string{`environments[0].region: "Europe" does not match`}},
		{"bad account", mutate(t, "region: eu-west-1", "account: 12345\n    region: eu-west-1"), []string{`environments[0].account: "12345" does not match ^[0-9]{12}$`}},
		{"missing region", mutate(t, "region: eu-west-1", ""), []string{`environments[0].region: is required`}},
		{"malformed VPC CIDR", mutate(t, "10.1.0.0/16", "10.1.0.0/33"), []string{`environments[0].network.vpcCidr: "10.1.0.0/33" is not a CIDR`}},
		{"VPC CIDR host bits", mutate(t, "10.1.0.0/16", "10.1.2.0/16"), []string{`environments[0].network.vpcCidr: "10.1.2.0/16" has host bits set; did you mean "10.1.0.0/16"?`}},
		{"VPC too large", mutate(t, "10.1.0.0/16", "10.0.0.0/8"), []string{`environments[0].network.vpcCidr: "10.0.0.0/8": the prefix length must be /16 to /24`}},
		{"VPC in a reserved range", mutate(t, "10.1.0.0/16", "169.254.0.0/16"), []string{`environments[0].network.vpcCidr: "169.254.0.0/16" lies in 169.254.0.0/16`}},
		{"IPv6 VPC", mutate(t, "10.1.0.0/16", "2001:db8::/56"), []string{`environments[0].network.vpcCidr: "2001:db8::/56" is not an IPv4 CIDR`}},
		{"subnets do not fit", mutate(t, "10.1.0.0/16", "10.1.0.0/22"), []string{`environments[0].network.subnets: private subnets of /20 do not fit a /22 VPC`}},
		{"mask out of range", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      subnets: {public: 30}"), []string{`environments[0].network.subnets.public: 30 is above the maximum 28`}},
		{"client CIDR malformed", mutate(t, "[198.51.100.0/24]", "[198.51.100.0/24, any]"), []string{`environments[0].clientCidrs[1]: "any" is not a CIDR`}},
		{"client CIDRs overlap", mutate(t, "[198.51.100.0/24]", "[198.51.100.0/24, 198.51.100.128/25]"), []string{`environments[0].clientCidrs[1]: "198.51.100.128/25" overlaps environments[0].clientCidrs[0] "198.51.100.0/24"`}},
		{"client CIDR inside the VPC", mutate(t, "[198.51.100.0/24]", "[10.1.4.0/24]"), []string{`environments[0].clientCidrs[0]: "10.1.4.0/24" overlaps part of the VPC "10.1.0.0/16"`}},
		{"no client CIDRs", mutate(t, "clientCidrs: [198.51.100.0/24]", "clientCidrs: []"), []string{`environments[0].clientCidrs: need at least 1, got 0`}},
		{"bad NAT mode", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      natMode: none"), []string{`environments[0].network.natMode: "none" is not one of perAz, single`}},
		{"bad flow-log destination", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      flowLogs: {destination: kinesis}"), []string{`environments[0].network.flowLogs.destination: "kinesis" is not one of cloudWatchLogs, s3`}},
		{"impossible log retention", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      flowLogs: {retentionDays: 100}"), []string{`environments[0].network.flowLogs.retentionDays: 100 is not a CloudWatch Logs retention period`}},
		{"built-in endpoint repeated", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      additionalInterfaceEndpoints: [logs, ssm, logs]"), []string{`environments[0].network.additionalInterfaceEndpoints[1]: "ssm" is always created`, `environments[0].network.additionalInterfaceEndpoints[2]: "logs" is listed twice`}},
		{"missing cost tag", mutate(t, "Owner: ops", "Team: ops"), []string{`environments[0].tags.Owner: mandatory cost tag is missing`}},
		{"Environment tag set by hand", mutate(t, "Owner: ops}", "Owner: ops, Environment: x}"), []string{`tags.Environment: is set from each environment's name`}},
		{"editbay tag prefix", mutate(t, "Owner: ops}", "Owner: ops, 'editbay:guardrail': 'true'}"), []string{`tags.editbay:guardrail: the editbay: prefix is reserved`}},
		{"reserved tag prefix", mutate(t, "Owner: ops}", "Owner: ops, 'aws:x': y}"), []string{`tags.aws:x: the aws: prefix is reserved`}},
		{"bad tag characters", mutate(t, "Owner: ops}", "Owner: 'ops#1'}"), []string{`tags.Owner: value "ops#1" has characters AWS tags do not allow`}},
		{"bad project name", mutate(t, "project: demo", "project: Demo_App"), []string{`project: "Demo_App" does not match`}},
		{"no environments", mutate(t, "environments:", "environments: []\nx:"), []string{`environments: need at least 1, got 0`, `x: unknown key`}},
		{"duplicate environment names", base + `  - name: stg
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.1.128.0/17}
`, []string{`environments[1].name: "stg" is already used by environments[0].name`, `environments[1].network.vpcCidr: "10.1.128.0/17" overlaps environments[0].network.vpcCidr "10.1.0.0/16"`}},
		{"mixed accounts", base + `  - name: prod
    account: "111122223333"
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.2.0.0/16}
`, []string{`environments[0].account: is unset while environments[1] sets one`}},
		{"governance unknown key", base + "governance: {trial: {}}\n", []string{`governance.trial: unknown key (did you mean "trail"?)`}},
		{"group names collide", base + "governance: {groups: {admin: Ops, operators: ops}}\n", []string{`governance.groups.operators: "ops" is already the name of groups.admin`}},
		{"bad group name", base + "governance: {groups: {developers: 'dev team'}}\n", []string{`governance.groups.developers: "dev team" does not match`}},
		{"user in an unknown group", base + "governance: {users: [{name: alice, groups: [admins]}]}\n", []string{`governance.users[0].groups[0]: "admins" does not match ^(admin|developers|operators)$`}},
		{"user without groups", base + "governance: {users: [{name: alice}]}\n", []string{`governance.users[0].groups: is required`}},
		{"user listed twice", base + "governance: {users: [{name: alice, groups: [admin]}, {name: Alice, groups: [operators, operators]}]}\n", []string{`governance.users[1].name: "Alice" is already listed at governance.users[0]`, `governance.users[1].groups[1]: "operators" is listed twice`}},
		{"user of a foreign account", base + "governance: {users: [{name: alice, groups: [admin], account: '999999999999'}]}\n", []string{`governance.users[0].account: "999999999999" is not the account of any environment`}},
		{"weak password policy", base + "governance: {passwordPolicy: {minimumLength: 6, reusePrevention: 30}}\n", []string{`governance.passwordPolicy.minimumLength: 6 is below the minimum 8`, `governance.passwordPolicy.reusePrevention: 30 is above the maximum 24`}},
		{"object lock outlives the lifecycle", base + "governance: {trail: {expireAfterDays: 365, objectLock: {retentionDays: 400}}}\n", []string{`governance.trail.objectLock.retentionDays: 400 is after expireAfterDays (365)`}},
		{"object lock mode", base + "governance: {trail: {objectLock: {mode: legal}}}\n", []string{`governance.trail.objectLock.mode: "legal" is not one of GOVERNANCE, COMPLIANCE, off`}},
		{"trail retention", base + "governance: {trail: {logRetentionDays: 100, coldStorageAfterDays: 400, expireAfterDays: 365}}\n", []string{`governance.trail.logRetentionDays: 100 is not a CloudWatch Logs retention period`, `governance.trail.expireAfterDays: 365 must be later than coldStorageAfterDays (400)`}},
		{"config rule malformed and repeated", base + "governance: {configRules: [EC2_IMDSV2_CHECK, restricted-ssh, EC2_IMDSV2_CHECK]}\n", []string{`governance.configRules[1]: "restricted-ssh" does not match`, `governance.configRules[2]: "EC2_IMDSV2_CHECK" is listed twice`}},
		{"allowed regions miss an environment", base + "governance: {allowedRegions: [us-east-1]}\n", []string{`governance.allowedRegions: lacks "eu-west-1", where account default deploys`}},
		{"bad remediation mode", base + "governance: {remediation: {mode: off, recorderCheckMinutes: 0}}\n", []string{`governance.remediation.mode: "off" is not one of enforce, dryRun`}},
		{"bad alert e-mail", base + "governance: {alertEmails: [ops]}\n", []string{`governance.alertEmails[0]: "ops" does not match`}},
		// A config that validates is one AWS accepts (issue 11): physical names, AWS's own lists,
		// explicit zeros, YAML documents.
		{"second YAML document", base + "---\nproject: other\n", []string{`a second YAML document starts at line 11`}},
		{"project with a double hyphen", mutate(t, "project: demo", "project: ab--c"), []string{`project: "ab--c" makes the CloudTrail trail name "ab--c-account-default-trail" invalid: no adjacent periods, underscores or hyphens`}},
		{"project with a trailing hyphen", mutate(t, "project: demo", "project: demo-"), []string{`project: "demo-" makes the CloudTrail trail name "demo--account-default-trail" invalid`}},
		{"project with a reserved S3 prefix", mutate(t, "project: demo", "project: xn--demo"), []string{`project: "xn--demo" makes the S3 bucket name "xn--demo-audit-123456789012-eu-west-1" invalid: the prefix "xn--" is reserved (the account is unset, so a 12-digit account ID was assumed)`}},
		{"project with the sthree- prefix", mutate(t, "project: demo", "project: sthree-x"), []string{`project: "sthree-x" makes the S3 bucket name "sthree-x-audit-123456789012-eu-west-1" invalid: the prefix "sthree-" is reserved`}},
		{"long project and an account", strings.NewReplacer("project: demo", "project: abcdefghijklmnopqrst", "region: eu-west-1", "account: \"111122223333\"\n    region: eu-west-1").Replace(base),
			[]string{`project: "abcdefghijklmnopqrst" makes the EventBridge rule name "abcdefghijklmnopqrst-account-111122223333-forward-signin-without-mfa" invalid: at most 64 characters, it has 68`}},
		{"project reserved for SSM parameters", replaceIn(t, withAccess, "project: demo", "project: ssm-demo"), []string{`project: "ssm-demo" makes the SSM parameter name "/ssm-demo-stg-brokers/connection" invalid: it must not begin with "ssm"`}},
		{"project breaks the DB cluster identifier", replaceIn(t, withAccess, "project: demo", "project: demo-"), []string{`project: "demo-" makes the RDS DB cluster identifier "demo--stg-brokers" invalid: no two consecutive hyphens`, `project: "demo-" makes the CloudTrail trail name`}},
		{"unknown region", strings.ReplaceAll(base, "eu-west-1", "us-west-9"), []string{`environments[0].region: "us-west-9" is not an AWS region (did you mean "us-west-1"?)`}},
		{"zone the region lacks", mutate(t, "eu-west-1b]", "eu-west-1d]"), []string{`environments[0].availabilityZones[1]: "eu-west-1d" is not a zone of region "eu-west-1" (eu-west-1a, eu-west-1b, eu-west-1c)`}},
		{"zone the region lacks (us-west-2e)", strings.NewReplacer("eu-west-1b", "us-west-2e", "eu-west-1", "us-west-2").Replace(base), []string{`environments[0].availabilityZones[1]: "us-west-2e" is not a zone of region "us-west-2"`}},
		{"unknown home region", base + "governance: {homeRegion: eu-west-7}\n", []string{`governance.homeRegion: "eu-west-7" is not an AWS region`}},
		{"unknown allowed region", base + "governance: {allowedRegions: [eu-west-1, us-east-1, ap-northeast-9]}\n", []string{`governance.allowedRegions[2]: "ap-northeast-9" is not an AWS region`}},
		{"AMI for an unknown region", replaceIn(t, withAccess, "{ids: {eu-west-1: ami-0123456789abcdef0}}", "{ids: {eu-west-1: ami-0123456789abcdef0, eu-wset-1: ami-0123456789abcdef0}}"), []string{`environments[0].access.pools[1].image.ids.eu-wset-1: "eu-wset-1" is not an AWS region (did you mean "eu-west-1"?)`}},
		{"pool instance type typo", replaceIn(t, withAccess, "instanceType: g4dn.xlarge", "instanceType: g5.xlarg"), []string{`environments[0].access.pools[0].instanceType: "g5.xlarg" is not an EC2 instance type (did you mean "g5.xlarge"?)`}},
		{"allowed instance type typo", replaceIn(t, withAccess, "[g4dn.xlarge, t3.large]", "[g4dn.xlarge, t3.large, t3.medum]"), []string{`allowedInstanceTypes[2]: "t3.medum" is not an EC2 instance type (did you mean "t3.medium"?)`}},
		{"broker instance type typo", replaceIn(t, withAccess, "      broker:\n", "      broker:\n        instanceType: t3.medum\n"), []string{`environments[0].access.broker.instanceType: "t3.medum" is not an EC2 instance type (did you mean "t3.medium"?)`}},
		{"gateway instance type typo", replaceIn(t, withAccess, "      pools:", "      gateway: {instanceType: c5.larg}\n      pools:"), []string{`environments[0].access.gateway.instanceType: "c5.larg" is not an EC2 instance type (did you mean "c5.large"?)`}},
		{"fallback instance type typo", replaceIn(t, withAccess, "minAvailable: 1", "fallbackInstanceTypes: [g4dn.xlarg]"), []string{`environments[0].access.pools[0].fallbackInstanceTypes[0]: "g4dn.xlarg" is not an EC2 instance type (did you mean "g4dn.xlarge"?)`}},
		{"AppStream instance type typo", replaceIn(t, workspaceBase, "enabled: true\n      image", "enabled: true\n      instanceType: stream.standard.medum\n      image"), []string{`environments[0].workspace.instanceType: "stream.standard.medum" is not an AppStream instance type (did you mean "stream.standard.medium"?)`}},
		{"database instance class typo", replaceIn(t, withAccess, "      pools:", "      database: {instanceClass: r6g.larg}\n      pools:"), []string{`environments[0].access.database.instanceClass: "r6g.larg" is not an Aurora PostgreSQL instance class (did you mean "r6g.large"?)`}},
		{"unknown Config rule", base + "governance: {configRules: [EC2_IMDSV2_CHEK]}\n", []string{`governance.configRules[0]: "EC2_IMDSV2_CHEK" is not an AWS Config managed rule identifier (did you mean "EC2_IMDSV2_CHECK"?)`}},
		{"Config rule that needs parameters", base + "governance: {configRules: [REQUIRED_TAGS]}\n", []string{`governance.configRules[0]: "REQUIRED_TAGS" needs the parameters tag1Key, which configRules cannot pass`}},
		{"deprecated engine version", replaceIn(t, withAccess, "      pools:", "      database: {engineVersion: '16.6'}\n      pools:"), []string{`environments[0].access.database.engineVersion: "16.6" is deprecated: AWS no longer creates Aurora PostgreSQL clusters of it (offered: 16.4, 16.8`}},
		{"unknown engine version", replaceIn(t, withAccess, "      pools:", "      database: {engineVersion: '16.99'}\n      pools:"), []string{`environments[0].access.database.engineVersion: "16.99" is not an Aurora PostgreSQL version AWS offers`}},
		{"misspelt time zone", replaceIn(t, workspaceBase, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 1, timezone: Asia/Tokio}\n      image"), []string{`environments[0].workspace.businessHours.timezone: "Asia/Tokio" is not an IANA time zone`}},
		{"explicit zero end hour", replaceIn(t, workspaceBase, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 1, startHour: 0, endHour: 0}\n      image"), []string{`environments[0].workspace.businessHours.endHour: 0 is below the minimum 1`}},
		{"explicit zero recorder check", base + "governance: {remediation: {recorderCheckMinutes: 0}}\n", []string{`governance.remediation.recorderCheckMinutes: 0 is below the minimum 1`}},
		{"explicit zero flow-log retention", mutate(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      flowLogs: {retentionDays: 0}"), []string{`environments[0].network.flowLogs.retentionDays: 0 is below the minimum 1`}},
		{"explicit zero firewall log retention", replaceIn(t, egressBase, "    egress:\n      enabled: true\n", "    egress:\n      enabled: true\n      logRetentionDays: 0\n"), []string{`environments[0].egress.logRetentionDays: 0 is below the minimum 1`}},
		{"explicit zero broker volume", replaceIn(t, withAccess, "      broker:\n", "      broker:\n        volumeSizeGiB: 0\n"), []string{`environments[0].access.broker.volumeSizeGiB: 0 is below the minimum 8`}},
		{"explicit zero required pool size", replaceIn(t, withAccess, "maxSize: 8", "maxSize: 0"), []string{`environments[0].access.pools[1].maxSize: 0 is below the minimum 1`}},
		{"explicit empty protocol list", replaceIn(t, withAccess, "      pools:", "      gateway: {protocols: []}\n      pools:"), []string{`environments[0].access.gateway.protocols: need at least 1, got 0`}},
		{"negative serverless capacity", replaceIn(t, withAccess, "      pools:", "      database: {mode: serverless, minCapacity: -0.5}\n      pools:"), []string{`environments[0].access.database.minCapacity: -0.5 is not 0 to 256 capacity units`}},
		{"broker user data over 16 KB", replaceIn(t, withAccess, "      broker:\n", "      broker:\n        userData: ['"+strings.Repeat("x", 16000)+"']\n"), []string{`environments[0].access.broker.userData: the brokers' user data would have 16`, `over EC2's limit of 16384`}},
		{"gateway user data over 16 KB", replaceIn(t, withAccess, "      pools:", "      gateway: {userData: ['"+strings.Repeat("y", 16400)+"']}\n      pools:"), []string{`environments[0].access.gateway.userData: the gateways' user data would have 16412 bytes`}},
		{"client CIDR overlapping part of the VPC", mutate(t, "[198.51.100.0/24]", "[10.1.128.0/17]"), []string{`environments[0].clientCidrs[0]: "10.1.128.0/17" overlaps part of the VPC "10.1.0.0/16"`}},
		{"excluded account of no environment", base + "governance: {excludedAccounts: ['999999999999']}\n", []string{`governance.excludedAccounts[0]: "999999999999" is not the account of any environment`}},
		{"malformed excluded account", base + "governance: {excludedAccounts: ['12345']}\n", []string{`governance.excludedAccounts[0]: "12345" does not match ^[0-9]{12}$`}},
		{"governance switch not a boolean", base + "governance: {enabled: sometimes}\n", []string{`governance.enabled: "sometimes" is not a valid boolean`}},
		{"not YAML", "project: [", []string{`not valid YAML`}},
		{"empty", "", []string{`the config is empty`}},
	}
	if len(cases) < 40 {
		t.Fatalf("the issues ask for at least 40 malformed configs, have %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if c != nil {
				t.Error("a config was returned with an error")
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want Problems", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q; got:\n%v", w, err)
				}
			}
		})
	}
}

// What AWS accepts, validation accepts: an explicit 0 is kept where 0 is valid, a client network that
// contains the whole VPC is world access, and governance can be switched off or narrowed.
func TestAcceptedAsWritten(t *testing.T) {
	c, err := Parse([]byte(replaceIn(t, workspaceBase, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 1, startHour: 0, endHour: 6, timezone: Asia/Tokyo}\n      image")))
	if err != nil {
		t.Fatal(err)
	}
	if bh := c.Environments[0].Workspace.BusinessHours; bh.StartHour != 0 || bh.EndHour != 6 {
		t.Errorf("startHour 0 became %d", bh.StartHour)
	}
	c, err = Parse([]byte(replaceIn(t, withAccess, "      pools:", "      database: {mode: serverless, minCapacity: 0, maxCapacity: 2}\n      pools:")))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Environments[0].Access.Database; d.MinCapacity != 0 || d.MaxCapacity != 2 {
		t.Errorf("serverless minCapacity 0 became %g", d.MinCapacity)
	}
	for _, clients := range []string{"[0.0.0.0/0]", "[10.0.0.0/8]", "['::/0', 198.51.100.0/24]"} {
		if _, err := Parse([]byte(mutate(t, "[198.51.100.0/24]", clients))); err != nil {
			t.Errorf("clientCidrs %s: %v", clients, err)
		}
	}
	for _, y := range []string{base + "---\n", "---\n" + base, strings.ReplaceAll(base, "eu-west-1", "mx-central-1")} {
		if _, err := Parse([]byte(y)); err != nil {
			t.Errorf("%v in:\n%s", err, y)
		}
	}

	// A long project name is fine for the environments when no account stage is deployed.
	off := strings.Replace(mutate(t, "project: demo", "project: abcdefghijklmnopqrst"), "region: eu-west-1", "account: \"111122223333\"\n    region: eu-west-1", 1) + "governance: {enabled: false}\n"
	if c, err = Parse([]byte(off)); err != nil {
		t.Fatal(err)
	}
	if a := c.GovernedAccounts(); len(a) != 0 {
		t.Errorf("governance off governs %+v", a)
	}
	// In us-east-1 itself nothing is forwarded, so there is no forwarding rule to outgrow its limit.
	if _, err = Parse([]byte(strings.NewReplacer("governance: {enabled: false}\n", "", "eu-west-1", "us-east-1").Replace(off))); err != nil {
		t.Error(err)
	}
	if c, err = Parse([]byte(base)); err != nil || !c.Governance.Enabled || len(c.GovernedAccounts()) != 1 {
		t.Errorf("governance is on by default: %v %+v", err, c)
	}
}

// Every problem is reported in one run, not just the first.
func TestAllProblemsAtOnce(t *testing.T) {
	y := strings.NewReplacer("eu-west-1b]", "us-east-1b]", "10.1.0.0/16", "10.1.0.0/33", "CostCenter: CC-1, ", "").Replace(base) + "extra: 1\n"
	_, err := Parse([]byte(y))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v", err)
	}
	want := []string{"extra", "environments[0].availabilityZones[1]", "environments[0].network.vpcCidr", "environments[0].tags.CostCenter"}
	for _, w := range want {
		found := false
		for _, p := range ps {
			found = found || p.Path == w
		}
		if !found {
			t.Errorf("no problem at %s in:\n%v", w, err)
		}
	}
}

func TestPlanSubnets(t *testing.T) {
	groups, err := PlanSubnets(netip.MustParsePrefix("10.0.0.0/16"), SubnetMasks{Public: 24, Private: 20, Isolated: 24, Firewall: 28}, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Public /24s first; the private /20s start at the next /20 boundary, as CDK aligns them.
	want := map[string][]string{
		SubnetPublic:   {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"},
		SubnetPrivate:  {"10.0.16.0/20", "10.0.32.0/20", "10.0.48.0/20"},
		SubnetIsolated: {"10.0.64.0/24", "10.0.65.0/24", "10.0.66.0/24"},
		SubnetFirewall: {"10.0.67.0/28", "10.0.67.16/28", "10.0.67.32/28"},
		SubnetNat:      {"10.0.67.48/28", "10.0.67.64/28", "10.0.67.80/28"},
	}
	for _, g := range groups {
		var got []string
		for _, c := range g.CIDRs {
			got = append(got, c.String())
		}
		if strings.Join(got, " ") != strings.Join(want[g.Name], " ") {
			t.Errorf("%s: got %v, want %v", g.Name, got, want[g.Name])
		}
	}
	if _, err := PlanSubnets(netip.MustParsePrefix("10.0.0.0/20"), SubnetMasks{Public: 24, Private: 22, Isolated: 24, Firewall: 28}, 3); err == nil {
		t.Error("3 zones of /22 private subnets fit a /20 VPC next to public ones")
	}
}

// The published schema is what the Go types generate (rewrite it with `make snapshot`), and the
// default config passes it, so editors and Load agree.
func TestSchemaInSync(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_SNAPSHOTS") != "" {
		if err := os.WriteFile(SchemaID, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("config/%s is out of date with the Go types; run `make snapshot`", SchemaID)
	}

	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(got)))
	if err != nil {
		t.Fatal(err)
	}
	compiler := jsonschema.NewCompiler()
	if err := compiler.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := compiler.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	for name, y := range map[string]string{"default.yaml": string(DefaultYAML), "base": base} {
		if err := schema.Validate(yamlToJSON(t, y)); err != nil {
			t.Errorf("%s fails the schema: %v", name, err)
		}
	}
	// The schema rejects unknown keys too, so editors flag the same typos Load does.
	if err := schema.Validate(yamlToJSON(t, mutate(t, "vpcCidr:", "vpcCIDR: 10.1.0.0/16\n      vpcCidr:"))); err == nil {
		t.Error("the schema accepts an unknown key")
	}
}

func TestDefaultConfigIsValid(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Environments) < 2 {
		t.Errorf("the default config should show staging and production, has %d environments", len(c.Environments))
	}
}

func yamlToJSON(t *testing.T, y string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(y), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGovernanceDefaultsAndAccounts(t *testing.T) {
	c, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	g := c.Governance
	if g.Groups != (GroupNames{"Admin", "Developers", "Operators"}) || g.PasswordPolicy != (PasswordPolicy{14, 24, 90}) ||
		g.Trail != (Trail{365, 90, 2557, ObjectLock{"GOVERNANCE", 365}}) || g.Remediation != (Remediation{RemediationEnforce, 5}) {
		t.Errorf("defaults %+v", g)
	}
	if !slices.Equal(g.Rules(), DefaultConfigRules) || len(DefaultConfigRules) < 14 {
		t.Errorf("rules %v", g.Rules())
	}
	accts := c.Accounts()
	if len(accts) != 1 || accts[0].ID != "" || accts[0].StageName() != "account-default" || accts[0].HomeRegion != "eu-west-1" {
		t.Errorf("agnostic account %+v", accts)
	}
	if got := c.AllowedRegions(); !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("allowed regions %v", got)
	}

	// Two environments in one account and region share its guardrails; a third account gets its own,
	// and a second region of an account gets a recorder there.
	two := strings.Replace(base, "region: eu-west-1", "account: \"111122223333\"\n    region: eu-west-1", 1) + `  - name: prod
    account: "111122223333"
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.2.0.0/16}
  - name: dr
    account: "111122223333"
    region: eu-central-1
    availabilityZones: [eu-central-1a, eu-central-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.3.0.0/16}
  - name: lab
    account: "444455556666"
    region: us-west-2
    availabilityZones: [us-west-2a, us-west-2b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.4.0.0/16}
governance: {homeRegion: eu-west-1}
`
	c, err = Parse([]byte(two))
	if err != nil {
		t.Fatal(err)
	}
	accts = c.Accounts()
	if len(accts) != 2 || accts[0].StageName() != "account-111122223333" || !slices.Equal(accts[0].Environments, []string{"stg", "prod", "dr"}) ||
		!slices.Equal(accts[0].Regions, []string{"eu-west-1", "eu-central-1"}) || accts[1].HomeRegion != "eu-west-1" ||
		!slices.Equal(accts[1].Regions, []string{"eu-west-1", "us-west-2"}) {
		t.Errorf("accounts %+v", accts)
	}

	// An excluded account keeps its own trail and recorder: governance deploys to the others only.
	c, err = Parse([]byte(strings.Replace(two, "governance: {homeRegion: eu-west-1}", `governance: {homeRegion: eu-west-1, excludedAccounts: ["111122223333"]}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if a := c.GovernedAccounts(); len(a) != 1 || a[0].ID != "444455556666" || len(c.Accounts()) != 2 {
		t.Errorf("governed %+v", a)
	}
}

func TestConfigRuleName(t *testing.T) {
	for id, want := range map[string]string{
		"INCOMING_SSH_DISABLED":                "editbay-restricted-ssh",
		"RESTRICTED_INCOMING_TRAFFIC":          "editbay-restricted-common-ports",
		"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS": "editbay-vpc-sg-open-only-to-authorized-ports",
		"EC2_IMDSV2_CHECK":                     "editbay-ec2-imdsv2-check",
	} {
		if got := ConfigRuleName("editbay", id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}
