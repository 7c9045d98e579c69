package tamper

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

const (
	account   = "111122223333"
	region    = "ap-northeast-1"
	tagKey    = "editbay:guardrail"
	keyA      = "1234abcd-12ab-34cd-56ef-1234567890ab" // the fixtures' key: tagged
	keyL      = "5678efab-56ef-78ab-90cd-5678efab90cd" // listed by its alias
	keyU      = "0987dcba-09fe-87dc-65ba-ab0987654321" // unprotected
	trailRule = "editbay-guard-trail-change"           // the fixtures' rule
	selfRule  = "editbay-guard-tamper-check"
	triageFn  = "editbay-trail-triage" // the fixtures' function
	selfFn    = "editbay-tamper-guard"
	bucket    = "editbay-audit-111122223333-ap-northeast-1"
	topicArn  = "arn:aws:sns:ap-northeast-1:111122223333:editbay-alerts"
	triageArn = "arn:aws:lambda:ap-northeast-1:111122223333:function:" + triageFn
	selfArn   = "arn:aws:lambda:ap-northeast-1:111122223333:function:" + selfFn
	ownRole   = "arn:aws:sts::111122223333:assumed-role/editbay-tamper-guard-role/" + selfFn
	cfnExec   = "arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-ap-northeast-1"
)

var env = map[string]string{
	"ALERT_TOPIC_ARN":          topicArn,
	"GUARD_TAG_KEY":            tagKey,
	"PROTECTED_KEYS":           "alias/editbay-audit",
	"RULE_TARGETS":             `{"` + trailRule + `":"` + triageArn + `","` + selfRule + `":"self"}`,
	"TARGET_RETRY_ATTEMPTS":    "8",
	"TARGET_MAX_EVENT_AGE":     "7200",
	"FUNCTION_CONCURRENCY":     `{"` + triageFn + `":5,"self":5}`,
	"AUDIT_BUCKET":             bucket,
	"AUDIT_LOG_GROUP":          "/editbay/audit-trail",
	"CONFIG_RULE_PREFIX":       "editbay-",
	"TRUSTED_PRINCIPALS":       "arn:aws:iam::111122223333:role/cdk-*-cfn-exec-role-111122223333-*",
	"AWS_LAMBDA_FUNCTION_NAME": selfFn,
}

func target(arn string) ebtypes.Target {
	return ebtypes.Target{Id: aws.String(TargetID), Arn: aws.String(arn),
		RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(8), MaximumEventAgeInSeconds: aws.Int32(7200)}}
}

type world struct {
	kms     *fakes.KMS
	events  *fakes.EventBridge
	lambda  *fakes.Lambda
	s3      *fakes.S3
	sns     *fakes.SNS
	metrics bytes.Buffer
	h       *Handler
}

func newWorld(t testing.TB, dryRun bool) *world {
	t.Helper()
	s, err := ParseSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	w := &world{kms: fakes.NewKMS(region, account), events: fakes.NewEventBridge(region, account), lambda: fakes.NewLambda(region, account),
		s3: fakes.NewS3(bucket, "someone-elses-bucket"), sns: &fakes.SNS{}}
	w.kms.AddKey(keyA, tagKey, "true", "Owner", "platform")
	w.kms.AddKey(keyL)
	w.kms.Alias("alias/editbay-audit", keyL)
	w.kms.AddKey(keyU, "Owner", "someone")
	w.events.AddRule(trailRule, []ebtypes.Target{target(triageArn)})
	w.events.AddRule(selfRule, []ebtypes.Target{target(selfArn)})
	w.events.AddRule("tagged-rule", []ebtypes.Target{target(triageArn)}, tagKey, "true")
	w.events.AddRule("other-rule", []ebtypes.Target{target(triageArn)})
	w.lambda.AddFunction(triageFn, aws.Int32(5))
	w.lambda.AddFunction(selfFn, aws.Int32(5))
	w.lambda.AddFunction("tagged-fn", aws.Int32(2), tagKey, "true")
	w.lambda.AddFunction("other-fn", nil)
	w.s3.SetVersioning(bucket, s3types.BucketVersioningStatusEnabled)
	w.h = &Handler{KMS: w.kms, Events: w.events, Lambda: w.lambda, S3: w.s3, STS: &fakes.STS{ARN: ownRole}, Settings: s,
		Alerts: alert.Sender{Client: w.sns, TopicArn: topicArn}, Metrics: &emf.Logger{W: &w.metrics},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), DryRun: dryRun}
	return w
}

