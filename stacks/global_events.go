package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// GlobalEventsStackProps configures a GlobalEventsStack.
type GlobalEventsStackProps struct {
	awscdk.StackProps
	// Config is the validated installation, which names the rules. Required.
	Config *config.Config
	// Account is the one of Config.GovernedAccounts() whose events are forwarded to its home region.
	// Required.
	Account config.Account
}

// GlobalEventsStack forwards the sign-in security events that AWS delivers to EventBridge in
// us-east-1 (IAM is a global service, and most console sign-ins go through us-east-1) to the home
// region's default event bus, where the trail triage handles them like local ones.
type GlobalEventsStack struct {
	awscdk.Stack
	Rules []awsevents.Rule
}

// NewGlobalEventsStack creates the forwarder; it belongs in us-east-1.
func NewGlobalEventsStack(scope awsconstructs.Construct, id string, props *GlobalEventsStackProps) *GlobalEventsStack {
	cfg, a := props.Config, props.Account
	patterns := ebc.SignInSecurityPatterns()
	// config validates the forwarding rules' names by the events it knows: they must be these.
	if !slices.Equal(slices.Sorted(maps.Keys(patterns)), slices.Sorted(slices.Values(config.ForwardedEvents))) {
		panic(fmt.Sprintf("NewGlobalEventsStack: config.ForwardedEvents %v are not the sign-in security patterns %v", config.ForwardedEvents, slices.Sorted(maps.Keys(patterns))))
	}
	s := &GlobalEventsStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	home := awsevents.EventBus_FromEventBusArn(s.Stack, jsii.String("HomeBus"), s.Stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("events"), Region: jsii.String(a.HomeRegion), Resource: jsii.String("event-bus"), ResourceName: jsii.String("default"),
	}))
	// One role for every rule, whose only permission (added by the targets) is putting events on the home bus.
	role := awsiam.NewRole(s.Stack, jsii.String("ForwardRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
		Description: jsii.String("EventBridge: forward sign-in security events to the home region"),
	})
	for _, name := range slices.Sorted(maps.Keys(patterns)) {
		r := awsevents.NewRule(s.Stack, jsii.String("Forward-"+name), &awsevents.RuleProps{
			RuleName:     jsii.String(cfg.ForwardRuleName(a, name)),
			Description:  jsii.String("Forwards " + name + " events to " + a.HomeRegion),
			EventPattern: patterns[name],
		})
		r.AddTarget(awseventstargets.NewEventBus(home, &awseventstargets.EventBusProps{Role: role}))
		s.Rules = append(s.Rules, r)
	}
	// After the targets: they create the role's policy.
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
		Reason: jsii.String("The role's inline policy is the event-bus target's own grant, events:PutEvents on the home region's default bus only; it lives and dies with the role."),
	}}, jsii.Bool(true))
	return s
}
