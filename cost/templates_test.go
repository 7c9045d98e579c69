package cost

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

// The estimate counts what the stacks deploy from the config alone. These tests hold those counts
// against CDK's own output: the synthesized golden templates of the default config (test/golden)
// and of examples/central-egress.yaml (test/routing/golden), so the estimator cannot silently
// drift from the stacks.
func TestQuantitiesMatchSynthesizedTemplates(t *testing.T) {
	cases := []struct {
		config string // "" is the default config
		golden string
	}{
		{"", "../test/golden"},
		{"../examples/central-egress.yaml", "../test/routing/golden"},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			cfg := loadConfig(t, c.config)
			r := Estimate(cfg, mustTable(t))
			for _, g := range r.Groups {
				stage := g.Name
				if _, err := os.Stat(filepath.Join(c.golden, stage)); err != nil {
					if g.Kind == "governance" {
						continue // governance excluded from this golden set
					}
					t.Fatalf("no golden templates for %s: %v", stage, err)
				}
				got := countLines(g)
				want := countResources(t, filepath.Join(c.golden, stage), g.Kind)
				for what, n := range want {
					if got[what] != n {
						t.Errorf("%s: the estimate counts %d %s, the synthesized templates have %d", stage, got[what], what, n)
					}
				}
			}
		})
	}
}

func loadConfig(t testing.TB, path string) *config.Config {
	t.Helper()
	cfg, err := config.LoadOrDefault(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustTable(t testing.TB) *Table {
	t.Helper()
	table, err := DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// countLines reads the counts back from a group's lines.
func countLines(g Group) map[string]int {
	got := map[string]int{}
	per := func(l Line, hours float64) int { return int(math.Round(l.Quantity / hours)) }
	for _, l := range g.Lines {
		switch {
		case l.Item == "vpc:nat-gateway" && l.Quantity > 0: // not the hours the firewall waives
			got["NAT gateways"] += per(l, HoursPerMonth)
		case l.Item == "vpc:public-ipv4" && strings.Contains(l.What, "NAT"):
			got["Elastic IPs"] += per(l, HoursPerMonth)
		case l.Item == "network-firewall:endpoint":
			got["firewall endpoints"] += per(l, HoursPerMonth)
		case l.Item == "elb:alb" || l.Item == "elb:nlb":
			got["load balancers"] += per(l, HoursPerMonth)
		case strings.HasPrefix(l.Item, "rds:aurora-postgresql:"):
			got["database instances"] += per(l, HoursPerMonth)
		case l.Item == "rds:aurora-serverless-v2":
			got["database instances"] += 2
		case l.Item == "kms:key":
			got["KMS keys"] += int(l.Quantity)
		case l.Item == "secretsmanager:secret":
			got["secrets"] += int(l.Quantity)
		case l.Item == "cloudwatch:alarm":
			got["alarms"] += int(l.Quantity)
		case strings.HasPrefix(l.Item, "ds:managed-ad"):
			got["directories"]++
		case l.Item == "tgw:attachment":
			got["Transit Gateway attachments"] += per(l, HoursPerMonth)
		case l.Item == "vpc:interface-endpoint":
			got["interface endpoints"] += per(l, HoursPerMonth*float64(zonesOf(l.What)))
		case l.Item == "config:rule-evaluation":
			got["Config rules"] += int(l.Quantity) / 1000 // at the default 1,000 evaluations per rule
		}
		if strings.HasPrefix(l.Item, "appstream:") && strings.HasPrefix(l.What, "on-demand fleet") {
			got["AppStream fleets"]++
		}
	}
	return got
}

// zonesOf reads "N interface endpoints in Z zones".
func zonesOf(what string) int {
	f := strings.Fields(what)
	for i, w := range f {
		if w == "zones" && i > 0 {
			n := 0
			for _, c := range f[i-1] {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	return 1
}

// countResources counts the resources behind each count in a stage's templates.
func countResources(t *testing.T, dir, kind string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in %s", dir)
	}
	want := map[string]int{"NAT gateways": 0, "Elastic IPs": 0, "firewall endpoints": 0, "KMS keys": 0, "alarms": 0,
		"interface endpoints": 0, "Transit Gateway attachments": 0}
	if kind == "environment" {
		for _, k := range []string{"load balancers", "database instances", "secrets", "directories", "AppStream fleets"} {
			want[k] = 0
		}
	}
	if kind == "governance" {
		want["Config rules"] = 0
		delete(want, "interface endpoints")
	}
	for _, f := range files {
		if strings.Contains(f, "HubRoutes") {
			continue // deployed in the hub's account; holds no priced resource
		}
		var tmpl struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range tmpl.Resources {
			switch r.Type {
			case "AWS::EC2::NatGateway":
				want["NAT gateways"]++
			case "AWS::EC2::EIP":
				want["Elastic IPs"]++
			case "AWS::NetworkFirewall::Firewall":
				want["firewall endpoints"] += len(r.Properties["SubnetMappings"].([]any))
			case "AWS::ElasticLoadBalancingV2::LoadBalancer":
				want["load balancers"]++
			case "AWS::RDS::DBInstance":
				want["database instances"]++
			case "AWS::KMS::Key":
				want["KMS keys"]++
			case "AWS::SecretsManager::Secret":
				want["secrets"]++
			case "AWS::CloudWatch::Alarm":
				want["alarms"]++
			case "AWS::DirectoryService::MicrosoftAD":
				want["directories"]++
			case "AWS::EC2::TransitGatewayVpcAttachment":
				want["Transit Gateway attachments"]++
			case "AWS::EC2::VPCEndpoint":
				if r.Properties["VpcEndpointType"] == "Interface" {
					want["interface endpoints"]++
				}
			case "AWS::Config::ConfigRule":
				want["Config rules"]++
			case "AWS::AppStream::Fleet":
				want["AppStream fleets"]++
			}
		}
	}
	return want
}
