package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/editbay/editbay/test/goldens"
)

// Each stack's template equals its golden copy in test/golden/<environment>/<stack>.template.json,
// asset hashes masked. `make snapshot` rewrites them; review the diff like code.
func TestGoldenTemplates(t *testing.T) {
	update := goldens.Updating()
	want := map[string]bool{}
	for _, s := range synthesized.stacks {
		path := filepath.Join("golden", filepath.FromSlash(s.DisplayName)+".template.json")
		want[path] = true
		got, err := goldens.Template(synthesized.templates[s.DisplayName])
		if err != nil {
			t.Fatal(err)
		}
		goldens.Check(t, s.DisplayName, path, got)
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
