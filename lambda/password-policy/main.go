// Command password-policy is the CloudFormation custom resource that sets the account password policy.
// It only wires; the logic is in lambda/internal/passwordpolicy.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/passwordpolicy"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	h := &passwordpolicy.Handler{
		IAM:     iam.NewFromConfig(cfg),
		Metrics: fnenv.Metrics(),
		Log:     fnenv.Logger(),
		DryRun:  fnenv.DryRun(),
	}
	lambda.Start(cfn.LambdaWrap(h.Handle))
}
