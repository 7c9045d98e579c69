package constructs

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsnetworkfirewall"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config/suricata"
)

// EgressFirewallProps configures an EgressFirewall.
type EgressFirewallProps struct {
	// Name prefixes the default names of the firewalls, policy, rule groups and dashboard (unique per
	// account and region), e.g. "editbay-prod", and titles the alarm topic. Required.
	Name string
	// AllowListName and RawRulesName name the rule groups. A group's capacity is fixed at creation, so
	// its name should hold Capacity: a new capacity then makes a new group instead of a failed update.
	// default: <Name>-allow-list-<Capacity> and <Name>-raw-rules-<Capacity>
	AllowListName, RawRulesName string
	// PolicyName names the firewall policy.
	// default: <Name>-egress
	PolicyName string
	// FirewallNames name the firewalls, by zone.
	// default: <Name>-egress-<zone letter> for a zone not listed
	FirewallNames map[string]string
	// DashboardName names the dashboard.
	// default: <Name>-egress
	DashboardName string
	// Vpc the firewall guards. Required.
	Vpc awsec2.IVpc
	// FirewallSubnets hold the endpoints, one subnet per zone. Required.
	FirewallSubnets []awsec2.ISubnet
	// RoutedSubnets send their internet traffic (0.0.0.0/0) to the endpoint in their own zone. A
	// default route CDK already made (to a NAT gateway) is retargeted; otherwise one is added. Required.
	RoutedSubnets []awsec2.ISubnet
	// NatSubnets hold the NAT gateways and route the routed subnets' CIDRs back through the endpoint of
	// their zone, so that replies take the path requests took. They should hold nothing else: any other
	// traffic from them to the routed subnets would cross the firewall one way only. Required.
	NatSubnets []awsec2.ISubnet
	// NatGatewayIDs by zone: each firewall subnet's default route goes to its zone's NAT gateway.
	// Required, one for every zone of FirewallSubnets.
	NatGatewayIDs map[string]*string
	// AllowList is the generated allow-list rule group content. Required.
	AllowList *suricata.RuleSet
	// RawRules are expert Suricata rules, evaluated after the managed groups and before the allow-list.
	// default: none
	RawRules string
	// ManagedRuleGroups are AWS managed stateful rule groups (strict-order variants) by name,
	// evaluated first.
	// default: none
	ManagedRuleGroups []string
	// Capacity of each editbay rule group; it is part of the group's name, because CloudFormation must
	// replace a group to change its capacity.
	// default: 1000
	Capacity int
	// LogRetentionDays keeps alert and flow logs this long (a CloudWatch Logs retention value).
	// default: 365
	LogRetentionDays int
	// DropAlarmThreshold alarms when more connections than this are dropped in five minutes.
	// default: 100
	DropAlarmThreshold int
	// Retain keeps the log groups and protects the firewalls from deletion.
	// default: false
	Retain bool
	// HomeNet sets the policy's HOME_NET, the networks the rules protect, when the traffic comes from
	// outside the firewall's VPC (an egress hub's spokes).
	// default: unset (Network Firewall uses the firewall's VPC CIDR)
	HomeNet []string
	// ReturnCidrs, with TransitGatewayID, make this an egress hub's firewall: traffic comes from these
	// CIDRs (the spokes' VPCs) through RoutedSubnets (the Transit Gateway's subnets). The NAT subnets
	// route them back through their zone's endpoint, and the firewall subnets to the Transit Gateway.
	// default: unset (the NAT subnets route the routed subnets' CIDRs back, as in a VPC of its own)
	ReturnCidrs []string
	// TransitGatewayID is where the firewall subnets send ReturnCidrs. Required with ReturnCidrs.
	TransitGatewayID *string
	// TransitGatewayAttachment is the VPC's attachment, which routes to the gateway wait for.
	// Required with ReturnCidrs.
	TransitGatewayAttachment awscdk.CfnResource
	// Sources name the networks whose drops the dashboard shows in tables of their own (the hub's
	// spokes by environment and account).
	// default: none
	Sources []EgressSource
}

// EgressSource is a named set of networks, for the dashboard.
type EgressSource struct {
	Name  string
	Cidrs []string
}

