// Command estimate prints the monthly cost estimate of an editbay config (`make cost`), writes it as
// Markdown, JSON and an SVG chart, checks a written report's arithmetic, or prints the cost change
// between two configs for a pull request (`make cost-diff`).
//
//	estimate [-config file] [-format markdown|json|svg|unknown]
//	                                  (unknown: the "region item" pairs the price table lacks, a line each)
//	estimate [-config file] -out docs/cost/default [-readme README.md]
//	                                                     (writes default.md, default.json, default.svg)
//	estimate -check report.json                          (exit 1 on any arithmetic mismatch)
//	estimate -base base.yaml [-config head.yaml] [-name title]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/cost"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "estimate:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("estimate", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file (default: the embedded default config)")
	format := fs.String("format", "markdown", `markdown, json, svg, or unknown (the "region item" pairs without a price, for make prices), printed to standard output`)
	out := fs.String("out", "", "write <out>.md, <out>.json and <out>.svg instead of printing")
	check := fs.String("check", "", "check the arithmetic of a JSON report and exit")
	base := fs.String("base", "", "print the cost change from this config (the base) to -config (the head); an empty or missing file is no config")
	readme := fs.String("readme", "", "with -out: also write the summary into this README between its cost-estimate markers")
	name := fs.String("name", "", "title of the report (default: the config file's name, or default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *check != "" {
		return checkFile(*check)
	}
	table, err := cost.DefaultTable()
	if err != nil {
		return err
	}
	title := *name
	if title == "" {
		title = "default"
		if *cfgPath != "" {
			title = strings.TrimSuffix(filepath.Base(*cfgPath), filepath.Ext(*cfgPath))
		}
	}
	cfg, err := config.LoadOrDefault(*cfgPath)
	if err != nil {
		return err
	}
	head := cost.Estimate(cfg, table)
	if *base != "" {
		before, err := baseReport(*base, table)
		if err != nil {
			// A base written for an older schema: say so rather than fail the pull request's check.
			fmt.Printf("### %s: no cost change shown\n\nThe base config does not load with this version: %v\n", title, err)
			return nil
		}
		fmt.Print(cost.DiffMarkdown(title, before, head))
		return nil
	}
	if errs := cost.CheckArithmetic(head); len(errs) > 0 {
		return fmt.Errorf("the estimate's arithmetic is wrong (a bug): %w", errors.Join(errs...))
	}
	js, err := head.JSON()
	if err != nil {
		return err
	}
	var unknown strings.Builder
	for _, u := range head.Unknown {
		unknown.WriteString(u + "\n")
	}
	outputs := map[string][]byte{"markdown": []byte(head.Markdown(title)), "json": js, "svg": []byte(head.Chart(title)),
		"unknown": []byte(unknown.String())}
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		for ext, f := range map[string]string{".md": "markdown", ".json": "json", ".svg": "svg"} {
			if err := os.WriteFile(*out+ext, outputs[f], 0o644); err != nil {
				return err
			}
		}
		if *readme != "" {
			b, err := os.ReadFile(*readme)
			if err != nil {
				return err
			}
			spliced, err := cost.SpliceReadme(string(b), head.Summary())
			if err != nil {
				return err
			}
			return os.WriteFile(*readme, []byte(spliced), 0o644)
		}
		return nil
	}
	b, ok := outputs[*format]
	if !ok {
		return fmt.Errorf("-format %q: want markdown, json, svg or unknown", *format)
	}
	_, err = os.Stdout.Write(b)
	return err
}

// baseReport estimates the base config; an empty file (the config is new in the head) costs nothing.
func baseReport(path string, table *cost.Table) (*cost.Report, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(strings.TrimSpace(string(b))) == 0) {
		return &cost.Report{Currency: "USD"}, nil
	}
	if err != nil {
		return nil, err
	}
	cfg, err := config.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("base config %s: %w", path, err)
	}
	return cost.Estimate(cfg, table), nil
}

func checkFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r cost.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if errs := cost.CheckArithmetic(&r); len(errs) > 0 {
		return fmt.Errorf("%s: %w", path, errors.Join(errs...))
	}
	fmt.Printf("%s: %d groups, %s a month: the arithmetic checks out\n", path, len(r.Groups), cost.USD(r.TotalUSD))
	return nil
}
