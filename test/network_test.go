package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

func TestStacksPerEnvironment(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		s, _ := stackOf(t, e.Name, "Network")
		if want := fmt.Sprintf("%s-%s-network", synthesized.cfg.Project, e.Name); s.StackName != want {
			t.Errorf("%s: stack name %q, want %q", s.DisplayName, s.StackName, want)
		}
		if want := "aws://unknown-account/" + e.Region; s.Environment != want {
			t.Errorf("%s: environment %q, want %q", s.DisplayName, s.Environment, want)
		}
		if s.TerminationProtection != e.Production {
			t.Errorf("%s: termination protection %v, want %v (production)", s.DisplayName, s.TerminationProtection, e.Production)
		}
		if want := synthesized.cfg.CostTags(e); !maps.Equal(s.Tags, want) {
			t.Errorf("%s: stack tags %v, want %v", s.DisplayName, s.Tags, want)
		}
	}
}

// The subnets are exactly the config's plan: every group in every configured zone, the CIDRs that
// config.PlanSubnets computed (so validation and CDK agree), the firewall space reserved but not
// created, and no public IP on launch anywhere.
func TestSubnetsFollowThePlan(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		_, tpl := stackOf(t, e.Name, "Network")
		if p := props(only(t, tpl, "AWS::EC2::VPC")); p["CidrBlock"] != e.Network.VpcCidr || p["EnableDnsHostnames"] != true || p["EnableDnsSupport"] != true {
			t.Errorf("%s: VPC %v", e.Name, p)
		}
		got := map[string][]string{} // group -> "az cidr"
		for id, s := range resources(tpl, "AWS::EC2::Subnet") {
			p := props(s)
			if p["MapPublicIpOnLaunch"] != false {
				t.Errorf("%s: subnet %s maps public IPs on launch", e.Name, id)
			}
			az, ok := p["AvailabilityZone"].(string)
			if !ok {
				t.Errorf("%s: subnet %s has a computed zone %v; zones come from the config", e.Name, id, p["AvailabilityZone"])
			}
			group := tagValue(p, "aws-cdk:subnet-name")
			got[group] = append(got[group], az+" "+p["CidrBlock"].(string))
		}
		plan, err := config.PlanSubnets(netip.MustParsePrefix(e.Network.VpcCidr), e.Network.Subnets, len(e.AvailabilityZones))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		for _, g := range plan {
			if (g.Name == config.SubnetFirewall || g.Name == config.SubnetNat) && !e.Egress.Enabled {
				continue // reserved
			}
			for i, c := range g.CIDRs {
				want[g.Name] = append(want[g.Name], e.AvailabilityZones[i]+" "+c.String())
			}
		}
		for g := range got {
			slices.Sort(got[g])
			slices.Sort(want[g])
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s subnets:\n got  %v\n want %v", e.Name, got, want)
		}
	}
}

// NAT follows natMode, and with perAz every private subnet leaves through the NAT gateway of its own
// zone, so losing one zone does not cut the others' egress.
func TestNatGateways(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		_, tpl := stackOf(t, e.Name, "Network")
		nats := resources(tpl, "AWS::EC2::NatGateway")
		want := len(e.AvailabilityZones)
		if e.Network.NatMode == config.NatSingle {
			want = 1
		}
		if len(nats) != want {
			t.Errorf("%s (%s): %d NAT gateways, want %d", e.Name, e.Network.NatMode, len(nats), want)
		}
		subnets := resources(tpl, "AWS::EC2::Subnet")
		zoneOf := func(ref any) string { // a {"Ref": subnet} -> its zone
			return props(subnets[ref.(map[string]any)["Ref"].(string)])["AvailabilityZone"].(string)
		}
		natZone := map[string]string{}
		for id, n := range nats {
			natZone[id] = zoneOf(props(n)["SubnetId"])
		}
		routeTableZone := map[string]string{}
		for _, a := range resources(tpl, "AWS::EC2::SubnetRouteTableAssociation") {
			p := props(a)
			routeTableZone[p["RouteTableId"].(map[string]any)["Ref"].(string)] = zoneOf(p["SubnetId"])
		}
		privateRoutes := 0
		for id, r := range resources(tpl, "AWS::EC2::Route") {
			p := props(r)
			nat, ok := p["NatGatewayId"].(map[string]any)
			if !ok {
				continue
			}
			privateRoutes++
			if p["DestinationCidrBlock"] != "0.0.0.0/0" {
				t.Errorf("%s: NAT route %s for %v", e.Name, id, p["DestinationCidrBlock"])
			}
			zone := routeTableZone[p["RouteTableId"].(map[string]any)["Ref"].(string)]
			if e.Network.NatMode == config.NatPerAz && natZone[nat["Ref"].(string)] != zone {
				t.Errorf("%s: route %s in %s leaves through a NAT gateway in %s", e.Name, id, zone, natZone[nat["Ref"].(string)])
			}
		}
		if privateRoutes != len(e.AvailabilityZones) {
			t.Errorf("%s: %d private default routes, want one per zone", e.Name, privateRoutes)
		}
	}
}

