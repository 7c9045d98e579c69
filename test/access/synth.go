package access

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Root is the repository: where the README's commands run.
func Root() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("access: cannot locate the repository")
	}
	return repoRoot(filepath.Dir(file))
}

// CLIInstalled tells whether `make deps` (npm ci) installed the pinned CDK CLI and the evaluator.
func CLIInstalled() error {
	root, err := Root()
	if err != nil {
		return err
	}
	for _, p := range []string{"node_modules/.bin/cdk", "node_modules/.bin/node", "node_modules/@cloud-copilot/iam-simulate"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			return fmt.Errorf("%s is not installed: run `make deps` (npm ci)", p)
		}
	}
	return nil
}

// Synth synthesizes the app into out with the pinned CDK CLI, as test/cli does and the README tells
// users to (npx --no -- cdk synth), with no AWS credentials or configuration; args are added, e.g.
// "-c", "config=examples/multi-account.yaml". No args: the embedded default config.
func Synth(out string, args ...string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	cmd := exec.Command("npx", append([]string{"--no", "--", "cdk", "synth", "--quiet", "-o", out}, args...)...)
	cmd.Dir, cmd.Env = root, cliEnv(root)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cdk synth %s: %v\n%s", strings.Join(args, " "), err, output)
	}
	return nil
}

// cliEnv is the environment of the CLI: this one without AWS credentials or configuration, the
// instance metadata service or telemetry, and with the pinned Node.js first on PATH (as make has it).
func cliEnv(root string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			continue
		}
		if path, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + filepath.Join(root, "node_modules", ".bin") + string(os.PathListSeparator) + path
		}
		env = append(env, kv)
	}
	missing := filepath.Join(os.TempDir(), "editbay-no-aws-config")
	return append(env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+missing,
		"AWS_SHARED_CREDENTIALS_FILE="+missing, "CDK_DISABLE_CLI_TELEMETRY=true")
}
