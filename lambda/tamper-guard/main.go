// Command tamper-guard is the Lambda that undoes changes which would blind editbay's guardrails and
// audit, and alerts who made them. It only wires; the logic is in lambda/internal/tamper.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/tamper"
)

func main() {
	settings, err := tamper.ParseSettings(os.Getenv)
	if err != nil {
		// A deployment fault, shown as an init error, as fnenv.Env does for a missing variable.
		fnenv.Logger().Error("invalid environment", "error", err.Error())
		os.Exit(2)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	h := &tamper.Handler{
		KMS:      kms.NewFromConfig(cfg),
		Events:   eventbridge.NewFromConfig(cfg),
		Lambda:   awslambda.NewFromConfig(cfg),
		S3:       s3.NewFromConfig(cfg),
		STS:      sts.NewFromConfig(cfg),
		Settings: settings,
		Alerts:   alert.Sender{Client: sns.NewFromConfig(cfg), TopicArn: settings.AlertTopicArn},
		Metrics:  fnenv.Metrics(),
		Log:      fnenv.Logger(),
		DryRun:   fnenv.DryRun(),
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (tamper.Outcome, error) { return h.Handle(ctx, event) })
}
