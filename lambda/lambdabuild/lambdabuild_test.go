package lambdabuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
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
	want := []string{"./lambda/config-recorder-guard", "./lambda/directory-radius", "./lambda/password-policy", "./lambda/poolscaler", "./lambda/sg-remediation", "./lambda/tamper-guard", "./lambda/trail-triage"}
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

// A binary kept in the cache is reused only while every package it links is unchanged: a changed
// source is linked again.
func TestCacheFollowsSources(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	mod := t.TempDir()
	if err := os.Mkdir(filepath.Join(mod, "fn"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fn\n\ngo 1.26\n")
	build := func(message string) []byte {
		write("fn/main.go", "package main\n\nfunc main() { println(\""+message+"\") }\n")
		out := filepath.Join(t.TempDir(), "bootstrap")
		if err := Build(mod, "arm64", out, "./fn"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, again, changed := build("one"), build("one"), build("two")
	if !bytes.Equal(first, again) {
		t.Error("the same sources gave another binary")
	}
	if bytes.Equal(first, changed) || !bytes.Contains(changed, []byte("two")) {
		t.Error("a changed source gave the cached binary")
	}
	entries, _ := os.ReadDir(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "editbay", "lambda"))
	if len(entries) != 2 {
		t.Errorf("%d cached builds, want 2 (one per version of the source)", len(entries))
	}
}

// Pruning keeps the most recently used builds and any used within the hour, and leaves builds still
// being written alone.
func TestPruneKeepsRecentBuilds(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i := range keptBuilds + 4 {
		name := filepath.Join(dir, fmt.Sprintf("old%02d", i))
		if err := os.Mkdir(name, 0o755); err != nil {
			t.Fatal(err)
		}
		used := now.Add(-time.Duration(i+2) * time.Hour)
		if err := os.Chtimes(name, used, used); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"recent", "build-123"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	prune(dir, now)
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"build-123", "old00", "old01", "old02", "old03", "old04", "old05", "old06", "recent"}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
