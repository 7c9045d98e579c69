package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsappstream"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// WorkspaceProps configures a Workspace.
type WorkspaceProps struct {
	// Name prefixes the default names of the fleet, stack, scaling policy and image builder, e.g.
	// "editbay-prod". Required.
	Name string
	// FleetName, StackName, ScalingPolicyName and ImageBuilderName name the AppStream fleet and stack,
	// the fleet's target-tracking policy and the image builder.
	// default: <Name>-fleet, <Name>-workspace, <Name>-capacity-utilization and <Name>-image-builder
	FleetName, StackName, ScalingPolicyName, ImageBuilderName string
	// Vpc and Subnets place the fleet; the subnets must egress only through the firewall. Required.
	Vpc     awsec2.IVpc
	Subnets []awsec2.ISubnet
	// Image is the fleet's AppStream image, by name or ARN. Required.
	Image string
	// InstanceType of the streaming instances.
	// default: stream.standard.medium
	InstanceType string
	// FleetType is ON_DEMAND or ALWAYS_ON.
	// default: ON_DEMAND
	FleetType string
	// StreamView is APP or DESKTOP.
	// default: DESKTOP
	StreamView string
	// MinCapacity and MaxCapacity bound Application Auto Scaling.
	// default: 0 and 5
	MinCapacity, MaxCapacity int
	// TargetUtilization is the capacity utilization (percent) target tracking aims for.
	// default: 75
	TargetUtilization int
	// BusinessHours raises the minimum capacity on a schedule; nil or MinCapacity 0 turns it off.
	// default: off
	BusinessHours *BusinessHoursSchedule
	// MaxSessionMinutes, DisconnectTimeoutMinutes and IdleDisconnectTimeoutMinutes are the fleet's
	// session limits.
	// default: 480, 15 and 15
	MaxSessionMinutes, DisconnectTimeoutMinutes, IdleDisconnectTimeoutMinutes int
	// FileUpload and Printing enable those user actions.
	// default: false (clipboard paste from the local device is always on; copy to it and file download
	// are always off)
	FileUpload, Printing bool
	// AccessFromVpcOnly streams only through an interface endpoint reachable from StreamingClientCidrs.
	// default: false (streaming over the internet, still limited to SecureAreaCidrs by the SAML role)
	AccessFromVpcOnly bool
	// StreamingClientCidrs may reach the streaming endpoint (the secure area as the VPC sees it).
	// default: SecureAreaCidrs
	StreamingClientCidrs []string
	// DataPrefix is the data bucket prefix sessions read.
	// default: "data/"
	DataPrefix string
	// DataExpirationDays expires data objects.
	// default: 30
	DataExpirationDays int
	// SamlProviderName is the IAM SAML provider of IAM Identity Center. Required.
	SamlProviderName string
	// SecureAreaCidrs are the only source networks that may stream (aws:SourceIp), and reach the
	// streaming endpoint. Required.
	SecureAreaCidrs []string
	// FederationSessionHours is the streaming role's maximum session.
	// default: 1
	FederationSessionHours int
	// ImageBuilder creates an image builder from ImageBuilderImage (default: Image).
	// default: false
	ImageBuilder                                bool
	ImageBuilderImage, ImageBuilderInstanceType string
	// DataStewards are IAM role ARNs (of this account) that put data into the data bucket: with the
	// fleet and image builder roles, the only principals the data bucket and key admit. They get the
	// data-steward policy.
	// default: none (data arrives only through a stack update's steward)
	DataStewards []string
	// DataEndpoints are the S3 gateway endpoints through which the data bucket is reachable from the
	// VPC (aws:SourceVpce); from anywhere else only SecureAreaCidrs may reach it.
	// default: none
	DataEndpoints []awsec2.IVpcEndpoint
	// Retain keeps the buckets and keys when the stack is deleted.
	// default: false (they are retained anyway, see NewSecureBucket; this also retains logs)
	Retain bool
}

