// Command bareapp is the yardstick of BenchmarkCLISynth: one stack with one bucket, synthesized by
// the same pinned CLI with the same cdk.json, so what the CLI, Node.js, go run and jsii cost anyway
// is measured apart from what editbay adds.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	awss3.NewBucket(awscdk.NewStack(app, jsii.String("Bare"), nil), jsii.String("Bucket"), nil)
	app.Synth(nil)
}
