// Command editbay is the CDK app: it reads the installation config (the embedded default, or the file
// named by `-c config=path`), validates it, and synthesizes one stage per environment. It exits
// non-zero, having written nothing, for a config that fails validation, and non-zero for any
// unsuppressed cdk-nag finding or template validation error.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks"
)

func main() {
	os.Exit(run(os.Stderr))
}

func run(stderr io.Writer) int {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})

	path, _ := app.Node().TryGetContext(jsii.String("config")).(string)
	cfg, err := loadConfig(path)
	if err != nil {
		// Nothing has been synthesized, so no template exists for a config that fails.
		fmt.Fprintf(stderr, "editbay: %s: %v\n", describe(path), err)
		return 1
	}

	stacks.Build(app, cfg)
	stacks.BuildAccounts(app, cfg)
	if err := synth(app); err != nil {
		fmt.Fprintf(stderr, "editbay: synthesis failed: %v\n", err)
	}
	findings, err := stacks.ReadFindings(*app.Outdir())
	if err != nil {
		fmt.Fprintf(stderr, "editbay: reading the synthesized assembly: %v\n", err)
		return 1
	}
	if len(findings) > 0 {
		fmt.Fprintf(stderr, "editbay: %d unsuppressed cdk-nag or template validation finding(s):\n", len(findings))
		for _, f := range findings {
			fmt.Fprintf(stderr, "  %s\n", f)
		}
		return 1
	}
	return 0
}

// synth turns CDK's exception for error annotations (policy validation) into an error, so that the
// findings are listed instead of a Go stack trace.
func synth(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	app.Synth(nil)
	return nil
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
