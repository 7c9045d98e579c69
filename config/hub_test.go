package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config/suricata"
	"github.com/editbay/editbay/test/goldens"
)

// hubBase is the central-egress example: a hub and three spokes in two accounts.
func hubBase(t *testing.T) string { return readExample(t, "central-egress.yaml") }

// readExample is the text of an example config.
func readExample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mutateHub(t *testing.T, old, new string) string {
	t.Helper()
	return replaceIn(t, hubBase(t), old, new)
}

// withoutHub is the example without its egressHub section.
func withoutHub(t *testing.T) string {
	t.Helper()
	y := hubBase(t)
	start, end := strings.Index(y, "egressHub:\n"), strings.Index(y, "environments:\n")
	return y[:start] + y[end:]
}

func TestHubBase(t *testing.T) {
	c, err := Parse([]byte(hubBase(t)))
	if err != nil {
		t.Fatal(err)
	}
	h := c.EgressHub
	if h.Capacity != 1000 || h.DropAlarm != 100 || h.AmazonSideAsn != 64512 || h.AutoAcceptAttachments {
		t.Errorf("defaults not applied: %+v", h)
	}
	if got := c.HomeNet(); !slices.Equal(got, []string{"10.20.0.0/16", "10.30.0.0/16", "10.40.0.0/16"}) {
		t.Errorf("HOME_NET %v", got)
	}
	var spokes []string
	for _, e := range c.HubSpokes() {
		spokes = append(spokes, e.Name)
	}
	if !slices.Equal(spokes, []string{"render", "edit", "prod"}) {
		t.Errorf("spokes %v", spokes)
	}
	// A spoke's transit subnets come after every other group's, whatever the others' sizes.
	plan, err := PlanEnvironment(c.Environments[1])
	if err != nil {
		t.Fatal(err)
	}
	last := plan[len(plan)-1]
	if last.Name != SubnetTransit || len(last.CIDRs) != 3 || last.CIDRs[0].String() != "10.30.67.96/28" {
		t.Errorf("edit's transit subnets: %+v", last)
	}
	allows, err := c.HubAllowLists()
	if err != nil {
		t.Fatal(err)
	}
	// render.private resolves to render's two private subnets, prod.isolated to prod's two isolated.
	if got := allows[2].Sources; len(got) != 2 || got[0].String() != "10.20.16.0/20" {
		t.Errorf("render-licenses sources %v", got)
	}
	if got := allows[3].Sources; len(got) != 2 || got[0].String() != "10.40.48.0/24" {
		t.Errorf("prod-backups sources %v", got)
	}
}

