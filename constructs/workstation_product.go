package constructs

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// WorkstationProductProps configures a WorkstationProduct.
type WorkstationProductProps struct {
	// Workstations is the environment's workstation design: its security group (which admits only
	// gateways and brokers), role, instance profile and volume key. Required.
	Workstations *Workstations
	// Subnets are the private subnets users choose a zone from. Required.
	Subnets []awsec2.ISubnet
	// ParameterPrefix starts the names of the SSM parameters that hand the design's IDs to the
	// template (e.g. /northlight/render/catalog/workstation). Required.
	ParameterPrefix string
	// Owner is the product's owner shown to users. Required.
	Owner string
	// Version is the current version's name; PreviousVersions stay deployable from their snapshots.
	// Version is required.
	Version          string
	PreviousVersions []string
	// SnapshotDirectory holds the versions' templates.
	// default: product-stack-snapshots
	SnapshotDirectory string
	// Images are the SSM parameter names of the images users choose from, the first the default.
	// Required.
	Images []string
	// InstanceTypes users choose from, the first the default. Required.
	InstanceTypes []string
	// MinVolumeGiB, MaxVolumeGiB and VolumeGiB bound and default the root volume. Required.
	MinVolumeGiB, MaxVolumeGiB, VolumeGiB int
	// RootDeviceName is the images' root device. Required.
	RootDeviceName string
	// IdleMinutes of average CPU below IdleCpuPercent stop the workstation; 0 never.
	// default: 0
	IdleMinutes int
	// IdleCpuPercent is the idle threshold.
	// default: 5
	IdleCpuPercent int
}

// WorkstationProduct is a Service Catalog product: one persistent EC2 workstation for one user, in a
// private subnet of the user's chosen zone, with the environment's workstation security group, role
// and IMDSv2, its root volume encrypted with the workstation key, tagged with its owner, and stopped
// by a CloudWatch alarm after a time of low CPU. LaunchRole may create exactly that.
type WorkstationProduct struct {
	awsconstructs.Construct
	Product    awsservicecatalog.CloudFormationProduct
	LaunchRole awsiam.Role
	Template   awsservicecatalog.ProductStack
}

// Workstation product parameters, as users see them.
const (
	InstanceTypeParameter = "InstanceType"
	VolumeSizeParameter   = "VolumeSizeGiB"
	ImageParameter        = "Image"
	ZoneParameter         = "Zone"
)

// workstationProductTag is the ProductTagKey value of what the product creates.
const workstationProductTag = "workstation"

// NewWorkstationProduct publishes the design's IDs as SSM parameters, and creates the product, its
// versions and its launch role.
func NewWorkstationProduct(scope awsconstructs.Construct, id string, props *WorkstationProductProps) *WorkstationProduct {
	if props == nil || props.Workstations == nil || len(props.Subnets) == 0 || props.ParameterPrefix == "" || props.Owner == "" || props.Version == "" ||
		len(props.Images) == 0 || len(props.InstanceTypes) == 0 || props.RootDeviceName == "" || props.VolumeGiB == 0 {
		panic("NewWorkstationProduct: Workstations, Subnets, ParameterPrefix, Owner, Version, Images, InstanceTypes, RootDeviceName and the volume sizes are required")
	}
	p := *props
	if p.SnapshotDirectory == "" {
		p.SnapshotDirectory = "product-stack-snapshots"
	}
	p.IdleCpuPercent = orDefault(p.IdleCpuPercent, 5)
	w := &WorkstationProduct{Construct: awsconstructs.NewConstruct(scope, &id)}

	// The template reads the design at launch, by dynamic reference (or, for the zone, a parameter
	// whose allowed values are these names), so no ID is a parameter a user could change.
	names := map[string]string{}
	publish := func(cid, kind, value, description string) {
		names[kind] = p.ParameterPrefix + "/" + kind
		awsssm.NewStringParameter(w.Construct, jsii.String(cid), &awsssm.StringParameterProps{
			ParameterName: jsii.String(names[kind]), StringValue: jsii.String(value), Description: jsii.String(description),
		})
	}
	publish("SecurityGroupParameter", "security-group", *p.Workstations.SecurityGroup.SecurityGroupId(), "Security group of catalog workstations")
	publish("InstanceProfileParameter", "instance-profile", *p.Workstations.InstanceProfile.InstanceProfileName(), "Instance profile of catalog workstations")
	publish("KeyParameter", "volume-key", *p.Workstations.Key.KeyArn(), "KMS key of catalog workstations' volumes")
	var zones []string
	for i, s := range p.Subnets {
		kind := "subnet-" + *s.AvailabilityZone()
		publish(fmt.Sprintf("SubnetParameter%d", i+1), kind, *s.SubnetId(), "Private subnet of catalog workstations in "+*s.AvailabilityZone())
		zones = append(zones, names[kind])
	}

	w.Template = awsservicecatalog.NewProductStack(w.Construct, jsii.String("Template"), &awsservicecatalog.ProductStackProps{
		Description: jsii.String("editbay personal workstation"),
	})
	workstationTemplate(w.Template, p, names, zones)
	w.Product = newVersionedProduct(w.Construct, w.Template, productInfo{
		Name:        "Personal workstation",
		Description: "Your own persistent GPU workstation in the studio's network, reached through the gateways; it stops itself when idle.",
		Owner:       p.Owner, Version: p.Version, PreviousVersions: p.PreviousVersions, SnapshotDirectory: p.SnapshotDirectory,
	})
	w.LaunchRole = workstationLaunchRole(w.Construct, p, names)
	return w
}

