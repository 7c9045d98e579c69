package stacks

import (
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/config/suricata"
	ebc "github.com/editbay/editbay/constructs"
)

// NetworkStackProps configures a NetworkStack.
type NetworkStackProps struct {
	awscdk.StackProps
	// Config is the validated installation, which names the egress firewall's resources. Required.
	Config *config.Config
	// Environment is the one of Config.Environments the network serves. Required.
	Environment config.Environment
}

// NetworkStack holds an environment's VPC. Later stacks take Vpc through their props, so CDK wires
// the references; nothing is looked up.
type NetworkStack struct {
	awscdk.Stack
	Network *ebc.Network
	Vpc     awsec2.IVpc
	// Firewall is the egress firewall, nil unless egress mode is local.
	Firewall *ebc.EgressFirewall
	// HubSpoke is the attachment to the egress hub, nil unless egress mode is hub.
	HubSpoke *ebc.HubSpoke
}

// NewNetworkStack creates the network of one environment from its config.
func NewNetworkStack(scope awsconstructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	e := props.Environment
	n := e.Network
	s := &NetworkStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	s.Network = ebc.NewNetwork(s.Stack, "Network", &ebc.NetworkProps{
		Cidr:               n.VpcCidr,
		AvailabilityZones:  e.AvailabilityZones,
		NatGateways:        e.NatGateways(),
		PublicMask:         n.Subnets.Public,
		PrivateMask:        n.Subnets.Private,
		IsolatedMask:       n.Subnets.Isolated,
		FirewallMask:       n.Subnets.Firewall,
		InterfaceEndpoints: append(config.BuiltinInterfaceEndpoints(), n.AdditionalInterfaceEndpoints...),
		FlowLogs: ebc.FlowLogsProps{
			Destination:   ebc.FlowLogsDestination(n.FlowLogs.Destination),
			RetentionDays: n.FlowLogs.RetentionDays,
			Retain:        e.Production,
		},
		FirewallSubnets: e.Egress.Local(),
		HubSpoke:        e.Egress.ViaHub(),
	})
	s.Vpc = s.Network.Vpc
	switch {
	case e.Egress.Local():
		s.Firewall = newEgressFirewall(s.Stack, props.Config, e, s.Network)
	case e.Egress.ViaHub():
		s.HubSpoke = newHubSpoke(s.Stack, props.Config, e, s.Network)
		awscdk.NewCfnOutput(s.Stack, jsii.String("HubAttachmentId"), &awscdk.CfnOutputProps{
			Value:       s.HubSpoke.Attachment.AttrId(),
			Description: jsii.String("Attachment to the egress hub's Transit Gateway; the hub account accepts it unless the hub auto-accepts"),
		})
	}

	awscdk.NewCfnOutput(s.Stack, jsii.String("VpcId"), &awscdk.CfnOutputProps{
		Value:       s.Vpc.VpcId(),
		Description: jsii.String(fmt.Sprintf("VPC of the %s environment", e.Name)),
	})
	return s
}

// newEgressFirewall puts the environment's firewall in the network stack, where the route tables it
// changes are: a separate stack could add routes but not retarget the default routes CDK's VPC owns.
func newEgressFirewall(stack awscdk.Stack, cfg *config.Config, e config.Environment, n *ebc.Network) *ebc.EgressFirewall {
	eg := e.Egress
	plan, err := config.PlanSubnets(netip.MustParsePrefix(e.Network.VpcCidr), e.Network.Subnets, len(e.AvailabilityZones))
	if err != nil {
		panic(err) // validated config: cannot happen
	}
	allows, err := eg.AllowLists(plan)
	if err != nil {
		panic(err)
	}
	rules, err := suricata.Generate(allows)
	if err != nil {
		panic(err)
	}
	var raw string
	if eg.RulesFile != "" {
		data, err := os.ReadFile(eg.RulesFile)
		if err != nil {
			panic(err)
		}
		raw = string(data)
	}
	var routed []awsec2.ISubnet
	for _, g := range eg.EffectiveRoutedGroups() {
		routed = append(routed, n.Subnets(g)...)
	}
	firewalls := map[string]string{}
	for _, az := range e.AvailabilityZones {
		firewalls[az] = cfg.EgressFirewallName(e, az)
	}
	return ebc.NewEgressFirewall(stack, "EgressFirewall", &ebc.EgressFirewallProps{
		Name:               cfg.EnvPrefix(e),
		AllowListName:      cfg.EgressRuleGroupName(e, config.RuleGroupAllowList),
		RawRulesName:       cfg.EgressRuleGroupName(e, config.RuleGroupRawRules),
		PolicyName:         cfg.EgressPolicyName(e),
		FirewallNames:      firewalls,
		DashboardName:      cfg.EgressDashboardName(e),
		Vpc:                n.Vpc,
		FirewallSubnets:    n.Subnets(ebc.SubnetGroupFirewall),
		RoutedSubnets:      routed,
		NatSubnets:         n.Subnets(ebc.SubnetGroupNat),
		NatGatewayIDs:      n.NatGatewayIDs(),
		AllowList:          rules,
		RawRules:           raw,
		ManagedRuleGroups:  eg.ManagedRuleGroups,
		Capacity:           eg.Capacity,
		LogRetentionDays:   eg.LogRetentionDays,
		DropAlarmThreshold: eg.DropAlarm,
		Retain:             e.Production,
	})
}

// newHubSpoke attaches the environment to the egress hub. The Transit Gateway's ID comes from the
// hub's SSM parameter at deployment: by name in the hub's own account, by ARN (shared through RAM)
// from another, so no ID is copied by hand.
func newHubSpoke(stack awscdk.Stack, cfg *config.Config, e config.Environment, n *ebc.Network) *ebc.HubSpoke {
	h := cfg.EgressHub
	name := cfg.HubParameterName(config.HubTransitGatewayParameter)
	var param awsssm.IStringParameter
	if e.Account == h.Account {
		param = awsssm.StringParameter_FromStringParameterName(stack, jsii.String("HubTransitGatewayId"), jsii.String(name))
	} else {
		arn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Account: jsii.String(h.Account), Region: jsii.String(h.Region),
			Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(name, "/"))})
		param = awsssm.StringParameter_FromStringParameterArn(stack, jsii.String("HubTransitGatewayId"), arn)
	}
	var routed []awsec2.ISubnet
	for _, g := range e.Egress.EffectiveRoutedGroups() {
		routed = append(routed, n.Subnets(g)...)
	}
	return ebc.NewHubSpoke(stack, "HubSpoke", &ebc.HubSpokeProps{
		Name:             cfg.EnvPrefix(e),
		TransitGatewayID: param.StringValue(),
		Vpc:              n.Vpc,
		TransitSubnets:   n.Subnets(ebc.SubnetGroupTransit),
		RoutedSubnets:    routed,
	})
}