// BusinessHoursSchedule is a working-hours minimum capacity.
type BusinessHoursSchedule struct {
	MinCapacity        int
	Days               string // cron day-of-week field, e.g. MON-FRI
	StartHour, EndHour int
	Timezone           string
}

// Workspace is a confidential AppStream 2.0 workspace: a data bucket, a fleet in private subnets
// without internet access of its own, a stack that keeps data in, auto scaling, session scripts that
// bring data in and wipe it, and a SAML role that may stream only this stack from the secure area.
type Workspace struct {
	awsconstructs.Construct
	// DataKey encrypts the data bucket only; its policy is the data boundary.
	DataKey awskms.Key
	// AssetsKey encrypts the session scripts and their deployment logs.
	AssetsKey      awskms.Key
	DataBucket     awss3.Bucket
	AssetsBucket   awss3.Bucket
	AccessLogs     awss3.Bucket
	FleetRole      awsiam.Role
	SecurityGroup  awsec2.SecurityGroup
	Fleet          awsappstream.CfnFleet
	Stack          awsappstream.CfnStack
	ScalableTarget awsapplicationautoscaling.CfnScalableTarget
	StreamingRole  awsiam.Role
	// StreamingEndpoint is the interface endpoint when AccessFromVpcOnly, else nil.
	StreamingEndpoint awsec2.InterfaceVpcEndpoint
	ImageBuilder      awsappstream.CfnImageBuilder
	ImageBuilderRole  awsiam.Role
	// StewardPolicy is attached to the DataStewards; nil without any.
	StewardPolicy awsiam.ManagedPolicy
}

