// Command sg-remediation is the Lambda that revokes world-open security-group ingress. It only wires;
// the logic is in lambda/internal/sgfix.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/sgfix"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	h := &sgfix.Handler{
		EC2:     ec2.NewFromConfig(cfg),
		Alerts:  alert.Sender{Client: sns.NewFromConfig(cfg), TopicArn: fnenv.Env("ALERT_TOPIC_ARN")},
		Metrics: fnenv.Metrics(),
		Log:     fnenv.Logger(),
		DryRun:  fnenv.DryRun(),
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (sgfix.Outcome, error) { return h.Handle(ctx, event) })
}
