// Package lambdabuild is the one go build invocation of editbay's Go functions, shared by the CDK
// asset (constructs.GoFunction, linux/arm64) and the end-to-end suite (lambda/e2e, the host's
// architecture), so what the suite runs is built exactly as what is deployed. It imports no CDK.
package lambdabuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build runs the reproducible build of packages (e.g. "./lambda/sg-remediation") of the module at
// root for linux/goarch into out: a file for one package, a directory (ending in a separator) for
// several, each binary named after its package's directory. The build is what Lambda's
// provided.al2023 runtime runs and is reproducible, so an unchanged function keeps its asset hash and
// is not redeployed: no cgo, the lambda.norpc tag (no net/rpc server the custom runtime never uses),
// -trimpath, no VCS stamp, no build ID, stripped. It needs only the Go toolchain and the module cache
// (GOPROXY=off works once `go mod download` has run).
func Build(root, goarch, out string, packages ...string) error {
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", out}, packages...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(packages, " "), err, stderr.String())
	}
	return nil
}

// Functions returns the packages of every function of the module at root: each lambda/<name> with a
// main.go, as "./lambda/<name>".
func Functions(root string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, "lambda", "*", "main.go"))
	if err != nil || len(mains) == 0 {
		return nil, fmt.Errorf("no functions under %s: %v", filepath.Join(root, "lambda"), err)
	}
	packages := make([]string, len(mains))
	for i, m := range mains {
		packages[i] = "./lambda/" + filepath.Base(filepath.Dir(m))
	}
	return packages, nil
}

// ModuleRoot returns the directory of the editbay module that the working directory is in.
func ModuleRoot() (string, error) {
	cmd := exec.Command("go", "env", "GOMOD")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the editbay module (go env GOMOD is empty); run from the repository")
	}
	return filepath.Dir(mod), nil
}
