package constructs

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Subnet group names, also the subnets' "aws-cdk:subnet-name" tags that later stacks select by.
const (
	SubnetGroupPublic   = "public"
	SubnetGroupPrivate  = "private"
	SubnetGroupIsolated = "isolated"
	SubnetGroupFirewall = "firewall"
	SubnetGroupNat      = "nat"
	SubnetGroupTransit  = "transit"
)

// NetworkProps configures a Network.
type NetworkProps struct {
	// Cidr is the VPC's IPv4 CIDR. Required.
	Cidr string
	// AvailabilityZones to spread every subnet group over, never looked up. Required, at least 2.
	AvailabilityZones []string
	// NatGateways is how many NAT gateways serve the private subnets' egress.
	// default: one per availability zone
	NatGateways int
	// PublicMask, PrivateMask, IsolatedMask and FirewallMask are the prefix lengths of each group's
	// per-zone subnets, allocated in that order.
	// default: 24, 20, 24 and 28
	PublicMask, PrivateMask, IsolatedMask, FirewallMask int
	// InterfaceEndpoints are AWS services reached privately through interface endpoints in the private
	// subnets, by short name (e.g. "logs").
	// default: ssm, ssmmessages and ec2messages, so instances are managed without a public route
	InterfaceEndpoints []string
	// FlowLogs configures the VPC's flow logs (its Vpc is filled in).
	// default: all traffic to an encrypted CloudWatch Logs group kept 365 days
	FlowLogs FlowLogsProps
	// FirewallSubnets creates the firewall group's subnets (isolated: no route until an EgressFirewall
	// adds one) and the NAT group's (public, FirewallMask, holding the NAT gateways instead of the
	// public subnets) instead of only reserving their address space. Their CIDRs are the same either
	// way. The NAT gateways get subnets of their own so that only their route tables send replies
	// back through the firewall; load balancers and gateways in the public subnets reach the private
	// subnets directly, both ways.
	// default: false (reserved; NAT gateways in the public subnets)
	FirewallSubnets bool
	// HubSpoke makes the VPC a spoke of an egress hub: no NAT gateways, private subnets typed isolated
	// (their default route goes to the Transit Gateway, added by a HubSpoke), and a transit group of
	// one /28 per zone after the reserved firewall and NAT groups, for the attachment. Subnets keep
	// their logical IDs and CIDRs, so a running VPC can switch. Excludes FirewallSubnets.
	// default: false
	HubSpoke bool
}

// Network is a multi-AZ VPC: public subnets (load balancers, gateways, NAT), private subnets with
// egress (brokers, workstations, AppStream), isolated subnets (databases) and the egress firewall's
// subnets (address space only, unless FirewallSubnets); with flow logs, private endpoints to S3 and Systems Manager, and
// the default security group stripped of all rules.
type Network struct {
	awsconstructs.Construct
	Vpc      awsec2.Vpc
	FlowLogs *FlowLogs
	// Endpoints are the interface endpoints by service short name.
	Endpoints map[string]awsec2.InterfaceVpcEndpoint
	// EndpointSecurityGroup guards every interface endpoint.
	EndpointSecurityGroup awsec2.SecurityGroup
	// S3Endpoint is the S3 gateway endpoint of the private and isolated subnets; requests through it
	// carry its ID as aws:SourceVpce, which data-boundary bucket policies admit.
	S3Endpoint awsec2.GatewayVpcEndpoint
}

