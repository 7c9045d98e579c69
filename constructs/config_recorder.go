package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ConfigRule is one AWS Config managed rule.
type ConfigRule struct {
	// Identifier of the managed rule, e.g. RESTRICTED_INCOMING_TRAFFIC. Required.
	Identifier string
	// Name of the rule in this account and region. Required.
	Name string
	// InputParameters of the rule.
	// default: none (the rule's own defaults)
	InputParameters map[string]any
}

// ConfigRecorderProps configures ConfigRecorder.
type ConfigRecorderProps struct {
	// RecorderName and ChannelName name the recorder and the delivery channel (guard functions find
	// them by name). Required.
	RecorderName, ChannelName string
	// BucketName receives configuration snapshots and history (the audit bucket, possibly in another
	// region). Required.
	BucketName string
	// KeyPrefix of the delivered objects.
	// default: "config"
	KeyPrefix string
	// IncludeGlobalResources records IAM and other global resources; set it in one region per account
	// only, or every region reports them again.
	// default: false
	IncludeGlobalResources bool
	// SnapshotFrequency of configuration snapshots (a Config MaximumExecutionFrequency value).
	// default: TwentyFour_Hours
	SnapshotFrequency string
	// Rules are the managed rules to evaluate.
	// default: none
	Rules []ConfigRule
}

// ConfigRecorder records every supported resource of its region continuously, delivers to the audit
// bucket, and evaluates managed rules. The recorder uses a role of its own with AWS's AWS_ConfigRole
// policy and permission to write only under its key prefix; CloudFormation starts recording once the
// delivery channel exists.
type ConfigRecorder struct {
	awsconstructs.Construct
	Recorder awsconfig.CfnConfigurationRecorder
	Channel  awsconfig.CfnDeliveryChannel
	Role     awsiam.Role
	Rules    []awsconfig.ManagedRule
	// Settings are what the recorder guard restores, as deployed.
	KeyPrefix, SnapshotFrequency string
}

// NewConfigRecorder creates ConfigRecorder.
func NewConfigRecorder(scope awsconstructs.Construct, id string, props *ConfigRecorderProps) *ConfigRecorder {
	if props == nil || props.RecorderName == "" || props.ChannelName == "" || props.BucketName == "" {
		panic("NewConfigRecorder: RecorderName, ChannelName and BucketName are required")
	}
	p := *props
	if p.KeyPrefix == "" {
		p.KeyPrefix = "config"
	}
	if p.SnapshotFrequency == "" {
		p.SnapshotFrequency = "TwentyFour_Hours"
	}
	c := awsconstructs.NewConstruct(scope, &id)
	r := &ConfigRecorder{Construct: c, KeyPrefix: p.KeyPrefix, SnapshotFrequency: p.SnapshotFrequency}
	stack := awscdk.Stack_Of(c)

	r.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil),
		Description: jsii.String("AWS Config: read resource configurations and deliver them to the audit bucket"),
	})
	attachManagedPolicy(r.Role, "service-role/AWS_ConfigRole", "AWS_ConfigRole is the policy AWS publishes for the Config recorder; it follows the resource types Config records as they are added.")
	bucketArn := fmt.Sprintf("arn:%s:s3:::%s", *stack.Partition(), p.BucketName)
	objects := fmt.Sprintf("%s/%s/AWSLogs/%s/Config/*", bucketArn, p.KeyPrefix, *stack.Account())
	r.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DeliverToAuditBucket"),
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(objects),
		Conditions: &map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control"}},
	}))
	r.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("CheckAuditBucket"),
		Actions:   jsii.Strings("s3:GetBucketAcl"),
		Resources: jsii.Strings(bucketArn),
	}))
	// The audit bucket encrypts with its own key by default; the recorder may use it only through S3.
	r.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("EncryptThroughS3"),
		Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources: jsii.Strings(fmt.Sprintf("arn:%s:kms:*:%s:key/*", *stack.Partition(), *stack.Account())),
		Conditions: &map[string]any{
			"StringLike":   map[string]any{"kms:ViaService": "s3.*.amazonaws.com"},
			"StringEquals": map[string]any{"kms:EncryptionContext:aws:s3:arn": bucketArn},
		},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(r.Role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Config writes objects under its own prefix of the audit bucket with account-scoped names it chooses; the bucket key may live in another region, so it is matched through S3 and the bucket's encryption context instead of by ARN."),
		AppliesTo: &[]any{
			// The bucket name holds the account ID, which cdk-nag prints as written or as a pseudo parameter.
			&cdknag.RegexAppliesTo{Regex: jsii.String(fmt.Sprintf(`/^Resource::arn:[^:]+:s3:::[^/]+\/%s\/AWSLogs\/[^/]+\/Config\/\*$/`, p.KeyPrefix))},
			fmt.Sprintf("Resource::arn:%s:kms:*:%s:key/*", nagPseudo(stack.Partition(), "<AWS::Partition>"), nagPseudo(stack.Account(), "<AWS::AccountId>")),
		},
	}, {
		Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
		Reason: jsii.String("The inline policy holds only the recorder's delivery to its prefix of the audit bucket; it lives and dies with the role."),
	}}, jsii.Bool(true))

	r.Recorder = awsconfig.NewCfnConfigurationRecorder(c, jsii.String("Recorder"), &awsconfig.CfnConfigurationRecorderProps{
		Name:    jsii.String(p.RecorderName),
		RoleArn: r.Role.RoleArn(),
		RecordingGroup: &awsconfig.CfnConfigurationRecorder_RecordingGroupProperty{
			AllSupported:               jsii.Bool(true),
			IncludeGlobalResourceTypes: jsii.Bool(p.IncludeGlobalResources),
		},
		RecordingMode: &awsconfig.CfnConfigurationRecorder_RecordingModeProperty{RecordingFrequency: jsii.String("CONTINUOUS")},
	})
	r.Channel = awsconfig.NewCfnDeliveryChannel(c, jsii.String("Channel"), &awsconfig.CfnDeliveryChannelProps{
		Name:                             jsii.String(p.ChannelName),
		S3BucketName:                     jsii.String(p.BucketName),
		S3KeyPrefix:                      jsii.String(p.KeyPrefix),
		ConfigSnapshotDeliveryProperties: &awsconfig.CfnDeliveryChannel_ConfigSnapshotDeliveryPropertiesProperty{DeliveryFrequency: jsii.String(p.SnapshotFrequency)},
	})
	// Config accepts a delivery channel only once a recorder exists.
	r.Channel.AddResourceDependency(r.Recorder, nil)

	for _, rule := range p.Rules {
		var params *map[string]any
		if len(rule.InputParameters) > 0 {
			params = &rule.InputParameters
		}
		mr := awsconfig.NewManagedRule(c, jsii.String("Rule-"+rule.Identifier), &awsconfig.ManagedRuleProps{
			Identifier:      jsii.String(rule.Identifier),
			ConfigRuleName:  jsii.String(rule.Name),
			InputParameters: params,
		})
		// A rule needs a recorder to evaluate anything, and fails to create without one.
		mr.Node().AddDependency(r.Recorder)
		mr.Node().AddDependency(r.Channel)
		r.Rules = append(r.Rules, mr)
	}
	return r
}
