package constructs

import (
	"fmt"
	"maps"
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
	// When set, it must name every rule the functions get, each name starting with NamePrefix and a dash.
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
	// TamperGuard undoes and alerts on changes that would silence the guardrails themselves: their
	// keys, rules, functions, alert topic, Config rules, and the audit bucket and log group.
	TamperGuard *GoFunction
	// Rules are the EventBridge rules by their short name (e.g. "sg-change").
	Rules map[string]awsevents.Rule

	ruleNames  map[string]string
	namePrefix string
	// ruleFunction is each rule's target: a function ARN, or "self" for the tamper guard.
	ruleFunction map[string]any
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
	g := &GuardrailFunctions{Construct: c, Rules: map[string]awsevents.Rule{}, ruleNames: p.RuleNames, namePrefix: p.NamePrefix, ruleFunction: map[string]any{}}
	stack := awscdk.Stack_Of(c)
	topicArn := *p.AlertTopic.TopicArn()
	newFunction := func(cid, entry, description string, env map[string]string) *GoFunction {
		env["ALERT_TOPIC_ARN"] = topicArn
		f := NewGoFunction(c, cid, &GoFunctionProps{
			Entry: entry, Description: description, EncryptionKey: p.EncryptionKey, Environment: env, DryRun: p.DryRun,
			// Bounded, so an event storm cannot starve the account's other functions; events wait and retry.
			ReservedConcurrency: guardConcurrency,
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
	g.ruleFunction["recorder-check"] = g.RecorderGuard.Function.FunctionArn()

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
	g.tamperGuard(stack, p, newFunction)
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

// guardConcurrency is each guardrail function's reserved concurrency: bounded, so an event storm
// cannot starve the account's other functions.
const guardConcurrency = 5

// Target settings of every guardrail rule (see target), which the tamper guard restores.
const (
	targetRetryAttempts = 8
	targetMaxEventAge   = 2 * 60 * 60 // seconds
)

// TamperEvents are the CloudTrail events that would silence a guardrail, by the EventBridge source
// whose rule watches them. Lambda logs its API version in the event name (e.g.
// PutFunctionConcurrency20171031), so those are matched by prefix.
var TamperEvents = map[string][]string{
	"aws.kms":    {"ScheduleKeyDeletion", "DisableKey", "DisableKeyRotation", "PutKeyPolicy", "DeleteAlias", "UpdateAlias"},
	"aws.events": {"DisableRule", "DeleteRule", "PutRule", "PutTargets", "RemoveTargets"},
	"aws.lambda": {"PutFunctionConcurrency", "DeleteFunctionConcurrency", "UpdateFunctionCode", "UpdateFunctionConfiguration", "DeleteFunction", "AddPermission", "RemovePermission"},
	"aws.sns":    {"DeleteTopic", "SetTopicAttributes", "AddPermission", "RemovePermission"},
	"aws.config": {"DeleteConfigRule", "PutConfigRule", "DeleteEvaluationResults"},
	"aws.s3": {"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketLifecycle", "DeleteBucketLifecycle", "PutBucketVersioning",
		"PutBucketOwnershipControls", "PutObjectLockConfiguration"},
	"aws.logs": {"DeleteLogGroup", "DeleteSubscriptionFilter", "PutSubscriptionFilter", "PutRetentionPolicy", "DeleteRetentionPolicy", "DisassociateKmsKey"},
}

// tamperGuard creates the function that keeps the other guardrails (and itself) in place, its rules
// and its scheduled sweep. It comes last: it restores every rule made before it.
func (g *GuardrailFunctions) tamperGuard(stack awscdk.Stack, p GuardrailFunctionsProps, newFunction func(cid, entry, description string, env map[string]string) *GoFunction) {
	home := p.Trail.LogGroupName != ""
	prefix := g.namePrefix + "-" // every rule's name starts with it (see ruleName)
	// The guardrail functions, this one as "self", and the reserved concurrency each must keep. Written
	// by hand: function names are tokens, which CDK's JSON rendering does not take as object keys.
	concurrency := []string{fmt.Sprintf(`"self":%d`, guardConcurrency)}
	for _, f := range []*GoFunction{g.SecurityGroupFix, g.RecorderGuard, g.TrailTriage} {
		concurrency = append(concurrency, fmt.Sprintf(`"%s":%d`, *f.Function.FunctionName(), guardConcurrency))
	}
	keys := []string{*p.EncryptionKey.KeyArn()}
	env := map[string]string{
		"GUARD_TAG_KEY":         GuardrailTagKey,
		"TARGET_RETRY_ATTEMPTS": fmt.Sprint(targetRetryAttempts),
		"TARGET_MAX_EVENT_AGE":  fmt.Sprint(targetMaxEventAge),
		"FUNCTION_CONCURRENCY":  "{" + strings.Join(concurrency, ",") + "}",
		"CONFIG_RULE_PREFIX":    p.ComplianceRulePrefix,
		"TRUSTED_PRINCIPALS":    DeploymentRoleArn(g.Construct),
	}
	if home {
		keys = append(keys, p.Trail.KeyAlias)
		env["AUDIT_BUCKET"], env["AUDIT_LOG_GROUP"] = p.Trail.BucketName, p.Trail.LogGroupName
	}
	// RULE_TARGETS is filled below, once every rule exists; the map is read when the stack synthesizes.
	env["PROTECTED_KEYS"] = strings.Join(keys, ",")
	env["RULE_TARGETS"] = "{}"
	f := newFunction("TamperGuard", "tamper-guard", "Undoes and alerts on changes that would silence the guardrails or the audit", env)
	g.TamperGuard = f
	region, account, partition := *stack.Region(), *stack.Account(), *stack.Partition()
	tagged := &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + GuardrailTagKey: "true"}}
	f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("InspectKeys"),
		Actions:   jsii.Strings("kms:DescribeKey", "kms:ListResourceTags", "kms:GetKeyRotationStatus"),
		Resources: jsii.Strings(fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, region, account)),
	}))
	f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("RestoreGuardrailKeys"),
		Actions:    jsii.Strings("kms:CancelKeyDeletion", "kms:EnableKey", "kms:EnableKeyRotation"),
		Resources:  jsii.Strings(fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, region, account)),
		Conditions: tagged,
	}))
	rules := fmt.Sprintf("arn:%s:events:%s:%s:rule/%s*", partition, region, account, prefix)
	f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RestoreGuardrailRules"),
		Actions:   jsii.Strings("events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource", "events:EnableRule", "events:PutTargets", "events:RemoveTargets"),
		Resources: jsii.Strings(rules),
	}))
	functionArns := fmt.Sprintf("arn:%s:lambda:%s:%s:function:*", partition, region, account)
	if home {
		// The sweep checks that the audit bucket stays versioned (its policy and Object Lock keep anyone
		// but a deployment from suspending it; a restore is the backstop).
		f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("KeepAuditBucketVersioned"),
			Actions:   jsii.Strings("s3:GetBucketVersioning", "s3:PutBucketVersioning"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s", partition, p.Trail.BucketName)),
		}))
	}
	f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("InspectFunctions"),
		Actions:   jsii.Strings("lambda:GetFunctionConcurrency", "lambda:ListTags"),
		Resources: jsii.Strings(functionArns),
	}))
	f.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("RestoreGuardrailConcurrency"),
		Actions:    jsii.Strings("lambda:PutFunctionConcurrency"),
		Resources:  jsii.Strings(functionArns),
		Conditions: tagged,
	}))
	suppressWildcards(f, "KMS keys, EventBridge rules and Lambda functions are matched by the guardrail tag (restores) or the guardrail rule prefix: a guardrail added later is covered without a policy change, and the reads only tell the function whether a resource is a guardrail.",
		"Resource::"+nagArn(stack, "kms", "key/*"), "Resource::"+nagArn(stack, "events", "rule/"+prefix+"*"), "Resource::"+nagArn(stack, "lambda", "function:*"))

	apiCall := func(source string, detail map[string]any) *awsevents.EventPattern {
		d := map[string]any{"eventSource": []string{strings.TrimPrefix(source, "aws.") + ".amazonaws.com"}}
		maps.Copy(d, detail)
		return &awsevents.EventPattern{Source: jsii.Strings(source), DetailType: jsii.Strings(detailAPICall), Detail: &d}
	}
	prefixes := func(names []string) []any {
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = map[string]any{"prefix": n}
		}
		return out
	}
	g.rule("tamper-keys", "Someone disabled, scheduled for deletion or re-policed a KMS key (undone for guardrail keys)", f,
		apiCall("aws.kms", map[string]any{"eventName": TamperEvents["aws.kms"]}))
	g.rule("tamper-rules", "Someone disabled, deleted or retargeted a guardrail rule (undone)", f,
		apiCall("aws.events", map[string]any{"eventName": TamperEvents["aws.events"], "$or": []any{
			map[string]any{"requestParameters": map[string]any{"name": []any{map[string]any{"prefix": prefix}}}},
			map[string]any{"requestParameters": map[string]any{"rule": []any{map[string]any{"prefix": prefix}}}},
		}}))
	g.rule("tamper-functions", "Someone throttled, changed or deleted a Lambda function (undone for guardrail functions' concurrency)", f,
		apiCall("aws.lambda", map[string]any{"eventName": prefixes(TamperEvents["aws.lambda"])}))
	g.rule("tamper-topic", "Someone deleted or re-policed the alert topic", f,
		apiCall("aws.sns", map[string]any{"eventName": TamperEvents["aws.sns"], "requestParameters": map[string]any{"topicArn": []*string{p.AlertTopic.TopicArn()}}}))
	g.rule("tamper-config", "Someone changed or deleted a Config rule", f,
		apiCall("aws.config", map[string]any{"eventName": TamperEvents["aws.config"]}))
	if home {
		g.rule("tamper-audit", "Someone changed the audit bucket or the audit log group", f, &awsevents.EventPattern{
			Source: jsii.Strings("aws.s3", "aws.logs"), DetailType: jsii.Strings(detailAPICall),
			Detail: &map[string]any{"$or": []any{
				map[string]any{"eventSource": []string{"s3.amazonaws.com"}, "eventName": TamperEvents["aws.s3"], "requestParameters": map[string]any{"bucketName": []string{p.Trail.BucketName}}},
				map[string]any{"eventSource": []string{"logs.amazonaws.com"}, "eventName": TamperEvents["aws.logs"], "requestParameters": map[string]any{"logGroupName": []string{p.Trail.LogGroupName}}},
			}},
		})
	}
	check := awsevents.NewRule(g.Construct, jsii.String("Rule-tamper-check"), &awsevents.RuleProps{
		RuleName:    jsii.String(g.ruleName("tamper-check")),
		Description: jsii.String("Backstop: checks every guardrail rule, function and key, in case an event was not delivered"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(float64(p.RecorderCheckMinutes)))),
	})
	check.AddTarget(target(f))
	g.Rules["tamper-check"] = check
	g.ruleFunction["tamper-check"] = "self"

	// Every rule, the guard's own included, and the function it must invoke.
	targets := map[string]any{}
	for name := range g.Rules {
		targets[g.ruleName(name)] = g.ruleFunction[name]
	}
	f.Function.AddEnvironment(jsii.String("RULE_TARGETS"), stack.ToJsonString(targets, nil), nil)
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
	if !strings.HasPrefix(n, g.namePrefix+"-") {
		panic(fmt.Sprintf("NewGuardrailFunctions: rule name %q does not start with %q, to which the tamper guard's permissions are scoped", n, g.namePrefix+"-"))
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
	if f == g.TamperGuard {
		g.ruleFunction[name] = "self"
	} else {
		g.ruleFunction[name] = f.Function.FunctionArn()
	}
}

// target invokes f asynchronously; the function's own retries and dead-letter queue keep failed events.
func target(f *GoFunction) awsevents.IRuleTarget {
	return awseventstargets.NewLambdaFunction(f.Function, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: jsii.Number(targetRetryAttempts),
		MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(targetMaxEventAge)),
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
