package triage

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "awsevent", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var settings = Settings{TrailName: "editbay-trail", TrailARN: "arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/editbay-trail",
	Bucket: "editbay-trail-111122223333-ap-northeast-1", KMSKeyID: "alias/editbay-trail"}

type env struct {
	ct      *fakes.CloudTrail
	sns     *fakes.SNS
	metrics bytes.Buffer
	h       *Handler
}

func newEnv(dryRun bool) *env {
	e := &env{ct: &fakes.CloudTrail{Trails: map[string]*fakes.Trail{"editbay-trail": {
		Name: "editbay-trail", Bucket: settings.Bucket, KMSKeyID: settings.KMSKeyID, Logging: true, MultiRegion: true, GlobalServiceEvents: true, LogFileValidation: true,
	}}}, sns: &fakes.SNS{}}
	e.h = &Handler{CloudTrail: e.ct, Settings: settings, Alerts: alert.Sender{Client: e.sns, TopicArn: "arn:t"},
		Metrics: &emf.Logger{W: &e.metrics}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), DryRun: dryRun}
	return e
}

func TestStopLoggingIsUndone(t *testing.T) {
	e := newEnv(false)
	e.ct.Trails["editbay-trail"].Logging = false
	out, err := e.h.Handle(context.Background(), fixture(t, "stop-logging"))
	if err != nil || !e.ct.Trails["editbay-trail"].Logging || out.Remediation == "" {
		t.Fatal(out, err)
	}
	if e.ct.Total() != 2 {
		t.Errorf("%d calls, want GetTrailStatus + StartLogging", e.ct.Total())
	}
	m := e.sns.Messages()
	if len(m) != 1 || !strings.Contains(m[0], "who:   IAM user alice") || !strings.Contains(m[0], "started logging on editbay-trail") {
		t.Errorf("%q", m)
	}
	// Idempotent: logging already, one call and an alert that says so.
	if out, err := e.h.Handle(context.Background(), fixture(t, "stop-logging")); err != nil || out.Remediation != "" || e.ct.Calls("StartLogging") != 1 {
		t.Error(out, err)
	}
}

func TestWeakeningUpdateIsUndone(t *testing.T) {
	e := newEnv(false)
	tr := e.ct.Trails["editbay-trail"]
	tr.MultiRegion, tr.LogFileValidation = false, false
	out, err := e.h.Handle(context.Background(), fixture(t, "update-trail"))
	if err != nil || !tr.MultiRegion || !tr.LogFileValidation || e.ct.Calls("UpdateTrail") != 1 {
		t.Fatal(out, err, *tr)
	}
	if !strings.Contains(out.Remediation, "multi-region off, log-file validation off") {
		t.Error(out.Remediation)
	}
}

func TestDryRunUndoesNothing(t *testing.T) {
	e := newEnv(true)
	e.ct.Trails["editbay-trail"].Logging = false
	if _, err := e.h.Handle(context.Background(), fixture(t, "stop-logging")); err != nil || e.ct.Trails["editbay-trail"].Logging || e.ct.Calls("StartLogging") != 0 {
		t.Fatal(err)
	}
	if m := e.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "dry run") {
		t.Error(m)
	}
}

func TestAlerts(t *testing.T) {
	for fixtureName, title := range map[string]string{
		"delete-trail":              "Audit trail deleted",
		"deactivate-mfa-device":     "MFA device removed",
		"console-login-without-mfa": "Console sign-in without MFA",
		"root-activity":             "Root user activity",
		"delete-flow-logs":          "VPC flow logs deleted",
	} {
		e := newEnv(false)
		out, err := e.h.Handle(context.Background(), fixture(t, fixtureName))
		if err != nil || out.Alerted != title {
			t.Errorf("%s: %+v %v", fixtureName, out, err)
			continue
		}
		if m := e.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "who:") || !strings.Contains(m[0], "when:  2024-05-14T09:21:07Z") {
			t.Errorf("%s: %q", fixtureName, m)
		}
		if e.ct.Total() != 0 {
			t.Errorf("%s: %d CloudTrail calls for an alert", fixtureName, e.ct.Total())
		}
	}
}

func TestOtherTrailsAndEventsAreLeftAlone(t *testing.T) {
	e := newEnv(false)
	e.h.Settings.TrailName, e.h.Settings.TrailARN = "other", "arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/other"
	for _, f := range []string{"stop-logging", "update-trail", "delete-trail", "authorize-security-group-ingress", "scheduled-event"} {
		if out, err := e.h.Handle(context.Background(), fixture(t, f)); err != nil || out.Alerted != "" {
			t.Errorf("%s: %+v %v", f, out, err)
		}
	}
	if len(e.sns.Published) != 0 || e.ct.Total() != 0 {
		t.Error("acted on someone else's trail")
	}
}

func TestComplianceChangesAreCounted(t *testing.T) {
	e := newEnv(false)
	if _, err := e.h.Handle(context.Background(), fixture(t, "config-compliance-change")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.metrics.String(), `"ComplianceChange":1`) || !strings.Contains(e.metrics.String(), `"Compliance":"NON_COMPLIANT"`) {
		t.Error(e.metrics.String())
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		op        string
		err       error
		wantAlert int
	}{
		{"GetTrailStatus", fakes.APIError("ThrottlingException"), 0},
		{"StartLogging", fakes.APIError("AccessDeniedException"), 1},
		{"StartLogging", fakes.APIError("TrailNotFoundException"), 1},
	} {
		e := newEnv(false)
		e.ct.Trails["editbay-trail"].Logging = false
		e.ct.Fail(c.op, c.err)
		if _, err := e.h.Handle(context.Background(), fixture(t, "stop-logging")); err == nil {
			t.Errorf("%s: no error", c.op)
		}
		if len(e.sns.Published) != c.wantAlert {
			t.Errorf("%s %v: %d alerts", c.op, c.err, len(e.sns.Published))
		}
		if _, err := e.h.Handle(context.Background(), fixture(t, "stop-logging")); err != nil || !e.ct.Trails["editbay-trail"].Logging {
			t.Errorf("%s: retry %v", c.op, err)
		}
	}
}

func TestCallsOutsideAllowedRegionsAreAlerted(t *testing.T) {
	e := newEnv(false)
	e.h.Settings.AllowedRegions = []string{"ap-northeast-1", "us-east-1"}
	out, err := e.h.Handle(context.Background(), fixture(t, "logs-outside-allowed-regions"))
	if err != nil || out.Alerted != "API calls outside the allowed regions" {
		t.Fatal(out, err)
	}
	m := e.sns.Messages()
	// Two calls by one user in one region make one alert naming both.
	if len(m) != 1 || !strings.Contains(m[0], "IAM user mallory") || !strings.Contains(m[0], "2 call(s) in sa-east-1: RunInstances, CreateKeyPair") {
		t.Errorf("%q", m)
	}
	if e.ct.Total() != 0 {
		t.Errorf("%d CloudTrail calls for an alert-only event", e.ct.Total())
	}
	// Calls in an allowed region (the filter pattern is the first guard, this the second) are not alerted.
	e = newEnv(false)
	e.h.Settings.AllowedRegions = []string{"sa-east-1"}
	if out, err := e.h.Handle(context.Background(), fixture(t, "logs-outside-allowed-regions")); err != nil || out.Alerted != "" || len(e.sns.Messages()) != 0 {
		t.Fatal(out, err, e.sns.Messages())
	}
}
