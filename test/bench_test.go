package test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/stacks"
)

// BenchmarkSynthDefaultApp synthesizes the whole default app, nag included, in a warm jsii runtime.
func BenchmarkSynthDefaultApp(b *testing.B) {
	for b.Loop() {
		app, err := newApp(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		stacks.BuildSelected(app, synthesized.cfg, nil)
		app.Synth(nil)
	}
}

// BenchmarkSynthBareApp is the yardstick: one stack with one bucket, measured the same way.
func BenchmarkSynthBareApp(b *testing.B) {
	for b.Loop() {
		app, err := newApp(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		awss3.NewBucket(awscdk.NewStack(app, jsii.String("Bare"), nil), jsii.String("Bucket"), nil)
		app.Synth(nil)
	}
}
