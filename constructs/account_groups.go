package constructs

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Group roles of AccountGroupsProps.Members.
const (
	GroupAdmin      = "admin"
	GroupDevelopers = "developers"
	GroupOperators  = "operators"
)

// AccountGroupsProps configures AccountGroups.
type AccountGroupsProps struct {
	// AdminName, DevelopersName and OperatorsName name the IAM groups.
	// default: Admin, Developers, Operators
	AdminName, DevelopersName, OperatorsName string
	// Members maps an existing IAM user's name to the groups (GroupAdmin, GroupDevelopers,
	// GroupOperators) it joins. No user is created.
	// default: none
	Members map[string][]string
	// ProtectedStacks are CloudFormation stack name patterns (e.g. "editbay-account-*") that only
	// administrators may update or delete.
	// default: none
	ProtectedStacks []string
	// AuditBuckets and AuditLogGroups name the audit trail's bucket and log group, which Developers
	// and Operators may not weaken, empty or delete (by name: S3 and the log group's subscriptions
	// are matched by ARN, whatever their tags).
	// default: none
	AuditBuckets, AuditLogGroups []string
}

// AccountGroups are the account's three IAM groups. Admin has AdministratorAccess, Developers
// PowerUserAccess, Operators ReadOnlyAccess with AWS's billing read-only policy. Every member may manage
// only their own password and MFA device, and can do nothing else until signed in with MFA; Developers
// and Operators may not stop or delete the audit trail, the Config recorder or its delivery channel,
// nor change the protected stacks.
type AccountGroups struct {
	awsconstructs.Construct
	Admin, Developers, Operators awsiam.Group
	// SelfService is attached to every group: own credentials, and MFA before anything else.
	SelfService awsiam.ManagedPolicy
	// Guardrails is attached to Developers and Operators: the audit trail and Config stay on.
	Guardrails awsiam.ManagedPolicy
}

// NewAccountGroups creates AccountGroups.
func NewAccountGroups(scope awsconstructs.Construct, id string, props *AccountGroupsProps) *AccountGroups {
	p := AccountGroupsProps{}
	if props != nil {
		p = *props
	}
	p.AdminName = orDefaultString(p.AdminName, "Admin")
	p.DevelopersName = orDefaultString(p.DevelopersName, "Developers")
	p.OperatorsName = orDefaultString(p.OperatorsName, "Operators")
	c := awsconstructs.NewConstruct(scope, &id)
	g := &AccountGroups{Construct: c}
	stack := awscdk.Stack_Of(c)

	g.SelfService = awsiam.NewManagedPolicy(c, jsii.String("SelfService"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Own password and MFA device only; nothing else until signed in with MFA"),
		Statements:  selfServiceStatements(stack),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(g.SelfService, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("This is AWS's documented self-service MFA policy: the password policy and device list support no resource ARNs, a new virtual MFA device is named by its user, and the deny without MFA must cover every resource."),
		AppliesTo: &[]any{"Resource::*", fmt.Sprintf("Resource::arn:%s:iam::%s:mfa/*", nagPseudo(stack.Partition(), "<AWS::Partition>"), nagPseudo(stack.Account(), "<AWS::AccountId>"))},
	}}, jsii.Bool(false))
	g.Guardrails = awsiam.NewManagedPolicy(c, jsii.String("Guardrails"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("The audit trail and AWS Config keep recording; governance stacks change only through administrators"),
		Statements:  guardrailStatements(stack, p),
	})

	newGroup := func(cid, name string, managed []string, extra ...awsiam.IManagedPolicy) awsiam.Group {
		policies := []awsiam.IManagedPolicy{g.SelfService}
		policies = append(policies, extra...)
		for _, m := range managed {
			policies = append(policies, awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(m)))
		}
		grp := awsiam.NewGroup(c, &cid, &awsiam.GroupProps{GroupName: jsii.String(name), ManagedPolicies: &policies})
		var appliesTo []any
		for _, m := range managed {
			appliesTo = append(appliesTo, "Policy::arn:<AWS::Partition>:iam::aws:policy/"+m)
		}
		cdknag.NagSuppressions_AddResourceSuppressions(grp, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String("The group's job function is an AWS managed job-function policy, which AWS keeps current as services add actions; the customer-managed policies beside it add the MFA and guardrail denies."),
			AppliesTo: &appliesTo,
		}}, jsii.Bool(false))
		return grp
	}
	g.Admin = newGroup("Admin", p.AdminName, []string{"AdministratorAccess"})
	g.Developers = newGroup("Developers", p.DevelopersName, []string{"PowerUserAccess"}, g.Guardrails)
	// AWSBillingReadOnlyAccess is AWS's managed billing view on the fine-grained billing, cost explorer
	// and invoicing actions that replaced the retired aws-portal:View* actions.
	g.Operators = newGroup("Operators", p.OperatorsName, []string{"ReadOnlyAccess", "AWSBillingReadOnlyAccess"}, g.Guardrails)

	byRole := map[string]awsiam.Group{GroupAdmin: g.Admin, GroupDevelopers: g.Developers, GroupOperators: g.Operators}
	members := map[string][]string{}
	for _, user := range slices.Sorted(maps.Keys(p.Members)) {
		for _, role := range p.Members[user] {
			if byRole[role] == nil {
				panic(fmt.Sprintf("NewAccountGroups: user %s: unknown group %q", user, role))
			}
			members[role] = append(members[role], user)
		}
	}
	for _, role := range []string{GroupAdmin, GroupDevelopers, GroupOperators} {
		grp := byRole[role]
		if len(members[role]) > 0 {
			// Existing users join by name: the user stays outside the stack, only the membership is managed.
			awsiam.NewCfnUserToGroupAddition(c, jsii.String("Members-"+role), &awsiam.CfnUserToGroupAdditionProps{
				GroupName: grp.GroupName(),
				Users:     jsii.Strings(members[role]...),
			})
			continue
		}
		cdknag.NagSuppressions_AddResourceSuppressions(grp, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("NIST.800.53.R5-IAMGroupHasUsers"),
			Reason: jsii.String("Members are added through the config's governance.users; a group may stay empty until its first member is named, and is ready for them."),
		}}, jsii.Bool(false))
	}
	return g
}

