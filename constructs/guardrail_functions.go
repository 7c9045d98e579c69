package constructs

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogsdestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AuditTrailRef names the account's audit trail, which may live in another region and stack.
type AuditTrailRef struct {
	Name, Arn, Region, BucketName, KeyAlias string
	// LogGroupName is the trail's CloudWatch Logs group; set it only in the trail's own region, where
	// the out-of-region watch subscribes to it.
	LogGroupName string
}

// GuardrailFunctionsProps configures GuardrailFunctions.
type GuardrailFunctionsProps struct {
	// EncryptionKey encrypts the functions' logs, queues and environments, and the alert topic. Required.
	EncryptionKey awskms.IKey
	// AlertTopic receives every alert (who, what, where, when, what was done). Required.
	AlertTopic awssns.ITopic
	// Recorder is this region's Config recorder, which the recorder guard keeps recording. Required.
	Recorder *ConfigRecorder
	// Trail is the account's audit trail. Required.
	Trail AuditTrailRef
	// NamePrefix prefixes the default names of the EventBridge rules and the subscription filter. Required.
	NamePrefix string
	// RuleNames name the EventBridge rules, by their short name (the keys of Rules, e.g. "sg-change").
	// When set, it must name every rule the functions get.
	// default: <NamePrefix>-<rule> for every rule
	RuleNames map[string]string
	// OutsideRegionsFilterName names the subscription filter of calls outside AllowedRegions.
	// default: <NamePrefix>-outside-allowed-regions
	OutsideRegionsFilterName string
	// SecurityGroupRules are the Config rules whose NON_COMPLIANT security groups are fixed.
	// default: none (API-call events still trigger the fix)
	SecurityGroupRules []string
	// ComplianceRulePrefix selects the Config rules whose compliance changes are counted.
	// default: NamePrefix followed by a dash
	ComplianceRulePrefix string
	// AllowedRegions are where API calls are expected; with Trail.LogGroupName, calls elsewhere are alerted.
	// default: none (no out-of-region watch)
	AllowedRegions []string
	// RecorderCheckMinutes between scheduled checks that the recorder records.
	// default: 5
	RecorderCheckMinutes int
	// DryRun makes every function decide, log and alert without changing anything.
	// default: false
	DryRun bool
	// LogRetentionDays and RetainLogs configure the functions' log groups.
	// default: 365 days, deleted with the stack
	LogRetentionDays int
	RetainLogs       bool
	// AlarmActions are notified when a function fails or gives up on an event.
	// default: none
	AlarmActions []awscloudwatch.IAlarmAction
}

// GuardrailFunctions undo drift within seconds of the CloudTrail event that reports it, and alert:
// the security-group fix revokes world-open ingress, the recorder guard restarts AWS Config (also on a
// schedule, as CloudTrail-to-EventBridge delivery is best effort), and the trail triage undoes
// StopLogging and weakening trail updates and alerts on MFA removal, sign-in without MFA, root
// activity, flow-log deletion and calls outside the allowed regions.
type GuardrailFunctions struct {
	awsconstructs.Construct
	SecurityGroupFix, RecorderGuard, TrailTriage *GoFunction
	// Rules are the EventBridge rules by their short name (e.g. "sg-change").
	Rules map[string]awsevents.Rule

	ruleNames  map[string]string
	namePrefix string
}

// Detail types of the events the rules match.
const (
	detailAPICall = "AWS API Call via CloudTrail"
	detailSignIn  = "AWS Console Sign In via CloudTrail"
	detailConfig  = "Config Rules Compliance Change"
)

