package lambdabuild

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestFunctions(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"./lambda/config-recorder-guard", "./lambda/directory-radius", "./lambda/password-policy", "./lambda/poolscaler", "./lambda/sg-remediation", "./lambda/trail-triage"}
	if !slices.Equal(got, want) {
		t.Errorf("functions %v, want %v", got, want)
	}
}

// The asset hash of an unchanged function must not change: two builds give the same bytes, into a
// file or a directory alike.
func TestBuildIsReproducible(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file, inDir := filepath.Join(dir, "bootstrap"), filepath.Join(dir, "all")+string(filepath.Separator)
	const hello = "./lambda/e2e/testdata/hello"
	if err := Build(root, "arm64", file, hello); err != nil {
		t.Fatal(err)
	}
	if err := Build(root, "arm64", inDir, hello); err != nil {
		t.Fatal(err)
	}
	a, errA := os.ReadFile(file)
	b, errB := os.ReadFile(filepath.Join(inDir, "hello"))
	if errA != nil || errB != nil || len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("builds differ (%d and %d bytes): %v %v", len(a), len(b), errA, errB)
	}
	// No build ID, which would vary with the toolchain's inputs beyond the source.
	if id, err := exec.Command("go", "tool", "buildid", file).Output(); err != nil || len(bytes.TrimSpace(id)) != 0 {
		t.Errorf("build ID %q (%v)", id, err)
	}
}
