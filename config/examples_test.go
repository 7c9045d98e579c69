package config

import (
	"path/filepath"
	"testing"
)

// Every example installation validates; CI synthesizes, nag-checks and cfn-lints each (make lint).
func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 examples, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
