package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// egressBase is base with the firewall on and one allow-list.
var egressBase = strings.Replace(base, "      vpcCidr: 10.1.0.0/16\n", `      vpcCidr: 10.1.0.0/16
    egress:
      enabled: true
      rules:
        - name: company
          sources: [private, 10.1.16.0/24]
          domains: [.example.co.jp, login.microsoftonline.com]
          protocols: [tls, http]
`, 1)

func mutateEgress(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(egressBase, old) {
		t.Fatalf("test bug: %q is not in the egress base config", old)
	}
	return strings.Replace(egressBase, old, new, 1)
}

// assertProblems parses y and checks that the error lists every wanted "path: message".
func assertProblems(t *testing.T, y string, want ...string) {
	t.Helper()
	c, err := Parse([]byte(y))
	if err == nil {
		t.Fatalf("accepted: %+v", c)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q; got:\n%v", w, err)
		}
	}
}

func TestEgressBaseIsValid(t *testing.T) {
	c, err := Parse([]byte(egressBase))
	if err != nil {
		t.Fatal(err)
	}
	eg := c.Environments[0].Egress
	if eg.Capacity != 1000 || eg.LogRetentionDays != 365 || eg.DropAlarm != 100 || !slices.Equal(eg.EffectiveRoutedGroups(), []string{"private"}) {
		t.Errorf("defaults not applied: %+v", eg)
	}
	plan, _ := PlanSubnets(mustPrefix("10.1.0.0/16"), c.Environments[0].Network.Subnets, 2)
	allows, err := eg.AllowLists(plan)
	if err != nil {
		t.Fatal(err)
	}
	// private resolves to the private group's per-zone CIDRs, the CIDR stays as written.
	var got []string
	for _, s := range allows[0].Sources {
		got = append(got, s.String())
	}
	if want := []string{"10.1.16.0/20", "10.1.32.0/20", "10.1.16.0/24"}; !slices.Equal(got, want) {
		t.Errorf("sources %v, want %v", got, want)
	}
	if (EgressRule{}).EffectiveProtocols()[0] != "tls" {
		t.Error("protocols do not default to tls")
	}
}

