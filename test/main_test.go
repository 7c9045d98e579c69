// Package test synthesizes the default config's app once and checks it: targeted template assertions,
// golden templates per stack, cdk-nag findings, and a synth benchmark.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks"
	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/testapp"
)

// synthesized is the default app, synthesized once for the whole package.
var synthesized struct {
	cfg       *config.Config
	dir       string
	stacks    []assembly.Stack
	templates map[string]template // by display name, e.g. "stg/Network"
}

type template = map[string]any

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	defer jsii.Close()
	dir, err := os.MkdirTemp("", "editbay-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := synthDefault(dir); err != nil {
		fmt.Fprintln(os.Stderr, "synthesizing the default app:", err)
		return 1
	}
	return m.Run()
}

func synthDefault(dir string) error {
	cfg, err := config.Default()
	if err != nil {
		return err
	}
	app, err := newApp(dir)
	if err != nil {
		return err
	}
	stacks.BuildSelected(app, cfg, nil)
	app.Synth(nil)
	list, err := assembly.ReadStacks(dir)
	if err != nil {
		return err
	}
	synthesized.cfg, synthesized.dir, synthesized.stacks = cfg, dir, list
	synthesized.templates = map[string]template{}
	for _, s := range list {
		var t template
		if err := readJSON(s.TemplateFile, &t); err != nil {
			return err
		}
		synthesized.templates[s.DisplayName] = t
	}
	return nil
}

func newApp(dir string) (awscdk.App, error) { return testapp.New(dir) }

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// stackOf returns the synthesized stack of an environment, e.g. stackOf(t, "prod", "Network").
func stackOf(t *testing.T, env, id string) (assembly.Stack, template) {
	t.Helper()
	name := env + "/" + id
	for _, s := range synthesized.stacks {
		if s.DisplayName == name {
			return s, synthesized.templates[name]
		}
	}
	t.Fatalf("no stack %s", name)
	return assembly.Stack{}, nil
}

// resources returns the template's resources of a type, by logical ID.
func resources(tpl template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// only returns the template's one resource of a type, failing the test if there are more or none.
func only(t *testing.T, tpl template, typ string) map[string]any {
	t.Helper()
	found := resources(tpl, typ)
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(found), typ)
	}
	for _, r := range found {
		return r
	}
	return nil
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}
