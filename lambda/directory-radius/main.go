// Command directory-radius is the CloudFormation custom resource that turns on RADIUS multi-factor
// authentication of a managed directory. It only wires; the logic is in lambda/internal/radius.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/radius"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	metrics := fnenv.Metrics()
	metrics.Namespace = emf.AccessNamespace
	h := &radius.Handler{
		Directory: directoryservice.NewFromConfig(cfg),
		Secrets:   secretsmanager.NewFromConfig(cfg),
		Metrics:   metrics,
		Log:       fnenv.Logger(),
		DryRun:    fnenv.DryRun(),
	}
	lambda.Start(cfn.LambdaWrap(h.Handle))
}
