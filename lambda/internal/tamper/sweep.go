package tamper

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/awsevent"
)

// Sweep is the scheduled backstop: every RULE_TARGETS rule exists, is enabled and has exactly its
// target; every FUNCTION_CONCURRENCY function has its reserved concurrency; every PROTECTED_KEYS key is
// enabled, not pending deletion, rotating; the audit bucket (where there is one) is versioned. It
// undoes what drifted and alerts once per drifted resource (who: "scheduled check"; CloudTrail has the
// change's author); a resource as expected costs only reads.
// An API error on one resource does not stop the others; the invocation then fails, so Lambda retries.
func (h *Handler) Sweep(ctx context.Context, e awsevent.Envelope) (Outcome, error) {
	tr := trigger{who: "scheduled check", account: e.Account, region: e.Region, eventID: e.ID, when: e.Time}
	var out Outcome
	var errs []error
	run := func(title, resource string, f fix) {
		o, err := h.restore(ctx, tr, title, resource, "", false, f)
		out.add(o)
		errs = append(errs, err)
	}
	s := h.Settings
	for _, name := range slices.Sorted(maps.Keys(s.RuleTargets)) {
		expected := h.expectedTarget(ctx, s.RuleTargets[name], e.Account, e.Region)
		run("Guardrail EventBridge rule drifted", "EventBridge rule "+name, func(ctx context.Context) ([]string, error) {
			return h.ensureRule(ctx, name, expected)
		})
	}
	for _, name := range slices.Sorted(maps.Keys(s.FunctionConcurrency)) {
		want := s.FunctionConcurrency[name]
		run("Reserved concurrency of a guardrail function drifted", "Lambda function "+name, func(ctx context.Context) ([]string, error) {
			return h.ensureConcurrency(ctx, name, want)
		})
	}
	for _, key := range s.ProtectedKeys {
		run("Guarded KMS key drifted", "KMS key "+key, func(ctx context.Context) ([]string, error) {
			d, err := h.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)})
			if awserr.Is(err, awserr.NotFound) {
				return nil, &unfixable{"the key (or alias) no longer exists: redeploy the stack that owns it (cdk deploy)"}
			}
			if err != nil {
				return nil, err
			}
			if d.KeyMetadata == nil {
				return nil, &unfixable{"DescribeKey returned no key"}
			}
			return h.ensureKey(ctx, d.KeyMetadata)
		})
	}
	if s.AuditBucket != "" {
		run("Versioning of the audit bucket drifted", "S3 bucket "+s.AuditBucket, func(ctx context.Context) ([]string, error) {
			return h.ensureVersioning(ctx, e.Account)
		})
	}
	if len(out.Remediations)+len(out.Failures) == 0 {
		out.Skipped = "already as expected"
		h.Log.Info("sweep found no drift", "rules", len(s.RuleTargets), "functions", len(s.FunctionConcurrency), "keys", len(s.ProtectedKeys))
	}
	return out, errors.Join(errs...)
}
