//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/recorderguard"
	"github.com/editbay/editbay/lambda/internal/triage"
)

const (
	recorderName = "default" // the name the fixtures' calls use
	channelName  = "default"
	configBucket = "editbay-e2e-config"
	trailName    = "editbay-trail"
	trailBucket  = "editbay-e2e-trail"
	trailKey     = "alias/editbay-trail"
)

// recorderWorld is an AWS Config recorder with its delivery channel, stopped.
type recorderWorld struct {
	*world
	config *configservice.Client
}

func newRecorderWorld(t *testing.T) *recorderWorld {
	w := &recorderWorld{world: newWorld(t)}
	w.config = configservice.NewFromConfig(w.cfg)
	w.createBucket(configBucket)
	ctx := context.Background()
	if _, err := w.config.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cstypes.ConfigurationRecorder{
		Name: aws.String(recorderName), RoleARN: aws.String("arn:aws:iam::" + account + ":role/editbay-config"),
		RecordingGroup: &cstypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.config.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &cstypes.DeliveryChannel{
		Name: aws.String(channelName), S3BucketName: aws.String(configBucket)}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *recorderWorld) start(t *testing.T, recorder string, dryRun bool) *function {
	return start(t, "config-recorder-guard", map[string]string{"RECORDER_NAME": recorder, "CHANNEL_NAME": channelName,
		"CHANNEL_BUCKET": configBucket, "ALERT_TOPIC_ARN": w.topicARN, "DRY_RUN": boolString(dryRun)})
}

func (w *recorderWorld) recording() bool {
	w.t.Helper()
	st, err := w.config.DescribeConfigurationRecorderStatus(context.Background(), &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{recorderName}})
	if err != nil || len(st.ConfigurationRecordersStatus) != 1 {
		w.t.Fatalf("recorder status: %v", err)
	}
	return st.ConfigurationRecordersStatus[0].Recording
}

func (w *recorderWorld) channels() int {
	w.t.Helper()
	ch, err := w.config.DescribeDeliveryChannels(context.Background(), &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(ch.DeliveryChannels)
}

func TestRecorderGuardRestartsStoppedRecorder(t *testing.T) {
	w := newRecorderWorld(t)
	f := w.start(t, recorderName, false)
	event := fixture(t, "awsevent/testdata/stop-configuration-recorder.json", map[string]any{"region": region, "account": account, "detail.awsRegion": region})
	var out recorderguard.Outcome
	f.ok(t, event, &out)
	if !w.recording() || !out.RecorderStarted || len(w.alerts()) != 1 {
		t.Fatalf("recording %v, %+v, alerts %q", w.recording(), out, w.alerts())
	}
	// The same event again finds it recording: nothing to do, no second alert.
	out = recorderguard.Outcome{}
	f.ok(t, event, &out)
	if out.RecorderStarted || len(w.alerts()) != 1 {
		t.Fatalf("repeated delivery: %+v, alerts %q", out, w.alerts())
	}
}

// The scheduled backstop finds the channel deleted and the recorder stopped (an event EventBridge
// never delivered): it puts the channel back from its settings and starts the recorder.
func TestRecorderGuardScheduleRestoresChannel(t *testing.T) {
	w := newRecorderWorld(t)
	if _, err := w.config.DeleteDeliveryChannel(context.Background(), &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String(channelName)}); err != nil {
		t.Fatal(err)
	}
	f := w.start(t, recorderName, false)
	var out recorderguard.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/scheduled-event.json", map[string]any{"region": region, "account": account}), &out)
	if !out.ChannelRestored || !out.RecorderStarted || w.channels() != 1 || !w.recording() {
		t.Fatalf("%+v: %d channels, recording %v", out, w.channels(), w.recording())
	}
}

func TestRecorderGuardDryRun(t *testing.T) {
	w := newRecorderWorld(t)
	f := w.start(t, recorderName, true)
	var out recorderguard.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/stop-configuration-recorder.json", nil), &out)
	alerts := w.alerts()
	if w.recording() || !out.RecorderStarted || len(alerts) != 1 || !strings.HasPrefix(alerts[0], "[dry run]") {
		t.Fatalf("dry run: recording %v, %+v, alerts %q", w.recording(), out, alerts)
	}
}

func TestRecorderGuardBadInput(t *testing.T) {
	w := newRecorderWorld(t)
	if r := w.start(t, recorderName, false).invoke(t, malformed); !r.failed() {
		t.Fatalf("malformed event answered %s", r.Body)
	}
	// The deployed recorder is gone: only a deployment recreates it, so the function fails (the error
	// alarm) and alerts with that hint.
	r := w.start(t, "editbay-missing", false).invoke(t, fixture(t, "awsevent/testdata/scheduled-event.json", nil))
	alerts := w.alerts()
	if !r.failed() || len(alerts) != 1 || !strings.Contains(alerts[0], "NOT restored") {
		t.Fatalf("missing recorder: %s, alerts %q", r.Body, alerts)
	}
	if w.recording() {
		t.Fatal("started another recorder")
	}
}

// trailWorld is the governance trail, created in moto not logging and with multi-region and log-file
// validation off, as if weakened.
type trailWorld struct {
	*world
	trail    *cloudtrail.Client
	trailARN string
}

