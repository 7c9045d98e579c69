package test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/config/suricata"
)

func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

// endpointFirewall reads a route's VpcEndpointId and returns the firewall it names, failing unless it
// is exactly Fn::Select 1 of Fn::Split ":" of Fn::Select 0 of that firewall's EndpointIds: the one
// endpoint of a single-zone firewall, never a position in a multi-zone list.
func endpointFirewall(t *testing.T, v any) string {
	t.Helper()
	j := mustJSON(v)
	var fw string
	if n, _ := fmt.Sscanf(strings.TrimPrefix(j, `{"Fn::Select":[1,{"Fn::Split":[":",{"Fn::Select":[0,{"Fn::GetAtt":["`), "%s", &fw); n != 1 || !strings.HasPrefix(j, `{"Fn::Select":[1,{"Fn::Split":[":",{"Fn::Select":[0,{"Fn::GetAtt":["`) {
		t.Fatalf("endpoint %s is not the single endpoint of one firewall", j)
	}
	fw, _, _ = strings.Cut(fw, `"`)
	if !strings.HasSuffix(j, `","EndpointIds"]}]}]}]}`) {
		t.Fatalf("endpoint %s is not read from EndpointIds", j)
	}
	return fw
}

type subnetInfo struct{ id, zone, group, cidr string }

// Routing is per zone and symmetric, read from the synthesized route tables: routed subnets go out
// through their own zone's firewall endpoint, firewall subnets through their own zone's NAT gateway,
// and the NAT subnets send the routed subnets' replies back through the same endpoint. Nothing crosses
// a zone, unrouted groups gain no default route, and public subnets route nothing through the firewall.
func TestEgressRouteSymmetry(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		if !e.Egress.Enabled {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			_, tpl := stackOf(t, e.Name, "Network")
			subnets := map[string]subnetInfo{}
			for id, s := range resources(tpl, "AWS::EC2::Subnet") {
				p := props(s)
				subnets[id] = subnetInfo{id, p["AvailabilityZone"].(string), tagValue(p, "aws-cdk:subnet-name"), p["CidrBlock"].(string)}
			}
			tableSubnet := map[string]subnetInfo{}
			for _, a := range resources(tpl, "AWS::EC2::SubnetRouteTableAssociation") {
				p := props(a)
				tableSubnet[ref(p["RouteTableId"])] = subnets[ref(p["SubnetId"])]
			}
			firewallZone := map[string]string{}
			fws := resources(tpl, "AWS::NetworkFirewall::Firewall")
			if len(fws) != len(e.AvailabilityZones) {
				t.Fatalf("%d firewalls, want one per zone (%d)", len(fws), len(e.AvailabilityZones))
			}
			for id, fw := range fws {
				maps := props(fw)["SubnetMappings"].([]any)
				if len(maps) != 1 {
					t.Fatalf("firewall %s has %d subnet mappings, want 1", id, len(maps))
				}
				s := subnets[ref(maps[0].(map[string]any)["SubnetId"])]
				if s.group != config.SubnetFirewall {
					t.Errorf("firewall %s is in the %s group", id, s.group)
				}
				firewallZone[id] = s.zone
			}
			natZone := map[string]string{}
			for id, n := range resources(tpl, "AWS::EC2::NatGateway") {
				natZone[id] = subnets[ref(props(n)["SubnetId"])].zone
			}

			routed := e.Egress.EffectiveRoutedGroups()
			defaults := map[string]int{}     // subnet -> default routes
			returns := map[string][]string{} // NAT subnet -> CIDRs routed back through the firewall
			for id, r := range resources(tpl, "AWS::EC2::Route") {
				p := props(r)
				s := tableSubnet[ref(p["RouteTableId"])]
				dest := p["DestinationCidrBlock"]
				switch {
				case dest == "0.0.0.0/0" && slices.Contains(routed, s.group):
					defaults[s.id]++
					if p["NatGatewayId"] != nil || p["GatewayId"] != nil {
						t.Errorf("%s: %s subnet in %s bypasses the firewall", id, s.group, s.zone)
					}
					if fz := firewallZone[endpointFirewall(t, p["VpcEndpointId"])]; fz != s.zone {
						t.Errorf("%s: %s subnet in %s leaves through the firewall in %s", id, s.group, s.zone, fz)
					}
				case dest == "0.0.0.0/0" && s.group == config.SubnetFirewall:
					defaults[s.id]++
					if nz := natZone[ref(p["NatGatewayId"])]; nz != s.zone {
						t.Errorf("%s: firewall subnet in %s goes to a NAT gateway in %q", id, s.zone, nz)
					}
				case dest == "0.0.0.0/0" && (s.group == config.SubnetPublic || s.group == config.SubnetNat):
					defaults[s.id]++
					if ref(p["GatewayId"]) == "" {
						t.Errorf("%s: %s subnet in %s does not go to the internet gateway", id, s.group, s.zone)
					}
				case dest == "0.0.0.0/0":
					t.Errorf("%s: the unrouted %s group has a default route", id, s.group)
				case s.group == config.SubnetNat:
					if fz := firewallZone[endpointFirewall(t, p["VpcEndpointId"])]; fz != s.zone {
						t.Errorf("%s: NAT subnet in %s returns %v through the firewall in %s", id, s.zone, dest, fz)
					}
					returns[s.id] = append(returns[s.id], dest.(string))
				default:
					t.Errorf("%s: unexpected route %v in a %s subnet", id, dest, s.group)
				}
			}
			for _, s := range subnets {
				want := 1
				if s.group == config.SubnetIsolated && !slices.Contains(routed, config.SubnetIsolated) {
					want = 0
				}
				if defaults[s.id] != want {
					t.Errorf("%s subnet in %s has %d default routes, want %d", s.group, s.zone, defaults[s.id], want)
				}
				if s.group != config.SubnetNat {
					continue
				}
				// The NAT subnet returns exactly its own zone's routed CIDRs through the firewall.
				var want2 []string
				for _, o := range subnets {
					if o.zone == s.zone && slices.Contains(routed, o.group) {
						want2 = append(want2, o.cidr)
					}
				}
				slices.Sort(want2)
				slices.Sort(returns[s.id])
				if !slices.Equal(returns[s.id], want2) {
					t.Errorf("NAT subnet in %s returns %v through the firewall, want %v", s.zone, returns[s.id], want2)
				}
			}
			// The NAT gateways live in the NAT subnets only, one per zone; the public subnets (load
			// balancers, gateways) have no route through the firewall, so their traffic to the private
			// subnets is direct both ways.
			for id, n := range resources(tpl, "AWS::EC2::NatGateway") {
				if g := subnets[ref(props(n)["SubnetId"])].group; g != config.SubnetNat {
					t.Errorf("NAT gateway %s is in the %s group", id, g)
				}
			}
		})
	}
}

