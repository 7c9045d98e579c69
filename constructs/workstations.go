package constructs

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// WorkstationPool is one pool of interchangeable workstations.
type WorkstationPool struct {
	// Name identifies the pool; its workstations carry it in the PoolTagKey tag. Required.
	Name string
	// InstanceType, e.g. "g4dn.xlarge". Required.
	InstanceType string
	// MachineImage of the workstations. Required.
	MachineImage awsec2.IMachineImage
	// VolumeSizeGiB of the root volume.
	// default: 100
	VolumeSizeGiB int
	// Windows chooses the Windows root device (/dev/sda1) instead of Linux's (/dev/xvda).
	Windows bool
	// DirectoryGroup may use the pool; recorded as a tag for the broker's pool policy.
	DirectoryGroup string
	// FallbackInstanceTypes may replace InstanceType at launch when EC2 lacks capacity for it; the
	// managers' policy admits them alongside InstanceType.
	// default: none
	FallbackInstanceTypes []string
}

// WorkstationsProps configures Workstations.
type WorkstationsProps struct {
	// Vpc holds the workstations. Required.
	Vpc awsec2.IVpc
	// VpcSubnets are the only subnets workstations may be launched in (private ones). Required.
	VpcSubnets *awsec2.SubnetSelection
	// Pools get a launch template each. Required (1+).
	Pools []WorkstationPool
	// NamePrefix tags the workstations with their environment (EnvironmentTagKey), and by default names
	// the launch templates. Required.
	NamePrefix string
	// LaunchTemplateNames name the pools' launch templates, by which brokers and the pool scaler launch
	// workstations, by pool name.
	// default: <NamePrefix>-<pool> for a pool not listed
	LaunchTemplateNames map[string]string
	// Retain keeps the volume key when it leaves the stack.
	// default: false
	Retain bool
}

// PoolTagKey tags every workstation (and its volumes) with its pool's name.
const PoolTagKey = "editbay:pool"

// EnvironmentTagKey tags every workstation (and its volumes) with its installation and environment
// (the NamePrefix), so managers of one environment cannot touch another's pools in a shared account.
const EnvironmentTagKey = "editbay:environment"

// SessionTagPrefix starts the tags a workstation may set on itself (e.g. editbay:session-state).
const SessionTagPrefix = "editbay:session"

// Workstations are the pools' launch templates and what they share: a security group that admits only
// what callers grant through Connections(), volumes encrypted with a customer-managed key, and an
// instance role for Systems Manager and the CloudWatch agent that may tag only its own instance.
// Brokers and the pool scaler manage workstations through GrantManage.
type Workstations struct {
	awsconstructs.Construct
	SecurityGroup awsec2.SecurityGroup
	Role          awsiam.Role
	// InstanceProfile carries Role; every pool's launch template (and a catalog workstation) uses it.
	InstanceProfile awsiam.InstanceProfile
	Key             awskms.Key
	LaunchTemplates map[string]awsec2.LaunchTemplate // by pool name
	subnets         *awsec2.SelectedSubnets
	pools           []string
	instanceTypes   []string // every pool's types, fallbacks included, without repeats
	namePrefix      string
	managePolicy    awsiam.ManagedPolicy
}

