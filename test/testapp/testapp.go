// Package testapp creates CDK apps for tests and benchmarks that synthesize what `cdk synth` does.
package testapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// New creates an App writing to outdir with the context of the repository's cdk.json (the feature
// flags the CLI passes to the app) and the metadata the CLI asks for.
func New(outdir string) (awscdk.App, error) {
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "cdk.json"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
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
