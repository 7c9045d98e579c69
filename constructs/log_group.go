package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LogGroupProps configures an encrypted log group.
type LogGroupProps struct {
	// EncryptionKey encrypts the log events; AllowCloudWatchLogs must have been called on it. Required.
	EncryptionKey awskms.IKey
	// RetentionDays is a CloudWatch Logs retention value (the config validates it). Required.
	RetentionDays int
	// LogGroupName is needed where a service writes to a fixed name (e.g. /aws/rds/cluster/...).
	// default: a generated name
	LogGroupName string
	// Retain keeps the log group when it leaves the stack.
	// default: false, the group is deleted with the stack
	Retain bool
}

// NewLogGroup creates a KMS-encrypted log group with a retention period.
func NewLogGroup(scope awsconstructs.Construct, id string, props *LogGroupProps) awslogs.LogGroup {
	if props == nil || props.EncryptionKey == nil || props.RetentionDays == 0 {
		panic("NewLogGroup: EncryptionKey and RetentionDays are required")
	}
	removal := awscdk.RemovalPolicy_DESTROY
	if props.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	var name *string
	if props.LogGroupName != "" {
		name = jsii.String(props.LogGroupName)
	}
	g := awslogs.NewLogGroup(scope, &id, &awslogs.LogGroupProps{
		LogGroupName:  name,
		EncryptionKey: props.EncryptionKey,
		RemovalPolicy: removal,
	})
	// LogGroupProps.Retention takes a named enum; the config already holds a valid day count, so set it
	// on the CloudFormation resource directly.
	g.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(props.RetentionDays)))
	return g
}

// AllowCloudWatchLogs lets CloudWatch Logs use key for this account's log groups in this region only.
func AllowCloudWatchLogs(key awskms.IKey) {
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogs"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
		}},
	}), jsii.Bool(false))
}
