// Package assembly reads a synthesized cloud assembly (manifests, templates, cdk-nag and validation
// findings) without the CDK itself, so that tools and tests that only read templates need not link it.
package assembly

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Stack is a stack artifact of a cloud assembly, read from its manifest.
type Stack struct {
	ArtifactID   string // e.g. stgNetworkA1B2C3D4
	DisplayName  string // e.g. stg/Network
	StackName    string // e.g. editbay-stg-network
	TemplateFile string // absolute path
	Environment  string // e.g. aws://unknown-account/ap-northeast-1
	Tags         map[string]string
	// TerminationProtection is set for production environments.
	TerminationProtection bool
	Findings              []Finding
}

// Finding is an error or warning annotation: a cdk-nag rule that fired, or a CDK synthesis problem.
type Finding struct {
	Level string // aws:cdk:error or aws:cdk:warning
	Path  string // construct path
	Data  string
}

func (f Finding) String() string { return fmt.Sprintf("[%s] %s: %s", f.Level, f.Path, f.Data) }

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		DisplayName string `json:"displayName"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile          string            `json:"templateFile"`
			StackName             string            `json:"stackName"`
			DirectoryName         string            `json:"directoryName"`
			Tags                  map[string]string `json:"tags"`
			TerminationProtection bool              `json:"terminationProtection"`
		} `json:"properties"`
		Metadata map[string][]struct {
			Type string `json:"type"`
			Data any    `json:"data"`
		} `json:"metadata"`
		AdditionalMetadataFile string `json:"additionalMetadataFile"`
	} `json:"artifacts"`
	Missing []struct {
		Key string `json:"key"`
	} `json:"missing"`
}

// ReadStacks lists the stacks of the cloud assembly in dir and of every nested (stage) assembly,
// sorted by display name. It fails if the assembly still needs context lookups: editbay answers every
// lookup from its config, so a missing value means synth would call AWS.
func ReadStacks(dir string) ([]Stack, error) {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	if len(m.Missing) > 0 {
		return nil, fmt.Errorf("%s needs context lookups (%s); every value must come from the config", dir, m.Missing[0].Key)
	}
	var out []Stack
	for id, a := range m.Artifacts {
		switch a.Type {
		case "cdk:cloud-assembly":
			nested, err := ReadStacks(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		case "aws:cloudformation:stack":
			s := Stack{
				ArtifactID: id, DisplayName: a.DisplayName, StackName: a.Properties.StackName,
				TemplateFile: filepath.Join(dir, a.Properties.TemplateFile), Environment: a.Environment,
				Tags: a.Properties.Tags, TerminationProtection: a.Properties.TerminationProtection,
			}
			metadata := a.Metadata
			if a.AdditionalMetadataFile != "" {
				if err := readJSON(filepath.Join(dir, a.AdditionalMetadataFile), &metadata); err != nil {
					return nil, err
				}
			}
			for path, entries := range metadata {
				for _, e := range entries {
					if e.Type == "aws:cdk:error" || e.Type == "aws:cdk:warning" {
						s.Findings = append(s.Findings, Finding{Level: e.Type, Path: path, Data: fmt.Sprint(e.Data)})
					}
				}
			}
			slices.SortFunc(s.Findings, func(a, b Finding) int { return cmp.Compare(a.Path+a.Data, b.Path+b.Data) })
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Stack) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	return out, nil
}

// ReadFindings returns every finding of every stack in the assembly in dir, and every violation that
// CDK's CloudFormation schema validation reported.
func ReadFindings(dir string) ([]Finding, error) {
	stacks, err := ReadStacks(dir)
	if err != nil {
		return nil, err
	}
	var all []Finding
	for _, s := range stacks {
		all = append(all, s.Findings...)
	}
	// A Service Catalog product stack is no stack artifact, so its cdk-nag findings reach only the
	// packs' reports: read those for any the manifests do not hold.
	reported, err := reportedFindings(dir, all)
	if err != nil {
		return nil, err
	}
	all = append(all, reported...)
	var report struct {
		PluginReports []struct {
			PluginName string `json:"pluginName"`
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				Severity            string `json:"severity"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	err = readJSON(filepath.Join(dir, "validation-report.json"), &report)
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil // written only when validation is enabled (@aws-cdk/core:validateAgainstDefaultRules)
	} else if err != nil {
		return nil, err
	}
	for _, p := range report.PluginReports {
		if p.PluginName == "Construct Annotations" {
			continue // the stack metadata above, again
		}
		for _, v := range p.Violations {
			for _, c := range v.ViolatingConstructs {
				all = append(all, Finding{Level: p.PluginName + " " + v.Severity, Path: c.ConstructPath, Data: v.RuleName + ": " + v.Description})
			}
		}
	}
	return all, nil
}

// reportedFindings are the Non-Compliant rows of the cdk-nag reports in dir that known does not
// already hold (same construct path and rule).
func reportedFindings(dir string, known []Finding) ([]Finding, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*-NagReport.csv"))
	if err != nil {
		return nil, err
	}
	have := func(path, rule string) bool {
		return slices.ContainsFunc(known, func(f Finding) bool {
			return strings.TrimPrefix(f.Path, "/") == path && strings.HasPrefix(f.Data, rule)
		})
	}
	var out []Finding
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		for _, r := range rows {
			// Rule ID, Resource ID, Compliance, Exception Reason, Rule Level, Rule Info
			if len(r) < 6 || r[2] != "Non-Compliant" || have(r[1], r[0]) {
				continue
			}
			out = append(out, Finding{Level: "aws:cdk:error", Path: "/" + r[1], Data: r[0] + ": " + r[5]})
		}
	}
	return out, nil
}

// assetHash matches asset hashes (SHA-256 hex), the values of a template that change without a
// change to the infrastructure. The Makefile's diff target masks with the same expression.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// MaskAssetHashes replaces every asset hash in a template with <asset-hash>, for goldens.
func MaskAssetHashes(b []byte) []byte { return assetHash.ReplaceAll(b, []byte("<asset-hash>")) }

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
