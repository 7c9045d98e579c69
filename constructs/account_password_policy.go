package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AccountPasswordPolicyProps configures AccountPasswordPolicy.
type AccountPasswordPolicyProps struct {
	// MinimumLength of a password.
	// default: 14
	MinimumLength int
	// ReusePrevention is how many previous passwords cannot be reused.
	// default: 24
	ReusePrevention int
	// MaxAgeDays before a password must be changed.
	// default: 90
	MaxAgeDays int
	// EncryptionKey encrypts the function's logs, queue and environment. Required.
	EncryptionKey awskms.IKey
	// AlarmActions are notified when the function fails.
	// default: none
	AlarmActions []awscloudwatch.IAlarmAction
}

// AccountPasswordPolicy sets the account's IAM password policy (every character class required, users
// change their own passwords) through a custom resource backed by the password-policy Go function:
// CloudFormation has no resource type for it. Deleting the resource removes the policy.
type AccountPasswordPolicy struct {
	awsconstructs.Construct
	Function *GoFunction
}

// NewAccountPasswordPolicy creates AccountPasswordPolicy. An account has one password policy, so
// create one per account.
func NewAccountPasswordPolicy(scope awsconstructs.Construct, id string, props *AccountPasswordPolicyProps) *AccountPasswordPolicy {
	if props == nil || props.EncryptionKey == nil {
		panic("NewAccountPasswordPolicy: EncryptionKey is required")
	}
	p := *props
	p.MinimumLength = orDefault(p.MinimumLength, 14)
	p.ReusePrevention = orDefault(p.ReusePrevention, 24)
	p.MaxAgeDays = orDefault(p.MaxAgeDays, 90)
	c := awsconstructs.NewConstruct(scope, &id)
	r := &AccountPasswordPolicy{Construct: c}
	r.Function = NewGoFunction(c, "Function", &GoFunctionProps{
		Entry:               "password-policy",
		Description:         "Sets the account password policy (CloudFormation custom resource)",
		EncryptionKey:       p.EncryptionKey,
		ReservedConcurrency: 1, // one account-wide setting: requests are serialized rather than raced
		AlarmActions:        p.AlarmActions,
	})
	r.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SetPasswordPolicy"),
		Actions:   jsii.Strings("iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"),
		Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(r.Function.Role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("The account password policy actions support no resource-level permissions; the role can call nothing else in IAM."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	resource := awscdk.NewCustomResource(c, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: r.Function.Function.FunctionArn(),
		ResourceType: jsii.String("Custom::AccountPasswordPolicy"),
		Properties: &map[string]any{
			"MinimumLength": p.MinimumLength, "ReusePrevention": p.ReusePrevention, "MaxAgeDays": p.MaxAgeDays,
		},
	})
	// The function's permissions must exist before CloudFormation asks it to act, and until the delete.
	resource.Node().AddDependency(r.Function.Construct)
	return r
}
