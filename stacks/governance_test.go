package stacks

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/testapp"
)

// Two accounts: 111122223333 holds dev in eu-west-1 and qa in us-east-1, 444455556666 holds
// production in eu-west-1. Guardrails run once per account and region, global resources and
// account-level rules only in the home region, and us-east-1's global events are forwarded only where
// no guardrails run there. The remediations are in dry run.
const governanceConfig = `
project: acme
tags: {Project: acme, CostCenter: CC-9, Owner: ops}
environments:
  - {name: dev, account: "111122223333", region: eu-west-1, availabilityZones: [eu-west-1a, eu-west-1b], clientCidrs: [198.51.100.0/24], network: {vpcCidr: 10.1.0.0/16}}
  - {name: qa, account: "111122223333", region: us-east-1, availabilityZones: [us-east-1a, us-east-1b], clientCidrs: [198.51.100.0/24], network: {vpcCidr: 10.2.0.0/16}}
  - {name: prod, account: "444455556666", region: eu-west-1, production: true, availabilityZones: [eu-west-1a, eu-west-1b], clientCidrs: [198.51.100.0/24], network: {vpcCidr: 10.3.0.0/16}}
governance:
  homeRegion: eu-west-1
  groups: {developers: Builders}
  users:
    - {name: alice, groups: [admin]}
    - {name: bob, groups: [developers, operators], account: "111122223333"}
  remediation: {mode: dryRun, recorderCheckMinutes: 15}
  alertEmails: [security@example.com]
`

func TestGovernancePerAccountAndRegion(t *testing.T) {
	cfg, err := config.Parse([]byte(governanceConfig))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app, err := testapp.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, stages := BuildSelected(app, cfg, []string{"account-*"})
	app.Synth(nil)
	list, err := assembly.ReadStacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if findings, err := assembly.ReadFindings(dir); err != nil || len(findings) > 0 {
		t.Fatalf("findings %v, err %v", findings, err)
	}
	byName := map[string]assembly.Stack{}
	var names []string
	for _, s := range list {
		byName[s.StackName] = s
		names = append(names, s.StackName+"@"+strings.TrimPrefix(s.Environment, "aws://"))
	}
	slices.Sort(names)
	want := []string{
		"acme-account-111122223333-audit@111122223333/eu-west-1",
		"acme-account-111122223333-guardrails-eu-west-1@111122223333/eu-west-1",
		"acme-account-111122223333-guardrails-us-east-1@111122223333/us-east-1",
		"acme-account-111122223333-identity@111122223333/eu-west-1",
		"acme-account-444455556666-audit@444455556666/eu-west-1",
		"acme-account-444455556666-global-events@444455556666/us-east-1",
		"acme-account-444455556666-guardrails-eu-west-1@444455556666/eu-west-1",
		"acme-account-444455556666-identity@444455556666/eu-west-1",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("stacks %v, want %v", names, want)
	}
	// config validates the names of the rules it knows: every guardrail stack has exactly those.
	for _, st := range stages {
		for _, gs := range st.Guardrails {
			want := slices.Sorted(slices.Values(config.GuardRules))
			if !gs.Home {
				want = slices.DeleteFunc(want, func(r string) bool { return slices.Contains(config.HomeGuardRules, r) })
			}
			if got := slices.Sorted(maps.Keys(gs.Functions.Rules)); !slices.Equal(got, want) {
				t.Errorf("%s: guardrail rules %v, want %v", *gs.StackName(), got, want)
			}
		}
		if ge := st.GlobalEvents; ge != nil && len(ge.Rules) != len(config.ForwardedEvents) {
			t.Errorf("%s: %d forwarding rules, want one per config.ForwardedEvents %v", *ge.StackName(), len(ge.Rules), config.ForwardedEvents)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(byName[name].TemplateFile)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, s := range byName {
		if s.TerminationProtection != strings.Contains(name, "444455556666") {
			t.Errorf("%s: termination protection %v; only the production account's guardrails are protected", name, s.TerminationProtection)
		}
	}

	home := compact(t, read("acme-account-111122223333-guardrails-eu-west-1"))
	other := compact(t, read("acme-account-111122223333-guardrails-us-east-1"))
	for _, c := range []struct {
		what       string
		home, away bool
	}{
		{`"IncludeGlobalResourceTypes":true`, true, false},
		{`"ConfigRuleName":"acme-root-account-mfa-enabled"`, true, false},
		{`"ConfigRuleName":"acme-restricted-ssh"`, true, true},
		{`"AWS::Logs::SubscriptionFilter"`, true, false},
		{`"Name":"acme-guard-mfa-removed"`, true, true},
		{`"ScheduleExpression":"rate(15 minutes)"`, true, true},
		{`"TRAIL_REGION":"eu-west-1"`, true, true},
		{`"Endpoint":"security@example.com"`, true, true},
	} {
		if got := strings.Contains(home, c.what); got != c.home {
			t.Errorf("home guardrails: has %s = %v, want %v", c.what, got, c.home)
		}
		if got := strings.Contains(other, c.what); got != c.away {
			t.Errorf("us-east-1 guardrails: has %s = %v, want %v", c.what, got, c.away)
		}
	}
	if strings.Count(home, `"DRY_RUN":"true"`) != 4 {
		t.Error("home guardrails: not every function is in dry run")
	}

	dev := compact(t, read("acme-account-111122223333-identity"))
	for _, m := range []string{`"GroupName":"Builders"`, `"Users":["alice"]`, `"Users":["bob"]`} {
		if !strings.Contains(dev, m) {
			t.Errorf("account 111122223333 identity lacks %s", m)
		}
	}
	if n := strings.Count(dev, "AWS::IAM::UserToGroupAddition"); n != 3 {
		t.Errorf("account 111122223333: %d memberships, want admin, developers and operators", n)
	}
	prod := compact(t, read("acme-account-444455556666-identity"))
	if strings.Contains(prod, `"bob"`) || !strings.Contains(prod, `"Users":["alice"]`) {
		t.Error("account 444455556666: bob belongs to the other account only, alice to every account")
	}
	if !strings.Contains(compact(t, read("acme-account-444455556666-global-events")), `arn:aws:events:eu-west-1:444455556666:event-bus/default`) {
		t.Error("global events are not forwarded to the production account's home bus")
	}
}