// changes are the mutating calls every fake accepted.
func (w *world) changes() []string {
	return slices.Concat(w.kms.Changes(), w.events.Changes(), w.lambda.Changes(), w.s3.Changes())
}

// ctx is an invocation's context: lambdacontext carries the invoked ARN, here with an alias.
func ctx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: selfArn + ":live"})
}

// fixture reads an awsevent fixture and applies edits: dotted paths ("detail.requestParameters.name") to
// new values.
func fixture(t testing.TB, name string, edits map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "awsevent", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := awsevent.Edit(b, edits)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// remediable are the events the guard undoes: the tampering, what it checks after, and the calls it
// makes.
var remediable = []struct {
	fixture, title string
	tamper         func(w *world)
	restored       func(w *world) bool
	changes        []string
}{
	{"kms-schedule-key-deletion", "Deletion of a guarded KMS key scheduled",
		func(w *world) { w.kms.Set(keyA, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStatePendingDeletion }) },
		func(w *world) bool { return w.kms.Key(keyA).State == kmstypes.KeyStateEnabled },
		[]string{"CancelKeyDeletion " + keyA, "EnableKey " + keyA}},
	{"kms-disable-key", "Guarded KMS key disabled",
		func(w *world) { w.kms.Set(keyA, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled }) },
		func(w *world) bool { return w.kms.Key(keyA).State == kmstypes.KeyStateEnabled },
		[]string{"EnableKey " + keyA}},
	{"kms-disable-key-rotation", "Rotation of a guarded KMS key turned off",
		func(w *world) { w.kms.Set(keyA, func(k *fakes.KMSKey) { k.Rotation = false }) },
		func(w *world) bool { return w.kms.Key(keyA).Rotation },
		[]string{"EnableKeyRotation " + keyA}},
	{"events-disable-rule", "Guardrail EventBridge rule disabled",
		func(w *world) {
			w.events.Set(trailRule, func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
		},
		func(w *world) bool { return ruleAsDeployed(w, trailRule, triageArn) },
		[]string{"EnableRule " + trailRule}},
	{"events-remove-targets", "Target of a guardrail EventBridge rule removed",
		func(w *world) { w.events.Set(trailRule, func(r *fakes.EventRule) { r.Targets = nil }) },
		func(w *world) bool { return ruleAsDeployed(w, trailRule, triageArn) },
		[]string{"PutTargets " + trailRule}},
	{"events-put-targets", "Targets of a guardrail EventBridge rule changed",
		func(w *world) {
			w.events.Set(trailRule, func(r *fakes.EventRule) {
				r.Targets = []ebtypes.Target{{Id: aws.String(TargetID), Arn: aws.String(triageArn), Input: aws.String("{}")},
					{Id: aws.String("x1"), Arn: aws.String("arn:aws:lambda:ap-northeast-1:111122223333:function:bob-sink")},
					{Id: aws.String("x2"), Arn: aws.String("arn:aws:sqs:ap-northeast-1:111122223333:bob")}}
			})
		},
		func(w *world) bool { return ruleAsDeployed(w, trailRule, triageArn) },
		[]string{"PutTargets " + trailRule, "RemoveTargets " + trailRule}},
	{"lambda-put-function-concurrency", "Reserved concurrency of a guardrail function changed",
		func(w *world) { w.lambda.SetConcurrency(triageFn, aws.Int32(0)) },
		func(w *world) bool { return aws.ToInt32(w.lambda.Function(triageFn).Reserved) == 5 },
		[]string{"PutFunctionConcurrency " + triageFn}},
	{"lambda-delete-function-concurrency", "Reserved concurrency of a guardrail function removed",
		func(w *world) { w.lambda.SetConcurrency(triageFn, nil) },
		func(w *world) bool { return aws.ToInt32(w.lambda.Function(triageFn).Reserved) == 5 },
		[]string{"PutFunctionConcurrency " + triageFn}},
	{"s3-put-bucket-versioning", "Versioning of the audit bucket suspended",
		func(w *world) { w.s3.SetVersioning(bucket, s3types.BucketVersioningStatusSuspended) },
		func(w *world) bool { return w.s3.Versioning(bucket) == s3types.BucketVersioningStatusEnabled },
		[]string{"PutBucketVersioning " + bucket}},
}

