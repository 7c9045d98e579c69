// Package triage watches CloudTrail for changes that blind the audit trail or weaken sign-in: it
// undoes StopLogging and a weakening UpdateTrail of the governance trail, and alerts on trail
// deletion, MFA device deactivation, console sign-in without MFA, root user activity and flow-log
// deletion. Config compliance changes are counted for the dashboard.
package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// CloudTrail is the part of the CloudTrail API triage calls; *cloudtrail.Client satisfies it.
type CloudTrail interface {
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
	StartLogging(ctx context.Context, in *cloudtrail.StartLoggingInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.StartLoggingOutput, error)
	UpdateTrail(ctx context.Context, in *cloudtrail.UpdateTrailInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.UpdateTrailOutput, error)
}

// Settings describe the governance trail as deployed, from the function's environment.
type Settings struct {
	TrailName string // TRAIL_NAME
	TrailARN  string // TRAIL_ARN: StopLogging and UpdateTrail must be called in the trail's home region
	Bucket    string // TRAIL_BUCKET
	KMSKeyID  string // TRAIL_KMS_KEY (an alias such as alias/editbay-trail)
	// AllowedRegions are where API calls are expected (ALLOWED_REGIONS, comma-separated); the trail's
	// log group sends calls made anywhere else.
	AllowedRegions []string
}

// Handler handles one event.
type Handler struct {
	CloudTrail CloudTrail
	Settings   Settings
	Alerts     alert.Sender
	Metrics    *emf.Logger
	Log        *slog.Logger
	DryRun     bool
}

// Outcome is what one invocation did.
type Outcome struct {
	Alerted     string // the alert's title, "" for none
	Remediation string // what was undone, "" for nothing
}

type trigger struct {
	call                     awsevent.APICall
	account, region, eventID string
	when                     time.Time
}

// Handle classifies one event and acts on it.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Outcome, error) {
	if awsevent.IsLogsBatch(raw) {
		return h.outsideRegions(ctx, raw)
	}
	e, err := awsevent.Decode(raw)
	if err != nil {
		h.Log.Error("ignoring event", "error", err.Error())
		return Outcome{}, nil
	}
	if e.DetailType == awsevent.DetailComplianceChange {
		c, err := awsevent.DecodeComplianceChange(e)
		if err != nil {
			h.Log.Error("ignoring event", "error", err.Error())
			return Outcome{}, nil
		}
		h.Log.Info("compliance change", "rule", c.ConfigRuleName, "resource", c.ResourceID, "compliance", c.NewEvaluationResult.ComplianceType)
		h.metric(map[string]string{"Function": "trail-triage", "Compliance": c.NewEvaluationResult.ComplianceType}, emf.ComplianceChange)
		return Outcome{}, nil
	}
	c, err := awsevent.DecodeAPICall(e)
	if err != nil {
		h.Log.Error("ignoring event", "error", err.Error())
		return Outcome{}, nil
	}
	tr := trigger{call: c, account: e.Account, region: c.AWSRegion, eventID: c.EventID, when: c.EventTime}
	if c.ErrorCode != "" {
		return Outcome{}, nil // a call that failed changed nothing
	}
	switch {
	case c.EventSource == "cloudtrail.amazonaws.com" && c.EventName == "StopLogging" && h.ours(c):
		return h.restartLogging(ctx, tr)
	case c.EventSource == "cloudtrail.amazonaws.com" && c.EventName == "UpdateTrail" && h.ours(c):
		return h.restoreTrail(ctx, tr)
	case c.EventSource == "cloudtrail.amazonaws.com" && c.EventName == "DeleteTrail" && h.ours(c):
		return h.notify(ctx, tr, "Audit trail deleted", "nothing can undo a deletion: redeploy the governance audit stack (cdk deploy) to recreate the trail; its bucket and logs were retained")
	case c.EventName == "DeactivateMFADevice" || c.EventName == "DeleteVirtualMFADevice":
		return h.notify(ctx, tr, "MFA device removed", "alerted; the user is denied everything but MFA self-management until a new device is enabled")
	case c.EventName == "ConsoleLogin" && c.MFAUsed() == "No" && c.UserIdentity.Type != "AssumedRole":
		return h.notify(ctx, tr, "Console sign-in without MFA", "alerted; the session can do nothing but set up MFA (the groups deny everything else without MFA)")
	case c.UserIdentity.Type == "Root":
		return h.notify(ctx, tr, "Root user activity", "alerted; use the root user only for the tasks that require it")
	case c.EventName == "DeleteFlowLogs":
		return h.notify(ctx, tr, "VPC flow logs deleted", "alerted; redeploy the environment's network stack (cdk deploy) to recreate them")
	}
	h.Log.Info("no action", "event", c.EventName)
	return Outcome{}, nil
}