func TestMalformedEgress(t *testing.T) {
	rulesFile := filepath.Join(t.TempDir(), "bad.rules")
	if err := os.WriteFile(rulesFile, []byte("pass tls any any -> any any (msg:\"no sid\";)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bigFile := filepath.Join(t.TempDir(), "big.rules")
	var big strings.Builder
	for i := 1; i <= 11; i++ {
		fmt.Fprintf(&big, "drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"x\"; sid:%d;)\n", i)
	}
	if err := os.WriteFile(bigFile, []byte(big.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"domain with a wildcard", mutateEgress(t, ".example.co.jp,", "'*.example.co.jp',"), []string{`environments[0].egress.rules[0].domains[0]: "*.example.co.jp": write .example.com for a domain and its subdomains, not a wildcard`}},
		{"domain with a scheme", mutateEgress(t, ".example.co.jp,", "'https://example.co.jp',"), []string{`environments[0].egress.rules[0].domains[0]: "https://example.co.jp": a domain name only`}},
		{"domain in upper case", mutateEgress(t, ".example.co.jp,", "Example.co.jp,"), []string{`environments[0].egress.rules[0].domains[0]: "Example.co.jp": write domains in lower case`}},
		{"not a domain", mutateEgress(t, ".example.co.jp,", "localhost,"), []string{`environments[0].egress.rules[0].domains[0]: "localhost" is not a domain name`}},
		{"unknown subnet group", mutateEgress(t, "[private, 10.1.16.0/24]", "[workstations]"), []string{`environments[0].egress.rules[0].sources[0]: "workstations" is neither a CIDR nor a subnet group`}},
		{"group not routed", mutateEgress(t, "[private, 10.1.16.0/24]", "[isolated]"), []string{`environments[0].egress.rules[0].sources[0]: subnet group "isolated" is not routed through the firewall`}},
		{"source outside the VPC", mutateEgress(t, "10.1.16.0/24]", "10.2.0.0/24]"), []string{`environments[0].egress.rules[0].sources[1]: "10.2.0.0/24" is not inside the VPC "10.1.0.0/16"`}},
		{"source in the public subnets", mutateEgress(t, "10.1.16.0/24]", "10.1.0.0/24]"), []string{`environments[0].egress.rules[0].sources[1]: "10.1.0.0/24" is not inside a subnet group routed through the firewall ([private])`}},
		{"source spanning two subnets", mutateEgress(t, "10.1.16.0/24]", "10.1.0.0/18]"), []string{`environments[0].egress.rules[0].sources[1]: "10.1.0.0/18" is not inside a subnet group routed through the firewall`}},
		{"source with host bits", mutateEgress(t, "10.1.16.0/24]", "10.1.16.1/24]"), []string{`environments[0].egress.rules[0].sources[1]: "10.1.16.1/24" has host bits set`}},
		{"duplicate rule names", egressBase + "        - {name: company, sources: [private], domains: [example.com]}\n", []string{`environments[0].egress.rules[1].name: "company" is already used by environments[0].egress.rules[0].name`}},
		{"bad rule name", mutateEgress(t, "name: company", "name: Company_1"), []string{`environments[0].egress.rules[0].name: "Company_1" does not match`}},
		{"rule name too long for its variable", mutateEgress(t, "name: company", "name: company-wide-allow-list-for-all"), []string{`environments[0].egress.rules[0].name: "company-wide-allow-list-for-all" makes the IP set variable of its sources, SRC_COMPANY_WIDE_ALLOW_LIST_FOR_ALL, 35 characters long; Network Firewall allows 32, so use at most 28 characters`}},
		{"unknown protocol", mutateEgress(t, "[tls, http]", "[tls, ftp]"), []string{`environments[0].egress.rules[0].protocols[1]: "ftp" is not one of tls, http`}},
		{"protocol twice", mutateEgress(t, "[tls, http]", "[tls, tls]"), []string{`environments[0].egress.rules[0].protocols[1]: "tls" is listed twice`}},
		{"no domains", mutateEgress(t, "domains: [.example.co.jp, login.microsoftonline.com]", "domains: []"), []string{`environments[0].egress.rules[0].domains: need at least 1, got 0`}},
		{"capacity exceeded", mutateEgress(t, "enabled: true", "enabled: true\n      capacity: 10") + "        - {name: more, sources: [private], domains: [a.example.com, b.example.com, c.example.com], protocols: [tls, http]}\n", []string{`environments[0].egress.capacity: the allow-lists generate 14 rules, more than the rule group's capacity 10`}},
		{"capacity too large", mutateEgress(t, "enabled: true", "enabled: true\n      capacity: 40000"), []string{`environments[0].egress.capacity: 40000 is above the maximum 30000`}},
		{"single NAT", mutateEgress(t, "vpcCidr: 10.1.0.0/16", "vpcCidr: 10.1.0.0/16\n      natMode: single"), []string{`environments[0].egress.enabled: the firewall routes each zone to its own NAT gateway; set network.natMode to "perAz" (got "single")`}},
		{"private not routed", mutateEgress(t, "enabled: true", "enabled: true\n      routedGroups: [isolated]"), []string{`environments[0].egress.routedGroups: [isolated] must include "private"`}},
		{"unknown routed group", mutateEgress(t, "enabled: true", "enabled: true\n      routedGroups: [private, public]"), []string{`environments[0].egress.routedGroups[1]: "public" is not one of private, isolated`}},
		{"log retention", mutateEgress(t, "enabled: true", "enabled: true\n      logRetentionDays: 100"), []string{`environments[0].egress.logRetentionDays: 100 is not a CloudWatch Logs retention period`}},
		{"managed group not strict order", mutateEgress(t, "enabled: true", "enabled: true\n      managedRuleGroups: [MalwareDomainsActionOrder]"), []string{`environments[0].egress.managedRuleGroups[0]: "MalwareDomainsActionOrder" does not match`}},
		{"managed group twice", mutateEgress(t, "enabled: true", "enabled: true\n      managedRuleGroups: [MalwareDomainsStrictOrder, MalwareDomainsStrictOrder]"), []string{`environments[0].egress.managedRuleGroups[1]: "MalwareDomainsStrictOrder" is listed twice`}},
		{"no rules", mutateEgress(t, "      rules:\n", "      rules: []\n      x:\n"), []string{`environments[0].egress.rules: the firewall is enabled but allows nothing`}},
		{"rules while disabled", mutateEgress(t, "enabled: true", "enabled: false"), []string{`environments[0].egress.enabled: is false but rules are given`}},
		{"rules file missing", mutateEgress(t, "enabled: true", "enabled: true\n      rulesFile: /nonexistent.rules"), []string{`environments[0].egress.rulesFile: "/nonexistent.rules" cannot be read`}},
		{"rules file does not parse", mutateEgress(t, "enabled: true", "enabled: true\n      rulesFile: "+rulesFile), []string{`environments[0].egress.rulesFile: "` + rulesFile + `": line 1: every rule needs a sid`}},
		{"two groups over the policy limit", mutateEgress(t, "enabled: true", "enabled: true\n      capacity: 20000\n      rulesFile: "+bigFile), []string{`environments[0].egress.capacity: 20000 for both the allow-list and the rules-file group exceeds the firewall policy's 30000`}},
		{"rules file over capacity", mutateEgress(t, "enabled: true", "enabled: true\n      capacity: 10\n      rulesFile: "+bigFile), []string{`environments[0].egress.rulesFile: "` + bigFile + `" holds 11 rules, more than the capacity 10`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := tc.yaml
			if tc.name == "no rules" {
				y = strings.Replace(y, "      x:\n", "", 1)
				y = y[:strings.Index(y, "      rules: []")+len("      rules: []\n")]
			}
			assertProblems(t, y, tc.want...)
		})
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