func selfServiceStatements(stack awscdk.Stack) *[]awsiam.PolicyStatement {
	own := fmt.Sprintf("arn:%s:iam::%s:user/${aws:username}", *stack.Partition(), *stack.Account())
	mfa := fmt.Sprintf("arn:%s:iam::%s:mfa/*", *stack.Partition(), *stack.Account())
	ownMfa := fmt.Sprintf("arn:%s:iam::%s:mfa/${aws:username}", *stack.Partition(), *stack.Account())
	// What a user needs to sign in the first time and set up MFA; everything else waits for MFA.
	withoutMFA := []string{
		"iam:ChangePassword", "iam:GetAccountPasswordPolicy", "iam:GetUser", "iam:CreateVirtualMFADevice",
		"iam:EnableMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
	}
	s := []*awsiam.PolicyStatementProps{{
		Sid:       jsii.String("ViewAccountPasswordPolicyAndDevices"),
		Actions:   jsii.Strings("iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"),
		Resources: jsii.Strings("*"),
	}, {
		Sid:       jsii.String("ManageOwnPasswordAndKeys"),
		Actions:   jsii.Strings("iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"),
		Resources: jsii.Strings(own),
	}, {
		Sid:       jsii.String("CreateOwnVirtualMFADevice"),
		Actions:   jsii.Strings("iam:CreateVirtualMFADevice"),
		Resources: jsii.Strings(mfa),
	}, {
		Sid:       jsii.String("ManageOwnMFADevice"),
		Actions:   jsii.Strings("iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"),
		Resources: jsii.Strings(own),
	}, {
		// Removing a device is allowed only in a session that was itself authenticated with MFA.
		Sid:        jsii.String("RemoveOwnMFADeviceWithMFA"),
		Actions:    jsii.Strings("iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"),
		Resources:  jsii.Strings(own, ownMfa),
		Conditions: &map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}},
	}, {
		Sid:        jsii.String("DenyAllExceptMFASetupWithoutMFA"),
		Effect:     awsiam.Effect_DENY,
		NotActions: jsii.Strings(withoutMFA...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{"aws:MultiFactorAuthPresent": "false"}},
	}}
	out := make([]awsiam.PolicyStatement, len(s))
	for i, p := range s {
		out[i] = awsiam.NewPolicyStatement(p)
	}
	return &out
}

// GuardrailChanges are the actions that change, silence or delete a guardrail resource (a resource
// tagged GuardrailTagKey): its keys, functions, rules, topics, queues, log groups and Config rules.
var GuardrailChanges = append(slices.Clone(KeyAdministration),
	"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
	"lambda:DeleteFunction", "lambda:AddPermission", "lambda:RemovePermission", "lambda:PutFunctionEventInvokeConfig",
	"lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", "lambda:TagResource", "lambda:UntagResource",
	"events:DisableRule", "events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource",
	"sns:DeleteTopic", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission", "sns:TagResource", "sns:UntagResource",
	"sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:PurgeQueue", "sqs:AddPermission", "sqs:RemovePermission", "sqs:TagQueue", "sqs:UntagQueue",
	"logs:DeleteLogGroup", "logs:DeleteSubscriptionFilter", "logs:PutSubscriptionFilter", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
	"logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup",
	"config:DeleteConfigRule", "config:PutConfigRule", "config:DeleteEvaluationResults",
)

