package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// accessEnvs are the default config's environments with an access tier; the issue asks for both.
func accessEnvs(t *testing.T) []config.Environment {
	t.Helper()
	var envs []config.Environment
	for _, e := range synthesized.cfg.Environments {
		if e.Access != nil {
			envs = append(envs, e)
		}
	}
	if len(envs) < 2 {
		t.Fatalf("the default config should give staging and production an access tier, has %d", len(envs))
	}
	return envs
}

// byPath returns the resource at construct path <env>/Access/<path>/Resource (or <path> exactly).
func byPath(t *testing.T, tpl template, env, path string) (string, map[string]any) {
	t.Helper()
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		p, _ := at(res, "Metadata", "aws:cdk:path").(string)
		if p == env+"/Access/"+path+"/Resource" || p == env+"/Access/"+path {
			return id, res
		}
	}
	t.Fatalf("%s: no resource at %s", env, path)
	return "", nil
}

// at walks maps and lists: at(r, "Properties", "Listeners", 0, "Port").
func at(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// rule is one ingress permission: from a CIDR or a security group (by construct path) to a port.
type rule struct{ from, port string }

func (r rule) String() string { return r.from + " " + r.port }

// ingressRules reads every ingress rule of a template, inline or standalone, keyed by the construct
// path of the security group it opens (e.g. "Workstations/SecurityGroup"). Source groups are named by
// path too; a port that is an attribute (the database's Endpoint.Port) reads "tcp/<attribute>".
func ingressRules(t *testing.T, tpl template, env string) map[string][]rule {
	t.Helper()
	paths := map[string]string{}
	for id, r := range tpl["Resources"].(map[string]any) {
		p, _ := at(r, "Metadata", "aws:cdk:path").(string)
		paths[id] = strings.TrimSuffix(strings.TrimPrefix(p, env+"/Access/"), "/Resource")
	}
	group := func(ref any) string {
		if id, ok := at(ref, "Fn::GetAtt", 0).(string); ok {
			return paths[id]
		}
		t.Fatalf("%s: security group reference %s is not to this stack", env, asJSON(ref))
		return ""
	}
	port := func(p map[string]any) string {
		from, to := p["FromPort"], p["ToPort"]
		if attr, ok := at(from, "Fn::GetAtt", 1).(string); ok {
			return fmt.Sprintf("%s/%s", p["IpProtocol"], attr)
		}
		if asJSON(from) != asJSON(to) {
			return fmt.Sprintf("%s/%v-%v", p["IpProtocol"], from, to)
		}
		return fmt.Sprintf("%s/%v", p["IpProtocol"], from)
	}
	source := func(p map[string]any) string {
		switch {
		case p["CidrIp"] != nil:
			return p["CidrIp"].(string)
		case p["CidrIpv6"] != nil:
			return p["CidrIpv6"].(string)
		case p["SourceSecurityGroupId"] != nil:
			return "sg:" + group(p["SourceSecurityGroupId"])
		}
		t.Fatalf("%s: ingress rule with an unexpected source: %s", env, asJSON(p))
		return ""
	}
	rules := map[string][]rule{}
	for id, sg := range resources(tpl, "AWS::EC2::SecurityGroup") {
		rules[paths[id]] = nil
		inline, _ := at(sg, "Properties", "SecurityGroupIngress").([]any)
		for _, in := range inline {
			p := in.(map[string]any)
			rules[paths[id]] = append(rules[paths[id]], rule{source(p), port(p)})
		}
	}
	for _, in := range resources(tpl, "AWS::EC2::SecurityGroupIngress") {
		p := props(in)
		target := group(p["GroupId"])
		rules[target] = append(rules[target], rule{source(p), port(p)})
	}
	for k := range rules {
		slices.SortFunc(rules[k], func(a, b rule) int { return strings.Compare(a.String(), b.String()) })
	}
	return rules
}

// The access tier's every path, read from the synthesized security-group rules: clients reach only
// the two load balancers on their ports; the brokers only from their load balancer; the gateways only
// from theirs; the workstations only from gateways on the display ports and from brokers on the agent
// port; the database only from brokers (and the function that rotates its password). Nothing else has
// an ingress rule at all.
func TestAccessTierReachability(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		a := e.Access
		var clients, brokerLB []rule
		var fromGatewayLB, fromGateways []rule
		for _, proto := range a.Gateway.Protocols {
			for _, p := range ebc.DisplayProtocol(proto).Ports() {
				ports := []string{fmt.Sprintf("tcp/%d", p.Port)}
				if p.UDP {
					ports = append(ports, fmt.Sprintf("udp/%d", p.Port))
				}
				for _, port := range ports {
					for _, c := range e.ClientCidrs {
						clients = append(clients, rule{c, port})
					}
					fromGatewayLB = append(fromGatewayLB, rule{"sg:Gateways/LoadBalancerSecurityGroup", port})
					fromGateways = append(fromGateways, rule{"sg:Gateways/Gateways/SecurityGroup", port})
				}
			}
		}
		for _, c := range e.ClientCidrs {
			brokerLB = append(brokerLB, rule{c, "tcp/443"}, rule{c, "tcp/80"})
		}
		want := map[string][]rule{
			"Brokers/LoadBalancerSecurityGroup":                 brokerLB,
			"Brokers/Brokers/SecurityGroup":                     {{"sg:Brokers/LoadBalancerSecurityGroup", "tcp/443"}},
			"Gateways/LoadBalancerSecurityGroup":                clients,
			"Gateways/Gateways/SecurityGroup":                   fromGatewayLB,
			"Workstations/SecurityGroup":                        append(fromGateways, rule{"sg:Brokers/Brokers/SecurityGroup", fmt.Sprintf("tcp/%d", a.Broker.AgentPort)}),
			"Database/Cluster/SecurityGroup":                    {{"sg:Brokers/Brokers/SecurityGroup", "tcp/5432"}, {"sg:Database/Cluster/RotationSingleUser/SecurityGroup", "tcp/Endpoint.Port"}},
			"Database/Cluster/RotationSingleUser/SecurityGroup": nil,
		}
		for k := range want {
			slices.SortFunc(want[k], func(a, b rule) int { return strings.Compare(a.String(), b.String()) })
		}
		got := ingressRules(t, tpl, e.Name)
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
			t.Errorf("%s: security groups %v, want %v", e.Name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for sg, rules := range want {
			if !slices.Equal(got[sg], rules) {
				t.Errorf("%s: %s admits\n  %v\nwant\n  %v", e.Name, sg, got[sg], rules)
			}
		}
	}
}

// No template opens anything to the whole internet unless the config's client CIDRs say so.
func TestNothingOpenToTheWorld(t *testing.T) {
	for name, tpl := range synthesized.templates {
		env := strings.Split(name, "/")[0]
		var clients []string
		for _, e := range synthesized.cfg.Environments {
			if e.Name == env {
				clients = e.ClientCidrs
			}
		}
		for _, typ := range []string{"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"} {
			for id, r := range resources(tpl, typ) {
				rules := []any{props(r)}
				if typ == "AWS::EC2::SecurityGroup" {
					rules, _ = props(r)["SecurityGroupIngress"].([]any)
				}
				for _, in := range rules {
					for _, key := range []string{"CidrIp", "CidrIpv6"} {
						cidr, _ := at(in, key).(string)
						if (cidr == "0.0.0.0/0" || cidr == "::/0") && !slices.Contains(clients, cidr) {
							t.Errorf("%s: %s admits %s: %s", name, id, cidr, asJSON(in))
						}
					}
				}
			}
		}
	}
}

func TestServerGroups(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		for _, g := range []struct {
			path, subnets string
			min, max      int
			scaling       string
			target        float64
		}{
			{"Brokers/Brokers", "private", e.Access.Broker.MinCapacity, e.Access.Broker.MaxCapacity,
				map[string]string{config.ScaleOnCPU: "ASGAverageCPUUtilization", config.ScaleOnRequests: "ALBRequestCountPerTarget"}[e.Access.Broker.Scaling.Metric],
				float64(e.Access.Broker.Scaling.Target)},
			{"Gateways/Gateways", "public", e.Access.Gateway.MinCapacity, e.Access.Gateway.MaxCapacity, "ASGAverageCPUUtilization", float64(e.Access.Gateway.CpuTarget)},
		} {
			asgID, asg := byPath(t, tpl, e.Name, g.path+"/Group/ASG")
			p := props(asg)
			if p["MinSize"] != fmt.Sprint(g.min) || p["MaxSize"] != fmt.Sprint(g.max) || g.min < 2 {
				t.Errorf("%s %s: size %v-%v, want %d-%d (at least 2)", e.Name, g.path, p["MinSize"], p["MaxSize"], g.min, g.max)
			}
			if p["HealthCheckType"] != "ELB" || p["MetricsCollection"] == nil || p["NotificationConfigurations"] == nil || p["TargetGroupARNs"] == nil {
				t.Errorf("%s %s: health check %v, metrics %v, notifications %v, target groups %v", e.Name, g.path, p["HealthCheckType"], p["MetricsCollection"], p["NotificationConfigurations"], p["TargetGroupARNs"])
			}
			// One subnet per zone, all of the named group.
			zones := p["VPCZoneIdentifier"].([]any)
			if len(zones) != len(e.AvailabilityZones) {
				t.Errorf("%s %s: %d subnets, want one per zone (%d)", e.Name, g.path, len(zones), len(e.AvailabilityZones))
			}
			for _, z := range zones {
				if out, _ := at(z, "Fn::GetStackOutput", "OutputName").(string); !strings.Contains(out, "NetworkVpc"+g.subnets+"Subnet") {
					t.Errorf("%s %s: subnet %s is not a %s subnet", e.Name, g.path, asJSON(z), g.subnets)
				}
			}
			rolling := at(asg, "UpdatePolicy", "AutoScalingRollingUpdate")
			if at(rolling, "MaxBatchSize") != 1.0 || at(rolling, "MinInstancesInService") != float64(g.min) {
				t.Errorf("%s %s: rolling update %s", e.Name, g.path, asJSON(rolling))
			}
			found := false
			for _, sp := range resources(tpl, "AWS::AutoScaling::ScalingPolicy") {
				if at(sp, "Properties", "AutoScalingGroupName", "Ref") == asgID {
					found = true
					tt := at(sp, "Properties", "TargetTrackingConfiguration")
					if at(tt, "PredefinedMetricSpecification", "PredefinedMetricType") != g.scaling || at(tt, "TargetValue") != g.target {
						t.Errorf("%s %s: target tracking %s, want %s at %v", e.Name, g.path, asJSON(tt), g.scaling, g.target)
					}
				}
			}
			if !found {
				t.Errorf("%s %s: no scaling policy", e.Name, g.path)
			}
			_, lt := byPath(t, tpl, e.Name, g.path+"/LaunchTemplate")
			checkLaunchTemplate(t, e.Name+" "+g.path, at(lt, "Properties", "LaunchTemplateData").(map[string]any))
		}
	}
}