func TestFlowLogs(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		_, tpl := stackOf(t, e.Name, "Network")
		fl := props(only(t, tpl, "AWS::EC2::FlowLog"))
		if fl["ResourceType"] != "VPC" || fl["TrafficType"] != "ALL" || fl["MaxAggregationInterval"] != 60.0 {
			t.Errorf("%s: flow log %v", e.Name, fl)
		}
		switch e.Network.FlowLogs.Destination {
		case config.FlowLogsToCloudWatch:
			if fl["LogDestinationType"] != "cloud-watch-logs" {
				t.Errorf("%s: destination %v", e.Name, fl["LogDestinationType"])
			}
			for id, g := range resources(tpl, "AWS::Logs::LogGroup") {
				if strings.HasPrefix(id, "EgressFirewall") {
					continue // the firewall's logs: test/egress_test.go
				}
				p := props(g)
				if p["RetentionInDays"] != float64(e.Network.FlowLogs.RetentionDays) || p["KmsKeyId"] == nil {
					t.Errorf("%s: log group %s: %v", e.Name, id, p)
				}
				if want := map[bool]string{true: "Retain", false: "Delete"}[e.Production]; g["DeletionPolicy"] != want {
					t.Errorf("%s: log group deletion policy %v, want %s", e.Name, g["DeletionPolicy"], want)
				}
			}
		case config.FlowLogsToS3:
			want := map[string]any{"FileFormat": "parquet", "HiveCompatiblePartitions": true, "PerHourPartition": true}
			if fl["LogDestinationType"] != "s3" || !maps.Equal(fl["DestinationOptions"].(map[string]any), want) {
				t.Errorf("%s: flow log %v", e.Name, fl)
			}
			buckets := resources(tpl, "AWS::S3::Bucket")
			if len(buckets) != 2 {
				t.Fatalf("%s: %d buckets, want the flow-log bucket and its access-log bucket", e.Name, len(buckets))
			}
			for id, b := range buckets {
				p := props(b)
				j := mustJSON(p)
				if b["DeletionPolicy"] != "Retain" || !strings.Contains(j, `"Status":"Enabled"`) || !strings.Contains(j, `"BlockPublicAcls":true`) {
					t.Errorf("%s: bucket %s is not retained, versioned and private: %s", e.Name, id, j)
				}
				if !strings.Contains(j, fmt.Sprintf(`"ExpirationInDays":%d`, e.Network.FlowLogs.RetentionDays)) {
					t.Errorf("%s: bucket %s does not expire objects after %d days: %s", e.Name, id, e.Network.FlowLogs.RetentionDays, j)
				}
				if p["LoggingConfiguration"] == nil && !strings.Contains(j, `"SSEAlgorithm":"AES256"`) {
					t.Errorf("%s: bucket %s has no access logs and is not the access-log bucket", e.Name, id)
				}
				if p["LoggingConfiguration"] != nil && !strings.Contains(j, `"SSEAlgorithm":"aws:kms"`) {
					t.Errorf("%s: flow-log bucket %s is not KMS-encrypted: %s", e.Name, id, j)
				}
			}
		}
	}
}

