// Command config-recorder-guard is the Lambda that keeps AWS Config recording. It only wires; the
// logic is in lambda/internal/recorderguard.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/recorderguard"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	h := &recorderguard.Handler{
		Config: configservice.NewFromConfig(cfg),
		Settings: recorderguard.Settings{
			RecorderName: fnenv.Env("RECORDER_NAME"),
			ChannelName:  fnenv.Env("CHANNEL_NAME"),
			Bucket:       fnenv.Env("CHANNEL_BUCKET"),
			KeyPrefix:    os.Getenv("CHANNEL_PREFIX"),
			KMSKeyARN:    os.Getenv("CHANNEL_KMS_KEY_ARN"),
			Frequency:    os.Getenv("CHANNEL_FREQUENCY"),
		},
		Alerts:  alert.Sender{Client: sns.NewFromConfig(cfg), TopicArn: fnenv.Env("ALERT_TOPIC_ARN")},
		Metrics: fnenv.Metrics(),
		Log:     fnenv.Logger(),
		DryRun:  fnenv.DryRun(),
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (recorderguard.Outcome, error) {
		return h.Handle(ctx, event)
	})
}