// NewNetwork creates the VPC and what every workload in it relies on.
func NewNetwork(scope awsconstructs.Construct, id string, props *NetworkProps) *Network {
	if props == nil || props.Cidr == "" || len(props.AvailabilityZones) < 2 {
		panic("NewNetwork: Cidr and at least 2 AvailabilityZones are required")
	}
	p := *props
	if p.HubSpoke && p.FirewallSubnets {
		panic("NewNetwork: HubSpoke and FirewallSubnets exclude each other")
	}
	if p.NatGateways == 0 {
		p.NatGateways = len(p.AvailabilityZones)
	}
	privateType := awsec2.SubnetType_PRIVATE_WITH_EGRESS
	if p.HubSpoke {
		// CDK refuses private-with-egress subnets without NAT gateways; their egress is the hub's.
		p.NatGateways = 0
		privateType = awsec2.SubnetType_PRIVATE_ISOLATED
	}
	p.PublicMask = orDefault(p.PublicMask, 24)
	p.PrivateMask = orDefault(p.PrivateMask, 20)
	p.IsolatedMask = orDefault(p.IsolatedMask, 24)
	p.FirewallMask = orDefault(p.FirewallMask, 28)
	if p.InterfaceEndpoints == nil {
		p.InterfaceEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}
	}

	var natSubnets *awsec2.SubnetSelection // default: the public subnets
	if p.FirewallSubnets {
		natSubnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(SubnetGroupNat)}
	}
	groups := []*awsec2.SubnetConfiguration{
		// Nothing gets a public IP by accident; gateways that need one ask for it.
		{Name: jsii.String(SubnetGroupPublic), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(p.PublicMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
		{Name: jsii.String(SubnetGroupPrivate), SubnetType: privateType, CidrMask: jsii.Number(float64(p.PrivateMask))},
		{Name: jsii.String(SubnetGroupIsolated), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(p.IsolatedMask))},
		// Reserved last, so creating the firewall subnets later moves no existing subnet.
		// Isolated rather than private-with-egress, so that CDK adds no NAT route (the firewall adds
		// its own per zone) and nothing that selects private subnets by type lands here.
		{Name: jsii.String(SubnetGroupFirewall), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(p.FirewallMask)), Reserved: jsii.Bool(!p.FirewallSubnets)},
		{Name: jsii.String(SubnetGroupNat), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(p.FirewallMask)), MapPublicIpOnLaunch: jsii.Bool(false), Reserved: jsii.Bool(!p.FirewallSubnets)},
	}
	if p.HubSpoke {
		// After the reserved groups, so a VPC that switches from local to hub moves no subnet.
		groups = append(groups, &awsec2.SubnetConfiguration{Name: jsii.String(SubnetGroupTransit), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(28)})
	}
	n := &Network{Construct: awsconstructs.NewConstruct(scope, &id), Endpoints: map[string]awsec2.InterfaceVpcEndpoint{}}
	n.Vpc = awsec2.NewVpc(n.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:                  awsec2.IpAddresses_Cidr(jsii.String(p.Cidr)),
		AvailabilityZones:            jsii.Strings(p.AvailabilityZones...),
		NatGateways:                  jsii.Number(float64(p.NatGateways)),
		SubnetConfiguration:          &groups,
		NatGatewaySubnets:            natSubnets,
		EnableDnsHostnames:           jsii.Bool(true),
		EnableDnsSupport:             jsii.Bool(true),
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})

	n.S3Endpoint = n.Vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{{SubnetGroupName: jsii.String(SubnetGroupPrivate)}, {SubnetGroupName: jsii.String(SubnetGroupIsolated)}},
	})
	// One group for all interface endpoints: HTTPS in from the VPC's own CIDR (a literal, so cdk-nag
	// can check it), nothing out.
	n.EndpointSecurityGroup = awsec2.NewSecurityGroup(n.Construct, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              n.Vpc,
		Description:      jsii.String("Interface VPC endpoints: HTTPS from the VPC only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	n.EndpointSecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(p.Cidr)), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the VPC"), nil)
	for _, svc := range p.InterfaceEndpoints {
		n.Endpoints[svc] = n.Vpc.AddInterfaceEndpoint(jsii.String(endpointID(svc)), &awsec2.InterfaceVpcEndpointOptions{
			Service:           awsec2.NewInterfaceVpcEndpointAwsService(jsii.String(svc), nil, nil, nil),
			Subnets:           &awsec2.SubnetSelection{SubnetGroupName: jsii.String(SubnetGroupPrivate)},
			PrivateDnsEnabled: jsii.Bool(true),
			SecurityGroups:    &[]awsec2.ISecurityGroup{n.EndpointSecurityGroup},
			Open:              jsii.Bool(false),
		})
	}

	fl := p.FlowLogs
	fl.Vpc = n.Vpc
	n.FlowLogs = NewFlowLogs(n.Construct, "FlowLogs", &fl)

	n.suppressPublicRoutes()
	suppressDefaultSecurityGroupProvider(awscdk.Stack_Of(n.Construct))
	return n
}

// Subnets returns the subnets of a group, in zone order (empty for a reserved group).
func (n *Network) Subnets(group string) []awsec2.ISubnet {
	sel := n.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(group)})
	return *sel.Subnets
}

// NatGatewayIDs returns the NAT gateway of each zone that has one, by zone name.
func (n *Network) NatGatewayIDs() map[string]*string {
	ids := map[string]*string{}
	for _, s := range *n.Vpc.PublicSubnets() {
		if ngw, ok := s.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway); ok {
			ids[*s.AvailabilityZone()] = ngw.Ref()
		}
	}
	return ids
}

// suppressPublicRoutes accepts the internet route of the public subnets, which exists by design.
func (n *Network) suppressPublicRoutes() {
	for _, s := range *n.Vpc.PublicSubnets() {
		route := s.Node().FindChild(jsii.String("DefaultRoute"))
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"), Reason: jsii.String("Public subnets hold only the NAT gateways, internet-facing load balancers and remote-access gateways, which need the internet route; they assign no public IPs by default.")},
		}, jsii.Bool(false))
	}
}

// suppressDefaultSecurityGroupProvider covers the Lambda that CDK itself provides, once per stack, to
// strip the default security group's rules; it is CDK's code, deployed and owned by CDK.
func suppressDefaultSecurityGroupProvider(stack awscdk.Stack) {
	provider := stack.Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	reason := "CDK's own single-purpose provider that strips the default security group's rules at deployment;"
	cdknag.NagSuppressions_AddResourceSuppressions(provider, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(reason + " the AWS managed basic-execution policy only lets it write its own logs.")},
		{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String(reason + " its inline policy allows only revoking rules of this VPC's default group.")},
		{Id: jsii.String("NIST.800.53.R5-LambdaConcurrency"), Reason: jsii.String(reason + " it runs once per deployment, so a concurrency limit protects nothing.")},
		{Id: jsii.String("NIST.800.53.R5-LambdaDLQ"), Reason: jsii.String(reason + " CloudFormation receives and shows its failures, so a dead-letter queue would hold nothing.")},
		{Id: jsii.String("NIST.800.53.R5-LambdaInsideVPC"), Reason: jsii.String(reason + " it calls only the EC2 API, and placing it in the VPC it configures would make it depend on that VPC's endpoints.")},
	}, jsii.Bool(true))
}

func endpointID(svc string) string {
	parts := strings.FieldsFunc(svc, func(r rune) bool { return r == '.' || r == '-' })
	for i, s := range parts {
		parts[i] = strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.Join(parts, "") + "Endpoint"
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