// NewWorkspace creates the workspace.
func NewWorkspace(scope awsconstructs.Construct, id string, props *WorkspaceProps) *Workspace {
	if props == nil || props.Name == "" || props.Vpc == nil || len(props.Subnets) == 0 || props.Image == "" || props.SamlProviderName == "" || len(props.SecureAreaCidrs) == 0 {
		panic("NewWorkspace: Name, Vpc, Subnets, Image, SamlProviderName and SecureAreaCidrs are required")
	}
	p := *props
	p.InstanceType = orDefaultString(p.InstanceType, "stream.standard.medium")
	p.FleetType = orDefaultString(p.FleetType, "ON_DEMAND")
	p.StreamView = orDefaultString(p.StreamView, "DESKTOP")
	p.MaxCapacity = orDefault(p.MaxCapacity, 5)
	p.TargetUtilization = orDefault(p.TargetUtilization, 75)
	p.MaxSessionMinutes = orDefault(p.MaxSessionMinutes, 480)
	p.DisconnectTimeoutMinutes = orDefault(p.DisconnectTimeoutMinutes, 15)
	p.IdleDisconnectTimeoutMinutes = orDefault(p.IdleDisconnectTimeoutMinutes, 15)
	p.DataPrefix = orDefaultString(p.DataPrefix, "data/")
	p.DataExpirationDays = orDefault(p.DataExpirationDays, 30)
	p.FederationSessionHours = orDefault(p.FederationSessionHours, 1)
	p.ImageBuilderImage = orDefaultString(p.ImageBuilderImage, p.Image)
	p.ImageBuilderInstanceType = orDefaultString(p.ImageBuilderInstanceType, "stream.standard.medium")
	p.FleetName = orDefaultString(p.FleetName, p.Name+"-fleet")
	p.StackName = orDefaultString(p.StackName, p.Name+"-workspace")
	p.ScalingPolicyName = orDefaultString(p.ScalingPolicyName, p.Name+"-capacity-utilization")
	p.ImageBuilderName = orDefaultString(p.ImageBuilderName, p.Name+"-image-builder")

	w := &Workspace{Construct: awsconstructs.NewConstruct(scope, &id)}
	stack := awscdk.Stack_Of(w.Construct)

	// The data key's policy starts empty: unlike every other key it does not let the account's IAM
	// policies decide who uses it (dataBoundary fills it).
	w.DataKey = NewKey(w.Construct, "DataKey", &KeyProps{
		Description: "Encrypts the workspace's confidential data", RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		Policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{}),
	})
	w.AssetsKey = NewKey(w.Construct, "AssetsKey", &KeyProps{Description: "Encrypts the workspace's session scripts and their deployment logs", RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	AllowCloudWatchLogs(w.AssetsKey)
	w.AccessLogs = NewAccessLogBucket(w.Construct, "AccessLogs", nil)
	w.DataBucket = NewSecureBucket(w.Construct, "DataBucket", &SecureBucketProps{
		EncryptionKey: w.DataKey, AccessLogs: w.AccessLogs, ExpireAfterDays: p.DataExpirationDays,
	})
	w.AssetsBucket = NewSecureBucket(w.Construct, "ImageAssets", &SecureBucketProps{
		EncryptionKey: w.AssetsKey, AccessLogs: w.AccessLogs,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(w.DataBucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("Confidential data stays in the environment's region and expires after the configured days; a replica would be a second copy outside the workspace's controls.")},
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(w.AssetsBucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("The image assets are generated and published again by every deployment, so a replica would add nothing to recovery.")},
	}, jsii.Bool(true))

	w.fleetRole(stack, p)
	w.SecurityGroup = awsec2.NewSecurityGroup(w.Construct, jsii.String("FleetSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("AppStream streaming instances: no inbound; web egress, filtered by the firewall"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// Destinations are filtered by domain in the egress firewall; the security group limits the ports.
	w.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS, to allow-listed domains via the firewall, S3 and VPC endpoints"), nil)
	w.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP, to allow-listed domains via the firewall"), nil)

	subnetIDs := make([]*string, len(p.Subnets))
	for i, s := range p.Subnets {
		subnetIDs[i] = s.SubnetId()
	}
	fleetProps := &awsappstream.CfnFleetProps{
		Name:                           &p.FleetName,
		Description:                    jsii.String("editbay confidential workspace fleet"),
		InstanceType:                   jsii.String(p.InstanceType),
		FleetType:                      jsii.String(p.FleetType),
		StreamView:                     jsii.String(p.StreamView),
		ComputeCapacity:                &awsappstream.CfnFleet_ComputeCapacityProperty{DesiredInstances: jsii.Number(float64(max(p.MinCapacity, 1)))},
		VpcConfig:                      &awsappstream.CfnFleet_VpcConfigProperty{SubnetIds: &subnetIDs, SecurityGroupIds: &[]*string{w.SecurityGroup.SecurityGroupId()}},
		EnableDefaultInternetAccess:    jsii.Bool(false),
		DisableImdsv1:                  jsii.Bool(true),
		IamRoleArn:                     w.FleetRole.RoleArn(),
		MaxUserDurationInSeconds:       jsii.Number(float64(p.MaxSessionMinutes * 60)),
		DisconnectTimeoutInSeconds:     jsii.Number(float64(p.DisconnectTimeoutMinutes * 60)),
		IdleDisconnectTimeoutInSeconds: jsii.Number(float64(p.IdleDisconnectTimeoutMinutes * 60)),
	}
	if isArn(p.Image) {
		fleetProps.ImageArn = jsii.String(p.Image)
	} else {
		fleetProps.ImageName = jsii.String(p.Image)
	}
	w.Fleet = awsappstream.NewCfnFleet(w.Construct, jsii.String("Fleet"), fleetProps)
	// AppStream creates fleets stopped; CloudFormation starts this one, so users can stream at once.
	w.Fleet.CfnOptions().SetCreationPolicy(&awscdk.CfnCreationPolicy{StartFleet: jsii.Bool(true)})
	w.Fleet.Node().AddDependency(w.FleetRole)

	w.stack(p)
	assoc := awsappstream.NewCfnStackFleetAssociation(w.Construct, jsii.String("StackFleetAssociation"), &awsappstream.CfnStackFleetAssociationProps{
		FleetName: w.Fleet.Ref(),
		StackName: w.Stack.Ref(),
	})
	assoc.Node().AddDependency(w.Fleet, w.Stack)

	w.scaling(p)
	w.streamingRole(stack, p)
	NewSessionScripts(w.Construct, "SessionScripts", &SessionScriptsProps{Destination: w.AssetsBucket, DataBucket: w.DataBucket, DataPrefix: p.DataPrefix, LogGroup: w.deploymentLogs(p)})
	if p.ImageBuilder {
		w.imageBuilder(p, subnetIDs)
	}
	w.dataBoundary(stack, p)
	suppressBucketDeployment(stack)
	return w
}

// fleetRole may read only the data prefix and decrypt with the data key through S3; session scripts
// use it as the appstream_machine_role profile.
func (w *Workspace) fleetRole(stack awscdk.Stack, p WorkspaceProps) {
	w.FleetRole = awsiam.NewRole(w.Construct, jsii.String("FleetRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("appstream.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description: jsii.String("AppStream fleet instances: read the workspace data prefix"),
	})
	w.dataPrefixPolicy(stack, p, "FleetPolicy", "Read the workspace data prefix, nothing else", []awsiam.IRole{w.FleetRole},
		"ReadDataPrefix", []string{"s3:GetObject"}, "DecryptThroughS3", []string{"kms:Decrypt"},
		"The only wildcard is the object key under the configured data prefix, which is the unit of access: every file under the prefix is session data.")
}

// dataPrefixPolicy is a managed policy of roles on the data prefix: list it, objectActions on its
// objects, and keyActions on the data key through S3 only.
func (w *Workspace) dataPrefixPolicy(stack awscdk.Stack, p WorkspaceProps, id, description string, roles []awsiam.IRole,
	objectSid string, objectActions []string, keySid string, keyActions []string, wildcardReason string) awsiam.ManagedPolicy {
	policy := awsiam.NewManagedPolicy(w.Construct, &id, &awsiam.ManagedPolicyProps{
		Description: &description,
		Roles:       &roles,
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("ListDataPrefix"),
				Actions:    jsii.Strings("s3:ListBucket"),
				Resources:  &[]*string{w.DataBucket.BucketArn()},
				Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{p.DataPrefix, p.DataPrefix + "*"}}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       &objectSid,
				Actions:   jsii.Strings(objectActions...),
				Resources: &[]*string{w.DataBucket.ArnForObjects(jsii.String(p.DataPrefix + "*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        &keySid,
				Actions:    jsii.Strings(keyActions...),
				Resources:  &[]*string{w.DataKey.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *stack.Region())}},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: &wildcardReason,
			AppliesTo: &[]any{jsii.String(fmt.Sprintf("Resource::<%s.Arn>/%s*", *stack.GetLogicalId(w.DataBucket.Node().DefaultChild().(awss3.CfnBucket)), p.DataPrefix))}},
	}, jsii.Bool(false))
	return policy
}

// stack keeps data in: paste in only, no download or copy out, no upload or printing unless
// configured, no storage connectors, no persisted application settings.
func (w *Workspace) stack(p WorkspaceProps) {
	perm := func(on bool) *string {
		if on {
			return jsii.String("ENABLED")
		}
		return jsii.String("DISABLED")
	}
	props := &awsappstream.CfnStackProps{
		Name:        &p.StackName,
		Description: jsii.String("editbay confidential workspace"),
		UserSettings: &[]any{
			&awsappstream.CfnStack_UserSettingProperty{Action: jsii.String("CLIPBOARD_COPY_FROM_LOCAL_DEVICE"), Permission: perm(true)},
			&awsappstream.CfnStack_UserSettingProperty{Action: jsii.String("CLIPBOARD_COPY_TO_LOCAL_DEVICE"), Permission: perm(false)},
			&awsappstream.CfnStack_UserSettingProperty{Action: jsii.String("FILE_DOWNLOAD"), Permission: perm(false)},
			&awsappstream.CfnStack_UserSettingProperty{Action: jsii.String("FILE_UPLOAD"), Permission: perm(p.FileUpload)},
			&awsappstream.CfnStack_UserSettingProperty{Action: jsii.String("PRINTING_TO_LOCAL_DEVICE"), Permission: perm(p.Printing)},
		},
		ApplicationSettings: &awsappstream.CfnStack_ApplicationSettingsProperty{Enabled: jsii.Bool(false)},
		// No StorageConnectors: no home folders, Google Drive or OneDrive.
	}
	if p.AccessFromVpcOnly {
		w.streamingEndpoint(p)
		props.AccessEndpoints = &[]any{&awsappstream.CfnStack_AccessEndpointProperty{EndpointType: jsii.String("STREAMING"), VpceId: w.StreamingEndpoint.VpcEndpointId()}}
	}
	w.Stack = awsappstream.NewCfnStack(w.Construct, jsii.String("Stack"), props)
}

// streamingEndpoint is the interface endpoint users stream through from the secure area (over VPN or
// Direct Connect): HTTPS and AppStream's streaming ports 1400-1499.
func (w *Workspace) streamingEndpoint(p WorkspaceProps) {
	sg := awsec2.NewSecurityGroup(w.Construct, jsii.String("StreamingEndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("AppStream streaming endpoint: from the secure area only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	clients := p.StreamingClientCidrs
	if len(clients) == 0 {
		clients = p.SecureAreaCidrs
	}
	for _, cidr := range clients {
		sg.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(cidr)), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the secure area"), nil)
		sg.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(cidr)), awsec2.Port_TcpRange(jsii.Number(1400), jsii.Number(1499)), jsii.String("AppStream streaming from the secure area"), nil)
	}
	w.StreamingEndpoint = awsec2.NewInterfaceVpcEndpoint(w.Construct, jsii.String("StreamingEndpoint"), &awsec2.InterfaceVpcEndpointProps{
		Vpc:               p.Vpc,
		Service:           awsec2.NewInterfaceVpcEndpointAwsService(jsii.String("appstream.streaming"), nil, nil, nil),
		Subnets:           &awsec2.SubnetSelection{Subnets: &p.Subnets},
		SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
		PrivateDnsEnabled: jsii.Bool(true),
		Open:              jsii.Bool(false),
	})
}

// scaling tracks capacity utilization between the configured bounds, with optional working hours.
func (w *Workspace) scaling(p WorkspaceProps) {
	var scheduled []any
	if bh := p.BusinessHours; bh != nil && bh.MinCapacity > 0 {
		action := func(name string, hour, minCap int) *awsapplicationautoscaling.CfnScalableTarget_ScheduledActionProperty {
			return &awsapplicationautoscaling.CfnScalableTarget_ScheduledActionProperty{
				ScheduledActionName: jsii.String(name),
				Schedule:            jsii.String(fmt.Sprintf("cron(0 %d ? * %s *)", hour, bh.Days)),
				Timezone:            jsii.String(bh.Timezone),
				ScalableTargetAction: &awsapplicationautoscaling.CfnScalableTarget_ScalableTargetActionProperty{
					MinCapacity: jsii.Number(float64(minCap)),
					MaxCapacity: jsii.Number(float64(p.MaxCapacity)),
				},
			}
		}
		scheduled = append(scheduled, action("business-hours-start", bh.StartHour, bh.MinCapacity), action("business-hours-end", bh.EndHour, p.MinCapacity))
	}
	props := &awsapplicationautoscaling.CfnScalableTargetProps{
		ServiceNamespace:  jsii.String("appstream"),
		ScalableDimension: jsii.String("appstream:fleet:DesiredCapacity"),
		ResourceId:        awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("fleet/"), w.Fleet.Ref()}),
		MinCapacity:       jsii.Number(float64(p.MinCapacity)),
		MaxCapacity:       jsii.Number(float64(p.MaxCapacity)),
		// No RoleARN: Application Auto Scaling uses (and creates) its AppStream service-linked role.
	}
	if len(scheduled) > 0 {
		props.ScheduledActions = &scheduled
	}
	w.ScalableTarget = awsapplicationautoscaling.NewCfnScalableTarget(w.Construct, jsii.String("ScalableTarget"), props)
	w.ScalableTarget.Node().AddDependency(w.Fleet)
	awsapplicationautoscaling.NewCfnScalingPolicy(w.Construct, jsii.String("TargetTracking"), &awsapplicationautoscaling.CfnScalingPolicyProps{
		PolicyName:      &p.ScalingPolicyName,
		PolicyType:      jsii.String("TargetTrackingScaling"),
		ScalingTargetId: w.ScalableTarget.Ref(),
		TargetTrackingScalingPolicyConfiguration: &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingScalingPolicyConfigurationProperty{
			TargetValue: jsii.Number(float64(p.TargetUtilization)),
			PredefinedMetricSpecification: &awsapplicationautoscaling.CfnScalingPolicy_PredefinedMetricSpecificationProperty{
				PredefinedMetricType: jsii.String("AppStreamAverageCapacityUtilization"),
			},
			ScaleOutCooldown: jsii.Number(120),
			ScaleInCooldown:  jsii.Number(900), // scale in slowly: an instance that goes takes its session's readiness with it
		},
	})
}