// AuditLogGroupChanges are the CloudWatch Logs actions that would blind the audit trail's log copy or
// the out-of-region watch subscribed to it.
var AuditLogGroupChanges = []string{
	"logs:DeleteLogGroup", "logs:DeleteSubscriptionFilter", "logs:PutSubscriptionFilter", "logs:PutRetentionPolicy",
	"logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:DeleteLogStream",
}

// TaggingActions are the actions that add or remove tags on the services guardrails use.
var TaggingActions = []string{
	"kms:TagResource", "kms:UntagResource", "lambda:TagResource", "lambda:UntagResource", "events:TagResource", "events:UntagResource",
	"sns:TagResource", "sns:UntagResource", "sqs:TagQueue", "sqs:UntagQueue", "logs:TagResource", "logs:UntagResource",
	"logs:TagLogGroup", "logs:UntagLogGroup", "config:TagResource", "config:UntagResource", "s3:PutBucketTagging",
	"cloudtrail:AddTags", "cloudtrail:RemoveTags", "tag:TagResources", "tag:UntagResources",
}

func guardrailStatements(stack awscdk.Stack, p AccountGroupsProps) *[]awsiam.PolicyStatement {
	deny := func(sid string, actions []string, resources []string, conditions map[string]any) awsiam.PolicyStatement {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Effect: awsiam.Effect_DENY, Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return awsiam.NewPolicyStatement(props)
	}
	account, partition := *stack.Account(), *stack.Partition()
	s := []awsiam.PolicyStatement{
		deny("KeepAuditTrailOn", []string{"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
			"cloudtrail:PutEventSelectors", "cloudtrail:DeleteEventDataStore"}, []string{"*"}, nil),
		deny("KeepConfigRecording", []string{"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
			"config:DeleteDeliveryChannel", "config:PutConfigurationRecorder", "config:PutDeliveryChannel"}, []string{"*"}, nil),
		// Whatever carries the guardrail tag: a guardrail resource added later is covered as it is tagged.
		deny("LeaveGuardrailsAlone", GuardrailChanges, []string{"*"},
			map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + GuardrailTagKey: "true"}}),
		// Nor may the tag itself be removed, changed or put on something else.
		deny("LeaveGuardrailTagAlone", TaggingActions, []string{"*"},
			map[string]any{"ForAnyValue:StringEquals": map[string]any{"aws:TagKeys": []string{GuardrailTagKey}}}),
		// Config rules: CloudFormation cannot tag them, so none may be changed outside administrators.
		deny("LeaveConfigRulesToAdmins", []string{"config:DeleteConfigRule", "config:PutConfigRule", "config:DeleteEvaluationResults",
			"config:PutRemediationConfigurations", "config:DeleteRemediationConfiguration"},
			[]string{fmt.Sprintf("arn:%s:config:*:%s:config-rule/*", partition, account), fmt.Sprintf("arn:%s:config:*:%s:remediation-configuration/*", partition, account)}, nil),
		// Whoever assumes a CDK bootstrap role deploys as the role the guardrails exempt.
		deny("LeaveDeploymentRolesToAdmins", []string{"sts:AssumeRole", "sts:TagSession"}, DeploymentRolePatterns(stack), nil),
	}
	if len(p.AuditBuckets) > 0 {
		var buckets, objects []string
		for _, b := range p.AuditBuckets {
			buckets = append(buckets, fmt.Sprintf("arn:%s:s3:::%s", partition, b))
			objects = append(objects, fmt.Sprintf("arn:%s:s3:::%s/*", partition, b))
		}
		s = append(s, deny("KeepAuditBucket", BucketAdministration, buckets, nil), deny("KeepAuditLogFiles", AuditObjectDeletion, objects, nil))
	}
	if len(p.AuditLogGroups) > 0 {
		var groups []string
		for _, g := range p.AuditLogGroups {
			groups = append(groups, fmt.Sprintf("arn:%s:logs:*:%s:log-group:%s", partition, account, g), fmt.Sprintf("arn:%s:logs:*:%s:log-group:%s:*", partition, account, g))
		}
		s = append(s, deny("KeepAuditLogGroup", AuditLogGroupChanges, groups, nil))
	}
	if len(p.ProtectedStacks) > 0 {
		var arns []string
		for _, name := range p.ProtectedStacks {
			arns = append(arns, fmt.Sprintf("arn:%s:cloudformation:*:%s:stack/%s/*", partition, account, name))
		}
		s = append(s, deny("LeaveGovernanceStacksToAdmins", []string{"cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:CreateChangeSet",
			"cloudformation:ExecuteChangeSet", "cloudformation:UpdateTerminationProtection"}, arns, nil))
	}
	return &s
}
