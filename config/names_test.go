package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The names composed here are the ones the stacks synthesize: every name of the default config is
// in the golden templates (test/golden), quoted as a whole string.
func TestNamesMatchGoldenTemplates(t *testing.T) {
	var golden strings.Builder
	files, _ := filepath.Glob("../test/golden/*/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		golden.Write(b)
	}
	if golden.Len() == 0 {
		t.Skip("no golden templates")
	}
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range c.Environments {
		names = append(names, c.EnvStackName(e, StackNetwork), c.EnvStackName(e, StackAccess), c.EnvStackName(e, StackWorkspace),
			c.DatabaseClusterIdentifier(e), c.DatabaseParameterName(e), c.AccessDashboardName(e), c.WebACLLogGroupName(e),
			c.EgressPolicyName(e), c.EgressDashboardName(e), c.EgressRuleGroupName(e, RuleGroupAllowList),
			c.WorkspaceName(e, WorkspaceFleet), c.WorkspaceName(e, WorkspaceStack), c.WorkspaceName(e, WorkspaceScaling))
		for _, p := range e.Access.Pools {
			names = append(names, c.LaunchTemplateName(e, p.Name))
		}
		for _, z := range e.AvailabilityZones {
			names = append(names, c.EgressFirewallName(e, z))
		}
	}
	for _, a := range c.GovernedAccounts() {
		names = append(names, c.TrailName(a), c.AuditKeyAlias(a), c.RecorderName(a), c.DeliveryChannelName(a), c.AuditLogGroupName(), c.OutsideRegionsFilterName())
		for _, r := range a.Regions {
			names = append(names, c.AccountStackName(a, "guardrails-"+r), c.GuardrailsDashboardName(r))
		}
		for _, ev := range ForwardedEvents {
			names = append(names, c.ForwardRuleName(a, ev))
		}
	}
	for _, r := range GuardRules {
		names = append(names, c.GuardRuleName(r))
	}
	for _, id := range c.Governance.Rules() {
		names = append(names, ConfigRuleName(c.Project, id))
	}
	for _, n := range names {
		if !strings.Contains(golden.String(), `"`+n+`"`) {
			t.Errorf("%q is not in the golden templates", n)
		}
	}
}
