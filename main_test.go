package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The app runs in a child process, as the CDK CLI runs it: the jsii runtime inherits its environment
// once, when it starts, so the CLI's variables must be there from the beginning.
func TestMain(m *testing.M) {
	if os.Getenv("EDITBAY_TEST_RUN_APP") == "1" {
		os.Exit(runApp())
	}
	os.Exit(m.Run())
}

// A config that fails validation makes the app exit 1 with every problem named by its field path,
// having written nothing.
func TestInvalidConfigWritesNothing(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EDITBAY_TEST_RUN_APP=1", "CDK_OUTDIR="+out, `CDK_CONTEXT_JSON={"config":"test/testdata/invalid.yaml"}`)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("got %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"test/testdata/invalid.yaml: 4 problem(s)",
		`environments[0].network.natMod: unknown key (did you mean "natMode"?)`,
		"environments[0].availabilityZones: need at least 2, got 1",
		`environments[0].network.vpcCidr: "10.20.0.0/33" is not a CIDR`,
		"environments[0].tags.Owner: mandatory cost tag is missing",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("wrote %d entries to the output directory", len(entries))
	}
}