// ours reports whether the call names the governance trail, by name or ARN.
func (h *Handler) ours(c awsevent.APICall) bool {
	var p struct {
		Name string `json:"name"`
	}
	if err := c.Params(&p); err != nil {
		return false
	}
	s := h.Settings
	return p.Name == s.TrailName || p.Name == s.TrailARN || strings.HasSuffix(p.Name, ":trail/"+s.TrailName) && s.TrailName != ""
}

func (h *Handler) restartLogging(ctx context.Context, tr trigger) (Outcome, error) {
	out := Outcome{Alerted: "Audit trail stopped"}
	name := aws.String(h.Settings.TrailARN)
	st, err := h.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: name})
	if err != nil {
		return out, h.failed(ctx, tr, out.Alerted, "checking the trail", err)
	}
	if aws.ToBool(st.IsLogging) {
		return h.notify(ctx, tr, out.Alerted, "found it logging again already")
	}
	if !h.DryRun {
		if _, err := h.CloudTrail.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: name}); err != nil {
			return out, h.failed(ctx, tr, out.Alerted, "starting logging", err)
		}
	}
	out.Remediation = "started logging on " + h.Settings.TrailName
	h.metric(nil, emf.Remediations)
	_, err = h.notify(ctx, tr, out.Alerted, out.Remediation)
	return out, err
}

// restoreTrail puts back the settings an UpdateTrail weakened: multi-region, global service events,
// log-file validation, the KMS key and the bucket. One UpdateTrail call; setting a value it already
// has changes nothing, so the fix is idempotent.
func (h *Handler) restoreTrail(ctx context.Context, tr trigger) (Outcome, error) {
	var p struct {
		MultiRegion    *bool   `json:"isMultiRegionTrail"`
		Global         *bool   `json:"includeGlobalServiceEvents"`
		Validation     *bool   `json:"enableLogFileValidation"`
		KMSKeyID       *string `json:"kmsKeyId"`
		Bucket         *string `json:"s3BucketName"`
		LogGroupARN    *string `json:"cloudWatchLogsLogGroupArn"`
		LogGroupRoleID *string `json:"cloudWatchLogsRoleArn"`
	}
	if err := tr.call.Params(&p); err != nil {
		h.Log.Error("ignoring event", "error", err.Error())
		return Outcome{}, nil
	}
	s := h.Settings
	var weakened []string
	in := &cloudtrail.UpdateTrailInput{Name: aws.String(s.TrailARN)}
	if p.MultiRegion != nil && !*p.MultiRegion {
		weakened, in.IsMultiRegionTrail = append(weakened, "multi-region off"), aws.Bool(true)
	}
	if p.Global != nil && !*p.Global {
		weakened, in.IncludeGlobalServiceEvents = append(weakened, "global service events off"), aws.Bool(true)
	}
	if p.Validation != nil && !*p.Validation {
		weakened, in.EnableLogFileValidation = append(weakened, "log-file validation off"), aws.Bool(true)
	}
	if p.KMSKeyID != nil && *p.KMSKeyID != s.KMSKeyID {
		weakened, in.KmsKeyId = append(weakened, fmt.Sprintf("KMS key %q", *p.KMSKeyID)), aws.String(s.KMSKeyID)
	}
	if p.Bucket != nil && *p.Bucket != s.Bucket {
		weakened, in.S3BucketName = append(weakened, fmt.Sprintf("bucket %q", *p.Bucket)), aws.String(s.Bucket)
	}
	if p.LogGroupARN != nil || p.LogGroupRoleID != nil {
		// The log group and its role are the stack's; alert rather than guess them.
		weakened = append(weakened, "CloudWatch Logs delivery changed (redeploy the audit stack to restore it)")
	}
	if len(weakened) == 0 {
		h.Log.Info("trail update does not weaken logging")
		return Outcome{}, nil
	}
	out := Outcome{Alerted: "Audit trail weakened"}
	restores := in.IsMultiRegionTrail != nil || in.IncludeGlobalServiceEvents != nil || in.EnableLogFileValidation != nil || in.KmsKeyId != nil || in.S3BucketName != nil
	action := "alerted: " + strings.Join(weakened, ", ")
	if restores {
		if !h.DryRun {
			if _, err := h.CloudTrail.UpdateTrail(ctx, in); err != nil {
				return out, h.failed(ctx, tr, out.Alerted, "restoring the trail", err)
			}
		}
		out.Remediation = "restored the trail's settings after: " + strings.Join(weakened, ", ")
		action = out.Remediation
		h.metric(nil, emf.Remediations)
	}
	_, err := h.notify(ctx, tr, out.Alerted, action)
	return out, err
}