// The hub's generated rules for the example's cross-account sources, with the east-west drop, as a
// golden (`make snapshot` rewrites it).
func TestHubRulesGolden(t *testing.T) {
	c, err := Parse([]byte(hubBase(t)))
	if err != nil {
		t.Fatal(err)
	}
	allows, err := c.HubAllowLists()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := suricata.Generate(allows)
	if err != nil {
		t.Fatal(err)
	}
	rs = rs.WithEastWestDrop()
	goldens.Check(t, "the hub's rules", filepath.Join("suricata", "testdata", "central-egress-hub.rules"), []byte(rs.Rules))
	rules, err := suricata.Parse(rs.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != rs.Count {
		t.Errorf("Count %d, parsed %d", rs.Count, len(rules))
	}
}

func TestHubValidation(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"spoke without a hub", withoutHub(t), []string{`environments[0].egress.mode: is hub but there is no egressHub`, `environments[2].egress.mode: is hub`}},
		{"hub without spokes", strings.ReplaceAll(hubBase(t), "mode: hub", "mode: local"), []string{`egressHub: no environment sends its egress here`}},
		{"spoke in another region", mutateHub(t, "    region: ap-northeast-1\n    availabilityZones: [ap-northeast-1a, ap-northeast-1c]\n    clientCidrs", "    region: ap-southeast-1\n    availabilityZones: [ap-southeast-1a, ap-southeast-1b]\n    clientCidrs"), []string{`environments[0].region: "ap-southeast-1": a hub spoke must be in the hub's region "ap-northeast-1"`}},
		{"spoke without an account", mutateHub(t, "    account: \"222222222222\"\n", ""), []string{`environments[2].account: is required for a hub spoke`}},
		{"spoke account not shared with", mutateHub(t, `accounts: ["111111111111", "222222222222"]`, `accounts: ["111111111111"]`), []string{`egressHub.sharedWith: does not include account 222222222222 of spoke prod`}},
		{"hub's own account shared with", mutateHub(t, `accounts: ["111111111111", "222222222222"]`, `accounts: ["111111111111", "222222222222", "999988887777"]`), []string{`egressHub.sharedWith.accounts[2]: "999988887777" is the hub's own account`}},
		{"account listed twice", mutateHub(t, `accounts: ["111111111111", "222222222222"]`, `accounts: ["111111111111", "222222222222", "111111111111"]`), []string{`egressHub.sharedWith.accounts[2]: "111111111111" is listed twice`}},
		{"outside an organization that is shared with", mutateHub(t, `accounts: ["111111111111", "222222222222"]`, "organization: arn:aws:organizations::999988887777:organization/o-abcdefghij\n    outsideOrganization: true"), []string{`egressHub.sharedWith.outsideOrganization: is true, but the hub is shared with an organization`}},
		{"bad organization", mutateHub(t, `accounts: ["111111111111", "222222222222"]`, `organization: o-abc`), []string{`egressHub.sharedWith.organization: "o-abc" does not match`}},
		{"hub VPC overlapping a spoke", mutateHub(t, "vpcCidr: 100.64.0.0/24", "vpcCidr: 10.40.0.0/24"), []string{`egressHub.vpcCidr: "10.40.0.0/24" overlaps environments[2].network.vpcCidr "10.40.0.0/16"`}},
		{"hub VPC too small", mutateHub(t, "vpcCidr: 100.64.0.0/24", "vpcCidr: 100.64.0.0/26"), []string{`egressHub.vpcCidr: "100.64.0.0/26": the prefix length must be /16 to /24`}},
		{"hub zone of another region", mutateHub(t, "availabilityZones: [ap-northeast-1a, ap-northeast-1c]\n  vpcCidr", "availabilityZones: [ap-northeast-1a, us-east-1a]\n  vpcCidr"), []string{`egressHub.availabilityZones[1]: "us-east-1a" is not a zone of region "ap-northeast-1"`}},
		{"overlapping spokes", mutateHub(t, "vpcCidr: 10.30.0.0/16", "vpcCidr: 10.20.0.0/16"), []string{`environments[1].network.vpcCidr: "10.20.0.0/16" overlaps environments[0].network.vpcCidr`}},
		{"unknown environment", mutateHub(t, "sources: [render.private]", "sources: [rendr.private]"), []string{`egressHub.rules[2].sources[0]: "rendr.private": there is no environment "rendr"`}},
		{"group not routed", mutateHub(t, "sources: [render.private]", "sources: [render.isolated]"), []string{`egressHub.rules[2].sources[0]: "render.isolated": "isolated" is not a subnet group render routes through the hub ([private])`}},
		{"environment not a spoke", mutateHub(t, "    egress: {enabled: true, mode: hub}\n  - name: prod", "    egress: {enabled: false}\n  - name: prod"), []string{`egressHub.rules[0].sources[1]: "edit.private": environment "edit" does not send its egress through the hub`}},
		{"neither CIDR nor group", mutateHub(t, "sources: [render.private]", "sources: [render]"), []string{`egressHub.rules[2].sources[0]: "render" is neither a CIDR nor <environment>.<group>`}},
		{"CIDR outside every spoke", mutateHub(t, "sources: [render.private]", "sources: [10.99.0.0/24]"), []string{`egressHub.rules[2].sources[0]: "10.99.0.0/24" is not inside a routed subnet group of a hub spoke`}},
		{"CIDR in a spoke's public subnets", mutateHub(t, "sources: [render.private]", "sources: [10.20.0.0/24]"), []string{`egressHub.rules[2].sources[0]: "10.20.0.0/24" is not inside a routed subnet group of a hub spoke`}},
		{"CIDR with host bits", mutateHub(t, "sources: [render.private]", "sources: [10.20.16.1/24]"), []string{`egressHub.rules[2].sources[0]: "10.20.16.1/24" has host bits set`}},
		{"duplicate rule name", mutateHub(t, "name: render-licenses", "name: company"), []string{`egressHub.rules[2].name: "company" is already used by egressHub.rules[0].name`}},
		{"rule name too long", mutateHub(t, "name: render-licenses", "name: render-licenses-for-the-whole-farm"), []string{`egressHub.rules[2].name: "render-licenses-for-the-whole-farm" makes the IP set variable`}},
		{"bad domain", mutateHub(t, "domains: [license.renderman.example]", "domains: [\"*.renderman.example\"]"), []string{`egressHub.rules[2].domains[0]: "*.renderman.example": write .example.com`}},
		{"capacity too small", mutateHub(t, "  logRetentionDays: 365\n", "  logRetentionDays: 365\n  capacity: 10\n"), []string{`egressHub.capacity: the allow-lists generate 14 rules (and one east-west drop), more than the rule group's capacity 10`}},
		{"log retention", mutateHub(t, "  logRetentionDays: 365\n", "  logRetentionDays: 100\n"), []string{`egressHub.logRetentionDays: 100 is not a CloudWatch Logs retention period`}},
		{"no rules", mutateHub(t, "  rules:\n    - name: company\n", "  rules: []\n  x:\n    - name: company\n"), []string{`egressHub.rules: need at least 1, got 0`}},
		{"spoke rules in hub mode", mutateHub(t, "    egress: {enabled: true, mode: hub}\n  - name: prod", "    egress: {enabled: true, mode: hub, rules: [{name: x, sources: [private], domains: [a.example]}]}\n  - name: prod"), []string{`environments[1].egress.rules: mode hub filters with egressHub's allow-lists`}},
		{"unknown key", mutateHub(t, "  production: true\n  sharedWith", "  production: true\n  shareWith: {}\n  sharedWith"), []string{`egressHub.shareWith: unknown key`}},
		{"missing account", mutateHub(t, "  account: \"999988887777\"\n", ""), []string{`egressHub.account: is required`}},
		{"ASN out of range", mutateHub(t, "  production: true\n", "  production: true\n  amazonSideAsn: 100\n"), []string{`egressHub.amazonSideAsn: 100 is below the minimum 64512`}},
		{"Environment tag on the hub", mutateHub(t, "  production: true\n", "  production: true\n  tags: {Environment: hub}\n"), []string{`egressHub.tags.Environment: is set to egress-hub; remove it`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertProblems(t, tc.yaml, tc.want...)
		})
	}
}
