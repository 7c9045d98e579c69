package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/editbay/editbay/stacks/assembly"
)

func TestNoUnsuppressedFindings(t *testing.T) {
	findings, err := assembly.ReadFindings(synthesized.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

// Both packs ran on every stack of every stage: their reports are there, and name suppressions.
func TestNagRanOnEveryStack(t *testing.T) {
	for _, s := range synthesized.stacks {
		env := strings.SplitN(s.DisplayName, "/", 2)[0]
		for _, pack := range []string{"AwsSolutions", "NIST.800.53.R5"} {
			path := filepath.Join(synthesized.dir, pack+"-"+env+"-"+s.StackName+"-NagReport.csv")
			report, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: no %s report: %v", s.DisplayName, pack, err)
				continue
			}
			if !strings.Contains(string(report), "Compliant") || strings.Contains(string(report), ",Non-Compliant,") {
				t.Errorf("%s: %s report has no compliant rule or a non-compliant one:\n%s", s.DisplayName, pack, report)
			}
		}
	}
}

// A violation fails synthesis (CDK's policy validation throws on error annotations) and the findings
// reader sees it: a stage with an unencrypted, unlogged bucket.
func TestFindingsAreReported(t *testing.T) {
	dir := t.TempDir()
	app, err := newApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	stage := awscdk.NewStage(app, jsii.String("canary"), nil)
	awss3.NewBucket(awscdk.NewStack(stage, jsii.String("Canary"), nil), jsii.String("Plain"), nil)
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "ValidationFailed") {
				t.Errorf("synthesis did not fail validation: %v", r)
			}
		}()
		app.Synth(nil)
	}()
	findings, err := assembly.ReadFindings(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range findings {
		all.WriteString(f.String() + "\n")
	}
	for _, rule := range []string{"AwsSolutions-S1", "AwsSolutions-S10"} {
		if !strings.Contains(all.String(), rule) {
			t.Errorf("%s not reported; findings:\n%s", rule, all.String())
		}
	}
}