// workstationTemplate fills the product stack.
func workstationTemplate(ps awsservicecatalog.ProductStack, p WorkstationProductProps, names map[string]string, zones []string) {
	var stack awscdk.Stack = ps
	param := func(id string, props *awscdk.CfnParameterProps) awscdk.CfnParameter {
		return awscdk.NewCfnParameter(stack, jsii.String(id), props)
	}
	instanceType := param(InstanceTypeParameter, &awscdk.CfnParameterProps{
		Type: jsii.String("String"), Description: jsii.String("EC2 instance type (GPU and size) of the workstation."),
		AllowedValues: jsii.Strings(p.InstanceTypes...), Default: jsii.String(p.InstanceTypes[0]),
	})
	volume := param(VolumeSizeParameter, &awscdk.CfnParameterProps{
		Type: jsii.String("Number"), Description: jsii.String("Size of the workstation's disk in GiB."),
		MinValue: jsii.Number(float64(p.MinVolumeGiB)), MaxValue: jsii.Number(float64(p.MaxVolumeGiB)), Default: jsii.String(fmt.Sprint(p.VolumeGiB)),
	})
	image := param(ImageParameter, &awscdk.CfnParameterProps{
		Type: jsii.String("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"), Description: jsii.String("The image: one of the studio's workstation images."),
		AllowedValues: jsii.Strings(p.Images...), Default: jsii.String(p.Images[0]),
	})
	zone := param(ZoneParameter, &awscdk.CfnParameterProps{
		Type: jsii.String("AWS::SSM::Parameter::Value<AWS::EC2::Subnet::Id>"), Description: jsii.String("The availability zone, by the name of its subnet's parameter."),
		AllowedValues: jsii.Strings(zones...), Default: jsii.String(zones[0]),
	})
	owner := param(OwnerParameter, &awscdk.CfnParameterProps{
		Type: jsii.String("String"), Description: jsii.String("Your user name or e-mail; tags the workstation for the power plan and the cost report."),
		AllowedPattern: jsii.String(`^[A-Za-z0-9._%+@-]{1,128}$`), ConstraintDescription: jsii.String("a user name or e-mail address"),
	})
	resolve := func(kind string) *string { return jsii.String("{{resolve:ssm:" + names[kind] + "}}") }
	lt := awsec2.NewCfnLaunchTemplate(stack, jsii.String("LaunchTemplate"), &awsec2.CfnLaunchTemplateProps{
		LaunchTemplateData: &awsec2.CfnLaunchTemplate_LaunchTemplateDataProperty{
			ImageId:          image.ValueAsString(),
			InstanceType:     instanceType.ValueAsString(),
			SecurityGroupIds: &[]*string{resolve("security-group")},
			MetadataOptions: &awsec2.CfnLaunchTemplate_MetadataOptionsProperty{
				HttpEndpoint: jsii.String("enabled"), HttpTokens: jsii.String("required"), HttpPutResponseHopLimit: jsii.Number(1),
			},
			EbsOptimized: jsii.Bool(true),
			BlockDeviceMappings: &[]any{&awsec2.CfnLaunchTemplate_BlockDeviceMappingProperty{
				DeviceName: jsii.String(p.RootDeviceName),
				Ebs: &awsec2.CfnLaunchTemplate_EbsProperty{
					VolumeSize: volume.ValueAsNumber(), VolumeType: jsii.String("gp3"), Encrypted: jsii.Bool(true),
					KmsKeyId: resolve("volume-key"), DeleteOnTermination: jsii.Bool(true),
				},
			}},
		},
		TagSpecifications: &[]any{&awsec2.CfnLaunchTemplate_LaunchTemplateTagSpecificationProperty{
			ResourceType: jsii.String("launch-template"),
			Tags:         &[]*awscdk.CfnTag{{Key: jsii.String(ProductTagKey), Value: jsii.String(workstationProductTag)}},
		}},
	})
	instance := awsec2.NewCfnInstance(stack, jsii.String("Workstation"), &awsec2.CfnInstanceProps{
		LaunchTemplate: &awsec2.CfnInstance_LaunchTemplateSpecificationProperty{LaunchTemplateId: lt.Ref(), Version: lt.AttrLatestVersionNumber()},
		SubnetId:       zone.ValueAsString(),
		// On the instance rather than the launch template, where cdk-nag looks for them.
		IamInstanceProfile: resolve("instance-profile"),
		Monitoring:         jsii.Bool(true),
		// The instance's own tags are in its RunInstances request, which the launch role's conditions
		// read (aws:RequestTag), and reach the volumes in the same request.
		Tags: &[]*awscdk.CfnTag{
			{Key: jsii.String(ProductTagKey), Value: jsii.String(workstationProductTag)},
			{Key: jsii.String("editbay:owner"), Value: owner.ValueAsString()},
			{Key: jsii.String("Name"), Value: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("workstation of "), owner.ValueAsString()})},
		},
		PropagateTagsToVolumeOnCreation: jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(instance, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-EC29"), Reason: jsii.String("A personal workstation is one instance its owner terminates through Service Catalog; termination protection would make that fail, and an Auto Scaling group would replace the user's disk.")},
	}, jsii.Bool(false))
	if p.IdleMinutes > 0 {
		periods := (p.IdleMinutes + 4) / 5
		awscloudwatch.NewCfnAlarm(stack, jsii.String("StopWhenIdle"), &awscloudwatch.CfnAlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("Stops the workstation after %d minutes below %d%% CPU (the power plan); its owner starts it again.", periods*5, p.IdleCpuPercent)),
			Namespace:          jsii.String("AWS/EC2"),
			MetricName:         jsii.String("CPUUtilization"),
			Dimensions:         &[]any{&awscloudwatch.CfnAlarm_DimensionProperty{Name: jsii.String("InstanceId"), Value: instance.Ref()}},
			Statistic:          jsii.String("Average"),
			Period:             jsii.Number(300),
			EvaluationPeriods:  jsii.Number(float64(periods)),
			DatapointsToAlarm:  jsii.Number(float64(periods)),
			Threshold:          jsii.Number(float64(p.IdleCpuPercent)),
			ComparisonOperator: jsii.String("LessThanThreshold"),
			// A stopped workstation sends no data: that is not idleness to act on again.
			TreatMissingData: jsii.String("notBreaching"),
			AlarmActions:     &[]any{awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":automate:"), stack.Region(), jsii.String(":ec2:stop")})},
		})
	}
	awscdk.NewCfnOutput(stack, jsii.String("InstanceId"), &awscdk.CfnOutputProps{Value: instance.Ref(), Description: jsii.String("The workstation; connect through the brokers")})
	awscdk.NewCfnOutput(stack, jsii.String("PrivateIp"), &awscdk.CfnOutputProps{Value: instance.AttrPrivateIp(), Description: jsii.String("The workstation's address in the studio network")})
}

