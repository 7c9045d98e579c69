package pricelist

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
)

// Endpoint is the region whose Price List Query API endpoint the refresher calls; the prices of
// every region are read there.
const Endpoint = "us-east-1"

// noCredentials is what to do when the AWS SDK finds no credentials.
const noCredentials = "the Price List API needs AWS credentials of any account (pricing:GetProducts): " +
	"set AWS_PROFILE to a configured profile (aws configure, aws sso login), " +
	"or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"

// NewClient is a Price List client of the us-east-1 endpoint with the default credential chain.
// It retrieves the credentials first, so that missing ones fail here with what to set, before
// any call.
func NewClient(ctx context.Context, optFns ...func(*config.LoadOptions) error) (*pricing.Client, error) {
	opts := append([]func(*config.LoadOptions) error{config.WithRegion(Endpoint)}, optFns...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: loading the AWS configuration: %w", noCredentials, err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%s", noCredentials)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", noCredentials, err)
	}
	return pricing.NewFromConfig(cfg), nil
}
