package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// FlowLogsDestination says where flow logs are delivered.
type FlowLogsDestination string

// Flow-log destinations.
const (
	FlowLogsToCloudWatchLogs FlowLogsDestination = "cloudWatchLogs"
	FlowLogsToS3             FlowLogsDestination = "s3"
)

// FlowLogsProps configures FlowLogs.
type FlowLogsProps struct {
	// Vpc whose traffic, accepted and rejected, is logged. Required.
	Vpc awsec2.IVpc
	// Destination of the records.
	// default: FlowLogsToCloudWatchLogs
	Destination FlowLogsDestination
	// RetentionDays keeps records this long: a CloudWatch Logs retention value, or days before the S3
	// objects expire.
	// default: 365
	RetentionDays int
	// Retain keeps the log group when the stack is deleted (buckets and keys are always kept, as they
	// hold audit evidence).
	// default: false
	Retain bool
}

// FlowLogs records all of a VPC's traffic, encrypted with its own customer-managed key.
type FlowLogs struct {
	awsconstructs.Construct
	// Key encrypts the records.
	Key awskms.Key
	// LogGroup holds the records when the destination is CloudWatch Logs, else nil.
	LogGroup awslogs.LogGroup
	// Bucket holds the records when the destination is S3, else nil.
	Bucket awss3.Bucket

	deliveryRole awsiam.Role
}

// NewFlowLogs creates the key, the destination and the flow log, with a one-minute aggregation
// interval so that investigations see traffic promptly.
func NewFlowLogs(scope awsconstructs.Construct, id string, props *FlowLogsProps) *FlowLogs {
	if props == nil || props.Vpc == nil {
		panic("NewFlowLogs: Vpc is required")
	}
	p := *props
	if p.Destination == "" {
		p.Destination = FlowLogsToCloudWatchLogs
	}
	if p.RetentionDays == 0 {
		p.RetentionDays = 365
	}
	f := &FlowLogs{Construct: awsconstructs.NewConstruct(scope, &id)}
	stack := awscdk.Stack_Of(f.Construct)
	f.Key = NewKey(f.Construct, "Key", &KeyProps{Description: fmt.Sprintf("Encrypts the VPC flow logs of %s", *stack.StackName()), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})

	var dest awsec2.FlowLogDestination
	switch p.Destination {
	case FlowLogsToCloudWatchLogs:
		dest = f.toCloudWatch(stack, p)
	case FlowLogsToS3:
		dest = f.toS3(stack, p)
	default:
		panic(fmt.Sprintf("NewFlowLogs: unknown destination %q", p.Destination))
	}
	flowLog := awsec2.NewFlowLog(f.Construct, jsii.String("FlowLog"), &awsec2.FlowLogProps{
		ResourceType:           awsec2.FlowLogResourceType_FromVpc(p.Vpc),
		TrafficType:            awsec2.FlowLogTrafficType_ALL,
		Destination:            dest,
		MaxAggregationInterval: awsec2.FlowLogMaxAggregationInterval_ONE_MINUTE,
	})
	if p.Destination == FlowLogsToS3 {
		// Parquet in hourly, Hive-style partitions is cheaper to store and to query with Athena. Written
		// as raw JSON: the property is untyped, and both the L2 option and the L1 struct render camelCase
		// keys, which CloudFormation's schema rejects.
		flowLog.Node().FindChild(jsii.String("FlowLog")).(awsec2.CfnFlowLog).SetDestinationOptions(map[string]any{
			"FileFormat":               "parquet",
			"HiveCompatiblePartitions": true,
			"PerHourPartition":         true,
		})
	}
	if f.deliveryRole != nil {
		// After NewFlowLog, which grants the role its policy.
		cdknag.NagSuppressions_AddResourceSuppressions(f.deliveryRole, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String("The only inline policy is CDK's grant to this one log group, created and deleted with the role; a managed policy would add a second object to keep in step.")},
		}, jsii.Bool(true))
	}
	return f
}

func (f *FlowLogs) toCloudWatch(stack awscdk.Stack, p FlowLogsProps) awsec2.FlowLogDestination {
	AllowCloudWatchLogs(f.Key)
	f.LogGroup = NewLogGroup(f.Construct, "LogGroup", &LogGroupProps{
		EncryptionKey: f.Key,
		RetentionDays: p.RetentionDays,
		Retain:        p.Retain,
	})

	role := awsiam.NewRole(f.Construct, jsii.String("DeliveryRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description: jsii.String("Delivers VPC flow logs to their log group"),
	})
	f.deliveryRole = role
	return awsec2.FlowLogDestination_ToCloudWatchLogs(f.LogGroup, role)
}

func (f *FlowLogs) toS3(stack awscdk.Stack, p FlowLogsProps) awsec2.FlowLogDestination {
	// The log-delivery service encrypts with the key only on behalf of this account's log deliveries.
	f.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowLogDelivery"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
			})},
		},
	}), jsii.Bool(false))
	accessLogs := NewAccessLogBucket(f.Construct, "AccessLogs", &AccessLogBucketProps{ExpireAfterDays: p.RetentionDays})
	f.Bucket = NewSecureBucket(f.Construct, "Bucket", &SecureBucketProps{
		EncryptionKey:   f.Key,
		AccessLogs:      accessLogs,
		ExpireAfterDays: p.RetentionDays,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.Bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("Flow logs are kept in the region they describe; cross-region replication would double their cost for little recovery value.")},
	}, jsii.Bool(false))
	return awsec2.FlowLogDestination_ToS3(f.Bucket, jsii.String("flow-logs/"), nil)
}