// EgressFirewall is AWS Network Firewall in front of a VPC's internet egress, one firewall per zone.
//
// Why one firewall per zone: a firewall's EndpointIds attribute lists "zone:vpce-id" strings in no
// guaranteed order, so a route cannot pick "its" zone's endpoint by position. A firewall with a single
// subnet mapping has exactly one endpoint, and Fn::Select 0 of its EndpointIds is that zone's endpoint,
// resolved by CloudFormation without a custom resource. The cost is the same as one firewall spanning
// the zones: Network Firewall bills per endpoint-hour and per GB, and there is one endpoint per zone
// either way. All the firewalls share one policy, so the rules are the same everywhere.
type EgressFirewall struct {
	awsconstructs.Construct
	Policy    awsnetworkfirewall.CfnFirewallPolicy
	AllowList awsnetworkfirewall.CfnRuleGroup
	// Firewalls and EndpointIDs are by zone.
	Firewalls   map[string]awsnetworkfirewall.CfnFirewall
	EndpointIDs map[string]*string
	Key         awskms.Key
	AlertLogs   awslogs.LogGroup
	FlowLogs    awslogs.LogGroup
	DropAlarm   awscloudwatch.Alarm
	AlarmTopic  awssns.Topic
	Dashboard   awscloudwatch.Dashboard

	zones []string // in the order of FirewallSubnets
}

// Metric of the dropped connections, counted from the alert logs.
const (
	EgressMetricNamespace = "editbay/Egress"
	EgressDropsMetric     = "DroppedConnections"
)

