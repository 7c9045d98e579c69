package constructs

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsram"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Inspection VPC subnet groups, in allocation order: one /28 per zone each.
const (
	HubSubnetTransit  = "transit"
	HubSubnetFirewall = "firewall"
	HubSubnetNat      = "nat"
)

// EgressHubProps configures an EgressHub.
type EgressHubProps struct {
	// Name prefixes the names of the Transit Gateway, its route tables and the share, e.g.
	// "northlight-egress-hub". Required.
	Name string
	// Cidr is the inspection VPC's IPv4 CIDR: three /28 subnets per zone. Required.
	Cidr string
	// AvailabilityZones of the inspection VPC, never looked up. Required, at least 2.
	AvailabilityZones []string
	// SpokeCidrs are the VPC CIDRs of the spokes: the firewall's HOME_NET and the return routes.
	// Required.
	SpokeCidrs []string
	// Firewall configures the firewall; Vpc, the subnets, NAT gateways, HomeNet, ReturnCidrs and the
	// Transit Gateway are filled in. Name and AllowList are required.
	Firewall EgressFirewallProps
	// AmazonSideAsn of the Transit Gateway.
	// default: 64512
	AmazonSideAsn int
	// AutoAcceptAttachments accepts the attachments of the accounts it is shared with unreviewed.
	// default: false (each cross-account attachment is accepted by the hub account)
	AutoAcceptAttachments bool
	// SharePrincipals are the account IDs or the organization ARN the Transit Gateway and its ID's
	// parameter are shared with through RAM.
	// default: none (no share; spokes in the hub's account only)
	SharePrincipals []string
	// AllowExternalPrincipals lets the share reach accounts outside the hub's organization.
	// default: false
	AllowExternalPrincipals bool
	// TransitGatewayParameter, SpokesRouteTableParameter and InspectionRouteTableParameter name the
	// SSM parameters that publish the Transit Gateway's and the route tables' IDs. Required.
	TransitGatewayParameter, SpokesRouteTableParameter, InspectionRouteTableParameter string
	// FlowLogs configures the inspection VPC's flow logs (its Vpc is filled in).
	// default: all traffic to an encrypted CloudWatch Logs group kept 365 days
	FlowLogs FlowLogsProps
}

// EgressHub is one exit to the internet for many VPCs: a Transit Gateway whose spokes route
// 0.0.0.0/0 to an inspection VPC, where each zone's Transit Gateway subnet sends traffic through
// that zone's firewall endpoint to that zone's NAT gateway, and replies come back the same way.
//
// The Transit Gateway has no default route table: the spokes route table (spokes are associated
// with it) sends everything to the inspection VPC, and the inspection route table (the inspection
// VPC is associated with it, spokes propagate into it) knows the spokes. So a spoke reaches nothing
// but the inspection VPC, and spoke-to-spoke traffic passes the firewall, which drops it. The
// inspection attachment is in appliance mode, so both directions of a flow use one zone's endpoint.
type EgressHub struct {
	awsconstructs.Construct
	TransitGateway awsec2.CfnTransitGateway
	// SpokesRouteTable is associated with every spoke; InspectionRouteTable with the inspection VPC.
	SpokesRouteTable, InspectionRouteTable awsec2.CfnTransitGatewayRouteTable
	Vpc                                    awsec2.Vpc
	Attachment                             awsec2.CfnTransitGatewayVpcAttachment
	Firewall                               *EgressFirewall
	FlowLogs                               *FlowLogs
	// TransitGatewayParameter publishes the gateway's ID to the spokes (shared through RAM).
	TransitGatewayParameter awsssm.CfnParameter
	// Share is the RAM share, nil without SharePrincipals.
	Share awsram.CfnResourceShare
}

