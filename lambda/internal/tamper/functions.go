package tamper

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/editbay/editbay/lambda/internal/awserr"
)

// Lambda events, by name without the API version CloudTrail appends (baseName; Lambda developer guide,
// "Logging AWS Lambda API calls using AWS CloudTrail": PutFunctionConcurrency20171031,
// DeleteFunctionConcurrency20171031, UpdateFunctionCode20150331v2,
// UpdateFunctionConfiguration20150331v2, AddPermission20150331v2, RemovePermission20150331v2,
// DeleteFunction20150331). Every one logs functionName: a name, an ARN or a partial ARN.
var functionTitles = map[string]string{
	"PutFunctionConcurrency":      "Reserved concurrency of a guardrail function changed",
	"DeleteFunctionConcurrency":   "Reserved concurrency of a guardrail function removed",
	"UpdateFunctionCode":          "Code of a guardrail function replaced",
	"UpdateFunctionConfiguration": "Configuration of a guardrail function changed",
	"AddPermission":               "Permissions of a guardrail function changed",
	"RemovePermission":            "Permissions of a guardrail function changed",
	"DeleteFunction":              "Guardrail function deleted",
}

func (h *Handler) functionEvent(ctx context.Context, tr trigger) (Outcome, error) {
	base := baseName(tr.name)
	title, ok := functionTitles[base]
	if !ok {
		return h.skip("not a watched Lambda event", "event", tr.name), nil
	}
	var p struct {
		FunctionName string `json:"functionName"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	name := functionName(p.FunctionName)
	if name == "" {
		return h.skip("no function name", "event", tr.name), nil
	}
	resource := "Lambda function " + name
	want, listed := h.Settings.FunctionConcurrency[name]
	if !listed {
		arn := fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition(tr.call.UserIdentity.ARN, tr.region), tr.region, tr.account, name)
		tags, err := h.Lambda.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(arn)})
		if awserr.Is(err, awserr.NotFound) {
			return h.skip("no such function", "function", name), nil
		}
		if err != nil {
			var out Outcome
			return out, h.failed(ctx, &out, tr, title, resource, nil, fmt.Errorf("reading the function's tags: %w", err))
		}
		tagged := false
		for k, v := range tags.Tags {
			tagged = tagged || h.guarded(k, v)
		}
		if !tagged {
			return h.skip("not a guarded function", "function", name), nil
		}
	}
	switch base {
	case "PutFunctionConcurrency", "DeleteFunctionConcurrency":
		if !listed {
			return h.alertOnly(ctx, tr, title, resource, "the function is tagged but not in FUNCTION_CONCURRENCY, so its deployed concurrency is not known: "+redeployGuardrails)
		}
		return h.restore(ctx, tr, title, resource, "", false, func(ctx context.Context) ([]string, error) { return h.ensureConcurrency(ctx, name, want) })
	case "DeleteFunction":
		return h.alertOnly(ctx, tr, title, resource, "a deleted function cannot be put back: "+redeployGuardrails)
	default:
		return h.alertOnly(ctx, tr, title, resource, "the guard cannot compare code, configuration or permissions with the deployed ones: "+redeployGuardrails)
	}
}

// functionName is the name in a function name, ARN or partial ARN, without a version or alias.
func functionName(ref string) string {
	if i := strings.LastIndex(ref, "function:"); i >= 0 {
		ref = ref[i+len("function:"):]
	}
	if i := strings.IndexByte(ref, ':'); i >= 0 {
		ref = ref[:i]
	}
	return ref
}

// ensureConcurrency gives a function its reserved concurrency back.
func (h *Handler) ensureConcurrency(ctx context.Context, name string, want int32) ([]string, error) {
	out, err := h.Lambda.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(name)})
	if awserr.Is(err, awserr.NotFound) {
		return nil, &unfixable{"the function no longer exists: " + redeployGuardrails}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the function's concurrency: %w", err)
	}
	if got := out.ReservedConcurrentExecutions; got != nil && *got == want {
		return nil, nil
	}
	was := "none"
	if got := out.ReservedConcurrentExecutions; got != nil {
		was = fmt.Sprint(*got)
	}
	if !h.DryRun {
		if _, err := h.Lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(name), ReservedConcurrentExecutions: aws.Int32(want)}); err != nil {
			return nil, fmt.Errorf("reserving the function's concurrency: %w", err)
		}
	}
	return []string{fmt.Sprintf("reserved concurrency %d again (was %s)", want, was)}, nil
}