// NewEgressFirewall creates the rule groups, the strict-order policy (default drop and alert for
// established flows; stateless traffic forwarded to the stateful engine), a firewall per zone, the
// per-zone routes, alert and flow logs, a drop alarm and a dashboard.
func NewEgressFirewall(scope awsconstructs.Construct, id string, props *EgressFirewallProps) *EgressFirewall {
	if props == nil || props.Name == "" || props.Vpc == nil || len(props.FirewallSubnets) == 0 || len(props.RoutedSubnets) == 0 || len(props.NatSubnets) == 0 || props.AllowList == nil {
		panic("NewEgressFirewall: Name, Vpc, FirewallSubnets, RoutedSubnets, NatSubnets and AllowList are required")
	}
	if len(props.ReturnCidrs) > 0 && (props.TransitGatewayID == nil || props.TransitGatewayAttachment == nil) {
		panic("NewEgressFirewall: ReturnCidrs needs TransitGatewayID and TransitGatewayAttachment")
	}
	p := *props
	p.Capacity = orDefault(p.Capacity, 1000)
	p.LogRetentionDays = orDefault(p.LogRetentionDays, 365)
	p.DropAlarmThreshold = orDefault(p.DropAlarmThreshold, 100)
	if p.AllowListName == "" {
		p.AllowListName = fmt.Sprintf("%s-allow-list-%d", p.Name, p.Capacity)
	}
	if p.RawRulesName == "" {
		p.RawRulesName = fmt.Sprintf("%s-raw-rules-%d", p.Name, p.Capacity)
	}
	if p.PolicyName == "" {
		p.PolicyName = p.Name + "-egress"
	}
	if p.DashboardName == "" {
		p.DashboardName = p.Name + "-egress"
	}
	f := &EgressFirewall{
		Construct:   awsconstructs.NewConstruct(scope, &id),
		Firewalls:   map[string]awsnetworkfirewall.CfnFirewall{},
		EndpointIDs: map[string]*string{},
	}
	stack := awscdk.Stack_Of(f.Construct)

	f.AllowList = awsnetworkfirewall.NewCfnRuleGroup(f.Construct, jsii.String("AllowList"), &awsnetworkfirewall.CfnRuleGroupProps{
		RuleGroupName: &p.AllowListName,
		Type:          jsii.String("STATEFUL"),
		Capacity:      jsii.Number(float64(p.Capacity)),
		Description:   jsii.String("editbay egress allow-lists, generated from the config"),
		RuleGroup: &awsnetworkfirewall.CfnRuleGroup_RuleGroupProperty{
			RuleVariables:       ipSets(p.AllowList.Variables),
			RulesSource:         &awsnetworkfirewall.CfnRuleGroup_RulesSourceProperty{RulesString: jsii.String(p.AllowList.Rules)},
			StatefulRuleOptions: &awsnetworkfirewall.CfnRuleGroup_StatefulRuleOptionsProperty{RuleOrder: jsii.String("STRICT_ORDER")},
		},
	})

	// Strict order: managed threat groups first, then expert rules, then the allow-list with its drops.
	var refs []any
	for i, name := range p.ManagedRuleGroups {
		refs = append(refs, &awsnetworkfirewall.CfnFirewallPolicy_StatefulRuleGroupReferenceProperty{
			ResourceArn: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":network-firewall:"), stack.Region(), jsii.String(":aws-managed:stateful-rulegroup/" + name)}),
			Priority:    jsii.Number(float64(10 + i)),
		})
	}
	if strings.TrimSpace(p.RawRules) != "" {
		raw := awsnetworkfirewall.NewCfnRuleGroup(f.Construct, jsii.String("RawRules"), &awsnetworkfirewall.CfnRuleGroupProps{
			RuleGroupName: &p.RawRulesName,
			Type:          jsii.String("STATEFUL"),
			Capacity:      jsii.Number(float64(p.Capacity)),
			Description:   jsii.String("editbay expert Suricata rules from egress.rulesFile"),
			RuleGroup: &awsnetworkfirewall.CfnRuleGroup_RuleGroupProperty{
				RulesSource:         &awsnetworkfirewall.CfnRuleGroup_RulesSourceProperty{RulesString: jsii.String(p.RawRules)},
				StatefulRuleOptions: &awsnetworkfirewall.CfnRuleGroup_StatefulRuleOptionsProperty{RuleOrder: jsii.String("STRICT_ORDER")},
			},
		})
		refs = append(refs, &awsnetworkfirewall.CfnFirewallPolicy_StatefulRuleGroupReferenceProperty{ResourceArn: raw.AttrRuleGroupArn(), Priority: jsii.Number(100)})
	}
	refs = append(refs, &awsnetworkfirewall.CfnFirewallPolicy_StatefulRuleGroupReferenceProperty{ResourceArn: f.AllowList.AttrRuleGroupArn(), Priority: jsii.Number(200)})

	var policyVariables *awsnetworkfirewall.CfnFirewallPolicy_PolicyVariablesProperty
	if len(p.HomeNet) > 0 {
		policyVariables = &awsnetworkfirewall.CfnFirewallPolicy_PolicyVariablesProperty{
			RuleVariables: map[string]any{"HOME_NET": &awsnetworkfirewall.CfnFirewallPolicy_IPSetProperty{Definition: jsii.Strings(p.HomeNet...)}},
		}
	}
	f.Policy = awsnetworkfirewall.NewCfnFirewallPolicy(f.Construct, jsii.String("Policy"), &awsnetworkfirewall.CfnFirewallPolicyProps{
		FirewallPolicyName: &p.PolicyName,
		Description:        jsii.String("editbay egress: strict order, default drop and alert for established flows"),
		FirewallPolicy: &awsnetworkfirewall.CfnFirewallPolicy_FirewallPolicyProperty{
			// Every packet goes to the stateful engine; the stateless engine decides nothing.
			StatelessDefaultActions:         jsii.Strings("aws:forward_to_sfe"),
			StatelessFragmentDefaultActions: jsii.Strings("aws:forward_to_sfe"),
			// drop_established lets TCP handshakes through so the TLS and HTTP rules see the server name,
			// then drops every established flow no rule passed; alert_established logs each such drop.
			StatefulDefaultActions: jsii.Strings("aws:drop_established", "aws:alert_established"),
			StatefulEngineOptions: &awsnetworkfirewall.CfnFirewallPolicy_StatefulEngineOptionsProperty{
				RuleOrder:             jsii.String("STRICT_ORDER"),
				StreamExceptionPolicy: jsii.String("DROP"),
			},
			StatefulRuleGroupReferences: &refs,
			PolicyVariables:             policyVariables,
		},
	})

	f.logs(stack, p)

	for _, s := range p.FirewallSubnets {
		az := *s.AvailabilityZone()
		f.zones = append(f.zones, az)
		suffix := zoneSuffix(az)
		name := p.FirewallNames[az]
		if name == "" {
			name = fmt.Sprintf("%s-egress-%s", p.Name, suffix)
		}
		fw := awsnetworkfirewall.NewCfnFirewall(f.Construct, jsii.String("Firewall"+strings.ToUpper(suffix)), &awsnetworkfirewall.CfnFirewallProps{
			FirewallName:           &name,
			Description:            jsii.String("editbay egress firewall of " + az),
			FirewallPolicyArn:      f.Policy.AttrFirewallPolicyArn(),
			VpcId:                  p.Vpc.VpcId(),
			SubnetMappings:         &[]any{&awsnetworkfirewall.CfnFirewall_SubnetMappingProperty{SubnetId: s.SubnetId()}},
			DeleteProtection:       jsii.Bool(p.Retain),
			SubnetChangeProtection: jsii.Bool(true),
		})
		f.Firewalls[az] = fw
		// One subnet mapping, so one "zone:vpce-id" entry: take it and keep the part after the colon.
		f.EndpointIDs[az] = awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String(":"), awscdk.Fn_Select(jsii.Number(0), fw.AttrEndpointIds()), nil))
		awsnetworkfirewall.NewCfnLoggingConfiguration(f.Construct, jsii.String("Logging"+strings.ToUpper(suffix)), &awsnetworkfirewall.CfnLoggingConfigurationProps{
			FirewallArn: fw.AttrFirewallArn(),
			LoggingConfiguration: &awsnetworkfirewall.CfnLoggingConfiguration_LoggingConfigurationProperty{
				LogDestinationConfigs: &[]any{
					&awsnetworkfirewall.CfnLoggingConfiguration_LogDestinationConfigProperty{LogType: jsii.String("ALERT"), LogDestinationType: jsii.String("CloudWatchLogs"), LogDestination: map[string]any{"logGroup": f.AlertLogs.LogGroupName()}},
					&awsnetworkfirewall.CfnLoggingConfiguration_LogDestinationConfigProperty{LogType: jsii.String("FLOW"), LogDestinationType: jsii.String("CloudWatchLogs"), LogDestination: map[string]any{"logGroup": f.FlowLogs.LogGroupName()}},
				},
			},
		})
	}

	f.route(p, f.zones)
	f.monitor(stack, p)
	return f
}