// streamingRole is what IAM Identity Center users federate into: it may only stream this stack, only
// as themselves, and only from the secure area.
func (w *Workspace) streamingRole(stack awscdk.Stack, p WorkspaceProps) {
	provider := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("saml-provider"), ResourceName: jsii.String(p.SamlProviderName),
	})
	w.StreamingRole = awsiam.NewRole(w.Construct, jsii.String("StreamingRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewFederatedPrincipal(provider, &map[string]any{
			"StringEquals": map[string]any{"SAML:aud": "https://signin.aws.amazon.com/saml"},
		}, jsii.String("sts:AssumeRoleWithSAML")),
		Description:        jsii.String("IAM Identity Center users: stream the confidential workspace from the secure area"),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(float64(p.FederationSessionHours))),
	})
	cidrs := make([]string, len(p.SecureAreaCidrs))
	copy(cidrs, p.SecureAreaCidrs)
	awsiam.NewManagedPolicy(w.Construct, jsii.String("StreamingPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Stream this workspace only, from the secure area only"),
		Roles:       &[]awsiam.IRole{w.StreamingRole},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("StreamThisStack"),
			Actions: jsii.Strings("appstream:Stream"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("appstream"), Resource: jsii.String("stack"), ResourceName: w.Stack.Ref(),
			})},
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"appstream:userId": "${saml:sub}"},
				"IpAddress":    map[string]any{"aws:SourceIp": cidrs},
			},
		})},
	})
}

