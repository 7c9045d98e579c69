// Command trail-triage is the Lambda that undoes and alerts on changes to the audit trail and sign-in
// security. It only wires; the logic is in lambda/internal/triage.
package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/triage"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	settings := triage.Settings{
		TrailName: fnenv.Env("TRAIL_NAME"),
		TrailARN:  fnenv.Env("TRAIL_ARN"),
		Bucket:    fnenv.Env("TRAIL_BUCKET"),
		KMSKeyID:  fnenv.Env("TRAIL_KMS_KEY"),
		// Only the home region's function receives the trail's log deliveries; elsewhere it is unset.
		AllowedRegions: strings.Split(os.Getenv("ALLOWED_REGIONS"), ","),
	}
	// Trail calls go to the trail's home region, wherever this function runs.
	trailCfg := cfg.Copy()
	trailCfg.Region = fnenv.Env("TRAIL_REGION")
	h := &triage.Handler{
		CloudTrail: cloudtrail.NewFromConfig(trailCfg),
		Settings:   settings,
		Alerts:     alert.Sender{Client: sns.NewFromConfig(cfg), TopicArn: fnenv.Env("ALERT_TOPIC_ARN")},
		Metrics:    fnenv.Metrics(),
		Log:        fnenv.Logger(),
		DryRun:     fnenv.DryRun(),
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (triage.Outcome, error) { return h.Handle(ctx, event) })
}