// checkLaunchTemplate asserts what every launch template of the tier shares.
func checkLaunchTemplate(t *testing.T, name string, data map[string]any) {
	t.Helper()
	if at(data, "MetadataOptions", "HttpTokens") != "required" {
		t.Errorf("%s: IMDSv2 not required: %s", name, asJSON(data["MetadataOptions"]))
	}
	ebs := at(data, "BlockDeviceMappings", 0, "Ebs")
	if at(ebs, "Encrypted") != true || at(ebs, "VolumeType") != "gp3" {
		t.Errorf("%s: root volume %s", name, asJSON(ebs))
	}
	if at(data, "Monitoring", "Enabled") != true {
		t.Errorf("%s: no detailed monitoring", name)
	}
	if data["KeyName"] != nil {
		t.Errorf("%s: has an SSH key pair", name)
	}
	if at(data, "NetworkInterfaces", 0, "AssociatePublicIpAddress") != false {
		t.Errorf("%s: may get a public IP: %s", name, asJSON(data["NetworkInterfaces"]))
	}
	if at(data, "IamInstanceProfile", "Arn") == nil {
		t.Errorf("%s: no instance profile", name)
	}
}

func TestBrokerLoadBalancer(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		lbID, lb := byPath(t, tpl, e.Name, "Brokers/LoadBalancer")
		attrs := map[string]any{}
		for _, a := range props(lb)["LoadBalancerAttributes"].([]any) {
			attrs[at(a, "Key").(string)] = at(a, "Value")
		}
		if props(lb)["Scheme"] != "internet-facing" || attrs["routing.http.drop_invalid_header_fields.enabled"] != "true" ||
			attrs["access_logs.s3.enabled"] != "true" || attrs["deletion_protection.enabled"] != fmt.Sprint(e.Production) {
			t.Errorf("%s: load balancer %s attributes %v", e.Name, props(lb)["Scheme"], attrs)
		}
		for _, s := range props(lb)["Subnets"].([]any) {
			if out, _ := at(s, "Fn::GetStackOutput", "OutputName").(string); !strings.Contains(out, "NetworkVpcpublicSubnet") {
				t.Errorf("%s: load balancer in %s", e.Name, asJSON(s))
			}
		}
		listeners := map[float64]map[string]any{}
		for _, l := range resources(tpl, "AWS::ElasticLoadBalancingV2::Listener") {
			if at(l, "Properties", "LoadBalancerArn", "Ref") == lbID {
				listeners[at(l, "Properties", "Port").(float64)] = props(l)
			}
		}
		if len(listeners) != 2 {
			t.Fatalf("%s: listeners on ports %v, want 443 and 80", e.Name, slices.Collect(maps.Keys(listeners)))
		}
		https, http := listeners[443], listeners[80]
		if https["Protocol"] != "HTTPS" || https["SslPolicy"] != "ELBSecurityPolicy-TLS13-1-2-2021-06" || at(https, "Certificates", 0, "CertificateArn") == nil {
			t.Errorf("%s: HTTPS listener %s", e.Name, asJSON(https))
		}
		if at(http, "DefaultActions", 0, "Type") != "redirect" || at(http, "DefaultActions", 0, "RedirectConfig", "Protocol") != "HTTPS" {
			t.Errorf("%s: HTTP listener does not redirect to HTTPS: %s", e.Name, asJSON(http))
		}
		_, tg := byPath(t, tpl, e.Name, "Brokers/LoadBalancer/Https/BrokersGroup")
		if p := props(tg); p["Protocol"] != "HTTPS" || p["HealthCheckProtocol"] != "HTTPS" || p["HealthCheckPath"] != e.Access.Broker.HealthCheckPath {
			t.Errorf("%s: broker target group %s", e.Name, asJSON(p))
		}
		cert := only(t, tpl, "AWS::CertificateManager::Certificate")
		if p := props(cert); p["DomainName"] != e.Access.Broker.Certificate.Domain || p["ValidationMethod"] != "DNS" {
			t.Errorf("%s: certificate %s", e.Name, asJSON(p))
		}
		assoc := only(t, tpl, "AWS::WAFv2::WebACLAssociation")
		if at(assoc, "Properties", "ResourceArn", "Ref") != lbID {
			t.Errorf("%s: web ACL guards %s", e.Name, asJSON(assoc))
		}
		acl := only(t, tpl, "AWS::WAFv2::WebACL")
		var rules []string
		for _, r := range props(acl)["Rules"].([]any) {
			rules = append(rules, at(r, "Name").(string))
		}
		if !slices.Contains(rules, "RateLimitPerAddress") || !slices.Contains(rules, "AWSManagedRulesCommonRuleSet") {
			t.Errorf("%s: web ACL rules %v", e.Name, rules)
		}
		if only(t, tpl, "AWS::WAFv2::LoggingConfiguration") == nil {
			t.Errorf("%s: web ACL without logging", e.Name)
		}
	}
}