// imageBuilder is for baking the session scripts into an image: in the private subnets, no internet
// access of its own, reading the published scripts.
func (w *Workspace) imageBuilder(p WorkspaceProps, subnetIDs []*string) {
	w.ImageBuilderRole = awsiam.NewRole(w.Construct, jsii.String("ImageBuilderRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("appstream.amazonaws.com"), nil),
		Description: jsii.String("AppStream image builder: read the published session scripts"),
	})
	policy := awsiam.NewManagedPolicy(w.Construct, jsii.String("ImageBuilderPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Read the published session scripts, nothing else"),
		Roles:       &[]awsiam.IRole{w.ImageBuilderRole},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("ListSessionScripts"),
				Actions:    jsii.Strings("s3:ListBucket"),
				Resources:  &[]*string{w.AssetsBucket.BucketArn()},
				Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{"session-scripts/", "session-scripts/*"}}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadSessionScripts"),
				Actions:   jsii.Strings("s3:GetObject"),
				Resources: &[]*string{w.AssetsBucket.ArnForObjects(jsii.String("session-scripts/*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("DecryptThroughS3"),
				Actions:    jsii.Strings("kms:Decrypt"),
				Resources:  &[]*string{w.AssetsKey.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *awscdk.Stack_Of(w.Construct).Region())}},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("The only wildcard is the object key under session-scripts/, the published scripts the image builder copies as a whole."),
			AppliesTo: &[]any{jsii.String(fmt.Sprintf("Resource::<%s.Arn>/session-scripts/*", *awscdk.Stack_Of(w.Construct).GetLogicalId(w.AssetsBucket.Node().DefaultChild().(awss3.CfnBucket))))}},
	}, jsii.Bool(false))
	props := &awsappstream.CfnImageBuilderProps{
		Name:                        &p.ImageBuilderName,
		Description:                 jsii.String("editbay image builder: bake the session scripts into the workspace image"),
		InstanceType:                jsii.String(p.ImageBuilderInstanceType),
		VpcConfig:                   &awsappstream.CfnImageBuilder_VpcConfigProperty{SubnetIds: &[]*string{subnetIDs[0]}, SecurityGroupIds: &[]*string{w.SecurityGroup.SecurityGroupId()}},
		EnableDefaultInternetAccess: jsii.Bool(false),
		IamRoleArn:                  w.ImageBuilderRole.RoleArn(),
	}
	if isArn(p.ImageBuilderImage) {
		props.ImageArn = jsii.String(p.ImageBuilderImage)
	} else {
		props.ImageName = jsii.String(p.ImageBuilderImage)
	}
	w.ImageBuilder = awsappstream.NewCfnImageBuilder(w.Construct, jsii.String("ImageBuilder"), props)
	w.ImageBuilder.Node().AddDependency(w.ImageBuilderRole, policy)
}

