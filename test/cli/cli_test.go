// Package cli runs editbay the way its README tells users to: through the pinned CDK CLI and the
// Makefile, with no AWS credentials. Every stack selector the README shows selects the stacks it
// says, and deploy, diff and destroy stop at credentials, never at selection. It links no CDK code.
package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// root is the repository, where the README's commands run.
const root = "../.."

// exampleConfig is the installation the selectors are run against: two environments in two accounts and
// regions, so that environment and account stages both exist.
const exampleConfig = "examples/multi-account.yaml"

// selections are the selectors the README documents, each with the stack paths it selects in the
// example. TestReadmeSelectorsAreTested keeps the README within this table.
var selections = map[string][]string{
	"**":          append(append([]string{}, envStacks...), accountStacks...),
	"prod/*":      {"prod/Network", "prod/Access"},
	"stg/*":       {"stg/Network", "stg/Access"},
	"account-*/*": accountStacks,
}

// hubConfig is the egress hub example, and hubSelections the selectors of the README's deployment
// order for it: README commands that name hubConfig are checked against this table.
const hubConfig = "examples/central-egress.yaml"

var hubSelections = map[string][]string{
	"egress-hub/*":     {"egress-hub/Hub"},
	"render/Network":   {"render/Network"},
	"render/HubRoutes": {"render/Network", "render/HubRoutes"}, // the CLI adds a selected stack's dependencies
	"render/*":         {"render/Network", "render/HubRoutes", "render/Access"},
}

var (
	envStacks     = []string{"stg/Network", "stg/Access", "prod/Network", "prod/Access"}
	accountStacks = []string{
		"account-111111111111/Audit", "account-111111111111/Guardrails", "account-111111111111/Guardrails-ap-southeast-1",
		"account-111111111111/Identity", "account-111111111111/GlobalEvents",
		"account-222222222222/Audit", "account-222222222222/Guardrails", "account-222222222222/Identity",
		"account-222222222222/GlobalEvents",
	}
)

// credentialFailure is what the CLI says when a command got as far as needing AWS credentials.
var credentialFailure = regexp.MustCompile(`Unable to resolve AWS account to use|no credentials have been configured`)

// example returns the example's cloud assembly, synthesized by the CLI once for the whole package.
func example(t *testing.T) string { return synthOnce(t, exampleConfig) }

// synthOnce returns config's cloud assembly, synthesized by the CLI once for the whole package.
func synthOnce(t *testing.T, config string) string {
	t.Helper()
	synthMu.Lock()
	s, ok := synths[config]
	if !ok {
		s = &synthesized{}
		synths[config] = s
	}
	synthMu.Unlock()
	s.once.Do(func() {
		s.dir = filepath.Join(tempDir, strings.TrimSuffix(filepath.Base(config), ".yaml")+".out")
		if out, err := cdk("synth", "--quiet", "-c", "config="+config, "-o", s.dir); err != nil {
			s.err = fmt.Errorf("synthesizing %s: %v\n%s", config, err, out)
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.dir
}

type synthesized struct {
	once sync.Once
	dir  string
	err  error
}

var (
	synthMu sync.Mutex
	synths  = map[string]*synthesized{}
	tempDir string // removed after the tests
)

func TestMain(m *testing.M) {
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "cdk")); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "test/cli: the pinned CDK CLI is not installed: run `make deps` (npm ci) first")
			os.Exit(1)
		}
		fmt.Println("test/cli: skipped: the pinned CDK CLI is not installed (run `make deps`)")
		os.Exit(0)
	}
	var err error
	if tempDir, err = os.MkdirTemp("", "editbay-cli-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tempDir)
	os.Exit(code)
}

// env is the environment of every command: the CLI's, without any AWS credentials or configuration,
// without the instance metadata service, and without telemetry.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			continue
		}
		out = append(out, kv)
	}
	missing := filepath.Join(os.TempDir(), "editbay-no-aws-config")
	return append(out, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+missing,
		"AWS_SHARED_CREDENTIALS_FILE="+missing, "CDK_DISABLE_CLI_TELEMETRY=true")
}

func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = root, env()
	return cmd
}

// cdk runs the pinned CLI from the repository as the README does (npx --no -- cdk), returning its
// combined output.
func cdk(args ...string) (string, error) {
	out, err := command("npx", append([]string{"--no", "--", "cdk"}, args...)...).CombinedOutput()
	return string(out), err
}