func TestGatewayLoadBalancer(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		lbID, lb := byPath(t, tpl, e.Name, "Gateways/LoadBalancer")
		if p := props(lb); p["Type"] != "network" || p["Scheme"] != "internet-facing" || p["SecurityGroups"] == nil {
			t.Errorf("%s: gateway load balancer %s", e.Name, asJSON(p))
		}
		want := map[float64]string{}
		for _, proto := range e.Access.Gateway.Protocols {
			for _, p := range ebc.DisplayProtocol(proto).Ports() {
				want[float64(p.Port)] = map[bool]string{false: "TCP", true: "TCP_UDP"}[p.UDP]
			}
		}
		got := map[float64]string{}
		for _, l := range resources(tpl, "AWS::ElasticLoadBalancingV2::Listener") {
			if at(l, "Properties", "LoadBalancerArn", "Ref") == lbID {
				got[at(l, "Properties", "Port").(float64)] = at(l, "Properties", "Protocol").(string)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: gateway listeners %v, want %v", e.Name, got, want)
		}
	}
}

func TestBrokerDatabase(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		d := e.Access.Database
		cluster := only(t, tpl, "AWS::RDS::DBCluster")
		p := props(cluster)
		if p["Engine"] != "aurora-postgresql" || p["EngineVersion"] != d.EngineVersion || p["StorageEncrypted"] != true || p["KmsKeyId"] == nil ||
			p["EnableIAMDatabaseAuthentication"] != true || p["BackupRetentionPeriod"] != float64(d.BackupRetentionDays) ||
			asJSON(p["EnableCloudwatchLogsExports"]) != `["postgresql"]` || p["PerformanceInsightsEnabled"] != true || p["Port"] != 5432.0 {
			t.Errorf("%s: cluster %s", e.Name, asJSON(p))
		}
		if !strings.Contains(asJSON(p["MasterUserPassword"]), "{{resolve:secretsmanager:") {
			t.Errorf("%s: the master password is not a Secrets Manager reference: %s", e.Name, asJSON(p["MasterUserPassword"]))
		}
		wantDeletion := map[bool]string{true: "Snapshot", false: "Delete"}[e.Production]
		if p["DeletionProtection"] != e.Production || cluster["DeletionPolicy"] != wantDeletion {
			t.Errorf("%s: deletion protection %v, policy %v; want %v, %s", e.Name, p["DeletionProtection"], cluster["DeletionPolicy"], e.Production, wantDeletion)
		}
		serverless := d.Mode == config.DatabaseServerless
		if (p["ServerlessV2ScalingConfiguration"] != nil) != serverless {
			t.Errorf("%s: serverless scaling %v in %s mode", e.Name, p["ServerlessV2ScalingConfiguration"], d.Mode)
		}
		instances := resources(tpl, "AWS::RDS::DBInstance")
		zones := map[string]bool{}
		for _, i := range instances {
			ip := props(i)
			zones[ip["AvailabilityZone"].(string)] = true
			class := map[bool]string{true: "db.serverless", false: "db." + d.InstanceClass}[serverless]
			if ip["DBInstanceClass"] != class || ip["PubliclyAccessible"] != false || ip["EnablePerformanceInsights"] != true {
				t.Errorf("%s: instance %s", e.Name, asJSON(ip))
			}
		}
		if len(instances) != 2 || len(zones) != 2 {
			t.Errorf("%s: %d instances in zones %v, want a writer and a reader in two zones", e.Name, len(instances), zones)
		}
		group := only(t, tpl, "AWS::RDS::DBSubnetGroup")
		for _, s := range props(group)["SubnetIds"].([]any) {
			if out, _ := at(s, "Fn::GetStackOutput", "OutputName").(string); !strings.Contains(out, "NetworkVpcisolatedSubnet") {
				t.Errorf("%s: database subnet %s is not isolated", e.Name, asJSON(s))
			}
		}
		rotation := only(t, tpl, "AWS::SecretsManager::RotationSchedule")
		if at(rotation, "Properties", "RotationRules", "ScheduleExpression") != "rate(30 days)" {
			t.Errorf("%s: rotation %s", e.Name, asJSON(props(rotation)))
		}
		param := only(t, tpl, "AWS::SSM::Parameter")
		for _, key := range []string{`\"host\":\"`, `\"port\":`, `\"secretArn\":\"`} {
			if !strings.Contains(asJSON(props(param)["Value"]), key) {
				t.Errorf("%s: connection parameter lacks %s: %s", e.Name, key, asJSON(props(param)["Value"]))
			}
		}
	}
}