// The policy: strict order, default drop and alert for established flows, stateless traffic forwarded
// to the stateful engine, and the allow-list rule group holding exactly the rules generated from the
// config, with its source variables and capacity.
func TestFirewallPolicyAndRules(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		if !e.Egress.Enabled {
			continue
		}
		_, tpl := stackOf(t, e.Name, "Network")
		pol := props(only(t, tpl, "AWS::NetworkFirewall::FirewallPolicy"))["FirewallPolicy"].(map[string]any)
		if mustJSON(pol["StatelessDefaultActions"]) != `["aws:forward_to_sfe"]` || mustJSON(pol["StatelessFragmentDefaultActions"]) != `["aws:forward_to_sfe"]` {
			t.Errorf("%s: stateless actions %v %v", e.Name, pol["StatelessDefaultActions"], pol["StatelessFragmentDefaultActions"])
		}
		if mustJSON(pol["StatefulDefaultActions"]) != `["aws:drop_established","aws:alert_established"]` {
			t.Errorf("%s: stateful default actions %v", e.Name, pol["StatefulDefaultActions"])
		}
		if mustJSON(pol["StatefulEngineOptions"]) != `{"RuleOrder":"STRICT_ORDER","StreamExceptionPolicy":"DROP"}` {
			t.Errorf("%s: engine options %v", e.Name, pol["StatefulEngineOptions"])
		}
		refs := pol["StatefulRuleGroupReferences"].([]any)
		if want := len(e.Egress.ManagedRuleGroups) + 1; len(refs) != want {
			t.Errorf("%s: %d rule groups referenced, want %d", e.Name, len(refs), want)
		}

		rg := props(only(t, tpl, "AWS::NetworkFirewall::RuleGroup"))
		if rg["Type"] != "STATEFUL" || rg["Capacity"] != float64(e.Egress.Capacity) || rg["RuleGroupName"] != fmt.Sprintf("%s-%s-allow-list-%d", synthesized.cfg.Project, e.Name, e.Egress.Capacity) {
			t.Errorf("%s: rule group %v %v %v", e.Name, rg["Type"], rg["Capacity"], rg["RuleGroupName"])
		}
		body := rg["RuleGroup"].(map[string]any)
		plan, _ := config.PlanSubnets(netip.MustParsePrefix(e.Network.VpcCidr), e.Network.Subnets, len(e.AvailabilityZones))
		allows, err := e.Egress.AllowLists(plan)
		if err != nil {
			t.Fatal(err)
		}
		want, err := suricata.Generate(allows)
		if err != nil {
			t.Fatal(err)
		}
		got := body["RulesSource"].(map[string]any)["RulesString"].(string)
		if got != want.Rules {
			t.Errorf("%s: rules string differs from the generator's:\n%s", e.Name, got)
		}
		if _, err := suricata.Parse(got); err != nil {
			t.Errorf("%s: synthesized rules do not parse: %v", e.Name, err)
		}
		if mustJSON(body["StatefulRuleOptions"]) != `{"RuleOrder":"STRICT_ORDER"}` {
			t.Errorf("%s: rule options %v", e.Name, body["StatefulRuleOptions"])
		}
		sets := body["RuleVariables"].(map[string]any)["IPSets"].(map[string]any)
		for name, cidrs := range want.Variables {
			def := sets[name].(map[string]any)["Definition"]
			if mustJSON(def) != mustJSON(cidrs) {
				t.Errorf("%s: $%s = %v, want %v", e.Name, name, def, cidrs)
			}
		}
		// Each allowed domain of the config appears in a TLS pass rule from its sources' variable.
		for _, r := range e.Egress.Rules {
			for _, d := range r.Domains {
				if !strings.Contains(got, fmt.Sprintf(`pass tls $%s any -> $EXTERNAL_NET any (tls.sni;`, suricata.VariableName(r.Name))) || !strings.Contains(got, `content:"`+d+`"`) {
					t.Errorf("%s: no pass rule for %s of %s", e.Name, d, r.Name)
				}
			}
		}
	}
}

