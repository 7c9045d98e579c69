package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HubSpokeProps configures a HubSpoke.
type HubSpokeProps struct {
	// Name tags the attachment (its Name in the console), e.g. "northlight-render". Required.
	Name string
	// TransitGatewayID is the hub's Transit Gateway, usually a deploy-time token read from the hub's
	// SSM parameter. Required.
	TransitGatewayID *string
	// Vpc is the spoke's VPC. Required.
	Vpc awsec2.IVpc
	// TransitSubnets hold the attachment's network interfaces, one per zone. Required.
	TransitSubnets []awsec2.ISubnet
	// RoutedSubnets send 0.0.0.0/0 to the Transit Gateway. Required.
	RoutedSubnets []awsec2.ISubnet
}

// HubSpoke attaches a VPC to the egress hub's Transit Gateway and sends its routed subnets' internet
// traffic there. The attachment is associated with the hub's route tables by the hub account (the
// HubRoutes stack), as only the gateway's owner can.
type HubSpoke struct {
	awsconstructs.Construct
	Attachment awsec2.CfnTransitGatewayVpcAttachment
	// Routes are the routed subnets' default routes, in RoutedSubnets order.
	Routes []awsec2.CfnRoute
}

// NewHubSpoke creates the attachment and the default routes.
func NewHubSpoke(scope awsconstructs.Construct, id string, props *HubSpokeProps) *HubSpoke {
	if props == nil || props.Name == "" || props.TransitGatewayID == nil || props.Vpc == nil || len(props.TransitSubnets) == 0 || len(props.RoutedSubnets) == 0 {
		panic("NewHubSpoke: Name, TransitGatewayID, Vpc, TransitSubnets and RoutedSubnets are required")
	}
	h := &HubSpoke{Construct: awsconstructs.NewConstruct(scope, &id)}
	var subnets []*string
	for _, s := range props.TransitSubnets {
		subnets = append(subnets, s.SubnetId())
	}
	h.Attachment = awsec2.NewCfnTransitGatewayVpcAttachment(h.Construct, jsii.String("Attachment"), &awsec2.CfnTransitGatewayVpcAttachmentProps{
		TransitGatewayId: props.TransitGatewayID,
		VpcId:            props.Vpc.VpcId(),
		SubnetIds:        &subnets,
		// Appliance mode belongs to the inspection VPC's attachment, not a spoke's: the gateway keeps
		// a flow's zone toward the firewall, and a spoke's zone on the way back is its own.
		Options: map[string]any{"DnsSupport": "enable"},
		Tags:    &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(props.Name)}},
	})
	for _, s := range props.RoutedSubnets {
		// The route is the subnet's own child "DefaultRoute", the logical ID CDK gives a private
		// subnet's NAT route, so an environment switching from NAT (or mode local's retargeted
		// route) to the hub updates the route in place instead of adding a second 0.0.0.0/0, which
		// CloudFormation would create before deleting the old one and fail.
		subnet, ok := s.(awsconstructs.Construct)
		if !ok {
			panic("NewHubSpoke: RoutedSubnets must be subnets of this app, not imported ones")
		}
		route := awsec2.NewCfnRoute(subnet, jsii.String("DefaultRoute"), &awsec2.CfnRouteProps{
			RouteTableId:         s.RouteTable().RouteTableId(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			TransitGatewayId:     props.TransitGatewayID,
		})
		// A route to a gateway the VPC is not attached to yet fails.
		route.AddResourceDependency(h.Attachment, jsii.String("a route to a Transit Gateway needs the VPC attached"))
		h.Routes = append(h.Routes, route)
	}
	return h
}