// policyStatements returns the statements of every policy of role: inline policies naming it, and
// the customer-managed policies among its ManagedPolicyArns.
func policyStatements(tpl template, roleID string) []any {
	var out []any
	attached := asJSON(at(tpl, "Resources", roleID, "Properties", "ManagedPolicyArns"))
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for id, p := range resources(tpl, typ) {
			if strings.Contains(asJSON(props(p)["Roles"]), `"Ref":"`+roleID+`"`) || strings.Contains(attached, `"Ref":"`+id+`"`) {
				out = append(out, at(p, "Properties", "PolicyDocument", "Statement").([]any)...)
			}
		}
	}
	return out
}

func statement(statements []any, sid string) map[string]any {
	for _, s := range statements {
		if at(s, "Sid") == sid {
			return s.(map[string]any)
		}
	}
	return nil
}

// Brokers manage workstations only through the pools' launch templates and pool tags, pass only the
// workstation role, and read only their database's parameter and secret.
func TestBrokerPermissions(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		roleID, _ := byPath(t, tpl, e.Name, "Brokers/Brokers/Role")
		wsRoleID, _ := byPath(t, tpl, e.Name, "Workstations/Role")
		st := policyStatements(tpl, roleID)
		envTag := synthesized.cfg.Project + "-" + e.Name
		// Instances, volumes and interfaces come only from a launch template, and the only templates are
		// those tagged with this environment and a pool (the policy names no pool, so that its size does
		// not grow with them); with IMDSv2, encrypted volumes and the pools' instance types, even when a
		// caller overrides the template.
		for _, sid := range []string{"LaunchPoolInstances", "LaunchEncryptedVolumes", "LaunchNetworkInterfaces"} {
			launch := statement(st, sid)
			if at(launch, "Action") != "ec2:RunInstances" || !strings.Contains(asJSON(at(launch, "Condition", "ArnLike", "ec2:LaunchTemplate")), ":launch-template/*") {
				t.Errorf("%s: launch statement %s: %s", e.Name, sid, asJSON(launch))
			}
		}
		templates := statement(st, "LaunchFromPoolTemplates")
		if at(templates, "Condition", "StringEquals", "aws:ResourceTag/"+ebc.EnvironmentTagKey) != envTag ||
			at(templates, "Condition", "Null", "aws:ResourceTag/"+ebc.PoolTagKey) != "false" {
			t.Errorf("%s: launch templates not limited to this environment's pools: %s", e.Name, asJSON(templates))
		}
		instances := statement(st, "LaunchPoolInstances")
		if at(instances, "Condition", "StringEquals", "ec2:MetadataHttpTokens") != "required" {
			t.Errorf("%s: launches may turn IMDSv2 off: %s", e.Name, asJSON(instances))
		}
		for _, p := range e.Access.Pools {
			for _, typ := range append([]string{p.InstanceType}, p.FallbackInstanceTypes...) {
				if !strings.Contains(asJSON(at(instances, "Condition", "StringEquals", "ec2:InstanceType")), `"`+typ+`"`) {
					t.Errorf("%s: pool %s type %s cannot be launched: %s", e.Name, p.Name, typ, asJSON(instances))
				}
			}
		}
		if at(statement(st, "LaunchEncryptedVolumes"), "Condition", "Bool", "ec2:Encrypted") != "true" {
			t.Errorf("%s: unencrypted volumes may be launched", e.Name)
		}
		manage := statement(st, "ManagePoolInstances")
		if at(manage, "Condition", "Null", "aws:ResourceTag/"+ebc.PoolTagKey) != "false" ||
			at(manage, "Condition", "StringEquals", "aws:ResourceTag/"+ebc.EnvironmentTagKey) != envTag {
			t.Errorf("%s: instance actions not limited to this environment's pools: %s", e.Name, asJSON(manage))
		}
		pass := statement(st, "PassWorkstationRole")
		if at(pass, "Resource", "Fn::GetAtt", 0) != wsRoleID || at(pass, "Condition", "StringEquals", "iam:PassedToService") != "ec2.amazonaws.com" {
			t.Errorf("%s: PassRole %s, want only %s to EC2", e.Name, asJSON(pass), wsRoleID)
		}
		for _, s := range st {
			actions := asJSON(at(s, "Action"))
			if at(s, "Effect") == "Allow" && (strings.Contains(actions, `"*"`) || strings.Contains(actions, `ec2:*`) || strings.Contains(actions, `iam:*`)) {
				t.Errorf("%s: broker statement with a wildcard action: %s", e.Name, asJSON(s))
			}
			if strings.Contains(actions, "iam:PassRole") && at(s, "Sid") != "PassWorkstationRole" {
				t.Errorf("%s: another PassRole: %s", e.Name, asJSON(s))
			}
		}
		if !strings.Contains(asJSON(st), "rds-db:connect") || !strings.Contains(asJSON(st), "secretsmanager:GetSecretValue") || !strings.Contains(asJSON(st), "ssm:GetParameter") {
			t.Errorf("%s: brokers cannot read their database's settings: %s", e.Name, asJSON(st))
		}
		for _, p := range resources(tpl, "AWS::IAM::Role") {
			if strings.Contains(asJSON(props(p)["ManagedPolicyArns"]), "FullAccess") {
				t.Errorf("%s: a role has a *FullAccess policy: %s", e.Name, asJSON(props(p)["ManagedPolicyArns"]))
			}
		}
	}
}

