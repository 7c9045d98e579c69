// Package tamper undoes, within seconds, the changes that would blind editbay's guardrails and audit:
// a guarded KMS key scheduled for deletion, disabled or without rotation; a guardrail EventBridge rule
// disabled or with its target removed or replaced; a guardrail function's reserved concurrency taken
// away; the audit bucket's versioning suspended. It alerts on the changes it cannot undo (key policies,
// grants and aliases, rule patterns and deletions, function code and permissions, the audit bucket's
// policy and lifecycle, the audit log group, the alert topic, editbay's Config rules), and a scheduled
// sweep restores whatever drifted without an event (CloudTrail-to-EventBridge delivery is best effort,
// and a rule whose target was removed cannot report its own removal).
//
// Every handler reads before it writes, so a repeated event finds nothing to undo. Idempotency and
// alerts: an event whose resource is already as expected (a repeated delivery, or the sweep came
// first) sends no alert and changes nothing; the log keeps who made the change. Alert-only events
// alert on every delivery. Events of trusted deployment roles and of this function's own role (its
// undo calls come back as events) are logged and ignored.
package tamper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// KMS is the part of the KMS API the guard calls; *kms.Client satisfies it.
type KMS interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, optFns ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error)
	GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, optFns ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error)
	CancelKeyDeletion(ctx context.Context, in *kms.CancelKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error)
	EnableKey(ctx context.Context, in *kms.EnableKeyInput, optFns ...func(*kms.Options)) (*kms.EnableKeyOutput, error)
	EnableKeyRotation(ctx context.Context, in *kms.EnableKeyRotationInput, optFns ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error)
}