// deploymentLogs is the encrypted log group of the session-script publisher.
func (w *Workspace) deploymentLogs(p WorkspaceProps) awslogs.LogGroup {
	removal := awscdk.RemovalPolicy_DESTROY
	if p.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	return awslogs.NewLogGroup(w.Construct, jsii.String("SessionScriptsDeploymentLogs"), &awslogs.LogGroupProps{
		EncryptionKey: w.AssetsKey,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: removal,
	})
}

// suppressBucketDeployment covers CDK's own BucketDeployment handler (one per stack), which copies
// the generated session scripts into the image-assets bucket at deployment.
func suppressBucketDeployment(stack awscdk.Stack) {
	for _, c := range *stack.Node().Children() {
		id := *c.Node().Id()
		if len(id) < 26 || id[:26] != "Custom::CDKBucketDeploymen" {
			continue
		}
		reason := "CDK's own BucketDeployment handler, which copies the generated session scripts into the image-assets bucket at deployment;"
		cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(reason + " the AWS managed basic-execution policy only lets it write its own logs.")},
			{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(reason + " CDK grants it the staging asset bucket's objects and the destination bucket's objects, which are whole-bucket by nature.")},
			{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String(reason + " CDK pins the runtime its prebuilt handler is built and tested for.")},
			{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String(reason + " its inline policy is CDK's grant to the two buckets.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaConcurrency"), Reason: jsii.String(reason + " it runs only during deployments, so a concurrency limit protects nothing.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaDLQ"), Reason: jsii.String(reason + " CloudFormation receives and shows its failures, so a dead-letter queue would hold nothing.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaInsideVPC"), Reason: jsii.String(reason + " it calls only S3 and CloudFormation's response URL, and in the VPC it would need the firewall to allow them.")},
		}, jsii.Bool(true))
	}
}

func isArn(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

func orDefaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
