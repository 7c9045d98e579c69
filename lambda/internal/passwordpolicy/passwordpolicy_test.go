package passwordpolicy

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

// props are the resource properties as CloudFormation delivers them: every scalar a string.
func props(length string) map[string]any {
	return map[string]any{"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:pw", "MinimumLength": length, "ReusePrevention": "24", "MaxAgeDays": "90"}
}

func event(typ cfn.RequestType, physical string, p map[string]any) cfn.Event {
	return cfn.Event{RequestType: typ, PhysicalResourceID: physical, LogicalResourceID: "PasswordPolicy", ResourceProperties: p}
}

func handler(f *fakes.IAM) *Handler {
	return &Handler{IAM: f, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

func TestLifecycle(t *testing.T) {
	f := &fakes.IAM{}
	h := handler(f)
	ctx := context.Background()

	id, _, err := h.Handle(ctx, event(cfn.RequestCreate, "", props("14")))
	p := f.Policy()
	if err != nil || id != PhysicalID || p == nil {
		t.Fatalf("create: %q, %v, %+v", id, err, p)
	}
	if aws.ToInt32(p.MinimumPasswordLength) != 14 || aws.ToInt32(p.PasswordReusePrevention) != 24 || aws.ToInt32(p.MaxPasswordAge) != 90 ||
		!p.RequireSymbols || !p.RequireNumbers || !p.RequireUppercaseCharacters || !p.RequireLowercaseCharacters || !p.AllowUsersToChangePassword || aws.ToBool(p.HardExpiry) {
		t.Fatalf("policy after create: %+v", p)
	}

	// CloudFormation retries a create; an unchanged policy is read and left alone.
	if _, _, err := h.Handle(ctx, event(cfn.RequestCreate, "", props("14"))); err != nil || f.Calls("UpdateAccountPasswordPolicy") != 1 {
		t.Fatalf("repeated create: %v, %d updates", err, f.Calls("UpdateAccountPasswordPolicy"))
	}
	if _, _, err := h.Handle(ctx, event(cfn.RequestUpdate, PhysicalID, props("20"))); err != nil || aws.ToInt32(f.Policy().MinimumPasswordLength) != 20 {
		t.Fatalf("update: %v, %+v", err, f.Policy())
	}

	if _, _, err := h.Handle(ctx, event(cfn.RequestDelete, PhysicalID, props("20"))); err != nil || f.Policy() != nil {
		t.Fatalf("delete: %v, %+v", err, f.Policy())
	}
	// Deleting again (a retried delete, or a policy someone removed) succeeds.
	if _, _, err := h.Handle(ctx, event(cfn.RequestDelete, PhysicalID, props("20"))); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	// A create that failed before it had this ID never touched the policy, so its delete is a no-op.
	before := f.Total()
	if _, _, err := h.Handle(ctx, event(cfn.RequestDelete, "some-failed-create", nil)); err != nil || f.Total() != before {
		t.Fatalf("delete of a failed create: %v, %d calls", err, f.Total()-before)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	f := &fakes.IAM{}
	h := handler(f)
	h.DryRun = true
	if _, _, err := h.Handle(context.Background(), event(cfn.RequestCreate, "", props("14"))); err != nil || f.Policy() != nil {
		t.Fatalf("dry run: %v, %+v", err, f.Policy())
	}
	if f.Calls("UpdateAccountPasswordPolicy") != 0 {
		t.Fatal("dry run called UpdateAccountPasswordPolicy")
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, op string
		inject   error
		class    awserr.Class
	}{
		{"throttled read", "GetAccountPasswordPolicy", fakes.Throttling(), awserr.Throttled},
		{"denied update", "UpdateAccountPasswordPolicy", fakes.APIError("AccessDenied"), awserr.AccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakes.IAM{}
			f.Fail(tc.op, tc.inject)
			_, _, err := handler(f).Handle(context.Background(), event(cfn.RequestCreate, "", props("14")))
			if err == nil || awserr.Classify(err) != tc.class || !strings.Contains(err.Error(), tc.class.String()) {
				t.Fatalf("got %v, want a %s error", err, tc.class)
			}
		})
	}
	f := &fakes.IAM{}
	f.Fail("DeleteAccountPasswordPolicy", fakes.Throttling())
	if _, _, err := handler(f).Handle(context.Background(), event(cfn.RequestDelete, PhysicalID, nil)); !awserr.Is(err, awserr.Throttled) {
		t.Fatalf("throttled delete: %v", err)
	}
}

func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    map[string]any
		want string // "" for valid
	}{
		{"valid strings", props("14"), ""},
		{"valid numbers", map[string]any{"MinimumLength": 14.0, "ReusePrevention": 24.0, "MaxAgeDays": 90.0}, ""},
		{"too short", props("5"), "property MinimumLength: out of range 6 to 128"},
		{"not a number", props("fourteen"), "property MinimumLength"},
		{"fraction", map[string]any{"MinimumLength": 14.5, "ReusePrevention": "24", "MaxAgeDays": "90"}, "not a whole number"},
		{"all missing", map[string]any{}, "property MaxAgeDays: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSettings(tc.p)
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// Every problem at once.
	if _, err := ParseSettings(map[string]any{}); strings.Count(err.Error(), "property ") != 3 {
		t.Fatalf("want three problems: %v", err)
	}
}