// workstationLaunchRole may run the product's stacks and create, stop and delete exactly what the
// template does: launch templates and instances tagged as this product's, in the private subnets,
// with the workstation security group, role and volume key, and the idle alarm.
func workstationLaunchRole(scope awsconstructs.Construct, p WorkstationProductProps, names map[string]string) awsiam.Role {
	stack := awscdk.Stack_Of(scope)
	arn := func(service, resource string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource), ResourceName: jsii.String("*")})
	}
	tagged := &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + ProductTagKey: workstationProductTag}}
	tagging := &map[string]any{"StringEquals": map[string]any{"aws:RequestTag/" + ProductTagKey: workstationProductTag}}
	var subnets []*string
	for _, s := range p.Subnets {
		subnets = append(subnets, stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String("subnet"), ResourceName: s.SubnetId()}))
	}
	var parameters []*string
	for _, kind := range slices.Sorted(maps.Keys(names)) {
		n := names[kind]
		parameters = append(parameters, stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(n, "/"))}))
	}
	for _, img := range p.Images {
		// AWS's public parameters have no account in their ARN; the account's own have it.
		name := jsii.String(strings.TrimPrefix(img, "/"))
		parameters = append(parameters,
			stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Account: jsii.String(""), Resource: jsii.String("parameter"), ResourceName: name}),
			stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: name}))
	}
	design := append([]*string{arn("ec2", "network-interface"), jsii.String(fmt.Sprintf("arn:%s:ec2:%s::image/*", *stack.Partition(), *stack.Region()))}, subnets...)
	sg := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String("security-group"), ResourceName: p.Workstations.SecurityGroup.SecurityGroupId()})
	design = append(design, sg)
	statements := append(ServiceCatalogLaunchStatements(stack),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("CreateProductLaunchTemplates"), Actions: jsii.Strings("ec2:CreateLaunchTemplate", "ec2:CreateTags"),
			Resources: &[]*string{arn("ec2", "launch-template")}, Conditions: tagging,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ManageProductLaunchTemplates"), Actions: jsii.Strings("ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate", "ec2:DeleteLaunchTemplateVersions", "ec2:ModifyLaunchTemplate"),
			Resources: &[]*string{arn("ec2", "launch-template")}, Conditions: tagged,
		}),
		// RunInstances authorizes each resource it touches: new instances and volumes carry the
		// product's tag; the rest are the design's subnets, security group, launch templates and images.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LaunchTaggedWorkstations"), Actions: jsii.Strings("ec2:RunInstances", "ec2:CreateTags"),
			Resources: &[]*string{arn("ec2", "instance"), arn("ec2", "volume")}, Conditions: tagging,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LaunchInTheDesign"), Actions: jsii.Strings("ec2:RunInstances"),
			Resources: &design,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LaunchFromProductTemplates"), Actions: jsii.Strings("ec2:RunInstances"),
			Resources: &[]*string{arn("ec2", "launch-template")}, Conditions: tagged,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ManageProductWorkstations"), Actions: jsii.Strings("ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute", "ec2:MonitorInstances"),
			Resources: &[]*string{arn("ec2", "instance")}, Conditions: tagged,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("Describe"), Actions: jsii.Strings("ec2:DescribeInstances", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeImages", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVolumes", "ec2:DescribeInstanceStatus"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("PassTheWorkstationRole"), Actions: jsii.Strings("iam:PassRole"),
			Resources:  &[]*string{p.Workstations.Role.RoleArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
		}),
		// EBS encrypts the volume with the workstation key through a grant of its own.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("EncryptVolumes"), Actions: jsii.Strings("kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
			Resources:  &[]*string{p.Workstations.Key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("ec2.%s.amazonaws.com", *stack.Region())}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadTheDesign"), Actions: jsii.Strings("ssm:GetParameters", "ssm:GetParameter"),
			Resources: &parameters,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("IdleAlarms"), Actions: jsii.Strings("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
				ResourceName: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("SC-"), stack.Account(), jsii.String("-pp-*")})})},
		}),
		// CloudWatch stops instances through its service-linked role, which an alarm with an EC2
		// action creates on first use.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("AlarmActionsRole"), Actions: jsii.Strings("iam:CreateServiceLinkedRole"),
			Resources:  &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"), ResourceName: jsii.String("aws-service-role/events.amazonaws.com/AWSServiceRoleForCloudWatchEvents*")})},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "events.amazonaws.com"}},
		}),
	)
	return newLaunchRole(scope, "personal workstation", "its stacks, launch templates, instances and idle alarms", statements,
		"Each wildcard is the narrowest AWS allows: instance, volume, launch-template and network-interface IDs exist only after launch (held by the product tag, or for interfaces by the subnets RunInstances may use); images are chosen from the studio's image parameters at launch; Describe calls, GetTemplateSummary, ValidateTemplate and the template read have no resource of their own; Service Catalog names its stacks, and so the alarms, SC-<account>-pp-*; the service-linked role's name ends in a suffix AWS chooses.",
		[]any{
			"Resource::*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+:(\d{12}|<AWS::AccountId>):(instance|volume|launch-template|network-interface)\/\*$/`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+::image\/\*$/`)},
			scStacksAppliesTo,
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:cloudwatch:[^:]+:(\d{12}|<AWS::AccountId>):alarm:SC-(\d{12}|<AWS::AccountId>)-pp-\*$/`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:iam::(\d{12}|<AWS::AccountId>):role\/aws-service-role\/events\.amazonaws\.com\/AWSServiceRoleForCloudWatchEvents\*$/`)},
		})
}
