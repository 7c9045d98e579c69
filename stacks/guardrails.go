package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// GuardrailsStackProps configures a GuardrailsStack.
type GuardrailsStackProps struct {
	awscdk.StackProps
	// Governance is the validated governance config. Required.
	Governance config.Governance
	// Config is the validated installation, which names the Config rules, the guardrail functions'
	// EventBridge rules and filter, and the dashboard. Required.
	Config *config.Config
	// Names are the account's governance names. Required.
	Names GovernanceNames
	// Home is set for the account's home region: global resources, account-level rules and the
	// out-of-region watch live there.
	Home bool
	// AllowedRegions are where API calls are expected.
	AllowedRegions []string
	// Production retains the functions' logs.
	Production bool
}

// GuardrailsStack is one region's guardrails: the Config recorder and rules, the functions that undo
// drift, the alert topic and a dashboard.
type GuardrailsStack struct {
	awscdk.Stack
	Key       awskms.Key
	Alerts    *ebc.AlarmTopic
	Recorder  *ebc.ConfigRecorder
	Functions *ebc.GuardrailFunctions
	Dashboard cw.Dashboard
	// Home is set for the account's home region.
	Home bool
}

// NewGuardrailsStack creates the guardrails of one account and region.
func NewGuardrailsStack(scope awsconstructs.Construct, id string, props *GuardrailsStackProps) *GuardrailsStack {
	s := &GuardrailsStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps), Home: props.Home}
	cfg, g, n := props.Config, props.Governance, props.Names
	keep := awscdk.RemovalPolicy_DESTROY
	if props.Production {
		keep = awscdk.RemovalPolicy_RETAIN
	}
	s.Key = ebc.NewKey(s.Stack, "Key", &ebc.KeyProps{Description: "Encrypts the guardrail alerts, the functions' logs, queues and settings", RemovalPolicy: keep})
	ebc.AllowCloudWatchLogs(s.Key)
	s.Alerts = ebc.NewAlarmTopic(s.Stack, "Alerts", &ebc.AlarmTopicProps{EncryptionKey: s.Key, Emails: g.AlertEmails})

	var rules []ebc.ConfigRule
	var sgRules []string
	for _, id := range g.Rules() {
		if !props.Home && slices.Contains(config.AccountRules, id) {
			continue
		}
		r := ebc.ConfigRule{Identifier: id, Name: config.ConfigRuleName(cfg.Project, id)}
		if id == "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS" {
			// Only HTTPS may be open to the world; every other world-open port is a finding (and revoked).
			r.InputParameters = map[string]any{"authorizedTcpPorts": "443"}
		}
		rules = append(rules, r)
		if slices.Contains(config.SecurityGroupRules, id) {
			sgRules = append(sgRules, r.Name)
		}
	}
	s.Recorder = ebc.NewConfigRecorder(s.Stack, "Config", &ebc.ConfigRecorderProps{
		RecorderName:           n.Recorder,
		ChannelName:            n.Channel,
		BucketName:             n.Bucket,
		IncludeGlobalResources: props.Home,
		Rules:                  rules,
	})

	trail := ebc.AuditTrailRef{Name: n.Trail, Arn: n.TrailArn, Region: n.TrailRegion, BucketName: n.Bucket, KeyAlias: n.KeyAlias}
	if props.Home {
		trail.LogGroupName = n.LogGroup
	}
	ruleNames := map[string]string{}
	for _, r := range config.GuardRules {
		ruleNames[r] = cfg.GuardRuleName(r)
	}
	s.Functions = ebc.NewGuardrailFunctions(s.Stack, "Functions", &ebc.GuardrailFunctionsProps{
		EncryptionKey:            s.Key,
		AlertTopic:               s.Alerts.Topic,
		Recorder:                 s.Recorder,
		Trail:                    trail,
		NamePrefix:               n.RulePrefix,
		RuleNames:                ruleNames,
		OutsideRegionsFilterName: cfg.OutsideRegionsFilterName(),
		SecurityGroupRules:       sgRules,
		ComplianceRulePrefix:     config.ConfigRulePrefix(cfg.Project),
		AllowedRegions:           props.AllowedRegions,
		RecorderCheckMinutes:     g.Remediation.RecorderCheckMinutes,
		DryRun:                   g.Remediation.Mode == config.RemediationDryRun,
		RetainLogs:               props.Production,
		AlarmActions:             []cw.IAlarmAction{awscloudwatchactions.NewSnsAction(s.Alerts.Topic)},
	})
	s.Dashboard = newGuardrailsDashboard(s, cfg.GuardrailsDashboardName(*s.Stack.Region()))
	awscdk.NewCfnOutput(s.Stack, jsii.String("AlertTopicArn"), &awscdk.CfnOutputProps{
		Value:       s.Alerts.Topic.TopicArn(),
		Description: jsii.String("Guardrail alerts: subscribe chat, paging or e-mail here"),
	})
	return s
}

func newGuardrailsDashboard(s *GuardrailsStack, name string) cw.Dashboard {
	period := awscdk.Duration_Minutes(jsii.Number(5))
	search := func(label, metric, dims string) cw.IMetric {
		return cw.NewMathExpression(&cw.MathExpressionProps{
			Label:      jsii.String(label),
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{editbay/Governance,%s} MetricName="%s"', 'Sum', 300)`, dims, metric)),
			Period:     period,
		})
	}
	graph := func(title string, metrics ...cw.IMetric) cw.IWidget {
		return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12), Height: jsii.Number(6)})
	}
	f := s.Functions
	var errors, deadLetters []cw.IMetric
	for _, fn := range []*ebc.GoFunction{f.SecurityGroupFix, f.RecorderGuard, f.TrailTriage, f.TamperGuard} {
		errors = append(errors, fn.Function.MetricErrors(&cw.MetricOptions{Period: period, Statistic: jsii.String("Sum")}))
		deadLetters = append(deadLetters, fn.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&cw.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}))
	}
	d := cw.NewDashboard(s.Stack, jsii.String("Dashboard"), &cw.DashboardProps{DashboardName: jsii.String(name)})
	d.AddWidgets(
		graph("Changes undone, by function", search("undone", "Remediations", "Function")),
		graph("Alerts sent, by function", search("alerts", "Alerts", "Function")),
	)
	d.AddWidgets(
		graph("Config compliance changes, by result", search("changes", "ComplianceChange", "Compliance,Function")),
		graph("Remediations that failed, and exempted public listeners", search("failed", "Failures", "Function"), search("exempted", "Exempted", "Function")),
	)
	d.AddWidgets(graph("Function errors", errors...), graph("Events given up (dead-letter queues)", deadLetters...))
	return d
}
