package config

import (
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/editbay/editbay/config/suricata"
)

// Egress is an environment's outbound allow-list, enforced by AWS Network Firewall: nothing in the
// routed subnet groups reaches the internet except the allowed domains.
type Egress struct {
	Enabled           bool         `yaml:"enabled" doc:"Send the routed groups' internet traffic through AWS Network Firewall: the environment's own (mode local) or the shared egress hub's (mode hub). False: private subnets reach the internet through NAT unfiltered."`
	Mode              string       `yaml:"mode" enum:"local,hub" default:"local" doc:"local: a firewall in this VPC (an endpoint per zone in the firewall subnets, before the zone's NAT gateway; needs network.natMode perAz). hub: no NAT gateways or firewall here; the routed groups send 0.0.0.0/0 to the egressHub's Transit Gateway, and egressHub.rules hold the allow-lists."`
	RoutedGroups      []string     `yaml:"routedGroups" enum:"private,isolated" doc:"Subnet groups whose internet traffic goes through the firewall (mode local: in their own zone; mode hub: through the Transit Gateway). Must include private (workstations, AppStream, brokers). Default: [private]."`
	Rules             []EgressRule `yaml:"rules" doc:"Allow-lists (mode local): which sources may reach which domains over which protocols. Everything else is dropped and logged. In mode hub they are egressHub.rules."`
	RulesFile         string       `yaml:"rulesFile" doc:"Optional file of raw Suricata rules (path relative to where cdk runs), evaluated before the allow-lists in their own rule group; for experts."`
	ManagedRuleGroups []string     `yaml:"managedRuleGroups" pattern:"^[A-Za-z0-9]+StrictOrder$" doc:"AWS managed threat rule groups by name, strict-order variants (e.g. AttackInfrastructureStrictOrder, MalwareDomainsStrictOrder), evaluated first."`
	Capacity          int          `yaml:"capacity" minimum:"10" maximum:"30000" default:"1000" doc:"Capacity of each editbay rule group (one per rule), fixed at creation: changing it replaces the group. The generated rules must fit."`
	LogRetentionDays  int          `yaml:"logRetentionDays" minimum:"1" default:"365" doc:"Days the firewall's alert and flow logs are kept (a CloudWatch Logs retention value)."`
	DropAlarm         int          `yaml:"dropAlarmThreshold" minimum:"1" default:"100" doc:"Alarm when more packets than this are dropped in 5 minutes."`
}

// EgressRule is one allow-list.
type EgressRule struct {
	Name      string   `yaml:"name" required:"true" pattern:"^[a-z][a-z0-9-]{0,39}$" doc:"Unique name (lower case, digits, hyphens; at most 28 characters, as its sources become the Network Firewall variable SRC_<NAME> of at most 32); with each domain it fixes the rules' sids, so renaming renumbers them."`
	Sources   []string `yaml:"sources" required:"true" minItems:"1" doc:"Who may connect: routed subnet group names (private, isolated) or IPv4 CIDRs inside the VPC."`
	Domains   []string `yaml:"domains" required:"true" minItems:"1" doc:"Exact names (login.microsoftonline.com) or, with a leading dot, a domain and all its subdomains (.example.co.jp)."`
	Protocols []string `yaml:"protocols" enum:"tls,http" doc:"tls: HTTPS and other TLS, matched on the server name (SNI); http: plain HTTP, matched on the Host header. Default: [tls]."`
}

// Egress modes, as written in the config.
const (
	EgressModeLocal = "local"
	EgressModeHub   = "hub"
)

// Local says whether the environment has its own firewall.
func (e Egress) Local() bool { return e.Enabled && e.Mode != EgressModeHub }

// ViaHub says whether the environment is a spoke of the egress hub.
func (e Egress) ViaHub() bool { return e.Enabled && e.Mode == EgressModeHub }

// Egress defaults that are lists (struct tags default only scalars).
var (
	defaultRoutedGroups = []string{SubnetPrivate}
	defaultProtocols    = []string{suricata.TLS}
)

// EffectiveRoutedGroups is RoutedGroups with its default applied.
func (e Egress) EffectiveRoutedGroups() []string {
	if len(e.RoutedGroups) == 0 {
		return slices.Clone(defaultRoutedGroups)
	}
	return slices.Clone(e.RoutedGroups)
}

// EffectiveProtocols is Protocols with its default applied.
func (r EgressRule) EffectiveProtocols() []string {
	if len(r.Protocols) == 0 {
		return slices.Clone(defaultProtocols)
	}
	return slices.Clone(r.Protocols)
}

