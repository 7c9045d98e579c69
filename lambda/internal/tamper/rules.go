package tamper

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
)

// EventBridge events. Request parameters are the API's members in lower camel case (EventBridge user
// guide, "Logging Amazon EventBridge API calls using AWS CloudTrail", PutRule example): DisableRule,
// PutRule and DeleteRule log name (and eventBusName), RemoveTargets and PutTargets log rule.
var ruleTitles = map[string]string{
	"DisableRule":   "Guardrail EventBridge rule disabled",
	"RemoveTargets": "Target of a guardrail EventBridge rule removed",
	"PutTargets":    "Targets of a guardrail EventBridge rule changed",
	"PutRule":       "Guardrail EventBridge rule changed",
	"DeleteRule":    "Guardrail EventBridge rule deleted",
}

const redeployGuardrails = "redeploy the guardrails stack (cdk deploy)"

func (h *Handler) ruleEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := ruleTitles[tr.name]
	if !ok {
		return h.skip("not a watched EventBridge event", "event", tr.name), nil
	}
	var p struct {
		Name         string `json:"name"`
		Rule         string `json:"rule"`
		EventBusName string `json:"eventBusName"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	name := first(p.Name, p.Rule)
	if bus := p.EventBusName; bus != "" && bus != "default" && !strings.HasSuffix(bus, ":event-bus/default") {
		return h.skip("a rule of another event bus", "rule", name, "bus", bus), nil
	}
	if name == "" {
		return h.skip("no rule name", "event", tr.name), nil
	}
	resource := "EventBridge rule " + name
	target, listed := h.Settings.RuleTargets[name]
	if !listed {
		tagged, err := h.ruleTagged(ctx, name)
		if awserr.Is(err, awserr.NotFound) {
			return h.skip("no such rule", "rule", name), nil
		}
		if err != nil {
			var out Outcome
			return out, h.failed(ctx, &out, tr, title, resource, nil, fmt.Errorf("reading the rule's tags: %w", err))
		}
		if !tagged {
			return h.skip("not a guarded rule", "rule", name), nil
		}
	}
	var expected *ebtypes.Target
	if listed {
		expected = h.expectedTarget(ctx, target, tr.account, tr.region)
	}
	ensure := func(ctx context.Context) ([]string, error) { return h.ensureRule(ctx, name, expected) }
	switch tr.name {
	case "DisableRule":
		return h.restore(ctx, tr, title, resource, "", false, ensure)
	case "RemoveTargets", "PutTargets":
		if !listed {
			return h.alertOnly(ctx, tr, title, resource, "the rule is tagged but not in RULE_TARGETS, so its deployed targets are not known: "+redeployGuardrails)
		}
		return h.restore(ctx, tr, title, resource, "", false, ensure)
	case "PutRule":
		// A rule's state can be put back; its pattern or schedule cannot be compared with the deployed one.
		return h.restore(ctx, tr, title, resource, "the rule's pattern or schedule may have changed as well: "+redeployGuardrails+" to be sure", true, ensure)
	default: // DeleteRule
		return h.alertOnly(ctx, tr, title, resource, "a deleted rule cannot be put back with its pattern: "+redeployGuardrails)
	}
}

// expectedTarget is a protected rule's one target as CDK renders it: ID Target0, the function's ARN and
// the retry policy, nothing else.
func (h *Handler) expectedTarget(ctx context.Context, arn, account, region string) *ebtypes.Target {
	if arn == Self {
		arn = h.selfARN(ctx, account, region)
	}
	return &ebtypes.Target{Id: aws.String(TargetID), Arn: aws.String(arn), RetryPolicy: &ebtypes.RetryPolicy{
		MaximumRetryAttempts:     aws.Int32(h.Settings.TargetRetryAttempts),
		MaximumEventAgeInSeconds: aws.Int32(h.Settings.TargetMaxEventAge),
	}}
}

// ruleTagged reports whether a rule of the default bus carries the guard tag (ListTagsForResource takes
// the rule's ARN, which DescribeRule gives).
func (h *Handler) ruleTagged(ctx context.Context, name string) (bool, error) {
	d, err := h.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
	if err != nil {
		return false, err
	}
	tags, err := h.Events.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: d.Arn})
	if err != nil {
		return false, err
	}
	for _, t := range tags.Tags {
		if h.guarded(aws.ToString(t.Key), aws.ToString(t.Value)) {
			return true, nil
		}
	}
	return false, nil
}

// ensureRule enables a rule and, when its target is known, makes that target its only one: PutTargets
// with the expected target (which replaces a changed target of the same ID), then RemoveTargets of any
// other, so the rule is never without its target.
func (h *Handler) ensureRule(ctx context.Context, name string, expected *ebtypes.Target) ([]string, error) {
	var done []string
	d, err := h.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
	if awserr.Is(err, awserr.NotFound) {
		return done, &unfixable{"the rule no longer exists: " + redeployGuardrails}
	}
	if err != nil {
		return done, fmt.Errorf("reading the rule: %w", err)
	}
	if d.State == ebtypes.RuleStateDisabled {
		if !h.DryRun {
			if _, err := h.Events.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String(name)}); err != nil {
				return done, fmt.Errorf("enabling the rule: %w", err)
			}
		}
		done = append(done, "enabled the rule")
	}
	if expected == nil {
		return done, nil
	}
	var targets []ebtypes.Target
	in := &eventbridge.ListTargetsByRuleInput{Rule: aws.String(name)}
	for {
		out, err := h.Events.ListTargetsByRule(ctx, in)
		if awserr.Is(err, awserr.NotFound) {
			return done, &unfixable{"the rule no longer exists: " + redeployGuardrails}
		}
		if err != nil {
			return done, fmt.Errorf("listing the rule's targets: %w", err)
		}
		targets = append(targets, out.Targets...)
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	present := false
	var others []string
	for _, t := range targets {
		switch {
		case aws.ToString(t.Id) != aws.ToString(expected.Id):
			others = append(others, aws.ToString(t.Id))
		case sameTarget(t, *expected):
			present = true
		}
	}
	if !present {
		if !h.DryRun {
			out, err := h.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{*expected}})
			if err == nil {
				err = failedEntries(out.FailedEntryCount, out.FailedEntries)
			}
			if err != nil {
				return done, fmt.Errorf("putting the target back: %w", err)
			}
		}
		done = append(done, fmt.Sprintf("put target %s back (%s, %d retries within %d s)", aws.ToString(expected.Id), aws.ToString(expected.Arn),
			aws.ToInt32(expected.RetryPolicy.MaximumRetryAttempts), aws.ToInt32(expected.RetryPolicy.MaximumEventAgeInSeconds)))
	}
	if len(others) > 0 {
		if !h.DryRun {
			out, err := h.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), Ids: others})
			if err == nil {
				err = failedEntries(out.FailedEntryCount, out.FailedEntries)
			}
			if err != nil {
				return done, fmt.Errorf("removing other targets: %w", err)
			}
		}
		done = append(done, "removed the added target(s) "+strings.Join(others, ", "))
	}
	return done, nil
}

// sameTarget reports whether t is exactly want: same ID, ARN and retry policy, and nothing else set (an
// input transformer, a role, a dead-letter queue would change what the function receives or where
// events go).
func sameTarget(t, want ebtypes.Target) bool {
	if aws.ToString(t.Id) != aws.ToString(want.Id) || aws.ToString(t.Arn) != aws.ToString(want.Arn) {
		return false
	}
	r, w := t.RetryPolicy, want.RetryPolicy
	if (r == nil) != (w == nil) || r != nil && (aws.ToInt32(r.MaximumRetryAttempts) != aws.ToInt32(w.MaximumRetryAttempts) ||
		aws.ToInt32(r.MaximumEventAgeInSeconds) != aws.ToInt32(w.MaximumEventAgeInSeconds)) {
		return false
	}
	t.Id, t.Arn, t.RetryPolicy = nil, nil, nil
	return reflect.ValueOf(t).IsZero()
}

// failedEntries turns PutTargets' and RemoveTargets' per-target failures (HTTP 200 with
// FailedEntryCount) into an error.
func failedEntries[E ebtypes.PutTargetsResultEntry | ebtypes.RemoveTargetsResultEntry](n int32, entries []E) error {
	if n == 0 {
		return nil
	}
	for _, e := range entries {
		switch e := any(e).(type) {
		case ebtypes.PutTargetsResultEntry:
			return fmt.Errorf("target %s: %s: %s", aws.ToString(e.TargetId), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		case ebtypes.RemoveTargetsResultEntry:
			return fmt.Errorf("target %s: %s: %s", aws.ToString(e.TargetId), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
	}
	return fmt.Errorf("%d target(s) failed", n)
}
