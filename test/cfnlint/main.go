// Command cfnlint runs AWS's CloudFormation linter, cfn-lint, over every stack template (and Service
// Catalog product template) of the cloud assemblies named on its command line, each template checked for the region it deploys to (a
// resource type or property one region lacks is an error there only). cfn-lint reads its ignored
// checks, each with its reason, from the repository's .cfnlintrc. It exits 1 on any error or warning.
//
//	go run ./test/cfnlint cdk.out [more assembly directories]
package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/editbay/editbay/stacks/assembly"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(dirs []string) int {
	if len(dirs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./test/cfnlint <cloud assembly directory>...")
		return 2
	}
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		fmt.Fprintln(os.Stderr, "cfnlint: cfn-lint, AWS's CloudFormation linter, is not installed: pip install cfn-lint")
		return 1
	}
	byRegion := map[string][]string{}
	count := 0
	for _, dir := range dirs {
		stacks, err := assembly.ReadStacks(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cfnlint: %v\n", err)
			return 1
		}
		for _, s := range stacks {
			region, err := regionOf(s.Environment)
			if err != nil {
				fmt.Fprintf(os.Stderr, "cfnlint: %s: %v\n", s.DisplayName, err)
				return 1
			}
			byRegion[region] = append(byRegion[region], s.TemplateFile)
			count++
			// Service Catalog product templates are file assets beside their stack's template.
			products, _ := filepath.Glob(filepath.Join(filepath.Dir(s.TemplateFile), "*.product.template.json"))
			for _, f := range products {
				if !slices.Contains(byRegion[region], f) {
					byRegion[region] = append(byRegion[region], f)
					count++
				}
			}
		}
	}
	if count == 0 {
		fmt.Fprintf(os.Stderr, "cfnlint: no stack templates in %s\n", strings.Join(dirs, ", "))
		return 1
	}
	failed := false
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		files := byRegion[region]
		fmt.Printf("cfn-lint --regions %s: %d templates\n", region, len(files))
		cmd := exec.Command("cfn-lint", append([]string{"--regions", region, "--format", "parseable", "--"}, files...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			failed = true
		}
	}
	if failed {
		fmt.Fprintln(os.Stderr, "cfnlint: findings above (fix them, or ignore a check in .cfnlintrc with its reason)")
		return 1
	}
	fmt.Printf("cfn-lint: %d templates clean\n", count)
	return 0
}

// regionOf reads the region of a stack's environment, aws://<account>/<region>. A stack whose region
// is unknown at synth time could be checked against no region in particular; editbay has none.
func regionOf(environment string) (string, error) {
	rest, ok := strings.CutPrefix(environment, "aws://")
	_, region, found := strings.Cut(rest, "/")
	if !ok || !found || region == "" || region == "unknown-region" {
		return "", fmt.Errorf("environment %q names no region", environment)
	}
	return region, nil
}
