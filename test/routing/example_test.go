package routing

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/access"
	"github.com/editbay/editbay/test/goldens"
)

const exampleConfig = "examples/central-egress.yaml"

var (
	synthOnce sync.Once
	synthDir  string
	synthErr  error
	tempDir   string
)

func TestMain(m *testing.M) {
	var err error
	if tempDir, err = os.MkdirTemp("", "editbay-routing-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tempDir)
	os.Exit(code)
}

// assemblyDir synthesizes the example once, with the pinned CLI as the README says.
func assemblyDir(t *testing.T) string {
	t.Helper()
	synthOnce.Do(func() {
		if synthErr = access.CLIInstalled(); synthErr != nil {
			return
		}
		synthDir = tempDir + "/central-egress.out"
		start := time.Now()
		if synthErr = access.Synth(synthDir, "-c", "config="+exampleConfig); synthErr == nil {
			fmt.Printf("test/routing: synthesized %s in %s\n", exampleConfig, time.Since(start).Round(time.Second))
		}
	})
	if synthErr != nil {
		if os.Getenv("CI") == "" && strings.Contains(synthErr.Error(), "is not installed") {
			t.Skip(synthErr)
		}
		t.Fatal(synthErr)
	}
	return synthDir
}

func exampleCfg(t *testing.T) *config.Config {
	t.Helper()
	root, err := access.Root()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(root + "/" + exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// spokeSubnet is one routed subnet of a spoke: the sources of the walks.
type spokeSubnet struct {
	env    string
	subnet *Subnet
}

// routedSubnets finds every hub spoke's routed subnets in the model, by the CIDRs the config plans.
func routedSubnets(t *testing.T, cfg *config.Config, m *Model) []spokeSubnet {
	t.Helper()
	var out []spokeSubnet
	for _, e := range cfg.HubSpokes() {
		plan, err := config.PlanEnvironment(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range plan {
			if !slices.Contains(e.Egress.EffectiveRoutedGroups(), g.Name) {
				continue
			}
			for _, c := range g.CIDRs {
				s := subnetByCIDR(m, c)
				if s == nil {
					t.Fatalf("%s: no subnet %s (%s) in the templates", e.Name, c, g.Name)
				}
				out = append(out, spokeSubnet{e.Name, s})
			}
		}
	}
	return out
}

func subnetByCIDR(m *Model, c netip.Prefix) *Subnet {
	for _, s := range m.Subnets {
		if s.CIDR == c {
			return s
		}
	}
	return nil
}

// host is an address inside the subnet.
func host(s *Subnet) netip.Addr { return s.CIDR.Addr().Next().Next().Next().Next() }

var internet = netip.MustParseAddr("198.51.100.10")

// hashes are the flow-hash picks walked per source: enough to choose every zone of the hub.
const hashes = 3

// violations walks every spoke subnet to the internet and to every other spoke's subnets, and back,
// and returns each broken rule:
//
//	(a) a flow's two directions pass the same firewall endpoint, exactly one;
//	(b) nothing reaches the internet without passing a firewall;
//	(c) no route in a VPC sends a packet to another zone unless its own zone has no firewall;
//	(d) spoke-to-spoke traffic passes a firewall or goes nowhere.
func violations(t *testing.T, cfg *config.Config, m *Model) (out []string, walked int) {
	t.Helper()
	zonesWithFirewall := map[string]bool{}
	for _, s := range m.Firewalls {
		zonesWithFirewall[s.VPC.ID+"/"+s.Zone] = true
	}
	crossZone := func(p Path) string {
		for _, h := range p.Hops {
			if (h.Kind == "firewall" || h.Kind == "nat") && h.Zone != h.FromZone && zonesWithFirewall[h.FromVPC+"/"+h.FromZone] {
				return h.String() + " from " + h.FromZone
			}
		}
		return ""
	}
	sources := routedSubnets(t, cfg, m)
	for _, src := range sources {
		for k := range hashes {
			f := NewFlow(k)
			fwd := m.Walk(src.subnet, internet, f)
			back := m.Reply(fwd, host(src.subnet), f)
			walked++
			name := fmt.Sprintf("%s %s (hash %d) to the internet", src.env, src.subnet.Name, k)
			if fwd.Outcome != "internet" {
				out = append(out, fmt.Sprintf("%s: does not reach it: %s", name, fwd))
				continue
			}
			if len(fwd.Firewalls()) == 0 {
				out = append(out, fmt.Sprintf("(b) %s bypasses the firewall: %s", name, fwd))
			}
			if ff, bf := fwd.Firewalls(), back.Firewalls(); len(ff) != 1 || !slices.Equal(ff, bf) || back.Outcome != "arrived" {
				out = append(out, fmt.Sprintf("(a) %s: out %s; back %s", name, fwd, back))
			}
			for _, p := range []Path{fwd, back} {
				if c := crossZone(p); c != "" {
					out = append(out, fmt.Sprintf("(c) %s crosses zones at %s: %s", name, c, p))
				}
			}
		}
		for _, dst := range sources {
			if dst.env == src.env {
				continue
			}
			for k := range hashes - 1 {
				f := NewFlow(k)
				fwd := m.Walk(src.subnet, host(dst.subnet), f)
				walked++
				name := fmt.Sprintf("%s %s to %s %s (hash %d)", src.env, src.subnet.Name, dst.env, dst.subnet.Name, k)
				if fwd.Outcome != "arrived" {
					continue // no path: allowed
				}
				if len(fwd.Firewalls()) == 0 {
					out = append(out, fmt.Sprintf("(d) %s bypasses the firewall: %s", name, fwd))
					continue
				}
				back := m.Reply(fwd, host(src.subnet), f)
				if ff, bf := fwd.Firewalls(), back.Firewalls(); len(ff) != 1 || !slices.Equal(ff, bf) {
					out = append(out, fmt.Sprintf("(a)(d) %s: out %s; back %s", name, fwd, back))
				}
			}
		}
	}
	return out, walked
}

func TestExampleRouting(t *testing.T) {
	dir := assemblyDir(t)
	m, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := exampleCfg(t)
	bad, walked := violations(t, cfg, m)
	for _, v := range bad {
		t.Error(v)
	}
	if walked < 30 {
		t.Errorf("walked only %d flows", walked)
	}
	t.Logf("%d flows walked, out and back", walked)

	// The zone without a hub endpoint (edit's ap-northeast-1d) still gets out, through another zone.
	src := subnetByCIDR(m, mustPlan(t, cfg, "edit", config.SubnetPrivate)[2])
	p := m.Walk(src, internet, NewFlow(0))
	if p.Outcome != "internet" || src.Zone != "ap-northeast-1d" {
		t.Errorf("edit's third zone: %s", p)
	}
	t.Logf("edit, %s, to the internet: %s", src.Zone, p)
	t.Logf("and back: %s", m.Reply(p, host(src), NewFlow(0)))
	dst := subnetByCIDR(m, mustPlan(t, cfg, "prod", config.SubnetPrivate)[1])
	f := NewFlow(1)
	render := subnetByCIDR(m, mustPlan(t, cfg, "render", config.SubnetPrivate)[0])
	p = m.Walk(render, host(dst), f)
	t.Logf("render to prod (the firewall drops it by rule): %s", p)
	t.Logf("and back: %s", m.Reply(p, host(render), f))
}

func mustPlan(t *testing.T, cfg *config.Config, env, group string) []netip.Prefix {
	t.Helper()
	for _, e := range cfg.Environments {
		if e.Name != env {
			continue
		}
		plan, err := config.PlanEnvironment(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range plan {
			if g.Name == group {
				return g.CIDRs
			}
		}
	}
	t.Fatalf("no %s.%s", env, group)
	return nil
}

// The walk can fail: each edit breaks what it must, and the violation names the rule.
func TestExampleRoutingCanFail(t *testing.T) {
	dir := assemblyDir(t)
	cfg := exampleCfg(t)
	cases := []struct {
		name string
		edit func(stack string, rs map[string]resource)
		want []string // violation prefixes that must appear
	}{
		{"without appliance mode", func(stack string, rs map[string]resource) {
			for _, r := range rs {
				if o, ok := r.Properties["Options"].(map[string]any); ok && r.Type == "AWS::EC2::TransitGatewayVpcAttachment" {
					delete(o, "ApplianceModeSupport")
				}
			}
		}, []string{"(a)(d)"}},
		{"without a NAT subnet's return route", func(stack string, rs map[string]resource) {
			for l := range rs {
				if strings.Contains(l, "natSubnet1ReturnToSpoke1") {
					delete(rs, l)
				}
			}
		}, []string{"(a)"}},
		{"without render's propagation", func(stack string, rs map[string]resource) {
			if stack == "render/HubRoutes" {
				delete(rs, "InspectionPropagation")
			}
		}, []string{"(a)"}},
		{"with a spoke route straight to the internet", func(stack string, rs map[string]resource) {
			for _, r := range rs {
				if r.Type == "AWS::EC2::Route" && stack == "prod/Network" && r.Properties["TransitGatewayId"] != nil {
					delete(r.Properties, "TransitGatewayId")
					r.Properties["GatewayId"] = map[string]any{"Ref": igwOf(rs)}
				}
			}
		}, []string{"(b)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Load(dir, c.edit)
			if err != nil {
				t.Fatal(err)
			}
			bad, _ := violations(t, cfg, m)
			for _, w := range c.want {
				if !slices.ContainsFunc(bad, func(v string) bool { return strings.HasPrefix(v, w) }) {
					t.Errorf("no %s violation; got %d others: %.300v", w, len(bad), bad)
				}
			}
		})
	}
}

// Spokes join only what the hub shares with their accounts: without the RAM share, the model cannot
// resolve the Transit Gateway's parameter or attach the spokes.
func TestExampleNeedsTheShare(t *testing.T) {
	dir := assemblyDir(t)
	for _, c := range []struct {
		name string
		edit func(stack string, rs map[string]resource)
		want string
	}{
		{"without the share", func(stack string, rs map[string]resource) {
			for l, r := range rs {
				if r.Type == "AWS::RAM::ResourceShare" {
					delete(rs, l)
				}
			}
		}, "is not shared with account 111111111111 through RAM"},
		{"with the parameter in the standard tier", func(stack string, rs map[string]resource) {
			for _, r := range rs {
				if r.Type == "AWS::SSM::Parameter" {
					r.Properties["Tier"] = "Standard"
				}
			}
		}, "is not advanced-tier, so RAM cannot share it"},
		{"shared with one spoke account only", func(stack string, rs map[string]resource) {
			for _, r := range rs {
				if r.Type == "AWS::RAM::ResourceShare" {
					r.Properties["Principals"] = []any{"111111111111"}
				}
			}
		}, "is not shared with account 222222222222 through RAM"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(dir, c.edit)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load: %v, want %q", err, c.want)
			}
		})
	}
}

func igwOf(rs map[string]resource) string {
	for l, r := range rs {
		if r.Type == "AWS::EC2::InternetGateway" {
			return l
		}
	}
	return ""
}

// The hub's templates hold what the routing relies on and what the issue asks of the hub.
func TestExampleHubTemplates(t *testing.T) {
	dir := assemblyDir(t)
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	templates := map[string]map[string]resource{}
	envs := map[string]string{}
	for _, s := range stacks {
		data, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Resources map[string]resource
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		templates[s.DisplayName] = tpl.Resources
		envs[s.DisplayName] = s.Environment
	}
	of := func(stack, typ string) []resource {
		var out []resource
		for _, r := range templates[stack] {
			if r.Type == typ {
				out = append(out, r)
			}
		}
		return out
	}
	hub := "egress-hub/Hub"
	if envs[hub] != "aws://999988887777/ap-northeast-1" {
		t.Errorf("hub environment %q", envs[hub])
	}
	tgw := of(hub, "AWS::EC2::TransitGateway")
	if len(tgw) != 1 {
		t.Fatalf("%d transit gateways", len(tgw))
	}
	for k, want := range map[string]string{"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable", "AutoAcceptSharedAttachments": "disable"} {
		if got := tgw[0].Properties[k]; got != want {
			t.Errorf("TransitGateway %s = %v, want %s", k, got, want)
		}
	}
	shares := of(hub, "AWS::RAM::ResourceShare")
	if len(shares) != 1 {
		t.Fatalf("%d shares", len(shares))
	}
	if got := fmt.Sprint(shares[0].Properties["Principals"]); got != "[111111111111 222222222222]" {
		t.Errorf("share principals %s", got)
	}
	if got := fmt.Sprint(shares[0].Properties["ResourceArns"]); !strings.Contains(got, "parameter/northlight/egress-hub/transit-gateway-id") {
		t.Errorf("the share does not include the Transit Gateway's parameter: %s", got)
	}
	policy := of(hub, "AWS::NetworkFirewall::FirewallPolicy")[0]
	homeNet := policy.Properties["FirewallPolicy"].(map[string]any)["PolicyVariables"].(map[string]any)["RuleVariables"].(map[string]any)["HOME_NET"].(map[string]any)["Definition"]
	if got := fmt.Sprint(homeNet); got != "[10.20.0.0/16 10.30.0.0/16 10.40.0.0/16]" {
		t.Errorf("HOME_NET = %s, want the three spokes' VPCs", got)
	}
	rules := of(hub, "AWS::NetworkFirewall::RuleGroup")[0].Properties["RuleGroup"].(map[string]any)["RulesSource"].(map[string]any)["RulesString"].(string)
	if !strings.Contains(rules, "drop ip $HOME_NET any -> $HOME_NET any") {
		t.Errorf("the hub's rules do not drop spoke-to-spoke traffic:\n%s", rules)
	}
	for _, spoke := range []string{"render", "edit", "prod"} {
		net := spoke + "/Network"
		if n := len(of(net, "AWS::EC2::NatGateway")) + len(of(net, "AWS::NetworkFirewall::Firewall")); n != 0 {
			t.Errorf("%s has %d NAT gateways and firewalls; a hub spoke has none", net, n)
		}
		if envs[spoke+"/HubRoutes"] != envs[hub] {
			t.Errorf("%s/HubRoutes is in %s, not the hub's %s", spoke, envs[spoke+"/HubRoutes"], envs[hub])
		}
	}
	dashboard := fmt.Sprint(of(hub, "AWS::CloudWatch::Dashboard")[0].Properties["DashboardBody"])
	for _, want := range []string{"Dropped from render (account 111111111111)", "Dropped from edit (account 111111111111)", "Dropped from prod (account 222222222222)"} {
		if !strings.Contains(dashboard, want) {
			t.Errorf("the hub's dashboard has no table %q", want)
		}
	}
}

// Each stack of the example equals its golden copy in test/routing/golden/<stage>/<stack>.template.json
// (asset hashes masked): the hub, and each spoke's network and hub routes. `make snapshot` rewrites them.
func TestExampleGoldens(t *testing.T) {
	dir := assemblyDir(t)
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stacks {
		data, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		got, err := goldens.Template(v)
		if err != nil {
			t.Fatal(err)
		}
		goldens.Check(t, s.DisplayName, filepath.Join("golden", filepath.FromSlash(s.DisplayName)+".template.json"), got)
	}
}
