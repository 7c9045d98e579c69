// Package recorderguard keeps AWS Config recording: on StopConfigurationRecorder and
// DeleteDeliveryChannel (CloudTrail events through EventBridge) and on a schedule, as a backstop for
// EventBridge's best-effort delivery of CloudTrail events, it puts the delivery channel back and
// starts the recorder again.
package recorderguard

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// Config is the part of the AWS Config API the guard calls; *configservice.Client satisfies it.
type Config interface {
	DescribeConfigurationRecorderStatus(ctx context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error)
	StartConfigurationRecorder(ctx context.Context, in *configservice.StartConfigurationRecorderInput, optFns ...func(*configservice.Options)) (*configservice.StartConfigurationRecorderOutput, error)
	DescribeDeliveryChannels(ctx context.Context, in *configservice.DescribeDeliveryChannelsInput, optFns ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error)
	PutDeliveryChannel(ctx context.Context, in *configservice.PutDeliveryChannelInput, optFns ...func(*configservice.Options)) (*configservice.PutDeliveryChannelOutput, error)
}

// Settings are the deployed recorder's and channel's, from the function's environment.
type Settings struct {
	RecorderName string // RECORDER_NAME
	ChannelName  string // CHANNEL_NAME
	Bucket       string // CHANNEL_BUCKET
	KeyPrefix    string // CHANNEL_PREFIX (optional)
	KMSKeyARN    string // CHANNEL_KMS_KEY_ARN (optional)
	Frequency    string // CHANNEL_FREQUENCY, e.g. TwentyFour_Hours
}

// Handler handles one event.
type Handler struct {
	Config   Config
	Settings Settings
	Alerts   alert.Sender
	Metrics  *emf.Logger
	Log      *slog.Logger
	DryRun   bool
}

// Outcome is what one invocation did.
type Outcome struct {
	ChannelRestored, RecorderStarted bool
}

type trigger struct {
	who, what, account, region, eventID string
	when                                time.Time
}

// Handle runs on a CloudTrail event or the scheduled backstop; both check and repair the same way,
// so the function is idempotent and a missed event is caught within one schedule period.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Outcome, error) {
	e, err := awsevent.Decode(raw)
	if err != nil {
		h.Log.Error("ignoring event", "error", err.Error())
		return Outcome{}, nil
	}
	tr := trigger{account: e.Account, region: e.Region, eventID: e.ID, when: e.Time,
		who: "unknown (found by the scheduled check)", what: "AWS Config recorder found not recording"}
	if e.DetailType == awsevent.DetailAPICall {
		c, err := awsevent.DecodeAPICall(e)
		if err != nil {
			h.Log.Error("ignoring event", "error", err.Error())
			return Outcome{}, nil
		}
		tr.who, tr.when, tr.eventID = c.UserIdentity.Who(), c.EventTime, c.EventID
		tr.what = c.EventName
	}
	return h.Ensure(ctx, tr)
}

