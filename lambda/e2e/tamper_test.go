//go:build e2e

package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/editbay/editbay/lambda/internal/tamper"
)

const (
	guardTag       = "editbay:guardrail"
	auditAlias     = "alias/editbay-audit"
	auditBucket    = "editbay-audit-e2e"
	guardedFn      = "editbay-trail-triage"
	guardedRule    = "editbay-guard-trail-change" // the fixtures' rule, targeting guardedFn
	selfCheckRule  = "editbay-guard-tamper-check" // scheduled, targeting the guard itself ("self")
	guardedFnARN   = "arn:aws:lambda:" + region + ":" + account + ":function:" + guardedFn
	tamperFunction = "tamper-guard"
	// selfARN is the guard's ARN as the emulator invokes it (its account is the emulator's own).
	selfARN = "arn:aws:lambda:us-east-1:012345678912:function:" + tamperFunction
)

// tamperWorld is editbay's guarded resources as deployed: a KMS key tagged as guarded, with its alias,
// enabled and rotating; a guardrail function with reserved concurrency 5; two guardrail rules, each
// with its one target and retry policy; a versioned audit bucket.
type tamperWorld struct {
	*world
	kms    *kms.Client
	events *eventbridge.Client
	lambda *lambda.Client
	s3     *s3.Client
	keyID  string
}

func newTamperWorld(t *testing.T) *tamperWorld {
	w := &tamperWorld{world: newWorld(t)}
	w.kms, w.events, w.lambda = kms.NewFromConfig(w.cfg), eventbridge.NewFromConfig(w.cfg), lambda.NewFromConfig(w.cfg)
	w.s3 = s3.NewFromConfig(w.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	key, err := w.kms.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("editbay audit"),
		Tags: []kmstypes.Tag{{TagKey: aws.String(guardTag), TagValue: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	w.keyID = aws.ToString(key.KeyMetadata.KeyId)
	must(w.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(auditAlias), TargetKeyId: aws.String(w.keyID)}))
	must(w.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(w.keyID)}))

	// moto creates a function from a zip without running it (no Docker), but wants its role to exist.
	role, err := iam.NewFromConfig(w.cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("editbay-guardrail-function"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The guardrail function and the guard itself (FUNCTION_CONCURRENCY "self"), as deployed.
	for _, fn := range []string{guardedFn, tamperFunction} {
		must(w.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(fn), Role: role.Role.Arn,
			Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: bootstrapZip(t)}}))
		must(w.lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(5)}))
	}

	must(w.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(guardedRule), State: ebtypes.RuleStateEnabled,
		EventPattern: aws.String(`{"source":["aws.cloudtrail"],"detail-type":["AWS API Call via CloudTrail"]}`)}))
	must(w.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(selfCheckRule), State: ebtypes.RuleStateEnabled,
		ScheduleExpression: aws.String("rate(5 minutes)")}))
	for rule, arn := range map[string]string{guardedRule: guardedFnARN, selfCheckRule: selfARN} {
		must(w.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: []ebtypes.Target{deployedTarget(arn)}}))
	}

	must(w.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(auditBucket)}))
	must(w.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(auditBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	return w
}

// deployedTarget is a guardrail rule's target as CDK renders it.
func deployedTarget(arn string) ebtypes.Target {
	return ebtypes.Target{Id: aws.String(tamper.TargetID), Arn: aws.String(arn),
		RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(8), MaximumEventAgeInSeconds: aws.Int32(7200)}}
}

// bootstrapZip is a function package: any bytes will do, moto never runs it.
func bootstrapZip(t *testing.T) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	f, err := z.Create("bootstrap")
	if err == nil {
		_, err = f.Write([]byte("#!/bin/sh\n"))
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// start runs the guard with the environment the guardrails stack gives it.
func (w *tamperWorld) start(t *testing.T, dryRun bool) *function {
	return start(t, tamperFunction, map[string]string{
		"ALERT_TOPIC_ARN": w.topicARN, "DRY_RUN": boolString(dryRun), "GUARD_TAG_KEY": guardTag,
		"PROTECTED_KEYS": auditAlias, "TARGET_RETRY_ATTEMPTS": "8", "TARGET_MAX_EVENT_AGE": "7200",
		"RULE_TARGETS":         `{"` + guardedRule + `":"` + guardedFnARN + `","` + selfCheckRule + `":"self"}`,
		"FUNCTION_CONCURRENCY": `{"` + guardedFn + `":5,"self":5}`,
		"AUDIT_BUCKET":         auditBucket, "AUDIT_LOG_GROUP": "/editbay/audit-trail", "CONFIG_RULE_PREFIX": "editbay-",
		"TRUSTED_PRINCIPALS": "arn:aws:iam::" + account + ":role/cdk-*-cfn-exec-role-" + account + "-*",
	})
}

// event is a fixture as EventBridge delivers it in the suite's account and region, with edits.
func event(t *testing.T, name string, edits map[string]any) []byte {
	all := map[string]any{"region": region, "account": account, "detail.awsRegion": region, "detail.recipientAccountId": account}
	for k, v := range edits {
		all[k] = v
	}
	return fixture(t, "awsevent/testdata/"+name+".json", all)
}

func (w *tamperWorld) key() *kmstypes.KeyMetadata {
	w.t.Helper()
	d, err := w.kms.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(w.keyID)})
	if err != nil {
		w.t.Fatal(err)
	}
	return d.KeyMetadata
}