func TestWorkstations(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		roleID, role := byPath(t, tpl, e.Name, "Workstations/Role")
		for _, p := range []string{"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"} {
			if !strings.Contains(asJSON(props(role)["ManagedPolicyArns"]), p) {
				t.Errorf("%s: workstation role lacks %s", e.Name, p)
			}
		}
		tag := statement(policyStatements(tpl, roleID), "TagOwnInstanceSessionState")
		if at(tag, "Condition", "StringEquals", "aws:ARN") != "${ec2:SourceInstanceARN}" {
			t.Errorf("%s: workstations may tag more than themselves: %s", e.Name, asJSON(tag))
		}
		keyID, _ := byPath(t, tpl, e.Name, "Workstations/VolumeKey")
		for _, pool := range e.Access.Pools {
			_, lt := byPath(t, tpl, e.Name, "Workstations/Pool-"+pool.Name)
			data := at(lt, "Properties", "LaunchTemplateData").(map[string]any)
			checkLaunchTemplate(t, e.Name+" pool "+pool.Name, data)
			ebs := at(data, "BlockDeviceMappings", 0, "Ebs")
			if at(ebs, "KmsKeyId", "Fn::GetAtt", 0) != keyID || at(ebs, "VolumeSize") != float64(pool.VolumeSizeGiB) {
				t.Errorf("%s %s: volume %s, want %d GiB with %s", e.Name, pool.Name, asJSON(ebs), pool.VolumeSizeGiB, keyID)
			}
			if data["InstanceType"] != pool.InstanceType || !strings.Contains(asJSON(data["TagSpecifications"]), `{"Key":"editbay:pool","Value":"`+pool.Name+`"}`) {
				t.Errorf("%s %s: type %v, tags %s", e.Name, pool.Name, data["InstanceType"], asJSON(data["TagSpecifications"]))
			}
			if want := fmt.Sprintf("%s-%s-%s", synthesized.cfg.Project, e.Name, pool.Name); props(lt)["LaunchTemplateName"] != want {
				t.Errorf("%s %s: launch template name %v, want %s", e.Name, pool.Name, props(lt)["LaunchTemplateName"], want)
			}
		}
	}
}

