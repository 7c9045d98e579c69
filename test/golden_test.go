package test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Each stack's template equals its golden copy in test/golden/<environment>/<stack>.template.json,
// asset hashes masked. `make snapshot` rewrites them; review the diff like code.
func TestGoldenTemplates(t *testing.T) {
	update := os.Getenv("UPDATE_SNAPSHOTS") != ""
	want := map[string]bool{}
	for _, s := range synthesized.stacks {
		path := filepath.Join("golden", filepath.FromSlash(s.DisplayName)+".template.json")
		want[path] = true
		got, err := json.MarshalIndent(synthesized.templates[s.DisplayName], "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(mask(got), '\n')
		if update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run `make snapshot` to create it)", s.DisplayName, err)
			continue
		}
		if !bytes.Equal(golden, got) {
			t.Errorf("%s differs from %s; see `make diff`, and run `make snapshot` if the change is intended", s.DisplayName, path)
		}
	}
	// A golden without a stack is a stack that disappeared.
	existing, _ := filepath.Glob(filepath.Join("golden", "*", "*.template.json"))
	for _, path := range existing {
		if !want[path] {
			if update {
				os.Remove(path)
			} else {
				t.Errorf("%s has no synthesized stack; run `make snapshot` if the stack was removed on purpose", path)
			}
		}
	}
}
