package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/testapp"
)

// variantsConfig exercises what the default config leaves off: isolated subnets routed through the
// firewall, AWS managed rule groups, an expert rules file, and an always-on workspace from an image
// ARN with file upload, printing and an image builder.
const variantsConfig = `
project: acme
tags: {Project: acme, CostCenter: CC-9, Owner: ops}
environments:
  - name: dev
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.1.0.0/16}
    egress:
      enabled: true
      routedGroups: [private, isolated]
      managedRuleGroups: [MalwareDomainsStrictOrder, AttackInfrastructureStrictOrder]
      rulesFile: RULES
      capacity: 200
      rules:
        - {name: db-updates, sources: [isolated], domains: [.postgresql.org], protocols: [tls]}
        - {name: apps, sources: [private, 10.1.16.0/24], domains: [.example.com]}
    workspace:
      enabled: true
      image: arn:aws:appstream:eu-west-1:111122223333:image/editbay-golden
      fleetType: ALWAYS_ON
      minCapacity: 1
      fileUpload: true
      printing: true
      samlProviderName: idc
      secureAreaCidrs: [198.51.100.0/24]
      imageBuilder: {enabled: true, image: AppStream-WinServer2022-06-17-2025}
`

const expertRules = "drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"no old TLS\"; ssl_version:tls1.0; sid:1; rev:1;)\n"

func TestEgressAndWorkspaceVariants(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "expert.rules")
	if err := os.WriteFile(rules, []byte(expertRules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(strings.Replace(variantsConfig, "RULES", rules, 1)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app, err := testapp.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	BuildSelected(app, cfg, environmentsOnly(cfg))
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("synthesis failed: %v", r)
			}
		}()
		app.Synth(nil)
	}()
	findings, err := assembly.ReadFindings(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f) // cdk-nag must be clean for the variants too
	}
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	tpl := map[string]string{}
	for _, s := range stacks {
		data, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			t.Fatal(err)
		}
		tpl[s.DisplayName] = string(data)
	}
	network, workspace := compact(t, tpl["dev/Network"]), compact(t, tpl["dev/Workspace"])

	// Strict order: the managed groups first, then the expert rules, then the allow-list.
	for _, want := range []string{
		`{"Priority":10,"ResourceArn":"arn:aws:network-firewall:eu-west-1:aws-managed:stateful-rulegroup/MalwareDomainsStrictOrder"}`,
		`{"Priority":11,"ResourceArn":"arn:aws:network-firewall:eu-west-1:aws-managed:stateful-rulegroup/AttackInfrastructureStrictOrder"}`,
		`{"Priority":100,"ResourceArn":{"Fn::GetAtt":["EgressFirewallRawRules`,
		`{"Priority":200,"ResourceArn":{"Fn::GetAtt":["EgressFirewallAllowList`,
		`"RuleGroupName":"acme-dev-raw-rules-200"`,
		`"RulesString":` + mustJSON(t, expertRules),
		`"SRC_DB_UPDATES":{"Definition":["10.1.48.0/24","10.1.49.0/24"]}`,
		`"SRC_APPS":{"Definition":["10.1.16.0/20","10.1.16.0/24","10.1.32.0/20"]}`,
	} {
		if !strings.Contains(network, want) {
			t.Errorf("network template lacks %s", want)
		}
	}
	// The isolated subnets, now routed, leave through their own zone's firewall.
	for i, zone := range []string{"A", "B"} {
		want := fmt.Sprintf(`"EgressFirewallisolatedSubnet%dDefaultRoute`, i+1)
		j := strings.Index(network, want)
		if j < 0 {
			t.Fatalf("no default route for isolated subnet %d", i+1)
		}
		if !strings.Contains(network[j:j+600], `"Fn::GetAtt":["EgressFirewallFirewall`+zone) {
			t.Errorf("isolated subnet %d does not use the firewall of zone %s: %s", i+1, zone, network[j:j+600])
		}
	}
	for _, want := range []string{
		`"FleetType":"ALWAYS_ON"`,
		`"ImageArn":"arn:aws:appstream:eu-west-1:111122223333:image/editbay-golden"`,
		`{"Action":"FILE_UPLOAD","Permission":"ENABLED"}`,
		`{"Action":"PRINTING_TO_LOCAL_DEVICE","Permission":"ENABLED"}`,
		`"Type":"AWS::AppStream::ImageBuilder"`,
		`"ImageName":"AppStream-WinServer2022-06-17-2025"`,
		`"Name":"acme-dev-image-builder"`,
		`"ComputeCapacity":{"DesiredInstances":1}`,
	} {
		if !strings.Contains(workspace, want) {
			t.Errorf("workspace template lacks %s", want)
		}
	}
	if strings.Contains(workspace, "AccessEndpoints") || strings.Contains(workspace, "ScheduledActions") {
		t.Error("workspace streams through an endpoint or schedules scaling it was not asked for")
	}
}

// compact re-marshals a template without whitespace, so that assertions can match JSON fragments.
func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