// AllowLists resolves the rules' sources (group names to the groups' per-zone CIDRs) for the
// Suricata generator. plan is the environment's subnet plan.
func (e Egress) AllowLists(plan []SubnetGroup) ([]suricata.Allow, error) {
	var out []suricata.Allow
	for i, r := range e.Rules {
		a := suricata.Allow{Name: r.Name, Domains: r.Domains, Protocols: r.EffectiveProtocols()}
		for j, s := range r.Sources {
			pfxs, err := e.resolveSource(s, plan)
			if err != nil {
				return nil, fmt.Errorf("rules[%d].sources[%d]: %v", i, j, err)
			}
			a.Sources = append(a.Sources, pfxs...)
		}
		out = append(out, a)
	}
	return out, nil
}

func (e Egress) resolveSource(s string, plan []SubnetGroup) ([]netip.Prefix, error) {
	if pfx, err := netip.ParsePrefix(s); err == nil {
		return []netip.Prefix{pfx}, nil
	}
	if !slices.Contains(e.EffectiveRoutedGroups(), s) {
		return nil, fmt.Errorf("%q is not a CIDR or a subnet group routed through the firewall (%v)", s, e.EffectiveRoutedGroups())
	}
	for _, g := range plan {
		if g.Name == s {
			return g.CIDRs, nil
		}
	}
	return nil, fmt.Errorf("%q is not a subnet group", s)
}

// checkEgress validates an environment's egress section; plan is nil when the network is invalid.
func checkEgress(e Environment, plan []SubnetGroup, vpc netip.Prefix, p string, ps *Problems) {
	eg := e.Egress
	if !eg.Enabled {
		if len(eg.Rules) > 0 || eg.RulesFile != "" || len(eg.ManagedRuleGroups) > 0 {
			ps.add(p+".enabled", "is false but rules are given; set enabled: true or remove them")
		}
		return
	}
	if len(eg.RoutedGroups) > 0 && !slices.Contains(eg.RoutedGroups, SubnetPrivate) {
		ps.add(p+".routedGroups", "%v must include %q: the private subnets would otherwise bypass the firewall", eg.RoutedGroups, SubnetPrivate)
	}
	seenGroups := map[string]bool{}
	for j, g := range eg.RoutedGroups {
		if seenGroups[g] {
			ps.add(index(p+".routedGroups", j), "%q is listed twice", g)
		}
		seenGroups[g] = true
	}
	if eg.ViaHub() {
		// The hub's firewall enforces egressHub.rules; settings of a local firewall would be ignored.
		for _, f := range []struct {
			key string
			set bool
		}{{"rules", len(eg.Rules) > 0}, {"rulesFile", eg.RulesFile != ""}, {"managedRuleGroups", len(eg.ManagedRuleGroups) > 0}} {
			if f.set {
				ps.add(p+"."+f.key, "mode hub filters with egressHub's allow-lists; move these to egressHub (sources like %s.%s) or use mode local", e.Name, SubnetPrivate)
			}
		}
		return
	}
	if e.Network.NatMode != NatPerAz {
		ps.add(p+".enabled", "the firewall routes each zone to its own NAT gateway; set %s to %q (got %q)", "network.natMode", NatPerAz, e.Network.NatMode)
	}
	if eg.LogRetentionDays > 0 && !slices.Contains(logRetentionDays, eg.LogRetentionDays) {
		ps.add(p+".logRetentionDays", "%d is not a CloudWatch Logs retention period (%s)", eg.LogRetentionDays, intList(logRetentionDays))
	}
	seenManaged := map[string]bool{}
	for j, m := range eg.ManagedRuleGroups {
		if seenManaged[m] {
			ps.add(index(p+".managedRuleGroups", j), "%q is listed twice", m)
		}
		seenManaged[m] = true
	}

	names := map[string]string{}
	rulesOK := true
	for i, r := range eg.Rules {
		rp := index(p+".rules", i)
		if !checkRule(r, rp, names, ps) {
			rulesOK = false
		}
		for j, s := range r.Sources {
			sp := index(rp+".sources", j)
			if pfx, err := netip.ParsePrefix(s); err == nil {
				switch {
				case pfx.Masked() != pfx:
					ps.add(sp, "%q has host bits set; did you mean %q?", s, pfx.Masked().String())
					rulesOK = false
				case vpc.IsValid() && !(vpc.Contains(pfx.Addr()) && pfx.Bits() >= vpc.Bits()):
					ps.add(sp, "%q is not inside the VPC %q; only traffic from the VPC passes the firewall", s, vpc)
					rulesOK = false
				case plan != nil && !insideRouted(pfx, plan, eg.EffectiveRoutedGroups()):
					ps.add(sp, "%q is not inside a subnet group routed through the firewall (%v), so its traffic never reaches the rule", s, eg.EffectiveRoutedGroups())
					rulesOK = false
				}
				continue
			}
			if slices.Contains([]string{SubnetPublic, SubnetPrivate, SubnetIsolated, SubnetFirewall}, s) {
				if !slices.Contains(eg.EffectiveRoutedGroups(), s) {
					ps.add(sp, "subnet group %q is not routed through the firewall (routedGroups: %v)", s, eg.EffectiveRoutedGroups())
					rulesOK = false
				}
				continue
			}
			ps.add(sp, "%q is neither a CIDR nor a subnet group (%s, %s)", s, SubnetPrivate, SubnetIsolated)
			rulesOK = false
		}
	}
	if len(eg.Rules) == 0 {
		ps.add(p+".rules", "the firewall is enabled but allows nothing; add at least one allow-list")
		rulesOK = false
	}
	if rulesOK && plan != nil {
		allows, err := eg.AllowLists(plan)
		if err == nil {
			var rs *suricata.RuleSet
			rs, err = suricata.Generate(allows)
			if err == nil && eg.Capacity > 0 && rs.Count > eg.Capacity {
				ps.add(p+".capacity", "the allow-lists generate %d rules, more than the rule group's capacity %d; raise capacity (at most 30000) or merge lists", rs.Count, eg.Capacity)
			}
		}
		if err != nil {
			ps.add(p+".rules", "%v", err)
		}
	}
	// A policy holds at most 30,000 stateful capacity; the expert group has the same capacity as the
	// allow-list. (AWS managed groups count too; their capacities are AWS's and are checked at deploy.)
	if eg.RulesFile != "" && 2*eg.Capacity > 30000 {
		ps.add(p+".capacity", "%d for both the allow-list and the rules-file group exceeds the firewall policy's 30000; use at most 15000", eg.Capacity)
	}
	if eg.RulesFile != "" {
		data, err := os.ReadFile(eg.RulesFile)
		switch {
		case err != nil:
			ps.add(p+".rulesFile", "%q cannot be read: %v", eg.RulesFile, err)
		default:
			rules, err := suricata.Parse(string(data))
			switch {
			case err != nil:
				ps.add(p+".rulesFile", "%q: %v", eg.RulesFile, err)
			case len(rules) == 0:
				ps.add(p+".rulesFile", "%q holds no rules", eg.RulesFile)
			case eg.Capacity > 0 && len(rules) > eg.Capacity:
				ps.add(p+".rulesFile", "%q holds %d rules, more than the capacity %d", eg.RulesFile, len(rules), eg.Capacity)
			}
		}
	}
}

