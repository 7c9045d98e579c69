// Package lambdabuild is the one go build invocation of editbay's Go functions, shared by the CDK
// asset (constructs.GoFunction, linux/arm64) and the end-to-end suite (lambda/e2e, the host's
// architecture), so what the suite runs is built exactly as what is deployed. It imports no CDK.
package lambdabuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Build runs the reproducible build of packages (e.g. "./lambda/sg-remediation") of the module at
// root for linux/goarch into out: a file for one package, a directory (ending in a separator) for
// several, each binary named after its package's directory. The build is what Lambda's
// provided.al2023 runtime runs and is reproducible, so an unchanged function keeps its asset hash and
// is not redeployed: no cgo, the lambda.norpc tag (no net/rpc server the custom runtime never uses),
// -trimpath, no VCS stamp, no build ID, stripped. It needs only the Go toolchain and the module cache
// (GOPROXY=off works once `go mod download` has run).
//
// The Go build cache keeps compiled packages but not linked binaries, and linking the functions costs
// more than everything else of a warm build; so the binaries are kept in the user's cache directory
// (editbay/lambda under os.UserCacheDir), under the build IDs of every package they link, and are
// linked again only when one of those changes. The builds of the last few sources used are kept.
func Build(root, goarch, out string, packages ...string) error {
	env := append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOWORK=off")
	cached := cachedBuild(root, env, packages)
	if cached == "" {
		return goBuild(root, env, out, packages)
	}
	if _, err := os.Stat(cached); err != nil {
		tmp, err := os.MkdirTemp(filepath.Dir(cached), "build-")
		if err != nil {
			return goBuild(root, env, out, packages)
		}
		if err := goBuild(root, env, tmp+string(filepath.Separator), packages); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		// Another build may have stored the same binaries first; theirs are the same bytes.
		if err := os.Rename(tmp, cached); err != nil {
			os.RemoveAll(tmp)
		}
		prune(filepath.Dir(cached), time.Now())
	} else {
		// The entry's time is when it was last used, which pruning keeps the newest of.
		os.Chtimes(cached, time.Time{}, time.Now())
	}
	intoDir := len(packages) > 1 || strings.HasSuffix(out, string(filepath.Separator))
	if intoDir {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	for _, pkg := range packages {
		dst := out
		if intoDir {
			dst = filepath.Join(out, filepath.Base(pkg))
		}
		b, err := os.ReadFile(filepath.Join(cached, filepath.Base(pkg)))
		if err == nil {
			err = os.WriteFile(dst, b, 0o755)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// The cache keeps the builds of the last keptBuilds function sources used (about 60 MB each), and
// every build used within keptAge, which another synthesis may be reading.
const (
	keptBuilds = 8
	keptAge    = time.Hour
)

// prune removes the cached builds in dir beyond the keptBuilds most recently used, except those used
// within keptAge of now and builds still being written.
func prune(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type build struct {
		name string
		used time.Time
	}
	var builds []build
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() || strings.HasPrefix(e.Name(), "build-") {
			continue
		}
		builds = append(builds, build{e.Name(), info.ModTime()})
	}
	slices.SortFunc(builds, func(a, b build) int { return b.used.Compare(a.used) })
	for i, b := range builds {
		if i >= keptBuilds && now.Sub(b.used) > keptAge {
			os.RemoveAll(filepath.Join(dir, b.name))
		}
	}
}

var (
	buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false"}
	ldflags    = "-s -w -buildid="
)

func goBuild(root string, env []string, out string, packages []string) error {
	args := append(append([]string{"build"}, buildFlags...), "-ldflags", ldflags, "-o", out)
	cmd := exec.Command("go", append(args, packages...)...)
	cmd.Dir, cmd.Env = root, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(packages, " "), err, stderr.String())
	}
	return nil
}

// cachedBuild returns where the binaries of packages built in env are kept: a directory named by a
// hash of the flags and of the build ID of every package they link (which covers their sources, the
// toolchain, GOARCH and the tags), or "" when there is no cache directory or go list fails (the build
// then reports why).
func cachedBuild(root string, env []string, packages []string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	args := append(append([]string{"list", "-export", "-deps"}, buildFlags...),
		"-f", "{{if .Export}}{{.ImportPath}} {{.BuildID}}{{end}}")
	cmd := exec.Command("go", append(args, packages...)...)
	cmd.Dir, cmd.Env = root, env
	ids, err := cmd.Output()
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q\n", buildFlags, ldflags, packages)
	h.Write(ids)
	dir := filepath.Join(base, "editbay", "lambda")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	return filepath.Join(dir, hex.EncodeToString(h.Sum(nil)))
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