func run(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	out, err := command(name, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	return "", 0
}

// stackPaths reads the stack paths of `cdk ls` output, "<stage>/<Stack> (<stack name>)" per line,
// passing over any other line (a synthesis's own).
func stackPaths(out string) []string {
	var paths []string
	for line := range strings.SplitSeq(out, "\n") {
		if m := lsLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			paths = append(paths, m[1])
		}
	}
	slices.Sort(paths)
	return paths
}

var lsLine = regexp.MustCompile(`^(\S+/\S+)(?: \(\S+\))?$`)

// Each documented selector selects exactly its stacks, and deploy, diff and destroy with it fail at
// credentials, after selection.
func TestSelectors(t *testing.T) {
	all := [][]string{{"deploy", "--require-approval", "never"}, {"diff"}, {"destroy", "--force"}}
	for config, table := range map[string]map[string][]string{exampleConfig: selections, hubConfig: hubSelections} {
		verbs := all
		if config == hubConfig {
			verbs = all[:1] // the hub's order is about deploying; diff and destroy select alike
		}
		for selector, want := range table {
			t.Run(filepath.Base(config)+"/"+selector, func(t *testing.T) {
				t.Parallel()
				testSelector(t, config, selector, want, verbs)
			})
		}
	}
}

// testSelector checks one selector against config's assembly.
func testSelector(t *testing.T, config, selector string, want []string, verbs [][]string) {
	app := synthOnce(t, config)
	out, code := run(t, "npx", "--no", "--", "cdk", "ls", "--app", app, selector)
	want = slices.Sorted(slices.Values(want))
	if got := stackPaths(out); code != 0 || !slices.Equal(got, want) {
		t.Errorf("cdk ls %q: exit %d, selected %v, want %v\n%s", selector, code, got, want, out)
	}
	for _, verb := range verbs {
		args := append([]string{"--no", "--", "cdk", verb[0], "--app", app, "--no-notices"}, verb[1:]...)
		out, code := run(t, "npx", append(args, selector)...)
		if code == 0 || !credentialFailure.MatchString(out) || strings.Contains(out, "No stacks match") {
			t.Errorf("cdk %s %q without credentials: exit %d, want a failure at credentials:\n%s", verb[0], selector, code, out)
		}
	}
}

// The CloudFormation stack names that `cdk ls` prints in parentheses are not selectors: deploy says
// so, and `make destroy`, whose CLI command would exit 0 having selected nothing, fails and lists the
// stack paths.
func TestStackNamesAreNotSelectors(t *testing.T) {
	t.Parallel()
	out, code := run(t, "npx", "--no", "--", "cdk", "deploy", "--app", example(t), "--no-notices", "globalvfx-prod-network")
	if code == 0 || !strings.Contains(out, "No stacks match") {
		t.Errorf("cdk deploy globalvfx-prod-network: exit %d, want no match:\n%s", code, out)
	}
	out, code = run(t, "make", "--no-print-directory", "destroy", "CONFIG="+exampleConfig, "STAGES=prod",
		"OUT="+filepath.Join(t.TempDir(), "cdk.out"), "STACKS=globalvfx-prod-network")
	if code == 0 || !strings.Contains(out, "selects no stack") || !strings.Contains(out, "prod/Network (globalvfx-prod-network)") {
		t.Errorf("make destroy STACKS=globalvfx-prod-network: exit %d, want a refusal listing the stack paths:\n%s", code, out)
	}
}

