package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
)

// HubRoutesStackProps configures a HubRoutesStack.
type HubRoutesStackProps struct {
	awscdk.StackProps
	// Config is the validated installation, with an egress hub. Required.
	Config *config.Config
	// Network is the spoke's network stack, with its HubSpoke. Required.
	Network *NetworkStack
}

// HubRoutesStack joins one spoke to the hub's route tables. Only the Transit Gateway's owner can
// associate an attachment and propagate its routes, so this stack is deployed in the hub's account
// and region, in the spoke's stage (deployed with it, after its network). It reads the route
// tables' IDs from the hub's parameters and the attachment's ID from the spoke's network stack
// (a cross-account reference: Fn::GetStackOutput through a role CDK adds to the network stack).
type HubRoutesStack struct {
	awscdk.Stack
	Association awsec2.CfnTransitGatewayRouteTableAssociation
	Propagation awsec2.CfnTransitGatewayRouteTablePropagation
}

// NewHubRoutesStack associates the spoke's attachment with the spokes route table (its only way out
// is the inspection VPC) and propagates its CIDR into the inspection route table (replies find it).
func NewHubRoutesStack(scope awsconstructs.Construct, id string, props *HubRoutesStackProps) *HubRoutesStack {
	cfg := props.Config
	s := &HubRoutesStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	table := func(kind string) *string {
		return awsssm.StringParameter_ValueForStringParameter(s.Stack, jsii.String(cfg.HubParameterName(kind)), nil)
	}
	attachment := props.Network.HubSpoke.Attachment.AttrId()
	s.Association = awsec2.NewCfnTransitGatewayRouteTableAssociation(s.Stack, jsii.String("SpokesAssociation"), &awsec2.CfnTransitGatewayRouteTableAssociationProps{
		TransitGatewayAttachmentId: attachment,
		TransitGatewayRouteTableId: table(config.HubSpokesTableParameter),
	})
	s.Propagation = awsec2.NewCfnTransitGatewayRouteTablePropagation(s.Stack, jsii.String("InspectionPropagation"), &awsec2.CfnTransitGatewayRouteTablePropagationProps{
		TransitGatewayAttachmentId: attachment,
		TransitGatewayRouteTableId: table(config.HubInspectionTableParameter),
	})
	// A cross-account reference adds no deployment order by itself.
	s.AddStackDependency(props.Network.Stack, jsii.String("the spoke's attachment must exist"))
	return s
}