// NewEgressHub creates the Transit Gateway, its route tables, the inspection VPC, its firewall, the
// published IDs and the RAM share.
func NewEgressHub(scope awsconstructs.Construct, id string, props *EgressHubProps) *EgressHub {
	if props == nil || props.Name == "" || props.Cidr == "" || len(props.AvailabilityZones) < 2 || len(props.SpokeCidrs) == 0 ||
		props.TransitGatewayParameter == "" || props.SpokesRouteTableParameter == "" || props.InspectionRouteTableParameter == "" {
		panic("NewEgressHub: Name, Cidr, at least 2 AvailabilityZones, SpokeCidrs and the three parameter names are required")
	}
	p := *props
	p.AmazonSideAsn = orDefault(p.AmazonSideAsn, 64512)
	h := &EgressHub{Construct: awsconstructs.NewConstruct(scope, &id)}
	stack := awscdk.Stack_Of(h.Construct)
	tags := func(name string) *[]*awscdk.CfnTag {
		return &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(name)}}
	}
	enable := func(b bool) *string {
		if b {
			return jsii.String("enable")
		}
		return jsii.String("disable")
	}

	h.TransitGateway = awsec2.NewCfnTransitGateway(h.Construct, jsii.String("TransitGateway"), &awsec2.CfnTransitGatewayProps{
		Description:   jsii.String("editbay egress hub: spokes reach the internet only through the inspection VPC"),
		AmazonSideAsn: jsii.Number(float64(p.AmazonSideAsn)),
		// No default route table: an attachment reaches nothing until it is deliberately associated.
		DefaultRouteTableAssociation: jsii.String("disable"),
		DefaultRouteTablePropagation: jsii.String("disable"),
		AutoAcceptSharedAttachments:  enable(p.AutoAcceptAttachments),
		DnsSupport:                   jsii.String("enable"),
		VpnEcmpSupport:               jsii.String("enable"),
		MulticastSupport:             jsii.String("disable"),
		Tags:                         tags(p.Name),
	})
	table := func(id, name string) awsec2.CfnTransitGatewayRouteTable {
		return awsec2.NewCfnTransitGatewayRouteTable(h.Construct, jsii.String(id), &awsec2.CfnTransitGatewayRouteTableProps{
			TransitGatewayId: h.TransitGateway.Ref(),
			Tags:             tags(p.Name + "-" + name),
		})
	}
	h.SpokesRouteTable = table("SpokesRouteTable", "spokes")
	h.InspectionRouteTable = table("InspectionRouteTable", "inspection")

	h.Vpc = awsec2.NewVpc(h.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(p.Cidr)),
		AvailabilityZones: jsii.Strings(p.AvailabilityZones...),
		NatGateways:       jsii.Number(float64(len(p.AvailabilityZones))),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(HubSubnetTransit), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(28)},
			{Name: jsii.String(HubSubnetFirewall), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(28)},
			{Name: jsii.String(HubSubnetNat), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(28), MapPublicIpOnLaunch: jsii.Bool(false)},
		},
		NatGatewaySubnets:            &awsec2.SubnetSelection{SubnetGroupName: jsii.String(HubSubnetNat)},
		EnableDnsHostnames:           jsii.Bool(true),
		EnableDnsSupport:             jsii.Bool(true),
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	fl := p.FlowLogs
	fl.Vpc = h.Vpc
	h.FlowLogs = NewFlowLogs(h.Construct, "FlowLogs", &fl)
	subnets := func(group string) []awsec2.ISubnet {
		return *h.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(group)}).Subnets
	}
	var transitIDs []*string
	for _, s := range subnets(HubSubnetTransit) {
		transitIDs = append(transitIDs, s.SubnetId())
	}
	h.Attachment = awsec2.NewCfnTransitGatewayVpcAttachment(h.Construct, jsii.String("Attachment"), &awsec2.CfnTransitGatewayVpcAttachmentProps{
		TransitGatewayId: h.TransitGateway.Ref(),
		VpcId:            h.Vpc.VpcId(),
		SubnetIds:        &transitIDs,
		// Appliance mode: the gateway sends both directions of a flow to the same zone's interface,
		// so the stateful firewall sees the whole flow even when its two spokes' zones differ.
		Options: map[string]any{"ApplianceModeSupport": "enable", "DnsSupport": "enable"},
		Tags:    tags(p.Name + "-inspection"),
	})
	awsec2.NewCfnTransitGatewayRouteTableAssociation(h.Construct, jsii.String("InspectionAssociation"), &awsec2.CfnTransitGatewayRouteTableAssociationProps{
		TransitGatewayAttachmentId: h.Attachment.AttrId(),
		TransitGatewayRouteTableId: h.InspectionRouteTable.AttrTransitGatewayRouteTableId(),
	})
	awsec2.NewCfnTransitGatewayRoute(h.Construct, jsii.String("SpokesDefaultRoute"), &awsec2.CfnTransitGatewayRouteProps{
		TransitGatewayRouteTableId: h.SpokesRouteTable.AttrTransitGatewayRouteTableId(),
		DestinationCidrBlock:       jsii.String("0.0.0.0/0"),
		TransitGatewayAttachmentId: h.Attachment.AttrId(),
	})

	natIDs := map[string]*string{}
	for _, s := range subnets(HubSubnetNat) {
		if ngw, ok := s.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway); ok {
			natIDs[*s.AvailabilityZone()] = ngw.Ref()
		}
		cdknag.NagSuppressions_AddResourceSuppressions(s.Node().FindChild(jsii.String("DefaultRoute")), &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"), Reason: jsii.String("The egress hub's NAT subnets hold only the NAT gateways, which need the internet route; traffic reaches them only through the firewall.")},
		}, jsii.Bool(false))
	}
	fw := p.Firewall
	fw.Vpc = h.Vpc
	fw.FirewallSubnets = subnets(HubSubnetFirewall)
	fw.RoutedSubnets = subnets(HubSubnetTransit)
	fw.NatSubnets = subnets(HubSubnetNat)
	fw.NatGatewayIDs = natIDs
	fw.HomeNet = p.SpokeCidrs
	fw.ReturnCidrs = p.SpokeCidrs
	fw.TransitGatewayID = h.TransitGateway.Ref()
	fw.TransitGatewayAttachment = h.Attachment
	h.Firewall = NewEgressFirewall(h.Construct, "Firewall", &fw)

	param := func(id, name, value, description, tier string) awsssm.CfnParameter {
		return awsssm.NewCfnParameter(h.Construct, jsii.String(id), &awsssm.CfnParameterProps{
			Name:        jsii.String(name),
			Type:        jsii.String("String"),
			Value:       jsii.String(value),
			Description: jsii.String(description),
			Tier:        jsii.String(tier),
		})
	}
	// RAM shares only advanced-tier parameters; the route tables' IDs stay in the hub account, where
	// the spokes' HubRoutes stacks read them.
	h.TransitGatewayParameter = param("TransitGatewayParameter", p.TransitGatewayParameter, *h.TransitGateway.Ref(), "ID of the editbay egress hub's Transit Gateway, read by spokes at deployment", "Advanced")
	param("SpokesRouteTableParameter", p.SpokesRouteTableParameter, *h.SpokesRouteTable.AttrTransitGatewayRouteTableId(), "Transit Gateway route table spokes are associated with", "Standard")
	param("InspectionRouteTableParameter", p.InspectionRouteTableParameter, *h.InspectionRouteTable.AttrTransitGatewayRouteTableId(), "Transit Gateway route table spokes propagate into", "Standard")

	if len(p.SharePrincipals) > 0 {
		tgwArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String("transit-gateway"), ResourceName: h.TransitGateway.Ref()})
		paramArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(p.TransitGatewayParameter, "/"))})
		h.Share = awsram.NewCfnResourceShare(h.Construct, jsii.String("Share"), &awsram.CfnResourceShareProps{
			Name:                    jsii.String(p.Name),
			Principals:              jsii.Strings(p.SharePrincipals...),
			ResourceArns:            &[]*string{tgwArn, paramArn},
			AllowExternalPrincipals: jsii.Bool(p.AllowExternalPrincipals),
		})
		h.Share.AddResourceDependency(h.TransitGatewayParameter, jsii.String("the share names the parameter"))
	}
	suppressDefaultSecurityGroupProvider(stack)
	return h
}