// checkRule checks what an allow-list is apart from its sources, whose meaning depends on where it
// is enforced: its name (unique among names, which maps a name to its field path), its domains and
// its protocols. It reports whether the rules can be generated.
func checkRule(r EgressRule, rp string, names map[string]string, ps *Problems) bool {
	ok := true
	if first, dup := names[r.Name]; dup && r.Name != "" {
		ps.add(rp+".name", "%q is already used by %s", r.Name, first)
		ok = false
	} else {
		names[r.Name] = rp + ".name"
	}
	if v := suricata.VariableName(r.Name); len(v) > suricata.MaxVariableName {
		ps.add(rp+".name", "%q makes the IP set variable of its sources, %s, %d characters long; Network Firewall allows %d, so use at most %d characters",
			r.Name, v, len(v), suricata.MaxVariableName, suricata.MaxVariableName-len(suricata.VariableName("")))
		ok = false
	}
	for j, d := range r.Domains {
		if err := suricata.CheckDomain(d); err != nil {
			ps.add(index(rp+".domains", j), "%v", err)
			ok = false
		}
	}
	seenProto := map[string]bool{}
	for j, pr := range r.Protocols {
		if seenProto[pr] {
			ps.add(index(rp+".protocols", j), "%q is listed twice", pr)
		}
		seenProto[pr] = true
	}
	return ok
}

// insideRouted says whether pfx lies within one subnet of the routed groups.
func insideRouted(pfx netip.Prefix, plan []SubnetGroup, routed []string) bool {
	for _, g := range plan {
		if !slices.Contains(routed, g.Name) {
			continue
		}
		for _, c := range g.CIDRs {
			if c.Contains(pfx.Addr()) && pfx.Bits() >= c.Bits() {
				return true
			}
		}
	}
	return false
}
