package routing

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/access"
)

// networkResources synthesizes one config's render stage and returns its network stack's resources.
func networkResources(t *testing.T, cfg string) map[string]resource {
	t.Helper()
	dir := tempDir + "/" + strings.TrimSuffix(cfg, ".yaml")
	if err := access.Synth(dir, "-c", "config=test/routing/testdata/"+cfg, "-c", "stages=render"); err != nil {
		t.Fatal(err)
	}
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stacks {
		if s.DisplayName == "render/Network" {
			data, err := os.ReadFile(s.TemplateFile)
			if err != nil {
				t.Fatal(err)
			}
			var tpl struct{ Resources map[string]resource }
			if err := json.Unmarshal(data, &tpl); err != nil {
				t.Fatal(err)
			}
			return tpl.Resources
		}
	}
	t.Fatal("no render/Network")
	return nil
}

// Switching a running environment from its own firewall to the hub updates its subnets and the
// private subnets' default routes in place (CloudFormation replaces nothing a workload sits in), and
// removes the NAT gateways, firewalls and their subnets. The README's "Switching" section says so;
// this is its proof. The isolated group's routes, which only a local firewall adds, are the one
// exception: they get new logical IDs, which is why the README switches them in two steps.
func TestSwitchLocalToHub(t *testing.T) {
	if err := access.CLIInstalled(); err != nil {
		t.Skip(err)
	}
	before := networkResources(t, "switch-local.yaml")
	after := networkResources(t, "switch-hub.yaml")
	kept := func(typ string, match func(logical string, r resource) bool) {
		t.Helper()
		n := 0
		for l, r := range before {
			if r.Type != typ || !match(l, r) {
				continue
			}
			n++
			if a, ok := after[l]; !ok || a.Type != typ {
				t.Errorf("%s %s is replaced by the switch", typ, l)
			}
		}
		if n == 0 {
			t.Errorf("no %s matched in the local template", typ)
		}
	}
	isWorkload := func(l string, _ resource) bool {
		return strings.Contains(l, "public") || strings.Contains(l, "private") || strings.Contains(l, "isolated")
	}
	kept("AWS::EC2::Subnet", isWorkload)
	kept("AWS::EC2::RouteTable", isWorkload)
	kept("AWS::EC2::VPC", func(string, resource) bool { return true })
	kept("AWS::EC2::Route", func(l string, r resource) bool {
		return strings.HasPrefix(l, "NetworkVpcprivateSubnet") || strings.HasPrefix(l, "NetworkVpcpublicSubnet")
	})
	// The private routes are the same resources with a new target.
	for l, r := range after {
		if r.Type == "AWS::EC2::Route" && strings.HasPrefix(l, "NetworkVpcprivateSubnet") {
			if _, ok := r.Properties["TransitGatewayId"]; !ok {
				t.Errorf("%s does not go to the Transit Gateway: %v", l, r.Properties)
			}
		}
	}
	// Gone: NAT gateways and firewalls. Changed: the isolated routes (two steps in the README).
	var gone, isolatedRoutes []string
	for l, r := range before {
		if _, ok := after[l]; ok {
			continue
		}
		switch {
		case r.Type == "AWS::EC2::Route" && strings.HasPrefix(l, "EgressFirewallisolatedSubnet"):
			isolatedRoutes = append(isolatedRoutes, l)
		case r.Type == "AWS::EC2::NatGateway" || r.Type == "AWS::NetworkFirewall::Firewall":
			gone = append(gone, r.Type)
		}
	}
	if slices.Index(gone, "AWS::EC2::NatGateway") < 0 || slices.Index(gone, "AWS::NetworkFirewall::Firewall") < 0 {
		t.Errorf("the switch removes %v; want the NAT gateways and the firewalls", gone)
	}
	if len(isolatedRoutes) != 2 {
		t.Errorf("isolated routes with new logical IDs: %v; the README's two-step switch assumes one per zone", isolatedRoutes)
	}
}