// NewWorkstations creates Workstations.
func NewWorkstations(scope awsconstructs.Construct, id string, props *WorkstationsProps) *Workstations {
	if props == nil || props.Vpc == nil || props.VpcSubnets == nil || len(props.Pools) == 0 || props.NamePrefix == "" {
		panic("NewWorkstations: Vpc, VpcSubnets, Pools and NamePrefix are required")
	}
	c := awsconstructs.NewConstruct(scope, &id)
	w := &Workstations{Construct: c, LaunchTemplates: map[string]awsec2.LaunchTemplate{}, namePrefix: props.NamePrefix}
	w.subnets = props.Vpc.SelectSubnets(props.VpcSubnets)
	removal := awscdk.RemovalPolicy_DESTROY
	if props.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	w.Key = NewKey(c, "VolumeKey", &KeyProps{Description: "Encrypts workstation volumes", RemovalPolicy: removal})
	w.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         props.Vpc,
		Description: jsii.String("Workstations: display protocols from gateways and the agent port from brokers only"),
		// Outbound traffic is filtered where it leaves the VPC (NAT, egress firewall), not per host.
		AllowAllOutbound: jsii.Bool(true),
	})
	w.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Workstations: Systems Manager, CloudWatch agent, and tagging their own instance"),
	})
	grantSsmManaged(w.Role)
	attachManagedPolicy(w.Role, "CloudWatchAgentServerPolicy", "CloudWatchAgentServerPolicy is the policy AWS publishes for the CloudWatch agent (metrics and logs from the workstation); it follows the agent's needs as it changes.")
	// Session hooks record the session state on the instance itself, and on no other resource, and only
	// under the session prefix (a DeleteTags without keys would delete every tag, so keys are required).
	w.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("TagOwnInstanceSessionState"),
		Actions:   jsii.Strings("ec2:CreateTags", "ec2:DeleteTags"),
		Resources: jsii.Strings(w.arn("instance", "*")),
		Conditions: &map[string]any{
			"StringEquals":            map[string]any{"aws:ARN": "${ec2:SourceInstanceARN}"},
			"ForAllValues:StringLike": map[string]any{"aws:TagKeys": SessionTagPrefix + "*"},
			"Null":                    map[string]any{"aws:TagKeys": "false"},
		},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(w.Role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("A workstation may tag only its own instance: the wildcard is narrowed by aws:ARN = ec2:SourceInstanceARN and by the session tag-key prefix."),
		AppliesTo: &[]any{"Resource::" + nagArn(awscdk.Stack_Of(w.Construct), "ec2", "instance/*")},
	}, {
		Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
		Reason: jsii.String("The inline policy holds only statements bound to this role's instances (tagging themselves, joining the directory); a managed policy would be a second object with the same lifetime."),
	}}, jsii.Bool(true))

	// One profile for every pool, so brokers pass one role.
	profile := awsiam.NewInstanceProfile(c, jsii.String("InstanceProfile"), &awsiam.InstanceProfileProps{Role: w.Role})
	w.InstanceProfile = profile
	for _, pool := range props.Pools {
		name := props.LaunchTemplateNames[pool.Name]
		if name == "" {
			name = props.NamePrefix + "-" + pool.Name
		}
		w.addPool(props.NamePrefix, name, pool, profile)
	}
	return w
}

