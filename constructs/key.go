package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GuardrailTagKey marks the resources that guard the platform and its audit (value "true"). The
// Guardrails policy denies Developers and Operators any change to a resource carrying it, and any
// change of the tag itself, so a guardrail resource added later is covered without a policy edit.
const GuardrailTagKey = "editbay:guardrail"

// KeyAdministration are the KMS actions that disable, delete, re-police or re-label a key: with any of
// them a principal could blind the audit or lock data away. Every editbay key denies them to all but
// the deployment role (a stack update, which CloudTrail records).
var KeyAdministration = []string{
	"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation",
	"kms:DeleteImportedKeyMaterial", "kms:ImportKeyMaterial", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
	"kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ReplicateKey", "kms:UpdatePrimaryRegion",
}

// KeyProps configures a Key.
type KeyProps struct {
	// Description says what the key encrypts. Required.
	Description string
	// Alias names the key (e.g. alias/editbay-audit).
	// default: no alias
	Alias string
	// RemovalPolicy applies when the key leaves the stack.
	// default: RETAIN, CDK's default for keys
	RemovalPolicy awscdk.RemovalPolicy
	// Policy replaces the default key policy (the account may use the key as IAM allows). The
	// deployment-only administration and the grant deny are added to it either way.
	// default: the default key policy
	Policy awsiam.PolicyDocument
}

// NewKey creates a customer-managed key with yearly rotation whose policy protects it from the people
// it serves: no one but the deployment role may administer it (KeyAdministration), and grants are
// created only by AWS services for their own resources (kms:GrantIsForAWSResource), since a grant
// outlives any later tightening of IAM policies.
func NewKey(scope awsconstructs.Construct, id string, props *KeyProps) awskms.Key {
	if props == nil || props.Description == "" {
		panic("NewKey: Description is required")
	}
	kp := &awskms.KeyProps{
		Description:       jsii.String(props.Description),
		EnableKeyRotation: jsii.Bool(true),
		Policy:            props.Policy,
	}
	if props.Alias != "" {
		kp.Alias = jsii.String(props.Alias)
	}
	if props.RemovalPolicy != "" {
		kp.RemovalPolicy = props.RemovalPolicy
	}
	key := awskms.NewKey(scope, &id, kp)
	deployer := DeploymentRoleArn(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyKeyAdministrationOutsideDeployments"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(KeyAdministration...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": deployer}},
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSResources"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{"kms:GrantIsForAWSResource": "false"}},
	}), jsii.Bool(false))
	return key
}

// DeploymentRoleArn is the ARN of the role CloudFormation deploys scope's stack with: the CDK
// bootstrap's execution role of the stack's account and region, under the bootstrap qualifier of the
// context key @aws-cdk/core:bootstrapQualifier (CDK's default when unset). Guardrails exempt it, and
// only it, from their denies: changing a guardrail takes a stack update.
func DeploymentRoleArn(scope awsconstructs.Construct) string {
	stack := awscdk.Stack_Of(scope)
	qualifier := *awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER()
	if q, ok := stack.Node().TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		qualifier = q
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-cfn-exec-role-%s-%s", *stack.Partition(), *stack.Account(), qualifier, *stack.Account(), *stack.Region())
}

// DeploymentRolePatterns are the CDK bootstrap roles of account (any region) that deploy stacks or
// publish their assets: whoever assumes one can change a guardrail, so only administrators may.
func DeploymentRolePatterns(stack awscdk.Stack) []string {
	var out []string
	for _, role := range []string{"deploy-role", "cfn-exec-role", "file-publishing-role", "image-publishing-role"} {
		out = append(out, fmt.Sprintf("arn:%s:iam::%s:role/cdk-*-%s-%s-*", *stack.Partition(), *stack.Account(), role, *stack.Account()))
	}
	return out
}
