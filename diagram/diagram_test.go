package diagram

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

var (
	nodeDecl = regexp.MustCompile(`(?m)^\s*([a-z_0-9]+) \[`)
	edge     = regexp.MustCompile(`(?m)^\s*([a-z_0-9]+) -> ([a-z_0-9]+) \[`)
)

// Graphviz draws an edge to an undeclared node as a bare box, so a typo would draw a wrong picture
// without an error: every edge of every example's drawing must join declared nodes, and every
// declared node but the legend's must be on a path.
func TestEveryEdgeJoinsDeclaredNodes(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, f := range append([]string{""}, files...) {
		cfg, err := config.Default()
		if f != "" {
			cfg, err = config.Load(f)
		}
		if err != nil {
			t.Fatal(err)
		}
		dot := DOT(cfg)
		declared, linked := map[string]bool{}, map[string]bool{}
		for _, m := range nodeDecl.FindAllStringSubmatch(dot, -1) {
			if m[1] != "graph" && m[1] != "node" && m[1] != "edge" {
				declared[m[1]] = true
			}
		}
		for _, m := range edge.FindAllStringSubmatch(dot, -1) {
			for _, n := range m[1:] {
				linked[n] = true
				if !declared[n] {
					t.Errorf("%s: edge %s -> %s: %s is not declared", f, m[1], m[2], n)
				}
			}
		}
		for n := range declared {
			if !linked[n] && !strings.HasSuffix(n, "_endpoints") && !strings.HasSuffix(n, "_iam") {
				t.Errorf("%s: %s is on no path", f, n)
			}
		}
		if strings.Count(dot, "{") != strings.Count(dot, "}") {
			t.Errorf("%s: unbalanced braces", f)
		}
	}
}

// docs/architecture.dot is the default config's drawing now, and docs/architecture.svg was
// rendered from exactly that file (make docs stamps the DOT's SHA-256 into the SVG), so CI needs no
// Graphviz to know the README's diagram is current.
func TestCommittedDiagramIsCurrent(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	dot, err := os.ReadFile("../docs/architecture.dot")
	if err != nil || string(dot) != DOT(cfg) {
		t.Fatalf("docs/architecture.dot is stale (or missing: %v); run `make docs`", err)
	}
	svg, err := os.ReadFile("../docs/architecture.svg")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(dot)
	if !strings.Contains(string(svg), "<!-- rendered from architecture.dot sha256:"+hex.EncodeToString(sum[:])+" -->") {
		t.Error("docs/architecture.svg was not rendered from the current docs/architecture.dot; run `make docs`")
	}
	if !strings.Contains(string(svg), "<svg") {
		t.Error("docs/architecture.svg is not an SVG")
	}
}
