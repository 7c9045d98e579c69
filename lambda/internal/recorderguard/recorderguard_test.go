package recorderguard

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

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

var settings = Settings{RecorderName: "default", ChannelName: "default", Bucket: "config-bucket", KeyPrefix: "config", KMSKeyARN: "arn:aws:kms:ap-northeast-1:111122223333:key/k", Frequency: "TwentyFour_Hours"}

type env struct {
	cfg     *fakes.Config
	sns     *fakes.SNS
	metrics bytes.Buffer
	h       *Handler
}

func newEnv(dryRun bool) *env {
	e := &env{
		cfg: &fakes.Config{Recorder: "default", Recording: true, Channel: &types.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("config-bucket")}},
		sns: &fakes.SNS{},
	}
	e.h = &Handler{Config: e.cfg, Settings: settings, Alerts: alert.Sender{Client: e.sns, TopicArn: "arn:t"},
		Metrics: &emf.Logger{W: &e.metrics}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), DryRun: dryRun}
	return e
}

func TestRecordingIsOneCall(t *testing.T) {
	e := newEnv(false)
	if out, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event")); err != nil || out.RecorderStarted {
		t.Fatal(out, err)
	}
	if e.cfg.Total() != 1 || len(e.sns.Published) != 0 {
		t.Errorf("%d calls, %d alerts", e.cfg.Total(), len(e.sns.Published))
	}
}

func TestStoppedRecorderIsStarted(t *testing.T) {
	for _, name := range []string{"stop-configuration-recorder", "scheduled-event"} {
		e := newEnv(false)
		e.cfg.StopRecorder()
		out, err := e.h.Handle(context.Background(), fixture(t, name))
		if err != nil || !out.RecorderStarted || out.ChannelRestored || !e.cfg.Recording {
			t.Fatalf("%s: %+v %v", name, out, err)
		}
		msg := e.sns.Messages()
		if len(msg) != 1 || !strings.Contains(msg[0], `started recorder "default"`) {
			t.Errorf("%s: alert %q", name, msg)
		}
		if name == "stop-configuration-recorder" && !strings.Contains(msg[0], "role Developers, session bob@example.com") {
			t.Errorf("alert does not say who: %s", msg[0])
		}
	}
}

func TestDeletedChannelIsRestored(t *testing.T) {
	e := newEnv(false)
	e.cfg.DeleteChannel()
	out, err := e.h.Handle(context.Background(), fixture(t, "delete-delivery-channel"))
	if err != nil || !out.ChannelRestored || !e.cfg.Recording {
		t.Fatal(out, err)
	}
	c := e.cfg.Channel
	if aws.ToString(c.S3BucketName) != "config-bucket" || aws.ToString(c.S3KeyPrefix) != "config" || aws.ToString(c.S3KmsKeyArn) != settings.KMSKeyARN ||
		c.ConfigSnapshotDeliveryProperties.DeliveryFrequency != "TwentyFour_Hours" {
		t.Errorf("channel %+v", c)
	}
	// Idempotent: the next run finds everything in order.
	if out, err := e.h.Handle(context.Background(), fixture(t, "delete-delivery-channel")); err != nil || out.RecorderStarted {
		t.Error(out, err)
	}
}

func TestDryRun(t *testing.T) {
	e := newEnv(true)
	e.cfg.DeleteChannel()
	out, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event"))
	if err != nil || !out.RecorderStarted || e.cfg.Recording || e.cfg.Channel != nil || e.cfg.Calls("PutDeliveryChannel") != 0 {
		t.Fatal(out, err)
	}
	if m := e.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "dry run") {
		t.Error(m)
	}
}

func TestMissingRecorderAlertsAndFails(t *testing.T) {
	e := newEnv(false)
	e.cfg.Recorder = ""
	if _, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event")); err == nil {
		t.Fatal("no error")
	}
	if m := e.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "redeploy") {
		t.Error(m)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		op        string
		err       error
		wantAlert bool
	}{
		{"DescribeConfigurationRecorderStatus", fakes.APIError("ThrottlingException"), false},
		{"StartConfigurationRecorder", fakes.APIError("ThrottlingException"), false},
		{"StartConfigurationRecorder", fakes.APIError("AccessDeniedException"), true},
		{"PutDeliveryChannel", fakes.APIError("InsufficientDeliveryPolicyException"), true},
	} {
		e := newEnv(false)
		e.cfg.DeleteChannel()
		e.cfg.Fail(c.op, c.err)
		if _, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event")); err == nil {
			t.Errorf("%s %v: no error", c.op, c.err)
		}
		if got := len(e.sns.Published) == 1; got != c.wantAlert {
			t.Errorf("%s %v: alerted %v", c.op, c.err, got)
		}
		if _, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event")); err != nil || !e.cfg.Recording {
			t.Errorf("%s: retry %v", c.op, err)
		}
	}
}

// Whatever an intruder and the network do, a successful run leaves the recorder recording with a
// channel.
func TestInvariantsOverRandomTraces(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ops := []string{"DescribeConfigurationRecorderStatus", "StartConfigurationRecorder", "DescribeDeliveryChannels", "PutDeliveryChannel"}
	e := newEnv(false)
	for step := 0; step < 2000; step++ {
		switch rng.IntN(4) {
		case 0:
			e.cfg.StopRecorder()
		case 1:
			e.cfg.DeleteChannel()
		}
		if rng.IntN(3) == 0 {
			e.cfg.Fail(ops[rng.IntN(len(ops))], []error{fakes.APIError("ThrottlingException"), fakes.APIError("AccessDeniedException")}[rng.IntN(2)])
		}
		_, err := e.h.Handle(context.Background(), fixture(t, "scheduled-event"))
		if err == nil && (!e.cfg.Recording || e.cfg.Channel == nil) {
			t.Fatalf("step %d: success but recording=%v channel=%v", step, e.cfg.Recording, e.cfg.Channel != nil)
		}
	}
}
