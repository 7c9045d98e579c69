// Command editbay is the CDK app: it reads the installation config (the embedded default, or the file
// named by `-c config=path`), validates it, and synthesizes one stage per environment and one per
// governed account (or only those `-c stages=prod,account-*` selects). It exits non-zero, leaving no
// template in the output directory, for a config that fails validation or a synthesis that fails, and
// non-zero for any unsuppressed cdk-nag finding or template validation error.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks"
	"github.com/editbay/editbay/stacks/assembly"
)

func main() { os.Exit(runApp()) }

// runApp runs the app and stops the jsii runtime, returning the exit status.
func runApp() int {
	code := run(os.Stderr)
	closeRuntime()
	return code
}

// closeRuntime stops the jsii runtime's node process. jsii-runtime-go waits for that process twice,
// from Close and from a watcher goroutine, and whichever loses prints "Runtime process exited
// abnormally: waitid: no child processes", without a newline, into whatever is printed next. It
// means nothing: the process has exited normally. Nothing else is written to stderr after this
// point, so os.Stderr is pointed at the null device first, which silences that line alone.
func closeRuntime() {
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null
	}
	jsii.Close()
}

func run(stderr io.Writer) int {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})

	outdir := *app.Outdir()
	path, _ := app.Node().TryGetContext(jsii.String("config")).(string)
	cfg, err := config.LoadOrDefault(path)
	if err != nil {
		fmt.Fprintf(stderr, "editbay: %s: %v\n", describe(path), err)
		return fail(stderr, outdir)
	}
	selection, _ := app.Node().TryGetContext(jsii.String("stages")).(string)
	patterns, err := stacks.ParseStageSelection(selection, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "editbay: %v\n", err)
		return fail(stderr, outdir)
	}

	// A construct that panics (a jsii error, a function that does not build) is reported like a
	// synthesis that fails, and leaves nothing in the output directory either.
	synthErr := recovered(func() { stacks.BuildSelected(app, cfg, patterns) })
	if synthErr == nil {
		synthErr = recovered(func() { app.Synth(nil) })
	}
	findings, err := assembly.ReadFindings(outdir)
	if len(findings) > 0 {
		fmt.Fprintf(stderr, "editbay: %d unsuppressed cdk-nag or template validation finding(s):\n", len(findings))
		for _, f := range findings {
			fmt.Fprintf(stderr, "  %s\n", f)
		}
	}
	switch {
	case synthErr != nil:
		// A synthesis that threw leaves half an assembly: remove it, findings shown.
		fmt.Fprintf(stderr, "editbay: synthesis failed: %v\n", synthErr)
		return fail(stderr, outdir)
	case err != nil:
		fmt.Fprintf(stderr, "editbay: reading the synthesized assembly: %v\n", err)
		return 1
	case len(findings) > 0:
		// The templates and the cdk-nag reports stay for inspection; the non-zero exit keeps the CLI
		// from deploying them.
		return 1
	}
	return 0
}

// recovered runs f and returns what it panicked with as an error: CDK's exception for error
// annotations (policy validation) or a jsii error, so that findings and the failure are listed
// instead of a Go stack trace.
func recovered(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// fail empties the output directory and returns the exit status of a failed run: templates of an
// earlier run, or half of this one, must never be deployed as if they were this config's. The CLI's
// own lock files stay, as the CLI holds them while the app runs.
func fail(stderr io.Writer, outdir string) int {
	entries, err := os.ReadDir(outdir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "editbay: emptying %s: %v\n", outdir, err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		if err := os.RemoveAll(filepath.Join(outdir, e.Name())); err != nil {
			fmt.Fprintf(stderr, "editbay: emptying %s: %v\n", outdir, err)
		}
	}
	return 1
}

func describe(path string) string {
	if path == "" {
		return config.DefaultPath
	}
	return path
}
