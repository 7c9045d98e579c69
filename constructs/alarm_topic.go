package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmTopicProps configures an AlarmTopic.
type AlarmTopicProps struct {
	// EncryptionKey encrypts the messages. Required.
	EncryptionKey awskms.IKey
	// Emails are subscribed to the topic; each address confirms its subscription.
	// default: none (subscribe chat or paging tools to the topic's ARN)
	Emails []string
}

// TopicAdministration are the SNS actions that delete a topic or change who may use it.
var TopicAdministration = []string{"sns:DeleteTopic", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission"}

// AlarmTopic is an encrypted SNS topic that takes CloudWatch alarms and Auto Scaling notifications,
// TLS only.
type AlarmTopic struct {
	awsconstructs.Construct
	Topic awssns.Topic
}

// NewAlarmTopic creates an AlarmTopic and lets CloudWatch and Auto Scaling use its key.
func NewAlarmTopic(scope awsconstructs.Construct, id string, props *AlarmTopicProps) *AlarmTopic {
	if props == nil || props.EncryptionKey == nil {
		panic("NewAlarmTopic: EncryptionKey is required")
	}
	c := awsconstructs.NewConstruct(scope, &id)
	t := &AlarmTopic{Construct: c}
	t.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		MasterKey:  props.EncryptionKey,
		EnforceSSL: jsii.Bool(true),
	})
	// An explicit topic policy replaces SNS's default one, so CloudWatch needs an Allow to publish this
	// account's alarms (Auto Scaling publishes as its service-linked role, allowed by its own policy).
	stack := awscdk.Stack_Of(c)
	fromAlarms := alarmSource(stack)
	t.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarms"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{t.Topic.TopicArn()},
		Conditions: fromAlarms,
	}))
	// Whoever could delete the topic or rewrite its policy could silence every alert: only a stack
	// update may.
	t.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyTopicChangesOutsideDeployments"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(TopicAdministration...),
		Resources:  &[]*string{t.Topic.TopicArn()},
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": DeploymentRoleArn(c)}},
	}))
	AllowCloudWatchAlarms(props.EncryptionKey)
	// Auto Scaling publishes group notifications as its service-linked role, which may not exist until the
	// first group does; a key policy naming it as principal would then fail, so match it by ARN.
	props.EncryptionKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAutoScalingNotifications"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalAccount": stack.Account()},
			"ArnEquals": map[string]any{"aws:PrincipalArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
				ResourceName: jsii.String("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
			})},
		},
	}), jsii.Bool(false))
	for i, email := range props.Emails {
		awssns.NewSubscription(c, jsii.String(fmt.Sprintf("Email%d", i)), &awssns.SubscriptionProps{
			Topic:    t.Topic,
			Protocol: awssns.SubscriptionProtocol_EMAIL,
			Endpoint: jsii.String(email),
		})
	}
	return t
}

// Notify makes alarm publish to the topic when it fires and when it recovers.
func (t *AlarmTopic) Notify(alarm awscloudwatch.Alarm) {
	action := awscloudwatchactions.NewSnsAction(t.Topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
}

// AllowCloudWatchAlarms lets CloudWatch use key to publish this account's alarms to a topic it
// encrypts, and nothing else: it may only write messages.
func AllowCloudWatchAlarms(key awskms.IKey) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmPublishers"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: alarmSource(awscdk.Stack_Of(key)),
	}), jsii.Bool(false))
}

// alarmSource is the confused-deputy condition of a CloudWatch alarm statement: CloudWatch acts for
// this account's alarms only, and sends the alarm's account and ARN with both its SNS and its KMS calls.
func alarmSource(stack awscdk.Stack) *map[string]any {
	return &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
}