func (w *Workstations) addPool(prefix, name string, pool WorkstationPool, profile awsiam.IInstanceProfile) {
	if pool.Name == "" || pool.InstanceType == "" || pool.MachineImage == nil {
		panic("NewWorkstations: each pool needs Name, InstanceType and MachineImage")
	}
	device := "/dev/xvda"
	userData := awsec2.UserData_ForLinux(nil)
	if pool.Windows {
		device, userData = "/dev/sda1", awsec2.UserData_ForWindows(nil)
	}
	lt := awsec2.NewLaunchTemplate(w.Construct, jsii.String("Pool-"+pool.Name), &awsec2.LaunchTemplateProps{
		LaunchTemplateName:       &name,
		InstanceType:             awsec2.NewInstanceType(&pool.InstanceType),
		MachineImage:             pool.MachineImage,
		UserData:                 userData,
		InstanceProfile:          profile,
		SecurityGroup:            w.SecurityGroup,
		AssociatePublicIpAddress: jsii.Bool(false),
		RequireImdsv2:            jsii.Bool(true),
		HttpPutResponseHopLimit:  jsii.Number(1),
		InstanceMetadataTags:     jsii.Bool(true), // session hooks read their pool from instance tags
		DetailedMonitoring:       jsii.Bool(true),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: &device,
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(orDefault(pool.VolumeSizeGiB, 100))), &awsec2.EbsDeviceOptions{
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:           jsii.Bool(true),
				KmsKey:              w.Key,
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
	// Tags of a launch template reach the instances and volumes it launches.
	awscdk.Tags_Of(lt).Add(jsii.String(PoolTagKey), &pool.Name, nil)
	awscdk.Tags_Of(lt).Add(jsii.String(EnvironmentTagKey), &prefix, nil)
	if pool.DirectoryGroup != "" {
		awscdk.Tags_Of(lt).Add(jsii.String("editbay:directory-group"), &pool.DirectoryGroup, nil)
	}
	w.LaunchTemplates[pool.Name] = lt
	w.pools = append(w.pools, pool.Name)
	for _, t := range append([]string{pool.InstanceType}, pool.FallbackInstanceTypes...) {
		if !slices.Contains(w.instanceTypes, t) {
			w.instanceTypes = append(w.instanceTypes, t)
		}
	}
}

// Connections is the workstations' security group: grant display and agent traffic here.
func (w *Workstations) Connections() awsec2.Connections { return w.SecurityGroup.Connections() }

// PoolNames lists the pools in the order they were given.
func (w *Workstations) PoolNames() []string { return slices.Clone(w.pools) }

// GrantManage attaches to role the customer-managed policy that lets it launch workstations from this
// environment's pool launch templates into the workstation subnets, and start, stop, reboot, terminate
// and tag only instances tagged with this environment and a pool: the permissions of a connection
// broker or a pool scaler.
func (w *Workstations) GrantManage(role awsiam.IRole) {
	if w.managePolicy == nil {
		w.managePolicy = w.newManagePolicy()
	}
	role.AddManagedPolicy(w.managePolicy)
}

func (w *Workstations) newManagePolicy() awsiam.ManagedPolicy {
	// The policy names no pool: launch templates and instances are matched by this environment's tag,
	// so its size does not grow with the pools (IAM allows 6,144 characters in a managed policy).
	stack := awscdk.Stack_Of(w.Construct)
	images := fmt.Sprintf("arn:%s:ec2:%s::image/*", *stack.Partition(), *stack.Region())
	launchWith := []string{w.arn("security-group", *w.SecurityGroup.SecurityGroupId())}
	for _, id := range *w.subnets.SubnetIds {
		launchWith = append(launchWith, w.arn("subnet", *id))
	}
	// Every launch names a launch template (EC2 authorizes the template itself as a resource of the
	// call, and LaunchFromPoolTemplates admits only this environment's).
	fromTemplate := map[string]any{"ArnLike": map[string]any{"ec2:LaunchTemplate": w.arn("launch-template", "*")}}
	withConditions := func(extra map[string]any) *map[string]any {
		c := map[string]any{"ArnLike": fromTemplate["ArnLike"]}
		for k, v := range extra {
			c[k] = v
		}
		return &c
	}
	environmentTag := map[string]any{"aws:ResourceTag/" + EnvironmentTagKey: w.namePrefix}
	statements := []awsiam.PolicyStatement{}
	for _, s := range []*awsiam.PolicyStatementProps{{
		// A launch template's settings can be overridden in RunInstances; these conditions keep the
		// ones that matter: the pools' types (allowedInstanceTypes), IMDSv2, encrypted volumes and the
		// templates' own images.
		Sid:       jsii.String("LaunchPoolInstances"),
		Actions:   jsii.Strings("ec2:RunInstances"),
		Resources: jsii.Strings(w.arn("instance", "*")),
		Conditions: withConditions(map[string]any{"StringEquals": map[string]any{
			"ec2:InstanceType": w.instanceTypes, "ec2:MetadataHttpTokens": "required",
		}}),
	}, {
		Sid:        jsii.String("LaunchEncryptedVolumes"),
		Actions:    jsii.Strings("ec2:RunInstances"),
		Resources:  jsii.Strings(w.arn("volume", "*")),
		Conditions: withConditions(map[string]any{"Bool": map[string]any{"ec2:Encrypted": "true"}}),
	}, {
		Sid:        jsii.String("LaunchNetworkInterfaces"),
		Actions:    jsii.Strings("ec2:RunInstances"),
		Resources:  jsii.Strings(w.arn("network-interface", "*")),
		Conditions: withConditions(nil),
	}, {
		Sid:        jsii.String("LaunchTemplateImages"),
		Actions:    jsii.Strings("ec2:RunInstances"),
		Resources:  jsii.Strings(images),
		Conditions: &map[string]any{"Bool": map[string]any{"ec2:IsLaunchTemplateResource": "true"}},
	}, {
		Sid:        jsii.String("LaunchFromPoolTemplates"),
		Actions:    jsii.Strings("ec2:RunInstances"),
		Resources:  jsii.Strings(w.arn("launch-template", "*")),
		Conditions: &map[string]any{"StringEquals": environmentTag, "Null": map[string]any{"aws:ResourceTag/" + PoolTagKey: "false"}},
	}, {
		Sid:       jsii.String("LaunchWithPoolResources"),
		Actions:   jsii.Strings("ec2:RunInstances"),
		Resources: jsii.Strings(launchWith...),
	}, {
		Sid:        jsii.String("TagAtLaunch"),
		Actions:    jsii.Strings("ec2:CreateTags"),
		Resources:  jsii.Strings(w.arn("instance", "*"), w.arn("volume", "*"), w.arn("network-interface", "*")),
		Conditions: &map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": "RunInstances"}},
	}, {
		Sid:        jsii.String("ManagePoolInstances"),
		Actions:    jsii.Strings("ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances", "ec2:TerminateInstances", "ec2:CreateTags", "ec2:DeleteTags"),
		Resources:  jsii.Strings(w.arn("instance", "*")),
		Conditions: &map[string]any{"StringEquals": environmentTag, "Null": map[string]any{"aws:ResourceTag/" + PoolTagKey: "false"}},
	}, {
		Sid:       jsii.String("DescribeWorkstations"),
		Actions:   jsii.Strings("ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeTags", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeImages", "ec2:DescribeSubnets"),
		Resources: jsii.Strings("*"),
	}, {
		Sid:        jsii.String("PassWorkstationRole"),
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  jsii.Strings(*w.Role.RoleArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
	}, {
		// EC2 creates the encrypted volumes on the caller's behalf, so the caller needs the key through EC2.
		Sid:        jsii.String("EncryptWorkstationVolumes"),
		Actions:    jsii.Strings("kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
		Resources:  jsii.Strings(*w.Key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("ec2.%s.amazonaws.com", *stack.Region())}},
	}, {
		Sid:       jsii.String("GrantVolumeKeyToEC2"),
		Actions:   jsii.Strings("kms:CreateGrant"),
		Resources: jsii.Strings(*w.Key.KeyArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("ec2.%s.amazonaws.com", *stack.Region())},
			"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
		},
	}} {
		statements = append(statements, awsiam.NewPolicyStatement(s))
	}
	policy := awsiam.NewManagedPolicy(w.Construct, jsii.String("ManagePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Launch and manage editbay workstations of these pools only"),
		Statements:  &statements,
	})
	why := "RunInstances creates instances, volumes and network interfaces whose IDs cannot be known in advance, so these resources are wildcards; RunInstances is allowed only through this environment's pool launch templates, and every other action only on instances tagged with this environment and a pool."
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: &why,
		AppliesTo: &[]any{
			"Resource::" + nagArn(stack, "ec2", "instance/*"), "Resource::" + nagArn(stack, "ec2", "volume/*"), "Resource::" + nagArn(stack, "ec2", "network-interface/*"),
		},
	}, {
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Launch templates are matched by this environment's editbay:environment tag, which the policy cannot set (it tags only instances, volumes and interfaces), so the policy stays one size whatever the number of pools."),
		AppliesTo: &[]any{"Resource::" + nagArn(stack, "ec2", "launch-template/*")},
	}, {
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("AMIs come from SSM parameters resolved at deployment, so their IDs are not known here; any image may be used only through the pools' launch templates."),
		AppliesTo: &[]any{"Resource::" + images},
	}, {
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("EC2 Describe actions do not support resource-level permissions; they reveal metadata only."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(false))
	return policy
}

// arn is the ARN of an EC2 resource of this stack's account and region.
func (w *Workstations) arn(resource, name string) string {
	return *awscdk.Stack_Of(w.Construct).FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: &resource, ResourceName: &name})
}