// Every firewall logs alerts and flows to CloudWatch Logs; the log groups are encrypted and kept as
// configured; drops feed a metric, an alarm with actions, and a dashboard of top dropped domains.
func TestFirewallLoggingAndAlarm(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		if !e.Egress.Enabled {
			continue
		}
		_, tpl := stackOf(t, e.Name, "Network")
		logConfigs := resources(tpl, "AWS::NetworkFirewall::LoggingConfiguration")
		if len(logConfigs) != len(e.AvailabilityZones) {
			t.Errorf("%s: %d logging configurations, want one per firewall", e.Name, len(logConfigs))
		}
		for id, lc := range logConfigs {
			j := mustJSON(props(lc)["LoggingConfiguration"])
			for _, typ := range []string{"ALERT", "FLOW"} {
				if !strings.Contains(j, `"LogDestinationType":"CloudWatchLogs","LogType":"`+typ+`"`) {
					t.Errorf("%s: %s does not send %s logs to CloudWatch Logs: %s", e.Name, id, typ, j)
				}
			}
		}
		groups := 0
		for id, g := range resources(tpl, "AWS::Logs::LogGroup") {
			if !strings.HasPrefix(id, "EgressFirewall") {
				continue
			}
			groups++
			p := props(g)
			if p["RetentionInDays"] != float64(e.Egress.LogRetentionDays) || p["KmsKeyId"] == nil {
				t.Errorf("%s: log group %s: %v", e.Name, id, p)
			}
			if want := map[bool]string{true: "Retain", false: "Delete"}[e.Production]; g["DeletionPolicy"] != want {
				t.Errorf("%s: log group %s deletion policy %v, want %s", e.Name, id, g["DeletionPolicy"], want)
			}
		}
		if groups != 2 {
			t.Errorf("%s: %d firewall log groups, want alert and flow", e.Name, groups)
		}
		mf := props(only(t, tpl, "AWS::Logs::MetricFilter"))
		if !strings.Contains(mustJSON(mf["FilterPattern"]), `$.event.alert.action = \"blocked\"`) {
			t.Errorf("%s: metric filter %v", e.Name, mf["FilterPattern"])
		}
		alarm := props(only(t, tpl, "AWS::CloudWatch::Alarm"))
		if alarm["Threshold"] != float64(e.Egress.DropAlarm) || alarm["ComparisonOperator"] != "GreaterThanThreshold" || len(alarm["AlarmActions"].([]any)) != 1 {
			t.Errorf("%s: alarm %v", e.Name, alarm)
		}
		// The alarm sums every firewall's metric by name (alarms cannot use SEARCH).
		metrics := mustJSON(alarm["Metrics"])
		for _, az := range e.AvailabilityZones {
			want := fmt.Sprintf(`"Dimensions":[{"Name":"Firewall","Value":"%s-%s-egress-%s"}],"MetricName":"%s","Namespace":"%s"`, synthesized.cfg.Project, e.Name, az[len(az)-1:], "DroppedConnections", "editbay/Egress")
			if !strings.Contains(metrics, want) {
				t.Errorf("%s: alarm metrics lack %s: %s", e.Name, want, metrics)
			}
		}
		if strings.Contains(metrics, "SEARCH") {
			t.Errorf("%s: alarm uses SEARCH, which CloudWatch alarms reject", e.Name)
		}
		if topic := props(only(t, tpl, "AWS::SNS::Topic")); topic["KmsMasterKeyId"] == nil {
			t.Errorf("%s: alarm topic is not encrypted", e.Name)
		}
		dash := mustJSON(props(only(t, tpl, "AWS::CloudWatch::Dashboard"))["DashboardBody"])
		for _, want := range []string{"Top dropped destinations", `filter event.alert.action = \\\"blocked\\\"`, "event.tls.sni"} {
			if !strings.Contains(dash, want) {
				t.Errorf("%s: dashboard lacks %s", e.Name, want)
			}
		}
		for id, fw := range resources(tpl, "AWS::NetworkFirewall::Firewall") {
			p := props(fw)
			if p["DeleteProtection"] != e.Production || p["SubnetChangeProtection"] != true {
				t.Errorf("%s: firewall %s protections %v %v", e.Name, id, p["DeleteProtection"], p["SubnetChangeProtection"])
			}
		}
	}
}