func (w *tamperWorld) rotating() bool {
	w.t.Helper()
	r, err := w.kms.GetKeyRotationStatus(context.Background(), &kms.GetKeyRotationStatusInput{KeyId: aws.String(w.keyID)})
	if err != nil {
		w.t.Fatal(err)
	}
	return r.KeyRotationEnabled
}

func (w *tamperWorld) ruleState(name string) ebtypes.RuleState {
	w.t.Helper()
	d, err := w.events.DescribeRule(context.Background(), &eventbridge.DescribeRuleInput{Name: aws.String(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	return d.State
}

// targetsAsDeployed reports whether the rule's only target is the deployed one, retry policy included.
func (w *tamperWorld) targetsAsDeployed(rule, arn string) bool {
	w.t.Helper()
	out, err := w.events.ListTargetsByRule(context.Background(), &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule)})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(out.Targets) != 1 {
		return false
	}
	got, want := out.Targets[0], deployedTarget(arn)
	return aws.ToString(got.Id) == aws.ToString(want.Id) && aws.ToString(got.Arn) == arn && got.RetryPolicy != nil &&
		aws.ToInt32(got.RetryPolicy.MaximumRetryAttempts) == 8 && aws.ToInt32(got.RetryPolicy.MaximumEventAgeInSeconds) == 7200 &&
		got.Input == nil && got.InputPath == nil && got.InputTransformer == nil && got.RoleArn == nil
}

func (w *tamperWorld) concurrency() int32 { return w.concurrencyOf(guardedFn) }

func (w *tamperWorld) concurrencyOf(fn string) int32 {
	w.t.Helper()
	c, err := w.lambda.GetFunctionConcurrency(context.Background(), &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToInt32(c.ReservedConcurrentExecutions)
}

func (w *tamperWorld) versioning() s3types.BucketVersioningStatus {
	w.t.Helper()
	v, err := w.s3.GetBucketVersioning(context.Background(), &s3.GetBucketVersioningInput{Bucket: aws.String(auditBucket)})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.Status
}

// undone invokes the guard with a tampering event, checks that it undid it and alerted once, then
// delivers the event again: nothing more to undo, no second alert.
func (w *tamperWorld) undone(t *testing.T, f *function, ev []byte, restored func() bool) {
	t.Helper()
	var out tamper.Outcome
	r := f.ok(t, ev, &out)
	if !restored() || len(out.Remediations) != 1 || len(out.Alerts) != 1 || len(w.alerts()) != 1 {
		t.Fatalf("restored %v, %+v, alerts %q", restored(), out, w.alerts())
	}
	if !strings.HasPrefix(w.alerts()[0], "editbay guardrail: ") {
		t.Errorf("alert %q", w.alerts())
	}
	t.Logf("undone in %s: %s", r.Took.Round(time.Millisecond), out.Remediations[0])
	out = tamper.Outcome{}
	f.ok(t, ev, &out)
	if !restored() || len(out.Remediations) != 0 || len(w.alerts()) != 1 || out.Skipped != "already as expected" {
		t.Fatalf("repeated delivery: %+v, alerts %q", out, w.alerts())
	}
}

func TestTamperGuardCancelsKeyDeletion(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.kms.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(w.keyID), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if k := w.key(); k.KeyState != kmstypes.KeyStatePendingDeletion {
		t.Fatalf("moto: %s", k.KeyState)
	}
	w.undone(t, w.start(t, false), event(t, "kms-schedule-key-deletion", map[string]any{"detail.requestParameters.keyId": w.keyID}), func() bool {
		k := w.key()
		return k.KeyState == kmstypes.KeyStateEnabled && k.Enabled && k.DeletionDate == nil
	})
}

func TestTamperGuardEnablesKeyAndRotation(t *testing.T) {
	w := newTamperWorld(t)
	ctx := context.Background()
	if _, err := w.kms.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(w.keyID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(w.keyID)}); err != nil {
		t.Fatal(err)
	}
	// The key's ARN, as DisableKey may name it: enabled, and rotating again (one alert for both).
	w.undone(t, w.start(t, false), event(t, "kms-disable-key", map[string]any{"detail.requestParameters.keyId": w.key().Arn}), func() bool {
		return w.key().KeyState == kmstypes.KeyStateEnabled && w.rotating()
	})
}

func TestTamperGuardEnablesRule(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.events.DisableRule(context.Background(), &eventbridge.DisableRuleInput{Name: aws.String(guardedRule)}); err != nil {
		t.Fatal(err)
	}
	w.undone(t, w.start(t, false), event(t, "events-disable-rule", nil), func() bool { return w.ruleState(guardedRule) == ebtypes.RuleStateEnabled })
}

func TestTamperGuardRestoresTarget(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.events.RemoveTargets(context.Background(), &eventbridge.RemoveTargetsInput{Rule: aws.String(guardedRule), Ids: []string{tamper.TargetID}}); err != nil {
		t.Fatal(err)
	}
	w.undone(t, w.start(t, false), event(t, "events-remove-targets", nil), func() bool { return w.targetsAsDeployed(guardedRule, guardedFnARN) })
}

// A replaced target (an input that starves the function of its event) and an added one: the deployed
// target comes back and the other goes, on the guard's own rule ("self", its unqualified ARN).
func TestTamperGuardReplacedTarget(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.events.PutTargets(context.Background(), &eventbridge.PutTargetsInput{Rule: aws.String(selfCheckRule), Targets: []ebtypes.Target{
		{Id: aws.String(tamper.TargetID), Arn: aws.String(selfARN), Input: aws.String(`{}`)},
		{Id: aws.String("sink"), Arn: aws.String("arn:aws:sqs:" + region + ":" + account + ":bob")},
	}}); err != nil {
		t.Fatal(err)
	}
	w.undone(t, w.start(t, false), event(t, "events-put-targets", map[string]any{"detail.requestParameters.rule": selfCheckRule}),
		func() bool { return w.targetsAsDeployed(selfCheckRule, selfARN) })
}

func TestTamperGuardRestoresConcurrency(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.lambda.PutFunctionConcurrency(context.Background(), &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(guardedFn), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	w.undone(t, w.start(t, false), event(t, "lambda-put-function-concurrency", nil), func() bool { return w.concurrency() == 5 })
}

func TestTamperGuardRestoresVersioning(t *testing.T) {
	w := newTamperWorld(t)
	if _, err := w.s3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(auditBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	w.undone(t, w.start(t, false), event(t, "s3-put-bucket-versioning", map[string]any{"detail.requestParameters.bucketName": auditBucket}),
		func() bool { return w.versioning() == s3types.BucketVersioningStatusEnabled })
}

// A change the guard cannot undo is alerted on every delivery.
func TestTamperGuardAlertsOnly(t *testing.T) {
	w := newTamperWorld(t)
	f := w.start(t, false)
	var out tamper.Outcome
	f.ok(t, event(t, "kms-put-key-policy", map[string]any{"detail.requestParameters.keyId": w.keyID}), &out)
	if alerts := w.alerts(); len(out.Alerts) != 1 || len(alerts) != 1 || !strings.Contains(alerts[0], "Policy of a guarded KMS key replaced") {
		t.Fatalf("%+v, alerts %q", out, alerts)
	}
	out = tamper.Outcome{}
	f.ok(t, event(t, "sns-delete-topic", map[string]any{"detail.requestParameters.topicArn": w.topicARN}), &out)
	if alerts := w.alerts(); len(alerts) != 2 || !strings.Contains(alerts[1], "Alert topic deleted") {
		t.Fatalf("%+v, alerts %q", out, alerts)
	}
}

func TestTamperGuardDryRun(t *testing.T) {
	w := newTamperWorld(t)
	ctx := context.Background()
	if _, err := w.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(w.keyID), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String(guardedRule)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(guardedFn), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	f := w.start(t, true)
	for _, ev := range [][]byte{
		event(t, "kms-schedule-key-deletion", map[string]any{"detail.requestParameters.keyId": w.keyID}),
		event(t, "events-disable-rule", nil),
		event(t, "lambda-put-function-concurrency", nil),
		event(t, "scheduled-event", nil),
	} {
		var out tamper.Outcome
		if f.ok(t, ev, &out); len(out.Remediations) == 0 {
			t.Errorf("dry run says nothing would be undone: %+v", out)
		}
	}
	if w.key().KeyState != kmstypes.KeyStatePendingDeletion || w.ruleState(guardedRule) != ebtypes.RuleStateDisabled || w.concurrency() != 0 {
		t.Fatalf("dry run changed something: key %s, rule %s, concurrency %d", w.key().KeyState, w.ruleState(guardedRule), w.concurrency())
	}
	alerts := w.alerts()
	if len(alerts) != 6 { // three events, then the sweep's three drifted resources
		t.Errorf("%d alerts: %q", len(alerts), alerts)
	}
	for _, a := range alerts {
		if !strings.HasPrefix(a, "[dry run]") {
			t.Errorf("alert %q", a)
		}
	}
}

// The scheduled sweep finds everything tampered with at once, with no event delivered, and undoes it:
// one alert per drifted resource; a second sweep finds nothing.
func TestTamperGuardSweep(t *testing.T) {
	w := newTamperWorld(t)
	ctx := context.Background()
	for _, err := range []error{
		second(w.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(w.keyID), PendingWindowInDays: aws.Int32(7)})),
		second(w.kms.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(w.keyID)})),
		second(w.events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String(guardedRule)})),
		second(w.events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(guardedRule), Ids: []string{tamper.TargetID}})),
		second(w.events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(selfCheckRule), Ids: []string{tamper.TargetID}})),
		second(w.lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(guardedFn), ReservedConcurrentExecutions: aws.Int32(0)})),
		second(w.lambda.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(tamperFunction)})),
		second(w.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(auditBucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	f := w.start(t, false)
	var out tamper.Outcome
	r := f.ok(t, event(t, "scheduled-event", nil), &out)
	// Two rules, two functions, the key, the bucket.
	if len(out.Remediations) != 6 || len(out.Failures) != 0 {
		t.Fatalf("%+v", out)
	}
	k := w.key()
	if k.KeyState != kmstypes.KeyStateEnabled || !w.rotating() || w.ruleState(guardedRule) != ebtypes.RuleStateEnabled ||
		!w.targetsAsDeployed(guardedRule, guardedFnARN) || !w.targetsAsDeployed(selfCheckRule, selfARN) || w.concurrency() != 5 || w.concurrencyOf(tamperFunction) != 5 ||
		w.versioning() != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("not restored: key %s rotating %v, rule %s", k.KeyState, w.rotating(), w.ruleState(guardedRule))
	}
	alerts := w.alerts()
	if len(alerts) != 6 {
		t.Fatalf("%d alerts: %q", len(alerts), alerts)
	}
	for _, a := range alerts {
		if !strings.Contains(a, "drifted") {
			t.Errorf("alert %q", a)
		}
	}
	t.Logf("sweep undid %d drifts in %s", len(out.Remediations), r.Took.Round(time.Millisecond))
	out = tamper.Outcome{}
	r = f.ok(t, event(t, "scheduled-event", nil), &out)
	if len(out.Remediations) != 0 || out.Skipped != "already as expected" || len(w.alerts()) != 6 {
		t.Fatalf("second sweep: %+v, alerts %q", out, w.alerts())
	}
	t.Logf("sweep without drift in %s", r.Took.Round(time.Millisecond))
}