func newTrailWorld(t *testing.T) *trailWorld {
	w := &trailWorld{world: newWorld(t)}
	w.trail = cloudtrail.NewFromConfig(w.cfg)
	w.createBucket(trailBucket)
	out, err := w.trail.CreateTrail(context.Background(), &cloudtrail.CreateTrailInput{Name: aws.String(trailName), S3BucketName: aws.String(trailBucket)})
	if err != nil {
		t.Fatal(err)
	}
	w.trailARN = aws.ToString(out.TrailARN)
	return w
}

// start runs trail-triage for the trail (the deployed function gets its ARN in TRAIL_ARN and calls
// with it; moto's StartLogging looks trails up by name only, failing with a 500 for an ARN, so the
// suite gives it the name, which CloudTrail accepts as well).
func (w *trailWorld) start(t *testing.T, trail string, dryRun bool) *function {
	return start(t, "trail-triage", map[string]string{"TRAIL_NAME": trailName, "TRAIL_ARN": trail, "TRAIL_BUCKET": trailBucket,
		"TRAIL_KMS_KEY": trailKey, "TRAIL_REGION": region, "ALERT_TOPIC_ARN": w.topicARN, "ALLOWED_REGIONS": region, "DRY_RUN": boolString(dryRun)})
}

func (w *trailWorld) logging() bool {
	w.t.Helper()
	st, err := w.trail.GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String(w.trailARN)})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToBool(st.IsLogging)
}

func (w *trailWorld) stopLogging(t *testing.T) []byte {
	return fixture(t, "awsevent/testdata/stop-logging.json", map[string]any{"region": region, "account": account,
		"detail.awsRegion": region, "detail.requestParameters.name": w.trailARN})
}

func TestTrailTriageRestartsLogging(t *testing.T) {
	w := newTrailWorld(t)
	f := w.start(t, trailName, false)
	var out triage.Outcome
	f.ok(t, w.stopLogging(t), &out)
	if !w.logging() || out.Remediation == "" || len(w.alerts()) != 1 {
		t.Fatalf("logging %v, %+v, alerts %q", w.logging(), out, w.alerts())
	}
	// Delivered again, it finds the trail logging and starts nothing (it says so in its alert).
	out = triage.Outcome{}
	f.ok(t, w.stopLogging(t), &out)
	if !w.logging() || out.Remediation != "" {
		t.Fatalf("repeated delivery: %+v", out)
	}
}

func TestTrailTriageRestoresWeakenedTrail(t *testing.T) {
	w := newTrailWorld(t)
	f := w.start(t, trailName, false)
	var out triage.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/update-trail.json", map[string]any{"region": region, "account": account, "detail.awsRegion": region}), &out)
	got, err := w.trail.GetTrail(context.Background(), &cloudtrail.GetTrailInput{Name: aws.String(w.trailARN)})
	if err != nil {
		t.Fatal(err)
	}
	if tr := got.Trail; !aws.ToBool(tr.IsMultiRegionTrail) || !aws.ToBool(tr.LogFileValidationEnabled) || aws.ToString(tr.S3BucketName) != trailBucket || out.Remediation == "" {
		t.Fatalf("trail after the fix: multi-region %v, validation %v, bucket %s; %+v", aws.ToBool(tr.IsMultiRegionTrail), aws.ToBool(tr.LogFileValidationEnabled), aws.ToString(tr.S3BucketName), out)
	}
}

// Config compliance changes are only counted, as an EMF metric line in the function's log.
func TestTrailTriageCountsComplianceChanges(t *testing.T) {
	w := newTrailWorld(t)
	f := w.start(t, trailName, false)
	var out triage.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/config-compliance-change.json", map[string]any{"region": region, "account": account}), &out)
	if out != (triage.Outcome{}) || len(w.alerts()) != 0 {
		t.Fatalf("%+v, alerts %q", out, w.alerts())
	}
	if f.waitFor(regexp.MustCompile(`"Compliance":"NON_COMPLIANT".*"Name":"`+emf.ComplianceChange+`"`)) == nil {
		t.Fatalf("no compliance metric in\n%s", f.logs.String())
	}
}

func TestTrailTriageDryRun(t *testing.T) {
	w := newTrailWorld(t)
	f := w.start(t, trailName, true)
	var out triage.Outcome
	f.ok(t, w.stopLogging(t), &out)
	alerts := w.alerts()
	if w.logging() || out.Remediation == "" || len(alerts) != 1 || !strings.HasPrefix(alerts[0], "[dry run]") {
		t.Fatalf("dry run: logging %v, %+v, alerts %q", w.logging(), out, alerts)
	}
}

func TestTrailTriageBadInput(t *testing.T) {
	w := newTrailWorld(t)
	if r := w.start(t, trailName, false).invoke(t, malformed); !r.failed() {
		t.Fatalf("malformed event answered %s", r.Body)
	}
	// The deployed trail is gone (deleted while its StopLogging event was on the way): the function
	// fails, so the error alarm shows it, and alerts.
	missing := trailName + "-gone"
	r := w.start(t, missing, false).invoke(t, fixture(t, "awsevent/testdata/stop-logging.json", map[string]any{"detail.requestParameters.name": missing}))
	if !r.failed() || len(w.alerts()) != 1 {
		t.Fatalf("missing trail: %s, alerts %q", r.Body, w.alerts())
	}
}
