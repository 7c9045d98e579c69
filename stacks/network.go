package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// NetworkStackProps configures a NetworkStack.
type NetworkStackProps struct {
	awscdk.StackProps
	// Environment is the validated config of the environment the network serves. Required.
	Environment config.Environment
}

// NetworkStack holds an environment's VPC. Later stacks take Vpc through their props, so CDK wires
// the references; nothing is looked up.
type NetworkStack struct {
	awscdk.Stack
	Network *ebc.Network
	Vpc     awsec2.IVpc
}

// NewNetworkStack creates the network of one environment from its config.
func NewNetworkStack(scope awsconstructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	e := props.Environment
	n := e.Network
	s := &NetworkStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	natGateways := len(e.AvailabilityZones)
	if n.NatMode == config.NatSingle {
		natGateways = 1
	}
	s.Network = ebc.NewNetwork(s.Stack, "Network", &ebc.NetworkProps{
		Cidr:               n.VpcCidr,
		AvailabilityZones:  e.AvailabilityZones,
		NatGateways:        natGateways,
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
	})
	s.Vpc = s.Network.Vpc

	awscdk.NewCfnOutput(s.Stack, jsii.String("VpcId"), &awscdk.CfnOutputProps{
		Value:       s.Vpc.VpcId(),
		Description: jsii.String(fmt.Sprintf("VPC of the %s environment", e.Name)),
	})
	return s
}
