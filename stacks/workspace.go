package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// WorkspaceStackProps configures a WorkspaceStack.
type WorkspaceStackProps struct {
	awscdk.StackProps
	// Config is the validated installation, which names the AppStream resources. Required.
	Config *config.Config
	// Environment is the one of Config.Environments this stack serves; its workspace is enabled.
	// Required.
	Environment config.Environment
	// Network is the environment's network stack, whose private subnets egress through the firewall.
	// Required.
	Network *NetworkStack
}

// WorkspaceStack holds an environment's AppStream 2.0 confidential workspace.
type WorkspaceStack struct {
	awscdk.Stack
	Workspace *ebc.Workspace
}

// NewWorkspaceStack creates the workspace of one environment from its config.
func NewWorkspaceStack(scope awsconstructs.Construct, id string, props *WorkspaceStackProps) *WorkspaceStack {
	cfg, e := props.Config, props.Environment
	w := e.Workspace
	s := &WorkspaceStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	var hours *ebc.BusinessHoursSchedule
	if w.BusinessHours.MinCapacity > 0 {
		bh := w.BusinessHours
		hours = &ebc.BusinessHoursSchedule{MinCapacity: bh.MinCapacity, Days: bh.Days, StartHour: bh.StartHour, EndHour: bh.EndHour, Timezone: bh.Timezone}
	}
	s.Workspace = ebc.NewWorkspace(s.Stack, "Workspace", &ebc.WorkspaceProps{
		Name:                         cfg.EnvPrefix(e),
		FleetName:                    cfg.WorkspaceName(e, config.WorkspaceFleet),
		StackName:                    cfg.WorkspaceName(e, config.WorkspaceStack),
		ScalingPolicyName:            cfg.WorkspaceName(e, config.WorkspaceScaling),
		ImageBuilderName:             cfg.WorkspaceName(e, config.WorkspaceImageBuilder),
		Vpc:                          props.Network.Vpc,
		Subnets:                      props.Network.Network.Subnets(ebc.SubnetGroupPrivate),
		Image:                        w.Image,
		InstanceType:                 w.InstanceType,
		FleetType:                    w.FleetType,
		StreamView:                   w.StreamView,
		MinCapacity:                  w.MinCapacity,
		MaxCapacity:                  w.MaxCapacity,
		TargetUtilization:            w.TargetUtilization,
		BusinessHours:                hours,
		MaxSessionMinutes:            w.MaxSessionMinutes,
		DisconnectTimeoutMinutes:     w.DisconnectTimeoutMinutes,
		IdleDisconnectTimeoutMinutes: w.IdleDisconnectTimeoutMinutes,
		FileUpload:                   w.FileUpload,
		Printing:                     w.Printing,
		AccessFromVpcOnly:            w.AccessFromVpcOnly,
		StreamingClientCidrs:         w.EndpointClientCidrs,
		DataPrefix:                   w.DataPrefix,
		DataExpirationDays:           w.DataExpirationDays,
		SamlProviderName:             w.SamlProviderName,
		SecureAreaCidrs:              w.SecureAreaCidrs,
		DataStewards:                 w.DataStewards,
		DataEndpoints:                []awsec2.IVpcEndpoint{props.Network.Network.S3Endpoint},
		FederationSessionHours:       w.FederationSessionHours,
		ImageBuilder:                 w.ImageBuilder.Enabled,
		ImageBuilderImage:            w.ImageBuilder.Image,
		ImageBuilderInstanceType:     w.ImageBuilder.InstanceType,
		Retain:                       e.Production,
	})
	ws := s.Workspace
	for id, v := range map[string]struct {
		value *string
		desc  string
	}{
		"DataBucketName":    {ws.DataBucket.BucketName(), "Upload confidential files under the data prefix of this bucket"},
		"ImageAssetsBucket": {ws.AssetsBucket.BucketName(), "Session scripts for the image builder, under session-scripts/<platform>/"},
		"StackName":         {ws.Stack.Ref(), "AppStream stack users stream"},
		"FleetName":         {ws.Fleet.Ref(), "AppStream fleet"},
		"StreamingRoleArn":  {ws.StreamingRole.RoleArn(), "Role to map in the IAM Identity Center application (with the SAML provider ARN)"},
		"RelayState": {awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://appstream2."), s.Region(), jsii.String(".aws.amazon.com/saml?stack="), ws.Stack.Ref(), jsii.String("&accountId="), s.Account()}),
			"Relay state of the IAM Identity Center application: where users land after signing in"},
	} {
		awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{Value: v.value, Description: jsii.String(v.desc)})
	}
	return s
}