func second(_ any, err error) error { return err }

func TestTamperGuardBadInput(t *testing.T) {
	w := newTamperWorld(t)
	f := w.start(t, false)
	if r := f.invoke(t, malformed); !r.failed() {
		t.Fatalf("malformed event answered %s", r.Body)
	}
	for _, ev := range [][]byte{
		event(t, "kms-disable-key", map[string]any{"detail.requestParameters.keyId": "alias/nothing"}),
		event(t, "events-disable-rule", map[string]any{"detail.requestParameters.name": "no-such-rule"}),
		event(t, "lambda-put-function-concurrency", map[string]any{"detail.requestParameters.functionName": "no-such-function"}),
		event(t, "authorize-security-group-ingress", nil),
		// A deployment by the CDK's CloudFormation execution role is trusted.
		event(t, "events-disable-rule", map[string]any{"detail.userIdentity.sessionContext.sessionIssuer.arn": "arn:aws:iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + region}),
		[]byte(`{}`),
	} {
		var out tamper.Outcome
		if f.ok(t, ev, &out); out.Skipped == "" || len(out.Alerts) != 0 {
			t.Errorf("%+v for %s", out, ev)
		}
	}
	if len(w.alerts()) != 0 {
		t.Errorf("alerts %q", w.alerts())
	}
}