// route sends each routed subnet's internet traffic to its zone's endpoint, each firewall subnet's to
// its zone's NAT gateway, and each NAT subnet's traffic for its zone's routed subnets back through
// the endpoint. No route crosses a zone.
func (f *EgressFirewall) route(p EgressFirewallProps, zones []string) {
	for _, s := range p.FirewallSubnets {
		az := *s.AvailabilityZone()
		nat, ok := p.NatGatewayIDs[az]
		if !ok {
			panic(fmt.Sprintf("NewEgressFirewall: no NAT gateway in %s; the firewall needs one NAT gateway per zone", az))
		}
		awsec2.NewCfnRoute(f.Construct, jsii.String(*s.Node().Id()+"DefaultRoute"), &awsec2.CfnRouteProps{
			RouteTableId:         s.RouteTable().RouteTableId(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			NatGatewayId:         nat,
		})
		// An egress hub: what the firewall passed back toward a spoke goes to the Transit Gateway.
		for i, cidr := range p.ReturnCidrs {
			r := awsec2.NewCfnRoute(f.Construct, jsii.String(fmt.Sprintf("%sToSpoke%d", *s.Node().Id(), i+1)), &awsec2.CfnRouteProps{
				RouteTableId:         s.RouteTable().RouteTableId(),
				DestinationCidrBlock: jsii.String(cidr),
				TransitGatewayId:     p.TransitGatewayID,
			})
			r.AddResourceDependency(p.TransitGatewayAttachment, jsii.String("a route to a Transit Gateway needs the VPC attached"))
		}
	}
	for _, s := range p.RoutedSubnets {
		az := *s.AvailabilityZone()
		endpoint, ok := f.EndpointIDs[az]
		if !ok {
			panic(fmt.Sprintf("NewEgressFirewall: routed subnet in %s, which has no firewall subnet (zones: %v)", az, zones))
		}
		if existing, ok := s.Node().TryFindChild(jsii.String("DefaultRoute")).(awsec2.CfnRoute); ok {
			// CDK's route to the NAT gateway: the same route, now to the firewall.
			existing.SetNatGatewayId(nil)
			existing.SetVpcEndpointId(endpoint)
		} else {
			awsec2.NewCfnRoute(f.Construct, jsii.String(*s.Node().Id()+"DefaultRoute"), &awsec2.CfnRouteProps{
				RouteTableId:         s.RouteTable().RouteTableId(),
				DestinationCidrBlock: jsii.String("0.0.0.0/0"),
				VpcEndpointId:        endpoint,
			})
		}
	}
	for _, pub := range p.NatSubnets {
		az := *pub.AvailabilityZone()
		if len(p.ReturnCidrs) > 0 {
			// An egress hub: replies from the internet to a spoke go back through this zone's endpoint,
			// the one the request came through (appliance mode keeps a flow in one zone).
			for i, cidr := range p.ReturnCidrs {
				awsec2.NewCfnRoute(f.Construct, jsii.String(fmt.Sprintf("%sReturnToSpoke%d", *pub.Node().Id(), i+1)), &awsec2.CfnRouteProps{
					RouteTableId:         pub.RouteTable().RouteTableId(),
					DestinationCidrBlock: jsii.String(cidr),
					VpcEndpointId:        f.EndpointIDs[az],
				})
			}
			continue
		}
		for _, s := range p.RoutedSubnets {
			if *s.AvailabilityZone() != az {
				continue
			}
			awsec2.NewCfnRoute(f.Construct, jsii.String(*pub.Node().Id()+"ReturnTo"+*s.Node().Id()), &awsec2.CfnRouteProps{
				RouteTableId:         pub.RouteTable().RouteTableId(),
				DestinationCidrBlock: s.Ipv4CidrBlock(),
				VpcEndpointId:        f.EndpointIDs[az],
			})
		}
	}
}

// logs creates the alert and flow log groups, encrypted with the firewall's own key.
func (f *EgressFirewall) logs(stack awscdk.Stack, p EgressFirewallProps) {
	removal := awscdk.RemovalPolicy_DESTROY
	if p.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	f.Key = NewKey(f.Construct, "Key", &KeyProps{Description: "Encrypts the egress firewall's logs and alarm notifications", RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	AllowCloudWatchLogs(f.Key)
	// CloudWatch publishes alarm notifications to the encrypted topic.
	AllowCloudWatchAlarms(f.Key)
	group := func(id string) awslogs.LogGroup {
		g := awslogs.NewLogGroup(f.Construct, jsii.String(id), &awslogs.LogGroupProps{EncryptionKey: f.Key, RemovalPolicy: removal})
		// The config holds a valid CloudWatch retention in days; LogGroupProps wants a named enum.
		g.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(p.LogRetentionDays)))
		return g
	}
	f.AlertLogs = group("AlertLogs")
	f.FlowLogs = group("FlowLogs")
}

// monitor counts drops from the alert logs, alarms above the threshold and shows the top dropped
// destinations.
func (f *EgressFirewall) monitor(stack awscdk.Stack, p EgressFirewallProps) {
	awslogs.NewMetricFilter(f.Construct, jsii.String("DropsFilter"), &awslogs.MetricFilterProps{
		LogGroup:        f.AlertLogs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.event.alert.action"), jsii.String("="), jsii.String("blocked")),
		MetricNamespace: jsii.String(EgressMetricNamespace),
		MetricName:      jsii.String(EgressDropsMetric),
		MetricValue:     jsii.String("1"),
		DefaultValue:    jsii.Number(0),
		Dimensions:      &map[string]*string{"Firewall": jsii.String("$.firewall_name")},
	})
	// One metric per firewall (dimension Firewall), summed with FILL so a quiet zone counts as 0.
	// Alarms cannot use SEARCH, so the firewalls are named here; their names are fixed by the config.
	using := map[string]awscloudwatch.IMetric{}
	var terms []string
	for i, az := range f.zones {
		id := fmt.Sprintf("m%d", i)
		using[id] = awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(EgressMetricNamespace),
			MetricName:    jsii.String(EgressDropsMetric),
			DimensionsMap: &map[string]*string{"Firewall": f.Firewalls[az].FirewallName()},
			Statistic:     jsii.String("Sum"),
			Period:        awscdk.Duration_Minutes(jsii.Number(5)),
		})
		terms = append(terms, fmt.Sprintf("FILL(%s, 0)", id))
	}
	drops := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(strings.Join(terms, " + ")),
		UsingMetrics: &using,
		Label:        jsii.String("dropped connections"),
		Period:       awscdk.Duration_Minutes(jsii.Number(5)),
	})
	f.AlarmTopic = awssns.NewTopic(f.Construct, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String(p.Name + " egress alarms"),
		MasterKey:   f.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	f.DropAlarm = awscloudwatch.NewAlarm(f.Construct, jsii.String("DropAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(fmt.Sprintf("More than %d connections leaving the VPC were dropped by the egress firewall in 5 minutes: a missing allow-list entry or something trying to get out.", p.DropAlarmThreshold)),
		Metric:             drops,
		Threshold:          jsii.Number(float64(p.DropAlarmThreshold)),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	f.DropAlarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(f.AlarmTopic))
	f.DropAlarm.AddOkAction(awscloudwatchactions.NewSnsAction(f.AlarmTopic))

	f.Dashboard = awscloudwatch.NewDashboard(f.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: &p.DashboardName,
	})
	f.Dashboard.AddWidgets(
		f.dropsTable("Top dropped destinations", 8),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title:           jsii.String("Dropped connections"),
			Left:            &[]awscloudwatch.IMetric{drops},
			LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{{Value: jsii.Number(float64(p.DropAlarmThreshold)), Label: jsii.String("alarm")}},
			Width:           jsii.Number(12),
			Height:          jsii.Number(8),
		}),
	)
	// One table per named source (an egress hub's spoke: environment and account), so a team sees
	// what its own workloads were refused.
	for _, src := range p.Sources {
		var in []string
		for _, c := range src.Cidrs {
			in = append(in, fmt.Sprintf("isIpv4InSubnet(event.src_ip, %q)", c))
		}
		f.Dashboard.AddWidgets(f.dropsTable("Dropped from "+src.Name, 6, "filter "+strings.Join(in, " or ")))
	}
}