// Ensure checks the recorder (one call when it records) and, when it does not, restores a missing
// delivery channel and starts it.
func (h *Handler) Ensure(ctx context.Context, tr trigger) (Outcome, error) {
	var out Outcome
	s := h.Settings
	log := h.Log.With("recorder", s.RecorderName, "eventId", tr.eventID)
	st, err := h.Config.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{
		ConfigurationRecorderNames: []string{s.RecorderName},
	})
	if awserr.Is(err, awserr.NotFound) || err == nil && len(st.ConfigurationRecordersStatus) == 0 {
		// The recorder's settings (role, recording group) belong to its stack; a stack deployment
		// recreates it. Alert, and fail so the error alarm keeps showing it until then.
		err = fmt.Errorf("configuration recorder %q does not exist", s.RecorderName)
		return out, h.failed(ctx, tr, log, "checking the recorder", err, "redeploy the governance stack (cdk deploy) to recreate it")
	}
	if err != nil {
		return out, h.failed(ctx, tr, log, "checking the recorder", err, "")
	}
	if st.ConfigurationRecordersStatus[0].Recording {
		log.Info("recording")
		return out, nil
	}
	var actions []string
	ch, err := h.Config.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{DeliveryChannelNames: []string{s.ChannelName}})
	missing := awserr.Is(err, awserr.NotFound) || err == nil && len(ch.DeliveryChannels) == 0
	if err != nil && !missing {
		return out, h.failed(ctx, tr, log, "checking the delivery channel", err, "")
	}
	if missing {
		actions = append(actions, fmt.Sprintf("put delivery channel %q back (to s3://%s)", s.ChannelName, s.Bucket))
		if !h.DryRun {
			if _, err := h.Config.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: h.channel()}); err != nil {
				return out, h.failed(ctx, tr, log, "restoring the delivery channel", err, "")
			}
		}
		out.ChannelRestored = true
	}
	actions = append(actions, fmt.Sprintf("started recorder %q", s.RecorderName))
	if !h.DryRun {
		if _, err := h.Config.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String(s.RecorderName)}); err != nil {
			return out, h.failed(ctx, tr, log, "starting the recorder", err, "")
		}
	}
	out.RecorderStarted = true
	log.Info("remediated", "channelRestored", out.ChannelRestored, "dryRun", h.DryRun)
	h.count(map[string]float64{emf.Remediations: 1})
	return out, h.send(ctx, tr, "AWS Config recording restarted", join(actions), "")
}

func (h *Handler) channel() *types.DeliveryChannel {
	s := h.Settings
	c := &types.DeliveryChannel{Name: aws.String(s.ChannelName), S3BucketName: aws.String(s.Bucket)}
	if s.KeyPrefix != "" {
		c.S3KeyPrefix = aws.String(s.KeyPrefix)
	}
	if s.KMSKeyARN != "" {
		c.S3KmsKeyArn = aws.String(s.KMSKeyARN)
	}
	if s.Frequency != "" {
		c.ConfigSnapshotDeliveryProperties = &types.ConfigSnapshotDeliveryProperties{DeliveryFrequency: types.MaximumExecutionFrequency(s.Frequency)}
	}
	return c
}

func join(actions []string) string {
	out := ""
	for i, a := range actions {
		if i > 0 {
			out += "; "
		}
		out += a
	}
	return out
}

const why = "AWS Config must record at all times (editbay governance): it is the audit record of every resource change. " +
	"Only the Admin group may stop it, through a change to the governance stack."

func (h *Handler) send(ctx context.Context, tr trigger, title, action, hint string) error {
	w := why
	if hint != "" {
		w = hint + ". " + why
	}
	err := h.Alerts.Send(ctx, alert.Alert{Title: title, Who: tr.who, What: tr.what, Account: tr.account, Region: tr.region,
		Time: tr.when, Action: action, Why: w, EventID: tr.eventID, DryRun: h.DryRun})
	if err == nil {
		h.count(map[string]float64{emf.Alerts: 1})
	}
	return err
}

func (h *Handler) failed(ctx context.Context, tr trigger, log *slog.Logger, doing string, err error, hint string) error {
	class := awserr.Classify(err)
	log.Error("remediation failed", "doing", doing, "class", class.String(), "code", awserr.Code(err), "error", err.Error())
	h.count(map[string]float64{emf.Failures: 1})
	if class != awserr.Throttled && class != awserr.Canceled {
		if aerr := h.send(ctx, tr, "AWS Config recording NOT restored", fmt.Sprintf("failed %s: %v", doing, err), hint); aerr != nil {
			log.Error("alert failed", "error", aerr.Error())
		}
	}
	return fmt.Errorf("%s (%s): %w", doing, class, err)
}

func (h *Handler) count(m map[string]float64) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.Count(map[string]string{"Function": "config-recorder-guard"}, m); err != nil {
		h.Log.Warn("metrics", "error", err.Error())
	}
}