func ruleAsDeployed(w *world, name, arn string) bool {
	r, ok := w.events.Rule(name)
	return ok && r.State == ebtypes.RuleStateEnabled && len(r.Targets) == 1 && sameTarget(r.Targets[0], target(arn))
}

func TestUndo(t *testing.T) {
	for _, c := range remediable {
		t.Run(c.fixture, func(t *testing.T) {
			w := newWorld(t, false)
			c.tamper(w)
			out, err := w.h.Handle(ctx(), fixture(t, c.fixture, nil))
			if err != nil || !c.restored(w) || len(out.Remediations) != 1 || !slices.Equal(out.Alerts, []string{c.title}) {
				t.Fatalf("%+v %v, restored %v", out, err, c.restored(w))
			}
			if got := w.changes(); !slices.Equal(got, c.changes) {
				t.Errorf("changes %q, want %q", got, c.changes)
			}
			m := w.sns.Messages()
			if len(m) != 1 || !strings.Contains(m[0], "who:   role Developers, session bob@example.com") && !strings.Contains(m[0], "who:   IAM user alice") ||
				!strings.Contains(m[0], "from 198.51.100.23") || !strings.Contains(m[0], "when:  2024-05-14T09:21:07Z") ||
				!strings.Contains(m[0], "where: account 111122223333 region ap-northeast-1") || !strings.Contains(m[0], "done:") {
				t.Errorf("alert %q", m)
			}
			if !strings.Contains(w.metrics.String(), `"Remediations":1`) || !strings.Contains(w.metrics.String(), `"Function":"tamper-guard"`) {
				t.Errorf("metrics %s", w.metrics.String())
			}
			// Idempotent: the same event again finds the resource as deployed, changes nothing and sends
			// no second alert.
			out, err = w.h.Handle(ctx(), fixture(t, c.fixture, nil))
			if err != nil || len(out.Remediations) != 0 || len(out.Alerts) != 0 || out.Skipped != "already as expected" {
				t.Errorf("repeated: %+v %v", out, err)
			}
			if len(w.changes()) != len(c.changes) || len(w.sns.Messages()) != 1 {
				t.Errorf("repeated delivery changed %q, alerted %d", w.changes(), len(w.sns.Messages()))
			}
		})
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	for _, c := range remediable {
		t.Run(c.fixture, func(t *testing.T) {
			w := newWorld(t, true)
			c.tamper(w)
			out, err := w.h.Handle(ctx(), fixture(t, c.fixture, nil))
			if err != nil || len(out.Remediations) != 1 || c.restored(w) || len(w.changes()) != 0 {
				t.Fatalf("%+v %v, changes %q", out, err, w.changes())
			}
			if p := w.sns.Published; len(p) != 1 || !strings.HasPrefix(aws.ToString(p[0].Subject), "[dry run]") ||
				!strings.Contains(aws.ToString(p[0].Message), "nothing (dry run); would have:") {
				t.Errorf("alert %v", w.sns.Messages())
			}
		})
	}
}

// The rule's "self" target is this function's unqualified ARN, from the invocation's context.
func TestSelfTarget(t *testing.T) {
	w := newWorld(t, false)
	w.events.Set(selfRule, func(r *fakes.EventRule) { r.Targets = nil })
	ev := fixture(t, "events-remove-targets", map[string]any{"detail.requestParameters.rule": selfRule})
	if out, err := w.h.Handle(ctx(), ev); err != nil || !ruleAsDeployed(w, selfRule, selfArn) {
		t.Fatalf("%+v %v", out, err)
	}
	// Outside an invocation (no lambdacontext) the ARN is built from the function's name.
	w.events.Set(selfRule, func(r *fakes.EventRule) { r.Targets = nil })
	if out, err := w.h.Handle(context.Background(), ev); err != nil || !ruleAsDeployed(w, selfRule, selfArn) {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestPutRuleAlwaysAlerts(t *testing.T) {
	w := newWorld(t, false)
	w.events.Set(trailRule, func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
	out, err := w.h.Handle(ctx(), fixture(t, "events-put-rule", nil))
	if err != nil || !ruleAsDeployed(w, trailRule, triageArn) || len(out.Remediations) != 1 || len(out.Alerts) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	// A pattern change leaves the state as it was: nothing to undo, but the alert says redeploy.
	out, err = w.h.Handle(ctx(), fixture(t, "events-put-rule", map[string]any{"detail.requestParameters.state": "ENABLED"}))
	m := w.sns.Messages()
	if err != nil || len(out.Remediations) != 0 || len(m) != 2 || !strings.Contains(m[1], "found nothing to undo; the rule's pattern") {
		t.Fatalf("%+v %v %q", out, err, m)
	}
}

// alertOnly are the events the guard alerts on without changing anything.
var alertOnly = []struct{ fixture, title string }{
	{"kms-put-key-policy", "Policy of a guarded KMS key replaced"},
	{"kms-create-grant", "Grant created on a guarded KMS key"},
	{"kms-delete-alias", "Alias of a guarded KMS key deleted"},
	{"kms-update-alias", "Alias of a guarded KMS key moved to another key"},
	{"events-delete-rule", "Guardrail EventBridge rule deleted"},
	{"lambda-update-function-configuration", "Configuration of a guardrail function changed"},
	{"lambda-remove-permission", "Permissions of a guardrail function changed"},
	{"s3-put-bucket-lifecycle", "Lifecycle of the audit bucket changed"},
	{"logs-put-retention-policy", "Retention of the audit log group changed"},
	{"logs-delete-subscription-filter", "Subscription filter of the audit log group deleted"},
	{"sns-delete-topic", "Alert topic deleted"},
	{"sns-set-topic-attributes", "Alert topic attributes changed"},
	{"config-delete-config-rule", "editbay AWS Config rule deleted"},
	{"config-put-config-rule", "editbay AWS Config rule changed"},
}

func TestAlertOnly(t *testing.T) {
	for _, c := range alertOnly {
		t.Run(c.fixture, func(t *testing.T) {
			w := newWorld(t, false)
			out, err := w.h.Handle(ctx(), fixture(t, c.fixture, nil))
			if err != nil || !slices.Equal(out.Alerts, []string{c.title}) || len(out.Remediations) != 0 || len(w.changes()) != 0 {
				t.Fatalf("%+v %v, changes %q", out, err, w.changes())
			}
			if m := w.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "done:  alerted (not undone): ") || !strings.Contains(m[0], "who:   role Developers") {
				t.Errorf("alert %q", m)
			}
		})
	}
}

// Events on what the guard does not protect, of trusted deployments and of the guard's own role, and
// events it does not know, are ignored: nothing is changed and nothing is sent.
func TestIgnored(t *testing.T) {
	deploy := map[string]any{"detail.userIdentity.sessionContext.sessionIssuer.arn": cfnExec,
		"detail.userIdentity.arn": "arn:aws:sts::111122223333:assumed-role/cdk-hnb659fds-cfn-exec-role-111122223333-ap-northeast-1/AWSCloudFormation"}
	own := map[string]any{"detail.userIdentity.arn": ownRole,
		"detail.userIdentity.sessionContext.sessionIssuer.arn": "arn:aws:iam::111122223333:role/editbay-tamper-guard-role"}
	for _, c := range []struct {
		name, fixture string
		edits         map[string]any
		skipped       string
	}{
		{"trusted deployment", "events-disable-rule", deploy, "a trusted deployment role made the change"},
		{"trusted deployment of a key", "kms-schedule-key-deletion", deploy, "a trusted deployment role made the change"},
		{"own undo call", "events-put-targets", own, "this function's own change"},
		{"own undo call on a function", "lambda-put-function-concurrency", own, "this function's own change"},
		{"unprotected rule", "events-disable-rule", map[string]any{"detail.requestParameters.name": "other-rule"}, "not a guarded rule"},
		{"unknown rule", "events-disable-rule", map[string]any{"detail.requestParameters.name": "no-such-rule"}, "no such rule"},
		{"another bus", "events-disable-rule", map[string]any{"detail.requestParameters.eventBusName": "orders"}, "a rule of another event bus"},
		{"unprotected key", "kms-disable-key", map[string]any{"detail.requestParameters.keyId": keyU}, "not a guarded key"},
		{"unknown key", "kms-disable-key", map[string]any{"detail.requestParameters.keyId": "alias/nothing"}, "no such key"},
		{"unprotected alias", "kms-delete-alias", map[string]any{"detail.requestParameters.aliasName": "alias/other",
			"detail.resources": []any{map[string]any{"ARN": "arn:aws:kms:ap-northeast-1:111122223333:key/" + keyU}}}, "not a guarded key's alias"},
		{"unprotected function", "lambda-put-function-concurrency", map[string]any{"detail.requestParameters.functionName": "other-fn"}, "not a guarded function"},
		{"unknown function", "lambda-put-function-concurrency", map[string]any{"detail.requestParameters.functionName": "nope"}, "no such function"},
		{"other bucket", "s3-put-bucket-versioning", map[string]any{"detail.requestParameters.bucketName": "someone-elses-bucket"}, "not the audit bucket"},
		{"versioning enabled", "s3-put-bucket-versioning", map[string]any{"detail.requestParameters.VersioningConfiguration.Status": "Enabled"}, "versioning not suspended"},
		{"other log group", "logs-put-retention-policy", map[string]any{"detail.requestParameters.logGroupName": "/app/logs"}, "not the audit log group"},
		{"other topic", "sns-delete-topic", map[string]any{"detail.requestParameters.topicArn": "arn:aws:sns:ap-northeast-1:111122223333:other"}, "not the alert topic"},
		{"other Config rule", "config-delete-config-rule", map[string]any{"detail.requestParameters.configRuleName": "securityhub-x"}, "not an editbay Config rule"},
		{"failed call", "events-disable-rule", map[string]any{"detail.errorCode": "AccessDenied"}, "the call failed, so it changed nothing"},
		{"unwatched event", "authorize-security-group-ingress", nil, "not a watched event"},
		{"unwatched KMS event", "kms-disable-key", map[string]any{"detail.eventName": "TagResource"}, "not a watched KMS event"},
		{"unwatched Lambda event", "lambda-remove-permission", map[string]any{"detail.eventName": "GetFunction20150331v2"}, "not a watched Lambda event"},
		{"compliance change", "config-compliance-change", nil, "not a CloudTrail event"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, false)
			w.events.Set("other-rule", func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
			w.events.Set(trailRule, func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
			w.kms.Set(keyU, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled })
			w.kms.Set(keyA, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStatePendingDeletion })
			w.lambda.SetConcurrency("other-fn", aws.Int32(0))
			out, err := w.h.Handle(ctx(), fixture(t, c.fixture, c.edits))
			if err != nil || out.Skipped != c.skipped || len(w.changes()) != 0 || len(w.sns.Published) != 0 {
				t.Fatalf("%+v %v, changes %q, alerts %q", out, err, w.changes(), w.sns.Messages())
			}
		})
	}
	w := newWorld(t, false)
	for _, raw := range []string{`{}`, `[]`, `{"detail-type":"x","source":"y","detail":{}}`, `null`} {
		if out, err := w.h.Handle(ctx(), []byte(raw)); err != nil || out.Skipped == "" {
			t.Errorf("%s: %+v %v", raw, out, err)
		}
	}
}

// Protection by tag, by PROTECTED_KEYS (an alias), and by RULE_TARGETS or FUNCTION_CONCURRENCY alone
// for rules and functions that are tagged but have no known target or concurrency.
func TestProtectionBy(t *testing.T) {
	w := newWorld(t, false)
	w.kms.Set(keyL, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled })
	for _, ref := range []string{keyL, "alias/editbay-audit", "arn:aws:kms:ap-northeast-1:111122223333:key/" + keyL} {
		w.kms.Set(keyL, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled })
		if out, err := w.h.Handle(ctx(), fixture(t, "kms-disable-key", map[string]any{"detail.requestParameters.keyId": ref})); err != nil ||
			w.kms.Key(keyL).State != kmstypes.KeyStateEnabled || len(out.Remediations) != 1 {
			t.Fatalf("%s: %+v %v", ref, out, err)
		}
	}
	// A tagged rule is enabled again, but its targets are not known: alert only.
	w.events.Set("tagged-rule", func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled; r.Targets = nil })
	if out, err := w.h.Handle(ctx(), fixture(t, "events-disable-rule", map[string]any{"detail.requestParameters.name": "tagged-rule"})); err != nil || len(out.Remediations) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	out, err := w.h.Handle(ctx(), fixture(t, "events-remove-targets", map[string]any{"detail.requestParameters.rule": "tagged-rule"}))
	if r, _ := w.events.Rule("tagged-rule"); err != nil || len(out.Alerts) != 1 || len(out.Remediations) != 0 || r.State != ebtypes.RuleStateEnabled || len(r.Targets) != 0 {
		t.Fatalf("%+v %v %+v", out, err, r)
	}
	// So is a tagged function's concurrency.
	w.lambda.SetConcurrency("tagged-fn", aws.Int32(0))
	out, err = w.h.Handle(ctx(), fixture(t, "lambda-put-function-concurrency", map[string]any{"detail.requestParameters.functionName": "tagged-fn"}))
	if err != nil || len(out.Alerts) != 1 || len(out.Remediations) != 0 || aws.ToInt32(w.lambda.Function("tagged-fn").Reserved) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	// This function itself, by "self" in FUNCTION_CONCURRENCY.
	w.lambda.SetConcurrency(selfFn, aws.Int32(0))
	out, err = w.h.Handle(ctx(), fixture(t, "lambda-put-function-concurrency", map[string]any{"detail.requestParameters.functionName": selfArn + ":live"}))
	if err != nil || len(out.Remediations) != 1 || aws.ToInt32(w.lambda.Function(selfFn).Reserved) != 5 {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestSweep(t *testing.T) {
	w := newWorld(t, false)
	scheduled := fixture(t, "scheduled-event", nil)
	// Nothing drifted: reads only, no alert.
	out, err := w.h.Handle(ctx(), scheduled)
	if err != nil || out.Skipped != "already as expected" || len(w.changes()) != 0 || len(w.sns.Published) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	// Everything drifted without an event.
	w.events.Set(trailRule, func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
	w.events.Set(selfRule, func(r *fakes.EventRule) { r.Targets = []ebtypes.Target{target(triageArn)} })
	w.lambda.SetConcurrency(triageFn, aws.Int32(0))
	w.lambda.SetConcurrency(selfFn, nil)
	w.kms.Set(keyL, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStatePendingDeletion; k.Rotation = false })
	w.s3.SetVersioning(bucket, s3types.BucketVersioningStatusSuspended)
	// Unprotected resources that drifted are not the sweep's.
	w.events.Set("other-rule", func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
	w.kms.Set(keyU, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled })
	out, err = w.h.Handle(ctx(), scheduled)
	if err != nil || len(out.Remediations) != 6 || len(out.Alerts) != 6 || len(out.Failures) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	if !ruleAsDeployed(w, trailRule, triageArn) || !ruleAsDeployed(w, selfRule, selfArn) || aws.ToInt32(w.lambda.Function(triageFn).Reserved) != 5 ||
		aws.ToInt32(w.lambda.Function(selfFn).Reserved) != 5 || k(w, keyL) != "Enabled rotating" || w.s3.Versioning(bucket) != s3types.BucketVersioningStatusEnabled {
		t.Fatal("not restored")
	}
	if r, _ := w.events.Rule("other-rule"); r.State != ebtypes.RuleStateDisabled || k(w, keyU) != "Disabled rotating" {
		t.Error("the sweep changed an unprotected resource")
	}
	for _, m := range w.sns.Messages() {
		if !strings.Contains(m, "who:   scheduled check") {
			t.Errorf("alert %q", m)
		}
	}
	// Idempotent: a second sweep finds nothing.
	n := len(w.changes())
	if out, err := w.h.Handle(ctx(), scheduled); err != nil || out.Skipped != "already as expected" || len(w.changes()) != n || len(w.sns.Published) != 6 {
		t.Fatalf("second sweep %+v %v", out, err)
	}
}

func k(w *world, id string) string {
	key := w.kms.Key(id)
	if key.Rotation {
		return string(key.State) + " rotating"
	}
	return string(key.State) + " not rotating"
}

// What the guard cannot undo (a deleted rule or function, an alias that resolves to nothing) is
// alerted and counted as a failure; the invocation succeeds, as a retry would not help.
func TestUnfixable(t *testing.T) {
	w := newWorld(t, false)
	w.events.Delete(trailRule)
	w.kms.Alias("alias/editbay-audit", "gone")
	out, err := w.h.Handle(ctx(), fixture(t, "scheduled-event", nil))
	if err != nil || len(out.Failures) != 2 || len(out.Alerts) != 2 || len(out.Remediations) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	m := w.sns.Messages()
	if !strings.Contains(m[0], "(NOT undone)") || !strings.Contains(m[0], "the rule no longer exists: redeploy the guardrails stack") ||
		!strings.Contains(w.metrics.String(), `"Failures":1`) {
		t.Errorf("%q %s", m, w.metrics.String())
	}
	// An event on a deleted rule: alerted too.
	out, err = w.h.Handle(ctx(), fixture(t, "events-remove-targets", nil))
	if err != nil || len(out.Failures) != 1 || !strings.HasSuffix(out.Alerts[0], "(NOT undone)") {
		t.Fatalf("%+v %v", out, err)
	}
	// A key in a state the guard does not change.
	w.kms.Set(keyA, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateUnavailable })
	out, err = w.h.Handle(ctx(), fixture(t, "kms-disable-key", nil))
	if err != nil || len(out.Failures) != 1 || !strings.Contains(out.Failures[0], "Unavailable") {
		t.Fatalf("%+v %v", out, err)
	}
}