// dropsTable is a dashboard table of the top dropped destinations and their sources, of the drops
// that also pass filters (Logs Insights filter lines).
func (f *EgressFirewall) dropsTable(title string, height int, filters ...string) awscloudwatch.LogQueryWidget {
	lines := append([]string{`filter event.alert.action = "blocked"`}, filters...)
	lines = append(lines,
		`fields coalesce(event.tls.sni, event.http.hostname, event.dest_ip) as destination`,
		`stats count(*) as drops by destination, event.src_ip`,
		`sort drops desc`,
		`limit 20`,
	)
	return awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
		Title:         jsii.String(title),
		LogGroupNames: &[]*string{f.AlertLogs.LogGroupName()},
		QueryLines:    jsii.Strings(lines...),
		View:          awscloudwatch.LogQueryVisualizationType_TABLE,
		Width:         jsii.Number(12),
		Height:        jsii.Number(float64(height)),
	})
}

func ipSets(vars map[string][]string) *awsnetworkfirewall.CfnRuleGroup_RuleVariablesProperty {
	sets := map[string]any{}
	for name, cidrs := range vars {
		sets[name] = &awsnetworkfirewall.CfnRuleGroup_IPSetProperty{Definition: jsii.Strings(cidrs...)}
	}
	return &awsnetworkfirewall.CfnRuleGroup_RuleVariablesProperty{IpSets: sets}
}

// zoneSuffix is the zone's letter and anything after the region ("a" of ap-northeast-1a, "use1-az1"
// style IDs are not used: zones come from the config by name).
func zoneSuffix(az string) string {
	i := strings.LastIndexAny(az, "0123456789")
	return az[i+1:]
}
