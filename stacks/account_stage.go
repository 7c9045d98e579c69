package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// AccountStage holds the guardrails of one AWS account, which exist once per account (the Config
// recorder once per account and region), whichever environments share it.
type AccountStage struct {
	awscdk.Stage
	Identity   *IdentityStack
	Audit      *AuditStack
	Guardrails []*GuardrailsStack // one per region of the account, home first
	// GlobalEvents forwards us-east-1's IAM and sign-in events home; nil when a guardrails stack runs
	// in us-east-1 itself.
	GlobalEvents *GlobalEventsStack
}

// AccountStageProps configures an AccountStage.
type AccountStageProps struct {
	// Config is the validated installation. Required.
	Config *config.Config
	// Account is the one of Config.GovernedAccounts() this stage deploys. Required.
	Account config.Account
}

// NewAccountStage creates the stage of an account (its ID is Account.StageName() by convention): the
// identity and audit stacks in the home region, a guardrails stack per region, and the forwarder of
// global events. Each stage gets its own tags and cdk-nag checks, as CDK does not carry them from the app.
func NewAccountStage(scope awsconstructs.Construct, id string, props *AccountStageProps) *AccountStage {
	cfg, a := props.Config, props.Account
	g := cfg.Governance
	var account *string
	if a.ID != "" {
		account = jsii.String(a.ID)
	}
	stage := awscdk.NewStage(scope, &id, &awscdk.StageProps{
		Env: &awscdk.Environment{Account: account, Region: jsii.String(a.HomeRegion)},
	})
	production := slices.ContainsFunc(cfg.Environments, func(e config.Environment) bool {
		return e.Production && slices.Contains(a.Environments, e.Name)
	}) || cfg.EgressHub != nil && cfg.EgressHub.Production && slices.Contains(a.Environments, config.HubStageName)
	// Everything in an account stage guards the account: the tag puts it out of Developers' and
	// Operators' reach (see AccountGroups) and under the tamper guard.
	tags := cfg.CostTags(config.Environment{Name: a.StageName()})
	tags[ebc.GuardrailTagKey] = "true"
	stackTags := tagAndCheck(stage, tags)
	stackProps := func(name, region, description string) awscdk.StackProps {
		return awscdk.StackProps{
			StackName:   jsii.String(cfg.AccountStackName(a, name)),
			Description: jsii.String(fmt.Sprintf("editbay %s: %s", a.StageName(), description)),
			Env:         &awscdk.Environment{Account: account, Region: jsii.String(region)},
			// Guardrails of an account that holds production are as protected as production.
			TerminationProtection: jsii.Bool(production),
			Tags:                  &stackTags,
		}
	}
	names := governanceNames(cfg, a)

	s := &AccountStage{Stage: stage}
	s.Audit = NewAuditStack(stage, "Audit", &AuditStackProps{
		StackProps: stackProps("audit", a.HomeRegion, "multi-region CloudTrail trail and the audit bucket"),
		Trail:      g.Trail,
		Names:      names,
	})
	for _, region := range a.Regions {
		home := region == a.HomeRegion
		gid := "Guardrails"
		if !home {
			gid = "Guardrails-" + region
		}
		gs := NewGuardrailsStack(stage, gid, &GuardrailsStackProps{
			StackProps:     stackProps("guardrails-"+region, region, "AWS Config, its rules, and the functions that undo drift"),
			Governance:     g,
			Config:         cfg,
			Names:          names,
			Home:           home,
			AllowedRegions: cfg.AllowedRegions(),
			Production:     production,
		})
		// The recorder delivers to the audit bucket, and the home guard reads the trail's log group.
		gs.AddStackDependency(s.Audit.Stack, jsii.String("delivers to the audit bucket"))
		s.Guardrails = append(s.Guardrails, gs)
	}
	homeGuardrails := s.Guardrails[0]
	s.Identity = NewIdentityStack(stage, "Identity", &IdentityStackProps{
		StackProps:      stackProps("identity", a.HomeRegion, "IAM groups, group membership and the account password policy"),
		Governance:      g,
		Account:         a,
		ProtectedStacks: protectedStacks(cfg, a),
		Names:           names,
		Guardrails:      homeGuardrails,
	})
	if a.ForwardsGlobalEvents() {
		s.GlobalEvents = NewGlobalEventsStack(stage, "GlobalEvents", &GlobalEventsStackProps{
			StackProps: stackProps("global-events", config.GlobalEventsRegion, "forwards IAM and sign-in events from "+config.GlobalEventsRegion+" to the home region"),
			Config:     cfg,
			Account:    a,
		})
	}

	return s
}

// GovernanceNames are the fixed names by which an account's guardrail stacks find each other's
// resources across regions, where CloudFormation references cannot reach.
type GovernanceNames struct {
	Trail, TrailArn, TrailRegion, Bucket, LogGroup, KeyAlias, Recorder, Channel, RulePrefix string
}

// governanceNames are the names config composes for account a; an environment-agnostic account's ID
// is the deploy-time account token.
func governanceNames(cfg *config.Config, a config.Account) GovernanceNames {
	accountID := a.ID
	if accountID == "" {
		accountID = *awscdk.Aws_ACCOUNT_ID()
	}
	trail := cfg.TrailName(a)
	return GovernanceNames{
		Trail:       trail,
		TrailArn:    fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", *awscdk.Aws_PARTITION(), a.HomeRegion, accountID, trail),
		TrailRegion: a.HomeRegion,
		Bucket:      cfg.AuditBucketName(accountID, a.HomeRegion),
		LogGroup:    cfg.AuditLogGroupName(),
		KeyAlias:    cfg.AuditKeyAlias(a),
		Recorder:    cfg.RecorderName(a),
		Channel:     cfg.DeliveryChannelName(a),
		RulePrefix:  cfg.GuardPrefix(),
	}
}

// protectedStacks are the stacks of account a that only administrators and deployments may change:
// its guardrail stacks and, in the egress hub's account, the hub and the spokes' routes into it, which
// are every spoke's egress filter.
func protectedStacks(cfg *config.Config, a config.Account) []string {
	out := []string{cfg.AccountPrefix(a) + "-*"}
	if slices.Contains(a.Environments, config.HubStageName) {
		out = append(out, cfg.HubStackName())
		for _, e := range cfg.HubSpokes() {
			out = append(out, cfg.HubRoutesStackName(e))
		}
	}
	return out
}