// NewGuardrailFunctions creates GuardrailFunctions.
func NewGuardrailFunctions(scope awsconstructs.Construct, id string, props *GuardrailFunctionsProps) *GuardrailFunctions {
	if props == nil || props.EncryptionKey == nil || props.AlertTopic == nil || props.Recorder == nil || props.Trail.Name == "" || props.NamePrefix == "" {
		panic("NewGuardrailFunctions: EncryptionKey, AlertTopic, Recorder, Trail and NamePrefix are required")
	}
	p := *props
	p.RecorderCheckMinutes = orDefault(p.RecorderCheckMinutes, 5)
	if p.ComplianceRulePrefix == "" {
		p.ComplianceRulePrefix = p.NamePrefix + "-"
	}
	if p.OutsideRegionsFilterName == "" {
		p.OutsideRegionsFilterName = p.NamePrefix + "-outside-allowed-regions"
	}
	c := awsconstructs.NewConstruct(scope, &id)
	g := &GuardrailFunctions{Construct: c, Rules: map[string]awsevents.Rule{}, ruleNames: p.RuleNames, namePrefix: p.NamePrefix}
	stack := awscdk.Stack_Of(c)
	topicArn := *p.AlertTopic.TopicArn()
	newFunction := func(cid, entry, description string, env map[string]string) *GoFunction {
		env["ALERT_TOPIC_ARN"] = topicArn
		f := NewGoFunction(c, cid, &GoFunctionProps{
			Entry: entry, Description: description, EncryptionKey: p.EncryptionKey, Environment: env, DryRun: p.DryRun,
			// Bounded, so an event storm cannot starve the account's other functions; events wait and retry.
			ReservedConcurrency: 5,
			LogRetentionDays:    p.LogRetentionDays, RetainLogs: p.RetainLogs, AlarmActions: p.AlarmActions,
		})
		// Publish to the encrypted topic: the data key actions are spelled out, where a grant would add
		// kms:GenerateDataKey* for every key operation of that family.
		f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("PublishAlerts"), Actions: jsii.Strings("sns:Publish"), Resources: &[]*string{p.AlertTopic.TopicArn()},
		}))
		f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("EncryptAlerts"), Actions: jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"), Resources: &[]*string{p.EncryptionKey.KeyArn()},
		}))
		return f
	}

	g.SecurityGroupFix = newFunction("SecurityGroupFix", "sg-remediation", "Revokes world-open security-group ingress that the group does not declare", map[string]string{})
	g.SecurityGroupFix.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadSecurityGroups"),
		Actions:   jsii.Strings("ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"),
		Resources: jsii.Strings("*"),
	}))
	g.SecurityGroupFix.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RevokeIngress"),
		Actions:   jsii.Strings("ec2:RevokeSecurityGroupIngress"),
		Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String("security-group"), ResourceName: jsii.String("*")})},
	}))
	suppressWildcards(g.SecurityGroupFix, "EC2 Describe actions support no resource-level permissions; the fix revokes ingress of any group in the region, because any group can be opened to the world.",
		"Resource::*", "Resource::"+nagArn(stack, "ec2", "security-group/*"))
	g.rule("sg-change", "A security group's ingress was added or changed", g.SecurityGroupFix, &awsevents.EventPattern{
		Source: jsii.Strings("aws.ec2"), DetailType: jsii.Strings(detailAPICall),
		Detail: &map[string]any{"eventSource": []string{"ec2.amazonaws.com"}, "eventName": []string{"AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"}},
	})
	if len(p.SecurityGroupRules) > 0 {
		g.rule("sg-noncompliant", "AWS Config found a security group open to the world", g.SecurityGroupFix, &awsevents.EventPattern{
			Source: jsii.Strings("aws.config"), DetailType: jsii.Strings(detailConfig),
			Detail: &map[string]any{
				"configRuleName": p.SecurityGroupRules, "resourceType": []string{"AWS::EC2::SecurityGroup"},
				"newEvaluationResult": map[string]any{"complianceType": []string{"NON_COMPLIANT"}},
			},
		})
	}

	rec := p.Recorder
	g.RecorderGuard = newFunction("RecorderGuard", "config-recorder-guard", "Keeps AWS Config recording and delivering", map[string]string{
		"RECORDER_NAME": *rec.Recorder.Name(), "CHANNEL_NAME": *rec.Channel.Name(), "CHANNEL_BUCKET": *rec.Channel.S3BucketName(),
		"CHANNEL_PREFIX": rec.KeyPrefix, "CHANNEL_FREQUENCY": rec.SnapshotFrequency,
	})
	g.RecorderGuard.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadConfigStatus"),
		Actions:   jsii.Strings("config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels"),
		Resources: jsii.Strings("*"),
	}))
	g.RecorderGuard.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RestoreRecording"),
		Actions:   jsii.Strings("config:StartConfigurationRecorder", "config:PutDeliveryChannel"),
		Resources: jsii.Strings("*"),
	}))
	suppressWildcards(g.RecorderGuard, "AWS Config's recorder and delivery-channel actions support no resource-level permissions; a region has one recorder and one channel.", "Resource::*")
	g.rule("recorder-change", "Someone stopped the Config recorder or deleted its delivery channel", g.RecorderGuard, &awsevents.EventPattern{
		Source: jsii.Strings("aws.config"), DetailType: jsii.Strings(detailAPICall),
		Detail: &map[string]any{"eventSource": []string{"config.amazonaws.com"}, "eventName": []string{"StopConfigurationRecorder", "DeleteDeliveryChannel", "DeleteConfigurationRecorder"}},
	})
	schedule := awsevents.NewRule(c, jsii.String("Rule-recorder-check"), &awsevents.RuleProps{
		RuleName:    jsii.String(g.ruleName("recorder-check")),
		Description: jsii.String("Backstop: checks that AWS Config records, in case an event was not delivered"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(float64(p.RecorderCheckMinutes)))),
	})
	schedule.AddTarget(target(g.RecorderGuard))
	g.Rules["recorder-check"] = schedule

	env := map[string]string{
		"TRAIL_NAME": p.Trail.Name, "TRAIL_ARN": p.Trail.Arn, "TRAIL_REGION": p.Trail.Region,
		"TRAIL_BUCKET": p.Trail.BucketName, "TRAIL_KMS_KEY": p.Trail.KeyAlias,
	}
	if p.Trail.LogGroupName != "" && len(p.AllowedRegions) > 0 {
		env["ALLOWED_REGIONS"] = strings.Join(p.AllowedRegions, ",")
	}
	g.TrailTriage = newFunction("TrailTriage", "trail-triage", "Undoes and alerts on changes to the audit trail and sign-in security", env)
	g.TrailTriage.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RestoreAuditTrail"),
		Actions:   jsii.Strings("cloudtrail:GetTrailStatus", "cloudtrail:StartLogging", "cloudtrail:UpdateTrail"),
		Resources: jsii.Strings(p.Trail.Arn),
	}))
	for _, r := range []struct {
		name, description string
		pattern           *awsevents.EventPattern
	}{
		{"trail-change", "Someone stopped, deleted or changed the audit trail", &awsevents.EventPattern{
			Source: jsii.Strings("aws.cloudtrail"), DetailType: jsii.Strings(detailAPICall),
			Detail: &map[string]any{"eventSource": []string{"cloudtrail.amazonaws.com"}, "eventName": []string{"StopLogging", "DeleteTrail", "UpdateTrail"}},
		}},
		{"flow-logs-deleted", "Someone deleted VPC flow logs", &awsevents.EventPattern{
			Source: jsii.Strings("aws.ec2"), DetailType: jsii.Strings(detailAPICall),
			Detail: &map[string]any{"eventSource": []string{"ec2.amazonaws.com"}, "eventName": []string{"DeleteFlowLogs"}},
		}},
		{"compliance-change", "A Config rule's evaluation of a resource changed (counted for the dashboard)", &awsevents.EventPattern{
			Source: jsii.Strings("aws.config"), DetailType: jsii.Strings(detailConfig),
			Detail: &map[string]any{"configRuleName": []any{map[string]any{"prefix": p.ComplianceRulePrefix}}},
		}},
	} {
		g.rule(r.name, r.description, g.TrailTriage, r.pattern)
	}
	for name, r := range SignInSecurityPatterns() {
		g.rule(name, "Sign-in security: "+name, g.TrailTriage, r)
	}
	if env["ALLOWED_REGIONS"] != "" {
		awslogs.NewSubscriptionFilter(c, jsii.String("OutsideAllowedRegions"), &awslogs.SubscriptionFilterProps{
			FilterName:    &p.OutsideRegionsFilterName,
			LogGroup:      awslogs.LogGroup_FromLogGroupName(c, jsii.String("TrailLogGroup"), &p.Trail.LogGroupName),
			Destination:   awslogsdestinations.NewLambdaDestination(g.TrailTriage.Function, nil),
			FilterPattern: awslogs.FilterPattern_Literal(jsii.String(OutsideRegionsFilter(p.AllowedRegions))),
		})
	}
	return g
}