// EventBridge is the part of the EventBridge API the guard calls; *eventbridge.Client satisfies it.
type EventBridge interface {
	DescribeRule(ctx context.Context, in *eventbridge.DescribeRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	EnableRule(ctx context.Context, in *eventbridge.EnableRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.EnableRuleOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
	PutTargets(ctx context.Context, in *eventbridge.PutTargetsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error)
	RemoveTargets(ctx context.Context, in *eventbridge.RemoveTargetsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error)
	ListTagsForResource(ctx context.Context, in *eventbridge.ListTagsForResourceInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error)
}

// Lambda is the part of the Lambda API the guard calls; *lambda.Client satisfies it.
type Lambda interface {
	GetFunctionConcurrency(ctx context.Context, in *lambda.GetFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error)
	PutFunctionConcurrency(ctx context.Context, in *lambda.PutFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error)
	ListTags(ctx context.Context, in *lambda.ListTagsInput, optFns ...func(*lambda.Options)) (*lambda.ListTagsOutput, error)
}

// S3 is the part of the S3 API the guard calls; *s3.Client satisfies it.
type S3 interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	PutBucketVersioning(ctx context.Context, in *s3.PutBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
}

// STS tells the guard its own role; *sts.Client satisfies it. GetCallerIdentity needs no permission
// (STS API reference).
type STS interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Handler handles one event.
type Handler struct {
	KMS      KMS
	Events   EventBridge
	Lambda   Lambda
	S3       S3
	STS      STS
	Settings Settings
	Alerts   alert.Sender
	Metrics  *emf.Logger
	Log      *slog.Logger
	DryRun   bool

	mu         sync.Mutex
	selfPrefix *string // "arn:aws:sts::<account>:assumed-role/<role>/" once known, "" when not a role
}

// Outcome is what one invocation did.
type Outcome struct {
	Skipped      string   // why nothing was done: not watched, trusted, own change, unprotected, already as expected
	Remediations []string // what was undone (in a dry run: what would have been)
	Alerts       []string // the titles of the alerts sent
	Failures     []string // what could not be undone or alerted
}

func (o *Outcome) add(other Outcome) {
	o.Remediations = append(o.Remediations, other.Remediations...)
	o.Alerts = append(o.Alerts, other.Alerts...)
	o.Failures = append(o.Failures, other.Failures...)
}

// trigger is what an alert says about the change: who, what, where, when.
type trigger struct {
	who, name, params, account, region, eventID string
	when                                        time.Time
	call                                        *awsevent.APICall // nil for the sweep
}

// Function is the metric dimension and the alerts' signature.
const Function = "tamper-guard"

const why = "editbay governance keeps the audit trail's key, bucket and log group, the guardrail functions and their " +
	"EventBridge rules, the alert topic and editbay's Config rules as deployed, and undoes a change that would blind them. " +
	"Change them through the governance stacks (cdk deploy), whose deployment role the guard trusts. See the README's governance section."

// Handle classifies one event and acts on it. It never fails on an event it does not know.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Outcome, error) {
	e, err := awsevent.Decode(raw)
	if err != nil {
		return h.skip("not an EventBridge event", "error", err.Error()), nil
	}
	if e.DetailType == awsevent.DetailScheduled && e.Source == awsevent.SourceScheduler {
		return h.Sweep(ctx, e)
	}
	c, err := awsevent.DecodeAPICall(e)
	if err != nil {
		return h.skip("not a CloudTrail event", "detailType", e.DetailType, "error", err.Error()), nil
	}
	log := []any{"event", c.EventName, "source", c.EventSource, "eventId", c.EventID, "who", c.UserIdentity.ARN}
	if c.ErrorCode != "" {
		return h.skip("the call failed, so it changed nothing", append(log, "errorCode", c.ErrorCode)...), nil
	}
	issuer := c.UserIdentity.SessionContext.SessionIssuer.ARN
	for _, p := range h.Settings.TrustedPrincipals {
		if issuer != "" && match(p, issuer) {
			return h.skip("a trusted deployment role made the change", append(log, "role", issuer)...), nil
		}
	}
	if h.own(ctx, c.UserIdentity) {
		return h.skip("this function's own change", log...), nil
	}
	tr := trigger{who: c.UserIdentity.Who(), name: c.EventName, account: first(c.RecipientAccountID, e.Account),
		region: first(c.AWSRegion, e.Region), eventID: c.EventID, when: c.EventTime, call: &c}
	if c.SourceIPAddress != "" {
		tr.who += " from " + c.SourceIPAddress
	}
	if p := string(c.RequestParameters); len(p) > 0 && p != "null" && len(p) < 600 {
		tr.params = p
	}
	switch c.EventSource {
	case "kms.amazonaws.com":
		return h.kmsEvent(ctx, tr)
	case "events.amazonaws.com":
		return h.ruleEvent(ctx, tr)
	case "lambda.amazonaws.com":
		return h.functionEvent(ctx, tr)
	case "s3.amazonaws.com":
		return h.bucketEvent(ctx, tr)
	case "logs.amazonaws.com":
		return h.logGroupEvent(ctx, tr)
	case "sns.amazonaws.com":
		return h.topicEvent(ctx, tr)
	case "config.amazonaws.com":
		return h.configRuleEvent(ctx, tr)
	}
	return h.skip("not a watched event", log...), nil
}

// own reports whether the caller is this function's role, whose sessions are its undo calls. The role
// is learned once from STS: a Lambda function runs as arn:aws:sts::<account>:assumed-role/<role>/<name>.
func (h *Handler) own(ctx context.Context, u awsevent.UserIdentity) bool {
	if u.Type != "AssumedRole" || h.STS == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.selfPrefix == nil {
		out, err := h.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			// Not cached: the next event asks again. Until then the own change is handled as any other,
			// and finds nothing to undo.
			h.Log.Warn("cannot tell this function's own role", "error", err.Error())
			return false
		}
		arn, prefix := aws.ToString(out.Arn), ""
		if strings.Contains(arn, ":assumed-role/") && strings.Count(arn, "/") >= 2 {
			prefix = arn[:strings.LastIndex(arn, "/")+1]
		}
		h.selfPrefix = &prefix
	}
	return *h.selfPrefix != "" && strings.HasPrefix(u.ARN, *h.selfPrefix)
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// unfixable is a change the guard cannot undo: a deleted rule, function or key, a key state it cannot
// leave. It is alerted with what to do and counted as a failure; retrying would not help, so the
// invocation succeeds.
type unfixable struct{ reason string }

func (u *unfixable) Error() string { return u.reason }

// fix brings one resource back to its expected state and says what it did; in a dry run it says what
// it would do and changes nothing. On an error it returns what it did before it.
type fix func(ctx context.Context) ([]string, error)

// restore runs fix for a change of resource and alerts: what was undone, or that nothing could be.
// Nothing to undo sends no alert, unless always (a change that is alerted even when its visible
// effect is undone, e.g. PutRule, whose pattern cannot be compared), with hint appended.
func (h *Handler) restore(ctx context.Context, tr trigger, title, resource, hint string, always bool, f fix) (Outcome, error) {
	var out Outcome
	actions, err := f(ctx)
	var u *unfixable
	switch {
	case errors.As(err, &u):
		h.count(emf.Failures)
		out.Failures = append(out.Failures, resource+": "+u.reason)
		h.Log.Error("not undone", "resource", resource, "reason", u.reason, "eventId", tr.eventID)
		action := "nothing could be undone: " + u.reason
		if len(actions) > 0 {
			action = strings.Join(actions, "; ") + "; then " + u.reason
		}
		return out, h.send(ctx, &out, tr, title+" (NOT undone)", resource, action, true)
	case err != nil:
		return out, h.failed(ctx, &out, tr, title, resource, actions, err)
	case len(actions) == 0 && !always:
		out.Skipped = "already as expected"
		h.Log.Info("nothing to undo", "resource", resource, "who", tr.who, "event", tr.name, "eventId", tr.eventID)
		return out, nil
	}
	action := strings.Join(actions, "; ")
	if len(actions) > 0 {
		out.Remediations = append(out.Remediations, resource+": "+action)
		h.count(emf.Remediations)
		h.Log.Info("undone", "resource", resource, "actions", action, "dryRun", h.DryRun, "who", tr.who, "eventId", tr.eventID)
	} else {
		action = "found nothing to undo"
	}
	if hint != "" {
		action += "; " + hint
	}
	return out, h.send(ctx, &out, tr, title, resource, action, len(actions) == 0)
}

// alertOnly alerts on a change the guard does not undo.
func (h *Handler) alertOnly(ctx context.Context, tr trigger, title, resource, action string) (Outcome, error) {
	var out Outcome
	return out, h.send(ctx, &out, tr, title, resource, "alerted (not undone): "+action, true)
}

// send publishes an alert. A failed alert is logged in full and counted; it fails the invocation, so
// Lambda retries and the alert is sent again, only when retrying can help and would send it again:
// an alert-only change (redo), throttled or another transient error. After an undo the retry would
// find nothing to undo and send nothing, and a deleted alert topic or a denied publish stays so:
// those succeed, and the log and the Failures metric keep the alert.
func (h *Handler) send(ctx context.Context, out *Outcome, tr trigger, title, resource, action string, redo bool) error {
	what := resource
	if tr.name != "" {
		what = tr.name + " on " + resource
	}
	if tr.params != "" {
		what += " " + tr.params
	}
	a := alert.Alert{Title: title, Who: tr.who, What: what, Account: tr.account, Region: tr.region, Time: tr.when,
		Action: action, Why: why, EventID: tr.eventID, DryRun: h.DryRun}
	err := h.Alerts.Send(ctx, a)
	if err == nil {
		out.Alerts = append(out.Alerts, title)
		h.count(emf.Alerts)
		h.Log.Info("alerted", "title", title, "action", action)
		return nil
	}
	class := awserr.Classify(err)
	h.count(emf.Failures)
	out.Failures = append(out.Failures, "alert "+title+": "+err.Error())
	h.Log.Error("alert failed", "class", class.String(), "code", awserr.Code(err), "error", err.Error(), "subject", a.Subject(), "body", a.Body())
	if redo && class != awserr.NotFound && class != awserr.AccessDenied {
		return fmt.Errorf("alert %q (%s): %w", title, class, err)
	}
	return nil
}

// failed reports an API error while undoing: logged, counted, alerted unless throttled or timed out
// (the retry will undo it), and returned so Lambda retries.
func (h *Handler) failed(ctx context.Context, out *Outcome, tr trigger, title, resource string, done []string, err error) error {
	class := awserr.Classify(err)
	h.Log.Error("undo failed", "resource", resource, "class", class.String(), "code", awserr.Code(err), "error", err.Error(), "eventId", tr.eventID)
	h.count(emf.Failures)
	out.Failures = append(out.Failures, resource+": "+err.Error())
	if class != awserr.Throttled && class != awserr.Canceled {
		action := "failed: " + err.Error()
		if len(done) > 0 {
			action = strings.Join(done, "; ") + "; then " + action
		}
		_ = h.send(ctx, out, tr, title+" (NOT undone)", resource, action, false)
	}
	return fmt.Errorf("%s: %s (%s): %w", title, resource, class, err)
}

func (h *Handler) skip(reason string, attrs ...any) Outcome {
	h.Log.Info("no action", append([]any{"why", reason}, attrs...)...)
	return Outcome{Skipped: reason}
}

func (h *Handler) count(name string) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.Count(map[string]string{"Function": Function}, map[string]float64{name: 1}); err != nil {
		h.Log.Warn("metrics", "error", err.Error())
	}
}