func TestManagedDirectory(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		ads := resources(tpl, "AWS::DirectoryService::MicrosoftAD")
		if e.Access.Directory == nil {
			if len(ads) != 0 {
				t.Errorf("%s: a directory without access.directory", e.Name)
			}
			continue
		}
		ad := only(t, tpl, "AWS::DirectoryService::MicrosoftAD")
		p := props(ad)
		if p["Name"] != e.Access.Directory.Name || !strings.Contains(asJSON(p["Password"]), "{{resolve:secretsmanager:") || len(at(p, "VpcSettings", "SubnetIds").([]any)) != 2 {
			t.Errorf("%s: directory %s", e.Name, asJSON(p))
		}
		join := only(t, tpl, "AWS::SSM::Association")
		if at(join, "Properties", "Name") != "AWS-JoinDirectoryServiceDomain" || at(join, "Properties", "Targets", 0, "Key") != "tag:"+ebc.PoolTagKey {
			t.Errorf("%s: domain join %s", e.Name, asJSON(props(join)))
		}
	}
}

// The load balancers declare their ports as public listeners, so the security-group guardrail keeps
// them even where clientCidrs is the whole internet, and revokes anything else world-open.
func TestLoadBalancersDeclareListeners(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		_, alb := byPath(t, tpl, e.Name, "Brokers/LoadBalancerSecurityGroup")
		if got := tagValue(props(alb), ebc.PublicListenerTagKey); got != "tcp/443,tcp/80" {
			t.Errorf("%s: broker load balancer declares %q", e.Name, got)
		}
		var want []string
		for _, proto := range e.Access.Gateway.Protocols {
			for _, port := range ebc.DisplayProtocol(proto).Ports() {
				want = append(want, fmt.Sprintf("tcp/%d", port.Port))
				if port.UDP {
					want = append(want, fmt.Sprintf("udp/%d", port.Port))
				}
			}
		}
		_, nlb := byPath(t, tpl, e.Name, "Gateways/LoadBalancerSecurityGroup")
		if got := tagValue(props(nlb), ebc.PublicListenerTagKey); got != strings.Join(want, ",") {
			t.Errorf("%s: gateway load balancer declares %q, want %q", e.Name, got, strings.Join(want, ","))
		}
	}
}