// SignInSecurityPatterns are the sign-in events the trail triage alerts on. IAM and most console
// sign-ins are delivered in us-east-1, so these are also the patterns forwarded from there.
func SignInSecurityPatterns() map[string]*awsevents.EventPattern {
	return map[string]*awsevents.EventPattern{
		"mfa-removed": {
			Source: jsii.Strings("aws.iam"), DetailType: jsii.Strings(detailAPICall),
			Detail: &map[string]any{"eventSource": []string{"iam.amazonaws.com"}, "eventName": []string{"DeactivateMFADevice", "DeleteVirtualMFADevice"}},
		},
		"signin-without-mfa": {
			Source: jsii.Strings("aws.signin"), DetailType: jsii.Strings(detailSignIn),
			Detail: &map[string]any{"eventName": []string{"ConsoleLogin"}, "additionalEventData": map[string]any{"MFAUsed": []string{"No"}}},
		},
		"root-activity": {
			DetailType: jsii.Strings(detailAPICall, detailSignIn),
			Detail:     &map[string]any{"userIdentity": map[string]any{"type": []string{"Root"}}},
		},
	}
}

// OutsideRegionsFilter is the CloudWatch Logs filter pattern that matches CloudTrail records of calls
// made outside regions.
func OutsideRegionsFilter(regions []string) string {
	terms := make([]string, len(regions))
	for i, r := range regions {
		terms[i] = fmt.Sprintf("($.awsRegion != %q)", r)
	}
	return "{ " + strings.Join(terms, " && ") + " }"
}