// `make deploy` and `make diff-deployed` without credentials fail with what to set, after the CLI's
// own message; with STAGES=prod, `make ls` synthesizes and lists the prod stage alone.
func TestDeployWithoutCredentialsSaysWhatToSet(t *testing.T) {
	t.Parallel()
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	out, code := run(t, "make", "--no-print-directory", "deploy", "CONFIG="+exampleConfig, "STAGES=prod", "OUT="+outdir, "STACKS=prod/*")
	if code == 0 || !credentialFailure.MatchString(out) || !strings.Contains(out, "editbay: no usable AWS credentials. Set AWS_PROFILE") {
		t.Errorf("make deploy without credentials: exit %d, want the credentials hint:\n%s", code, out)
	}
	out, code = run(t, "make", "--no-print-directory", "diff-deployed", "CONFIG="+exampleConfig, "STAGES=prod", "OUT="+outdir, "STACKS=prod/*")
	if code == 0 || !credentialFailure.MatchString(out) || !strings.Contains(out, "editbay: no usable AWS credentials. Set AWS_PROFILE") {
		t.Errorf("make diff-deployed without credentials: exit %d, want a failure with the credentials hint:\n%s", code, out)
	}
	out, code = run(t, "make", "--no-print-directory", "-s", "ls", "CONFIG="+exampleConfig, "STAGES=prod", "OUT="+outdir)
	if got := stackPaths(out); code != 0 || !slices.Equal(got, []string{"prod/Access", "prod/Network"}) {
		t.Errorf("make ls STAGES=prod: exit %d, listed %v; want the prod stage alone:\n%s", code, got, out)
	}
}

// A refused config leaves nothing in the output directory, not even an earlier run's templates, and
// names every problem by its field path.
func TestInvalidConfigEmptiesTheOutput(t *testing.T) {
	t.Parallel()
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.MkdirAll(filepath.Join(outdir, "assembly-prod"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(outdir, "assembly-prod", "prodNetwork.template.json")
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "npx", "--no", "--", "cdk", "synth", "--quiet", "-c", "config=test/testdata/invalid.yaml", "-o", outdir)
	if code == 0 {
		t.Fatalf("synth accepted test/testdata/invalid.yaml:\n%s", out)
	}
	for _, want := range []string{
		"test/testdata/invalid.yaml: 4 problem(s)",
		`environments[0].network.natMod: unknown key (did you mean "natMode"?)`,
		"environments[0].availabilityZones: need at least 2, got 1",
		`environments[0].network.vpcCidr: "10.20.0.0/33" is not a CIDR`,
		"environments[0].tags.Owner: mandatory cost tag is missing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var left []string
	filepath.WalkDir(outdir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".lock") {
			left = append(left, path)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("the refused config left %v", left)
	}
	// A stage selector that matches nothing is refused the same way, naming the stages there are.
	out, code = run(t, "npx", "--no", "--", "cdk", "synth", "--quiet", "-c", "stages=prd", "-o", outdir)
	if code == 0 || !strings.Contains(out, `"prd" matches no stage (the stages are stg, prod, account-default)`) {
		t.Errorf("synth -c stages=prd: exit %d, want a refusal naming the stages:\n%s", code, out)
	}
}

// readmeSelector finds the stack selectors of the README's deploy, diff, destroy and ls commands:
// the quoted pattern of `npx cdk <verb> '<pattern>'`, or STACKS of `make <target>` ('**' unset).
var (
	npxCommand  = regexp.MustCompile(`npx cdk (deploy|diff|destroy|ls)\b(.*)`)
	makeCommand = regexp.MustCompile(`make (deploy|diff-deployed|destroy)\b(.*)`)
	quoted      = regexp.MustCompile(`(?:^|\s)'([^']+)'`)
	stacksVar   = regexp.MustCompile(`STACKS='([^']+)'`)
)

func readmeSelectors(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := map[string]string{} // selector: the README line
	inCode := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			continue
		}
		if m := npxCommand.FindStringSubmatch(line); m != nil {
			if strings.Contains(m[2], "--all") {
				t.Errorf("README: %q: --all selects only top-level stacks, and editbay has none", line)
			}
			for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
				found[q[1]] = line
			}
		}
		if m := makeCommand.FindStringSubmatch(line); m != nil {
			selector := "**"
			if s := stacksVar.FindStringSubmatch(m[2]); s != nil {
				selector = s[1]
			}
			found[selector] = line
		}
	}
	return found
}

// Every selector the README shows is one TestSelectors runs.
func TestReadmeSelectorsAreTested(t *testing.T) {
	found := readmeSelectors(t)
	if len(found) < 3 {
		t.Fatalf("found %d selectors in the README's commands, want the deploy commands' at least", len(found))
	}
	for selector, line := range found {
		table := selections
		if strings.Contains(line, hubConfig) {
			table = hubSelections
		}
		if _, ok := table[selector]; !ok {
			t.Errorf("README: %q uses the selector %q, which TestSelectors does not run for its config", line, selector)
		}
	}
}