func TestAccessAlarms(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		topicID, topic := byPath(t, tpl, e.Name, "Alarms/Topic")
		if props(topic)["KmsMasterKeyId"] == nil {
			t.Errorf("%s: alarm topic is not encrypted", e.Name)
		}
		metrics := map[string]int{}
		for id, a := range resources(tpl, "AWS::CloudWatch::Alarm") {
			metrics[at(a, "Properties", "MetricName").(string)]++
			if at(a, "Properties", "AlarmActions", 0, "Ref") != topicID || at(a, "Properties", "OKActions", 0, "Ref") != topicID {
				t.Errorf("%s: alarm %s does not notify the topic", e.Name, id)
			}
		}
		gatewayTargetGroups := 0
		for _, proto := range e.Access.Gateway.Protocols {
			gatewayTargetGroups += len(ebc.DisplayProtocol(proto).Ports())
		}
		want := map[string]int{
			"HTTPCode_ELB_5XX_Count":    1,
			"HTTPCode_Target_5XX_Count": 1,
			"UnHealthyHostCount":        1 + gatewayTargetGroups,
			"GroupInServiceInstances":   2,
			"CPUUtilization":            1,
			"FreeableMemory":            1,
			// The pool scaler: each pool below its minimum, and the function's errors, dead letters and
			// throttles.
			"BelowMinAvailable":                  len(e.Access.Pools),
			"Errors":                             1,
			"ApproximateNumberOfMessagesVisible": 1,
			"Throttles":                          1,
		}
		if !maps.Equal(metrics, want) {
			t.Errorf("%s: alarms on %v, want %v", e.Name, metrics, want)
		}
		if len(resources(tpl, "AWS::CloudWatch::Dashboard")) != 1 {
			t.Errorf("%s: no dashboard", e.Name)
		}
	}
}