// ruleName is the physical name of the rule called name: from RuleNames, or the default.
func (g *GuardrailFunctions) ruleName(name string) string {
	if g.ruleNames == nil {
		return g.namePrefix + "-" + name
	}
	n, ok := g.ruleNames[name]
	if !ok {
		panic(fmt.Sprintf("NewGuardrailFunctions: RuleNames has no name for the rule %q", name))
	}
	return n
}

func (g *GuardrailFunctions) rule(name, description string, f *GoFunction, pattern *awsevents.EventPattern) {
	r := awsevents.NewRule(g.Construct, jsii.String("Rule-"+name), &awsevents.RuleProps{
		RuleName:     jsii.String(g.ruleName(name)),
		Description:  jsii.String(description),
		EventPattern: pattern,
	})
	r.AddTarget(target(f))
	g.Rules[name] = r
}

// target invokes f asynchronously; the function's own retries and dead-letter queue keep failed events.
func target(f *GoFunction) awsevents.IRuleTarget {
	return awseventstargets.NewLambdaFunction(f.Function, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: jsii.Number(8),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(2)),
	})
}

func suppressWildcards(f *GoFunction, reason string, appliesTo ...string) {
	var a []any
	for _, s := range appliesTo {
		a = append(a, s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(f.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: &reason, AppliesTo: &a,
	}}, jsii.Bool(true))
}
