// Command editbay is the CDK app: it reads the installation config (the embedded default, or the file
// named by `-c config=path`), validates it, and synthesizes one stage per environment.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})

	path, _ := app.Node().TryGetContext(jsii.String("config")).(string)
	cfg, err := loadConfig(path)
	if err != nil {
		// Nothing has been synthesized, so no template exists for a config that fails.
		fmt.Fprintf(os.Stderr, "editbay: %s: %v\n", describe(path), err)
		return 1
	}

	stacks.Build(app, cfg)
	asm := app.Synth(nil)
	findings, err := stacks.ReadFindings(*asm.Directory())
	if err != nil {
		fmt.Fprintf(os.Stderr, "editbay: reading the synthesized assembly: %v\n", err)
		return 1
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "editbay: %d unsuppressed cdk-nag or synthesis finding(s):\n", len(findings))
		for _, f := range findings {
			fmt.Fprintf(os.Stderr, "  %s\n", f)
		}
		return 1
	}
	return 0
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default()
	}
	return config.Load(path)
}

func describe(path string) string {
	if path == "" {
		return config.DefaultPath
	}
	return path
}
