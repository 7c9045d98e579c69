package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// NewTestApp creates an App writing to outdir with the context of the cdk.json at cdkJSON (the feature
// flags the CLI passes to the app), so that tests and benchmarks synthesize what `cdk synth` does.
func NewTestApp(outdir, cdkJSON string) (awscdk.App, error) {
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := readJSON(cdkJSON, &file); err != nil {
		return nil, err
	}
	// What the CLI adds for `cdk synth`: construct paths and asset locations in the templates' metadata.
	file.Context["aws:cdk:enable-path-metadata"] = true
	file.Context["aws:cdk:enable-asset-metadata"] = true
	return awscdk.NewApp(&awscdk.AppProps{
		Outdir:             jsii.String(outdir),
		Context:            &file.Context,
		AnalyticsReporting: jsii.Bool(false),
	}), nil
}
