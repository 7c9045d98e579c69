// Package goldens compares generated files with their committed copies, the goldens, or rewrites
// the goldens when UPDATE_SNAPSHOTS is set (`make snapshot`, on purpose only).
package goldens

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/editbay/editbay/stacks/assembly"
)

// Updating says whether this run rewrites the goldens instead of comparing with them.
func Updating() bool { return os.Getenv("UPDATE_SNAPSHOTS") != "" }

// Template renders a CloudFormation template as its golden holds it: indented JSON with asset
// hashes masked (they change without a change to the infrastructure), and a final newline.
func Template(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(assembly.MaskAssetHashes(b), '\n'), nil
}

// Check compares got, the current content of what name names, with the golden at path, or writes
// the golden when updating.
func Check(t testing.TB, name, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	switch {
	case err != nil:
		t.Errorf("%s: %v (run `make snapshot` to create it)", name, err)
	case !bytes.Equal(want, got):
		t.Errorf("%s differs from %s; see `make diff` for templates, and run `make snapshot` if the change is intended", name, path)
	}
}
