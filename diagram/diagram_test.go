package diagram

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
		cfg, err := config.LoadOrDefault(f)
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

// Each stage's cluster names its stacks; they must be the stacks CDK synthesized for it, as the
// golden templates of the default config (test/golden) and of the egress hub example
// (test/routing/golden) hold them.
func TestStackNamesAreTheSynthesizedOnes(t *testing.T) {
	label := regexp.MustCompile(`label="([a-z0-9-]+): [^"]*\(stacks: ([^)]*)\)"`)
	for path, golden := range map[string]string{"": "../test/golden", "../examples/central-egress.yaml": "../test/routing/golden"} {
		cfg, err := config.LoadOrDefault(path)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, m := range label.FindAllStringSubmatch(DOT(cfg), -1) {
			files, _ := filepath.Glob(filepath.Join(golden, m[1], "*.template.json"))
			if len(files) == 0 {
				continue // a stage the golden set leaves out
			}
			var synthesized []string
			for _, f := range files {
				synthesized = append(synthesized, strings.TrimSuffix(filepath.Base(f), ".template.json"))
			}
			drawn := strings.Split(m[2], ", ")
			slices.Sort(drawn)
			if !slices.Equal(drawn, synthesized) {
				t.Errorf("%s: stage %s draws stacks %v, CDK synthesized %v", golden, m[1], drawn, synthesized)
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no stage of the drawing has golden templates", golden)
		}
	}
}