// API errors while undoing fail the invocation, so Lambda retries; throttling is not alerted (the
// retry undoes it), other errors are, with what was done before them.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		op        string
		err       error
		wantAlert bool
	}{
		{"EnableKey", fakes.Throttling(), false},
		{"EnableKey", fakes.APIError("AccessDeniedException"), true},
		{"CancelKeyDeletion", fakes.APIError("KMSInvalidStateException"), true},
		{"DescribeKey", fakes.APIError("AccessDeniedException"), true},
		{"ListResourceTags", fakes.Throttling(), false},
	} {
		w := newWorld(t, false)
		w.kms.Set(keyA, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStatePendingDeletion })
		w.kms.Fail(c.op, c.err)
		out, err := w.h.Handle(ctx(), fixture(t, "kms-schedule-key-deletion", nil))
		if err == nil || len(out.Failures) == 0 {
			t.Errorf("%s %v: no error: %+v", c.op, c.err, out)
		}
		if got := len(w.sns.Published) == 1; got != c.wantAlert {
			t.Errorf("%s %v: alerted %v: %q", c.op, c.err, got, w.sns.Messages())
		}
		if c.wantAlert && c.op == "EnableKey" && !strings.Contains(w.sns.Messages()[0], "cancelled the key's scheduled deletion; then failed: enabling the key") {
			t.Errorf("alert %q", w.sns.Messages())
		}
		// Lambda's retry finishes the undo.
		if out, err := w.h.Handle(ctx(), fixture(t, "kms-schedule-key-deletion", nil)); err != nil || w.kms.Key(keyA).State != kmstypes.KeyStateEnabled {
			t.Errorf("%s: retry %+v %v", c.op, out, err)
		}
	}
	// PutTargets answers 200 with failed entries.
	w := newWorld(t, false)
	w.events.Set(trailRule, func(r *fakes.EventRule) { r.Targets = nil })
	w.events.Fail("PutTargets", fakes.APIError("ConcurrentModificationException"))
	if _, err := w.h.Handle(ctx(), fixture(t, "events-remove-targets", nil)); err == nil {
		t.Error("no error")
	}
}

