// Command poolscaler is the Lambda that keeps the workstation pools' ready workstations, hands them
// to users and stops idle ones. It only wires; the logic is in lambda/internal/poolscaler.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fnenv"
	"github.com/editbay/editbay/lambda/internal/poolscaler"
)

func main() {
	log := fnenv.Logger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	pools, err := poolscaler.LoadPools(fnenv.Env("POOLS_FILE"))
	if err != nil {
		panic(err)
	}
	subnets, err := poolscaler.ParseSubnets(fnenv.Env("SUBNETS"))
	if err != nil {
		panic(err)
	}
	metrics := fnenv.Metrics()
	metrics.Namespace = emf.PoolsNamespace
	h := &poolscaler.Handler{
		EC2:         ec2.NewFromConfig(cfg),
		DB:          dynamodb.NewFromConfig(cfg),
		Table:       fnenv.Env("TABLE_NAME"),
		Environment: fnenv.Env("ENVIRONMENT"),
		Subnets:     subnets,
		Pools:       pools,
		Metrics:     metrics,
		Log:         log,
		DryRun:      fnenv.DryRun(),
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (any, error) { return h.Handle(ctx, event) })
}