// guarded reports whether tags carry the guard tag with value "true".
func (h *Handler) guarded(key, value string) bool {
	return key == h.Settings.GuardTagKey && strings.EqualFold(value, "true")
}

// baseName is a CloudTrail event name without the API version Lambda appends to most of its event
// names (Lambda developer guide, "Logging AWS Lambda API calls using AWS CloudTrail": e.g.
// PutFunctionConcurrency20171031, UpdateFunctionConfiguration20150331v2, DeleteFunction20150331).
func baseName(eventName string) string {
	s := eventName
	if i := strings.LastIndexByte(s, 'v'); i > 0 && i+1 < len(s) && digits(s[i+1:]) && i >= 8 && digits(s[i-8:i]) {
		s = s[:i]
	}
	if len(s) > 8 && digits(s[len(s)-8:]) {
		s = s[:len(s)-8]
	}
	return s
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// partition is the ARN partition of arn, or of region when arn is not an ARN.
func partition(arn, region string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// selfARN is this function's unqualified ARN: the invoked ARN without a version or alias, or, outside
// an invocation, built from the function name.
func (h *Handler) selfARN(ctx context.Context, account, region string) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && strings.HasPrefix(lc.InvokedFunctionArn, "arn:") {
		if parts := strings.Split(lc.InvokedFunctionArn, ":"); len(parts) >= 7 {
			return strings.Join(parts[:7], ":")
		}
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition("", region), region, account, h.Settings.FunctionName)
}