func TestEndpoints(t *testing.T) {
	for _, e := range synthesized.cfg.Environments {
		_, tpl := stackOf(t, e.Name, "Network")
		var interfaces []string
		gateways := 0
		for id, ep := range resources(tpl, "AWS::EC2::VPCEndpoint") {
			p := props(ep)
			name := mustJSON(p["ServiceName"])
			switch p["VpcEndpointType"] {
			case "Interface":
				if p["PrivateDnsEnabled"] != true || len(p["SecurityGroupIds"].([]any)) != 1 || len(p["SubnetIds"].([]any)) != len(e.AvailabilityZones) {
					t.Errorf("%s: endpoint %s: %v", e.Name, id, p)
				}
				for _, svc := range append(config.BuiltinInterfaceEndpoints(), e.Network.AdditionalInterfaceEndpoints...) {
					if strings.Contains(name, "."+svc+`"`) {
						interfaces = append(interfaces, svc)
					}
				}
			default:
				gateways++
				// Private and isolated subnets reach S3 without NAT.
				if !strings.Contains(name, ".s3") || len(p["RouteTableIds"].([]any)) != 2*len(e.AvailabilityZones) {
					t.Errorf("%s: gateway endpoint %s: %v", e.Name, id, p)
				}
			}
		}
		slices.Sort(interfaces)
		want := slices.Sorted(slices.Values(append(config.BuiltinInterfaceEndpoints(), e.Network.AdditionalInterfaceEndpoints...)))
		if !slices.Equal(interfaces, want) || gateways != 1 {
			t.Errorf("%s: interface endpoints %v (want %v), %d gateway endpoints", e.Name, interfaces, want, gateways)
		}

		// Every security group in the network stack admits HTTPS from the VPC at most.
		for id, sg := range resources(tpl, "AWS::EC2::SecurityGroup") {
			p := props(sg)
			ingress, _ := p["SecurityGroupIngress"].([]any)
			if len(ingress) != 1 {
				t.Errorf("%s: security group %s has %d ingress rules", e.Name, id, len(ingress))
				continue
			}
			rule := ingress[0].(map[string]any)
			if rule["CidrIp"] != e.Network.VpcCidr || rule["FromPort"] != 443.0 || rule["ToPort"] != 443.0 {
				t.Errorf("%s: security group %s admits %v", e.Name, id, rule)
			}
			// CDK writes a rule to nowhere (255.255.255.255/32) to say "no egress".
			if egress := mustJSON(p["SecurityGroupEgress"]); !strings.Contains(egress, "255.255.255.255/32") {
				t.Errorf("%s: security group %s allows egress %s", e.Name, id, egress)
			}
		}
		if n := len(resources(tpl, "Custom::VpcRestrictDefaultSG")); n != 1 {
			t.Errorf("%s: the default security group is not stripped (%d restrict resources)", e.Name, n)
		}
	}
}

// Every taggable resource carries the mandatory cost tags with the environment's values. The only
// untagged resources are of types CloudFormation cannot tag, and CDK's own custom-resource provider,
// which CDK writes as raw resources; the stack-level tags (TestStacksPerEnvironment) reach those at
// deployment.
func TestCostTags(t *testing.T) {
	untaggable := []string{"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
		"AWS::S3::BucketPolicy", "AWS::IAM::Policy", "Custom::VpcRestrictDefaultSG",
		"AWS::SNS::TopicPolicy", "AWS::NetworkFirewall::LoggingConfiguration", "AWS::Logs::MetricFilter"}
	const cdkProvider = "CustomVpcRestrictDefaultSGCustomResourceProvider"
	for _, e := range synthesized.cfg.Environments {
		want := synthesized.cfg.CostTags(e)
		_, tpl := stackOf(t, e.Name, "Network")
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			typ := res["Type"].(string)
			p := props(res)
			if p["Tags"] == nil {
				if !slices.Contains(untaggable, typ) && !strings.HasPrefix(id, cdkProvider) {
					t.Errorf("%s: %s (%s) has no tags", e.Name, id, typ)
				}
				continue
			}
			for k, v := range want {
				if got := tagValue(p, k); got != v {
					t.Errorf("%s: %s (%s) tag %s = %q, want %q", e.Name, id, typ, k, got, v)
				}
			}
		}
	}
}

// Synthesis answers everything from the config: no zone lookups, no CDKMetadata, keys rotate.
func TestNothingLookedUp(t *testing.T) {
	for name, tpl := range synthesized.templates {
		j := mustJSON(tpl)
		for _, bad := range []string{"Fn::GetAZs", "CDKMetadata"} {
			if strings.Contains(j, bad) {
				t.Errorf("%s contains %s", name, bad)
			}
		}
		for id, k := range resources(tpl, "AWS::KMS::Key") {
			if props(k)["EnableKeyRotation"] != true {
				t.Errorf("%s: key %s does not rotate", name, id)
			}
		}
	}
}

func tagValue(p map[string]any, key string) string {
	tags, _ := p["Tags"].([]any)
	for _, t := range tags {
		kv := t.(map[string]any)
		if kv["Key"] == key {
			v, _ := kv["Value"].(string)
			return v
		}
	}
	return ""
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