// A failed alert: after an undo, or when the topic is gone, it is logged and counted and the invocation
// succeeds; an alert-only change whose alert was throttled fails, so Lambda sends it again.
func TestAlertFailures(t *testing.T) {
	w := newWorld(t, false)
	w.sns.Fail("Publish", fakes.APIError("NotFound"))
	out, err := w.h.Handle(ctx(), fixture(t, "sns-delete-topic", nil))
	if err != nil || len(out.Alerts) != 0 || len(out.Failures) != 1 || !strings.Contains(w.metrics.String(), `"Failures":1`) {
		t.Fatalf("topic gone: %+v %v", out, err)
	}
	w.sns.Fail("Publish", fakes.Throttling())
	if _, err := w.h.Handle(ctx(), fixture(t, "sns-set-topic-attributes", nil)); err == nil {
		t.Error("a throttled alert-only alert did not fail the invocation")
	}
	w.lambda.SetConcurrency(triageFn, aws.Int32(0))
	w.sns.Fail("Publish", fakes.Throttling())
	out, err = w.h.Handle(ctx(), fixture(t, "lambda-put-function-concurrency", nil))
	if err != nil || len(out.Remediations) != 1 || len(out.Failures) != 1 || aws.ToInt32(w.lambda.Function(triageFn).Reserved) != 5 {
		t.Fatalf("after an undo: %+v %v", out, err)
	}
}

