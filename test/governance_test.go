package test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

const accountStage = "account-default"

// fixtures are the governance functions' event fixtures, shaped like AWS's documented events.
func fixtures(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "lambda", "internal", "awsevent", "testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		var e map[string]any
		b, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		if err != nil {
			t.Fatal(f, err)
		}
		if _, logs := e["awslogs"]; !logs { // log deliveries come through the subscription, not EventBridge
			out[strings.TrimSuffix(filepath.Base(f), ".json")] = e
		}
	}
	return out
}

// rulesByName are a template's EventBridge rules by name.
func rulesByName(tpl template) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range resources(tpl, "AWS::Events::Rule") {
		if n, ok := props(r)["Name"].(string); ok {
			out[n] = r
		}
	}
	return out
}

// Every accountable stack exists once per account, in the right region.
func TestAccountStacks(t *testing.T) {
	want := map[string]string{
		"Identity": "ap-northeast-1", "Audit": "ap-northeast-1", "Guardrails": "ap-northeast-1", "GlobalEvents": "us-east-1",
	}
	got := map[string]string{}
	for _, s := range synthesized.stacks {
		if stage, id, _ := strings.Cut(s.DisplayName, "/"); stage == accountStage {
			got[id] = strings.TrimPrefix(s.Environment, "aws://unknown-account/")
			if !strings.HasPrefix(s.StackName, "editbay-account-default-") {
				t.Errorf("%s: stack name %s", s.DisplayName, s.StackName)
			}
			if s.Tags["Environment"] != accountStage || s.Tags["CostCenter"] == "" {
				t.Errorf("%s: stack tags %v", s.DisplayName, s.Tags)
			}
			// The account holds production, so its guardrails are protected like production.
			if !s.TerminationProtection {
				t.Errorf("%s: no termination protection", s.DisplayName)
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("account stacks %v, want %v", got, want)
	}
}

// Each EventBridge rule matches exactly the fixtures of the events its function handles, and invokes
// that function; us-east-1 forwards exactly the global sign-in events home.
func TestGuardrailEventPatterns(t *testing.T) {
	events := fixtures(t)
	_, guard := stackOf(t, accountStage, "Guardrails")
	_, global := stackOf(t, accountStage, "GlobalEvents")
	for _, tc := range []struct {
		tpl      template
		rule     string
		function string // construct ID of the target function; "" for the forwarders
		want     []string
	}{
		{guard, "editbay-guard-sg-change", "SecurityGroupFix", []string{"authorize-security-group-ingress", "modify-security-group-rules"}},
		{guard, "editbay-guard-sg-noncompliant", "SecurityGroupFix", []string{"config-compliance-change"}},
		{guard, "editbay-guard-recorder-change", "RecorderGuard", []string{"delete-delivery-channel", "stop-configuration-recorder"}},
		{guard, "editbay-guard-trail-change", "TrailTriage", []string{"delete-trail", "stop-logging", "update-trail"}},
		{guard, "editbay-guard-flow-logs-deleted", "TrailTriage", []string{"delete-flow-logs"}},
		{guard, "editbay-guard-compliance-change", "TrailTriage", []string{"config-compliance-change"}},
		{guard, "editbay-guard-mfa-removed", "TrailTriage", []string{"deactivate-mfa-device"}},
		{guard, "editbay-guard-signin-without-mfa", "TrailTriage", []string{"console-login-without-mfa"}},
		{guard, "editbay-guard-root-activity", "TrailTriage", []string{"root-activity"}},
		{guard, "editbay-guard-tamper-keys", "TamperGuard", []string{"kms-delete-alias", "kms-disable-key", "kms-disable-key-rotation", "kms-put-key-policy", "kms-schedule-key-deletion", "kms-update-alias"}},
		{guard, "editbay-guard-tamper-rules", "TamperGuard", []string{"events-delete-rule", "events-disable-rule", "events-put-rule", "events-put-targets", "events-remove-targets"}},
		{guard, "editbay-guard-tamper-functions", "TamperGuard", []string{"lambda-delete-function-concurrency", "lambda-put-function-concurrency", "lambda-remove-permission", "lambda-update-function-configuration"}},
		{guard, "editbay-guard-tamper-config", "TamperGuard", []string{"config-delete-config-rule", "config-put-config-rule"}},
		// The fixtures' audit bucket is in account 111122223333, the agnostic stack's account token is
		// resolved to it (see resolveAccount).
		{guard, "editbay-guard-tamper-audit", "TamperGuard", []string{"logs-delete-subscription-filter", "logs-put-retention-policy", "s3-put-bucket-lifecycle", "s3-put-bucket-versioning"}},
		{global, "editbay-account-default-forward-mfa-removed", "", []string{"deactivate-mfa-device"}},
		{global, "editbay-account-default-forward-signin-without-mfa", "", []string{"console-login-without-mfa"}},
		{global, "editbay-account-default-forward-root-activity", "", []string{"root-activity"}},
	} {
		r, ok := rulesByName(tc.tpl)[tc.rule]
		if !ok {
			t.Errorf("no rule %s", tc.rule)
			continue
		}
		pattern := resolveAccount(props(r)["EventPattern"]).(map[string]any)
		var got []string
		for _, name := range slices.Sorted(maps.Keys(events)) {
			if matches(pattern, events[name]) {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s matches %v, want %v; pattern %s", tc.rule, got, tc.want, asJSON(pattern))
		}
		target := asJSON(at(r, "Properties", "Targets"))
		if tc.function != "" && !strings.Contains(target, "Functions"+tc.function+"Function") {
			t.Errorf("%s targets %s, want the %s function", tc.rule, target, tc.function)
		}
		if tc.function == "" && !strings.Contains(target, ":ap-northeast-1:") || tc.function == "" && !strings.Contains(target, "event-bus/default") {
			t.Errorf("%s forwards to %s, want the home region's default bus", tc.rule, target)
		}
	}
	// The alert topic's own changes reach the tamper guard; the schedule runs its sweep.
	topic := rulesByName(guard)["editbay-guard-tamper-topic"]
	if got := asJSON(at(topic, "Properties", "EventPattern", "detail", "requestParameters", "topicArn")); got != `[{"Ref":"AlertsTopicCF7C81C9"}]` {
		t.Errorf("tamper-topic watches topics %s, want the alert topic", got)
	}
	sweep := rulesByName(guard)["editbay-guard-tamper-check"]
	if props(sweep)["ScheduleExpression"] != "rate(5 minutes)" || !strings.Contains(asJSON(props(sweep)["Targets"]), "FunctionsTamperGuardFunction") {
		t.Errorf("tamper sweep: %s", asJSON(sweep))
	}
	// The scheduled backstop runs the recorder guard.
	check := rulesByName(guard)["editbay-guard-recorder-check"]
	if props(check)["ScheduleExpression"] != "rate(5 minutes)" || !strings.Contains(asJSON(props(check)["Targets"]), "FunctionsRecorderGuardFunction") {
		t.Errorf("recorder backstop: %s", asJSON(check))
	}
	// Calls outside the allowed regions reach the triage from the trail's log group.
	sub := only(t, guard, "AWS::Logs::SubscriptionFilter")
	if props(sub)["LogGroupName"] != "/editbay/audit-trail" ||
		props(sub)["FilterPattern"] != `{ ($.awsRegion != "ap-northeast-1") && ($.awsRegion != "us-east-1") }` ||
		!strings.Contains(asJSON(props(sub)["DestinationArn"]), "FunctionsTrailTriageFunction") {
		t.Errorf("out-of-region watch: %s", asJSON(sub))
	}
}

func TestGuardrailFunctions(t *testing.T) {
	_, guard := stackOf(t, accountStage, "Guardrails")
	fns := resources(guard, "AWS::Lambda::Function")
	if len(fns) != 4 {
		t.Fatalf("%d functions, want 4", len(fns))
	}
	for id, f := range fns {
		p := props(f)
		if p["Runtime"] != "provided.al2023" || asJSON(p["Architectures"]) != `["arm64"]` || p["ReservedConcurrentExecutions"] != 5.0 ||
			at(p, "Environment", "Variables", "DRY_RUN") != "false" || p["DeadLetterConfig"] == nil || p["KmsKeyArn"] == nil {
			t.Errorf("%s: %s", id, asJSON(p))
		}
	}
	want := map[string][]string{
		"SecurityGroupFix": {"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"},
		"RecorderGuard":    {"config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels", "config:PutDeliveryChannel", "config:StartConfigurationRecorder", "kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"},
		"TrailTriage":      {"cloudtrail:GetTrailStatus", "cloudtrail:StartLogging", "cloudtrail:UpdateTrail", "kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"},
		"TamperGuard": {"events:DescribeRule", "events:EnableRule", "events:ListTagsForResource", "events:ListTargetsByRule", "events:PutTargets", "events:RemoveTargets",
			"kms:CancelKeyDeletion", "kms:Decrypt", "kms:DescribeKey", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GenerateDataKey", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
			"lambda:GetFunctionConcurrency", "lambda:ListTags", "lambda:PutFunctionConcurrency", "s3:GetBucketVersioning", "s3:PutBucketVersioning", "sns:Publish"},
	}
	for fn, actions := range want {
		var roleID string
		for id := range resources(guard, "AWS::IAM::Role") {
			if strings.HasPrefix(id, "Functions"+fn+"Role") {
				roleID = id
			}
		}
		var got []string
		for _, s := range policyStatements(guard, roleID) {
			sid, _ := at(s, "Sid").(string)
			if strings.HasPrefix(sid, "Allow") || sid == "" && strings.Contains(asJSON(s), "sqs:SendMessage") {
				continue
			}
			switch a := at(s, "Action").(type) {
			case string:
				got = append(got, a)
			case []any:
				for _, x := range a {
					got = append(got, x.(string))
				}
			}
		}
		got = slices.DeleteFunc(got, func(a string) bool {
			return strings.HasPrefix(a, "sqs:") || strings.HasPrefix(a, "logs:") || a == "kms:Encrypt"
		})
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, actions) {
			t.Errorf("%s may %v, want exactly %v", fn, got, actions)
		}
	}
	// The trail triage restores only the governance trail.
	env := ""
	for id, f := range fns {
		if strings.Contains(id, "TrailTriage") {
			env = asJSON(at(f, "Properties", "Environment", "Variables"))
		}
	}
	for _, s := range []string{`"TRAIL_NAME":"editbay-account-default-trail"`, `"TRAIL_KMS_KEY":"alias/editbay-account-default-audit"`, `"ALLOWED_REGIONS":"ap-northeast-1,us-east-1"`, `:trail/editbay-account-default-trail`} {
		if !strings.Contains(env, s) {
			t.Errorf("trail triage environment lacks %s: %s", s, env)
		}
	}
	topic := only(t, guard, "AWS::SNS::Topic")
	if props(topic)["KmsMasterKeyId"] == nil {
		t.Errorf("alert topic not encrypted: %s", asJSON(topic))
	}
	if n := len(resources(guard, "AWS::CloudWatch::Alarm")); n != 12 {
		t.Errorf("%d alarms, want an error, a dead-letter and a throttle alarm per function", n)
	}
	if only(t, guard, "AWS::CloudWatch::Dashboard") == nil {
		t.Error("no dashboard")
	}
}

func TestConfigRecorderAndRules(t *testing.T) {
	_, guard := stackOf(t, accountStage, "Guardrails")
	rec := only(t, guard, "AWS::Config::ConfigurationRecorder")
	if at(rec, "Properties", "RecordingGroup", "AllSupported") != true || at(rec, "Properties", "RecordingGroup", "IncludeGlobalResourceTypes") != true ||
		props(rec)["Name"] != "editbay-account-default-recorder" {
		t.Errorf("recorder %s", asJSON(rec))
	}
	ch := only(t, guard, "AWS::Config::DeliveryChannel")
	if !strings.Contains(asJSON(props(ch)["S3BucketName"]), "editbay-audit-") || props(ch)["S3KeyPrefix"] != "config" || !strings.Contains(asJSON(ch["DependsOn"]), "ConfigRecorder") {
		t.Errorf("delivery channel %s", asJSON(ch))
	}
	var names []string
	for _, r := range resources(guard, "AWS::Config::ConfigRule") {
		names = append(names, props(r)["ConfigRuleName"].(string))
		if !strings.Contains(asJSON(r["DependsOn"]), "ConfigRecorder") {
			t.Errorf("rule %s does not wait for the recorder", props(r)["ConfigRuleName"])
		}
	}
	var want []string
	for _, id := range config.DefaultConfigRules {
		want = append(want, config.ConfigRuleName("editbay", id))
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("config rules %v, want %v", names, want)
	}
}

func TestAuditTrail(t *testing.T) {
	_, audit := stackOf(t, accountStage, "Audit")
	trail := props(only(t, audit, "AWS::CloudTrail::Trail"))
	if trail["IsMultiRegionTrail"] != true || trail["IncludeGlobalServiceEvents"] != true || trail["EnableLogFileValidation"] != true ||
		trail["KMSKeyId"] == nil || trail["CloudWatchLogsLogGroupArn"] == nil || trail["TrailName"] != "editbay-account-default-trail" || trail["IsLogging"] != true {
		t.Errorf("trail %s", asJSON(trail))
	}
	var logs map[string]any
	for _, b := range resources(audit, "AWS::S3::Bucket") {
		if props(b)["BucketName"] != nil {
			logs = b
		}
	}
	p := props(logs)
	rule := at(p, "LifecycleConfiguration", "Rules", 0)
	if logs["DeletionPolicy"] != "Retain" || at(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "aws:kms" ||
		at(rule, "Transitions", 0, "StorageClass") != "GLACIER" || at(rule, "Transitions", 0, "TransitionInDays") != 90.0 || at(rule, "ExpirationInDays") != 2557.0 ||
		p["LoggingConfiguration"] == nil || at(p, "PublicAccessBlockConfiguration", "BlockPublicPolicy") != true {
		t.Errorf("trail bucket %s", asJSON(logs))
	}
	policies := asJSON(resources(audit, "AWS::S3::BucketPolicy"))
	if !strings.Contains(policies, `"aws:SecureTransport":"false"`) || !strings.Contains(policies, "cloudtrail.amazonaws.com") {
		t.Errorf("bucket policies %s", policies)
	}
	group := props(only(t, audit, "AWS::Logs::LogGroup"))
	if group["LogGroupName"] != "/editbay/audit-trail" || group["RetentionInDays"] != 365.0 || group["KmsKeyId"] == nil {
		t.Errorf("log group %s", asJSON(group))
	}
	key := asJSON(only(t, audit, "AWS::KMS::Key"))
	if !strings.Contains(key, `"EnableKeyRotation":true`) || !strings.Contains(key, "kms:EncryptionContext:aws:cloudtrail:arn") {
		t.Errorf("trail key %s", key)
	}
}

func TestIdentityGroups(t *testing.T) {
	_, id := stackOf(t, accountStage, "Identity")
	groups := map[string]map[string]any{}
	for _, g := range resources(id, "AWS::IAM::Group") {
		groups[props(g)["GroupName"].(string)] = props(g)
	}
	selfService, guardrails := "", ""
	for pid := range resources(id, "AWS::IAM::ManagedPolicy") {
		switch {
		case strings.HasPrefix(pid, "GroupsSelfService"):
			selfService = pid
		case strings.HasPrefix(pid, "GroupsGuardrails"):
			guardrails = pid
		}
	}
	for name, want := range map[string][]string{
		"Admin":      {"AdministratorAccess"},
		"Developers": {"PowerUserAccess", guardrails},
		"Operators":  {"ReadOnlyAccess", "AWSBillingReadOnlyAccess", guardrails},
	} {
		g, ok := groups[name]
		if !ok {
			t.Errorf("no group %s", name)
			continue
		}
		attached := asJSON(g["ManagedPolicyArns"])
		for _, w := range append(want, selfService) {
			if !strings.Contains(attached, w) {
				t.Errorf("%s lacks %s: %s", name, w, attached)
			}
		}
		if name == "Admin" && strings.Contains(attached, guardrails) {
			t.Error("Admin is denied the guardrails it must be able to change")
		}
	}
	all := asJSON(resources(id, "AWS::IAM::ManagedPolicy"))
	if strings.Contains(all, "aws-portal:") {
		t.Error("a policy uses the retired aws-portal actions")
	}
	self := at(resources(id, "AWS::IAM::ManagedPolicy")[selfService], "Properties", "PolicyDocument", "Statement").([]any)
	deny := statement(self, "DenyAllExceptMFASetupWithoutMFA")
	if at(deny, "Effect") != "Deny" || at(deny, "Condition", "BoolIfExists", "aws:MultiFactorAuthPresent") != "false" || !strings.Contains(asJSON(deny["NotAction"]), "iam:ChangePassword") {
		t.Errorf("MFA enforcement %s", asJSON(deny))
	}
	if !strings.Contains(asJSON(statement(self, "ManageOwnPasswordAndKeys")), `user/${aws:username}`) {
		t.Errorf("password change is not limited to the user's own: %s", asJSON(self))
	}
	guard := asJSON(at(resources(id, "AWS::IAM::ManagedPolicy")[guardrails], "Properties", "PolicyDocument", "Statement"))
	for _, a := range []string{"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "config:StopConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteConfigurationRecorder", "cloudformation:DeleteStack"} {
		if !strings.Contains(guard, `"`+a+`"`) || !strings.Contains(guard, `"Effect":"Deny"`) {
			t.Errorf("Developers and Operators are not denied %s: %s", a, guard)
		}
	}
	pp := props(only(t, id, "Custom::AccountPasswordPolicy"))
	if pp["MinimumLength"] != 14.0 || pp["ReusePrevention"] != 24.0 || pp["MaxAgeDays"] != 90.0 {
		t.Errorf("password policy %s", asJSON(pp))
	}
	// No users are created: the default config names none, so no membership either.
	if len(resources(id, "AWS::IAM::User")) != 0 || len(resources(id, "AWS::IAM::UserToGroupAddition")) != 0 {
		t.Error("users or memberships created for a config without users")
	}
}

// resolveAccount replaces the deploy-time account ID in a template value by the fixtures' account,
// resolving the Fn::Join that embeds it.
func resolveAccount(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["Ref"]; ok && ref == "AWS::AccountId" && len(x) == 1 {
			return "111122223333"
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(x) == 1 {
			var b strings.Builder
			for _, part := range join[1].([]any) {
				s, ok := resolveAccount(part).(string)
				if !ok {
					return x
				}
				b.WriteString(s)
			}
			return b.String()
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolveAccount(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveAccount(e)
		}
		return out
	}
	return v
}
