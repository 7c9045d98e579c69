package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// IdentityStackProps configures an IdentityStack.
type IdentityStackProps struct {
	awscdk.StackProps
	// Governance is the validated governance config. Required.
	Governance config.Governance
	// Account is the account deployed. Required.
	Account config.Account
	// ProtectedStacks are stack name patterns only administrators may change. Required.
	ProtectedStacks []string
	// Names are the account's governance names: its audit bucket and log group are protected by name.
	// Required.
	Names GovernanceNames
	// Guardrails is the home region's guardrails stack, whose alert topic hears of failures. Required.
	Guardrails *GuardrailsStack
}

// IdentityStack is an account's IAM groups, their members and the password policy.
type IdentityStack struct {
	awscdk.Stack
	Groups         *ebc.AccountGroups
	PasswordPolicy *ebc.AccountPasswordPolicy
}

// NewIdentityStack creates the identity guardrails of an account.
func NewIdentityStack(scope awsconstructs.Construct, id string, props *IdentityStackProps) *IdentityStack {
	s := &IdentityStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	g := props.Governance
	members := map[string][]string{}
	for _, u := range g.Users {
		if u.Account == "" || u.Account == props.Account.ID {
			members[u.Name] = append(members[u.Name], u.Groups...)
		}
	}
	s.Groups = ebc.NewAccountGroups(s.Stack, "Groups", &ebc.AccountGroupsProps{
		AdminName:       g.Groups.Admin,
		DevelopersName:  g.Groups.Developers,
		OperatorsName:   g.Groups.Operators,
		Members:         members,
		ProtectedStacks: props.ProtectedStacks,
		AuditBuckets:    []string{props.Names.Bucket},
		AuditLogGroups:  []string{props.Names.LogGroup},
	})
	key := ebc.NewKey(s.Stack, "Key", &ebc.KeyProps{Description: "Encrypts the password-policy function's logs, queue and settings"})
	ebc.AllowCloudWatchLogs(key)
	pp := g.PasswordPolicy
	s.PasswordPolicy = ebc.NewAccountPasswordPolicy(s.Stack, "PasswordPolicy", &ebc.AccountPasswordPolicyProps{
		MinimumLength:   pp.MinimumLength,
		ReusePrevention: pp.ReusePrevention,
		MaxAgeDays:      pp.MaxAgeDays,
		EncryptionKey:   key,
		AlarmActions:    []cw.IAlarmAction{awscloudwatchactions.NewSnsAction(props.Guardrails.Alerts.Topic)},
	})
	return s
}