// The guard's own role is learned once; a failed lookup is retried on the next event.
func TestOwnRoleLookup(t *testing.T) {
	w := newWorld(t, false)
	s := &fakes.STS{ARN: ownRole}
	w.h.STS = s
	s.Fail("GetCallerIdentity", fakes.Throttling())
	own := fixture(t, "events-put-targets", map[string]any{"detail.userIdentity.arn": ownRole})
	if out, _ := w.h.Handle(ctx(), own); out.Skipped == "this function's own change" {
		t.Error("recognised without the lookup")
	}
	for range 3 {
		if out, _ := w.h.Handle(ctx(), own); out.Skipped != "this function's own change" {
			t.Errorf("%+v", out)
		}
	}
	if n := s.Calls("GetCallerIdentity"); n != 2 {
		t.Errorf("%d lookups", n)
	}
	// A role of the same name in another account, or another role's session of the same name, is not it.
	for _, arn := range []string{"arn:aws:sts::444455556666:assumed-role/editbay-tamper-guard-role/" + selfFn, "arn:aws:sts::111122223333:assumed-role/Developers/" + selfFn} {
		if out, _ := w.h.Handle(ctx(), fixture(t, "events-put-targets", map[string]any{"detail.userIdentity.arn": arn})); out.Skipped == "this function's own change" {
			t.Errorf("%s taken for the guard itself", arn)
		}
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"PutFunctionConcurrency20171031":        "PutFunctionConcurrency",
		"DeleteFunctionConcurrency20171031":     "DeleteFunctionConcurrency",
		"UpdateFunctionConfiguration20150331v2": "UpdateFunctionConfiguration",
		"UpdateFunctionCode20150331v2":          "UpdateFunctionCode",
		"AddPermission20150331v2":               "AddPermission",
		"RemovePermission20150331v2":            "RemovePermission",
		"DeleteFunction20150331":                "DeleteFunction",
		"PutFunctionConcurrency":                "PutFunctionConcurrency",
		"v2":                                    "v2",
		"20150331":                              "20150331",
		"Remove":                                "Remove",
	} {
		if got := baseName(in); got != want {
			t.Errorf("baseName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"f": "f", "f:live": "f", "arn:aws:lambda:r:1:function:f": "f", "arn:aws:lambda:r:1:function:f:3": "f", "1:function:f": "f",
	} {
		if got := functionName(in); got != want {
			t.Errorf("functionName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzHandle runs every fixture as a seed and, under -fuzz, mutations of them against healthy fakes:
// the handler never panics and never fails, whatever the event says.
func FuzzHandle(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "awsevent", "testdata", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		w := newWorld(t, false)
		if _, err := w.h.Handle(ctx(), raw); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	})
}