// outsideRegions alerts on the calls a subscription of the trail's log group delivers: calls made
// outside the allowed regions, which no regional EventBridge rule of editbay sees. One alert per
// identity and region, so a burst of calls is one message.
func (h *Handler) outsideRegions(ctx context.Context, raw []byte) (Outcome, error) {
	b, err := awsevent.DecodeLogsBatch(raw)
	if err != nil {
		h.Log.Error("ignoring log delivery", "error", err.Error())
		return Outcome{}, nil
	}
	type key struct{ who, region string }
	var order []key
	groups := map[key][]awsevent.APICall{}
	for _, c := range b.Records {
		if slices.Contains(h.Settings.AllowedRegions, c.AWSRegion) {
			continue
		}
		k := key{c.UserIdentity.Who(), c.AWSRegion}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	const title = "API calls outside the allowed regions"
	out := Outcome{}
	for _, k := range order {
		calls := groups[k]
		var names []string
		for _, c := range calls {
			if len(names) == 10 {
				names = append(names, fmt.Sprintf("and %d more", len(calls)-10))
				break
			}
			names = append(names, c.EventName)
		}
		first := calls[0]
		err := h.Alerts.Send(ctx, alert.Alert{Title: title, Who: k.who,
			What:    fmt.Sprintf("%d call(s) in %s: %s, from %s", len(calls), k.region, strings.Join(names, ", "), first.SourceIPAddress),
			Account: b.Owner, Region: k.region, Time: first.EventTime, EventID: first.EventID, DryRun: h.DryRun,
			Action: fmt.Sprintf("alerted; editbay deploys to %s only: check who works there and why", strings.Join(h.Settings.AllowedRegions, ", ")),
			Why:    why})
		if err != nil {
			return out, err
		}
		out.Alerted = title
		h.metric(nil, emf.Alerts)
	}
	return out, nil
}

const why = "editbay governance keeps the audit trail on, multi-region, validated and encrypted, and requires MFA; " +
	"only the Admin group may change the governance stacks. See the README's governance section."

func (h *Handler) notify(ctx context.Context, tr trigger, title, action string) (Outcome, error) {
	c := tr.call
	what := c.EventName
	if len(c.RequestParameters) > 0 && string(c.RequestParameters) != "null" && len(c.RequestParameters) < 600 {
		what += " " + string(c.RequestParameters)
	}
	if c.SourceIPAddress != "" {
		what += " from " + c.SourceIPAddress
	}
	err := h.Alerts.Send(ctx, alert.Alert{Title: title, Who: c.UserIdentity.Who(), What: what, Account: tr.account, Region: tr.region,
		Time: tr.when, Action: action, Why: why, EventID: tr.eventID, DryRun: h.DryRun})
	if err != nil {
		return Outcome{Alerted: title}, err
	}
	h.metric(nil, emf.Alerts)
	h.Log.Info("alerted", "title", title, "action", action)
	return Outcome{Alerted: title}, nil
}

func (h *Handler) failed(ctx context.Context, tr trigger, title, doing string, err error) error {
	class := awserr.Classify(err)
	h.Log.Error("remediation failed", "doing", doing, "class", class.String(), "code", awserr.Code(err), "error", err.Error())
	h.metric(nil, emf.Failures)
	if class != awserr.Throttled && class != awserr.Canceled {
		if _, aerr := h.notify(ctx, tr, title+" (NOT undone)", fmt.Sprintf("failed %s: %v", doing, err)); aerr != nil {
			h.Log.Error("alert failed", "error", aerr.Error())
		}
	}
	return fmt.Errorf("%s (%s): %w", doing, class, err)
}

func (h *Handler) metric(dims map[string]string, name string) {
	if h.Metrics == nil {
		return
	}
	if dims == nil {
		dims = map[string]string{"Function": "trail-triage"}
	}
	if err := h.Metrics.Count(dims, map[string]float64{name: 1}); err != nil {
		h.Log.Warn("metrics", "error", err.Error())
	}
}
