// Package access evaluates "who may do what to which editbay resource" against the synthesized
// CloudFormation templates, with a real IAM policy evaluator (the npm package
// @cloud-copilot/iam-simulate, run by evaluate.mjs beside this file).
//
// A World is every template of a cloud assembly, every stage's, with CloudFormation's intrinsic
// functions resolved in a deterministic fake AWS: the stage's account (FakeAccount when the stage
// names none), the stack's region, and physical names derived from each resource's name property or,
// when it has none, from its stack and logical ID. Principals (IAM groups, roles, existing users and
// roles named by the config) carry the identity policies the templates give them, AWS managed
// policies included (their published documents, as the moto AWS emulator ships them); targets carry
// their resource policy and tags. Evaluate runs a batch of requests through the evaluator in one Node.js
// process and returns each decision with the statements that decided it.
//
// The package links no CDK code: it reads an assembly that the pinned CDK CLI synthesized (Synth).
package access

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/editbay/editbay/stacks/assembly"
)

// FakeAccount is the account of every stage whose environment names none ("unknown-account"); FakeRegion
// the region of a stack whose environment names none.
const (
	FakeAccount = "111122223333"
	FakeRegion  = "us-east-1"
)

// World is every stack of a cloud assembly, nested stage assemblies included.
type World struct {
	Stacks []*Stack

	exports    map[string]exportedValue // by account|region|name, built on first Fn::ImportValue
	exportErrs []error
}

// Stack is one synthesized stack and its template.
type Stack struct {
	World   *World
	Stage   string            // e.g. prod, account-default: the first segment of the display name
	ID      string            // e.g. Workspace: the rest of the display name
	Name    string            // the CloudFormation stack name, e.g. editbay-prod-workspace
	Account string            // the environment's account, or FakeAccount
	Region  string            // the environment's region, or FakeRegion
	Tags    map[string]string // stack-level tags from the assembly manifest

	Parameters map[string]map[string]any
	Mappings   map[string]any
	Conditions map[string]any
	Outputs    map[string]map[string]any
	Resources  map[string]*Resource // by logical ID

	conditions map[string]bool // evaluated
}

// Resource is a resource of a template, its properties as written (unresolved).
type Resource struct {
	Stack      *Stack
	LogicalID  string
	Type       string
	Path       string // the aws:cdk:path metadata, e.g. prod/Workspace/Workspace/FleetRole/Resource
	Condition  string // the resource's Condition, if any
	Properties map[string]any
}

func (r *Resource) String() string {
	if r.Path != "" {
		return strings.TrimSuffix(r.Path, "/Resource")
	}
	return r.Stack.Stage + "/" + r.Stack.ID + "/" + r.LogicalID
}

// Load reads every template of the cloud assembly in dir.
func Load(dir string) (*World, error) {
	var w World
	if err := w.Load(dir); err != nil {
		return nil, err
	}
	return &w, nil
}

// Load reads every template of the cloud assembly in dir into w, which must be empty.
func (w *World) Load(dir string) error {
	if len(w.Stacks) > 0 {
		return fmt.Errorf("access: world already loaded")
	}
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		return err
	}
	if len(stacks) == 0 {
		return fmt.Errorf("access: %s has no stacks", dir)
	}
	for _, s := range stacks {
		data, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			return err
		}
		account, region, err := parseEnvironment(s.Environment)
		if err != nil {
			return fmt.Errorf("%s: %w", s.DisplayName, err)
		}
		stage, id, ok := strings.Cut(s.DisplayName, "/")
		if !ok {
			stage, id = "", s.DisplayName
		}
		if err := w.AddTemplate(StackInfo{Stage: stage, ID: id, Name: s.StackName, Account: account, Region: region, Tags: s.Tags}, data); err != nil {
			return fmt.Errorf("%s: %w", s.DisplayName, err)
		}
	}
	return nil
}

// StackInfo is what the assembly manifest says of a stack.
type StackInfo struct {
	Stage, ID, Name string
	Account, Region string // empty: FakeAccount, FakeRegion
	Tags            map[string]string
}

// AddTemplate adds a stack from its template JSON: Load's step for each stack, and a way to build a
// world from hand-written templates.
func (w *World) AddTemplate(info StackInfo, templateJSON []byte) error {
	var t struct {
		Parameters map[string]map[string]any `json:"Parameters"`
		Mappings   map[string]any            `json:"Mappings"`
		Conditions map[string]any            `json:"Conditions"`
		Outputs    map[string]map[string]any `json:"Outputs"`
		Resources  map[string]struct {
			Type       string         `json:"Type"`
			Condition  string         `json:"Condition"`
			Properties map[string]any `json:"Properties"`
			Metadata   map[string]any `json:"Metadata"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(templateJSON, &t); err != nil {
		return err
	}
	s := &Stack{
		World: w, Stage: info.Stage, ID: info.ID, Name: info.Name, Account: cmp.Or(info.Account, FakeAccount),
		Region: cmp.Or(info.Region, FakeRegion), Tags: info.Tags, Parameters: t.Parameters, Mappings: t.Mappings,
		Conditions: t.Conditions, Outputs: t.Outputs, Resources: map[string]*Resource{}, conditions: map[string]bool{},
	}
	for id, r := range t.Resources {
		path, _ := r.Metadata["aws:cdk:path"].(string)
		s.Resources[id] = &Resource{Stack: s, LogicalID: id, Type: r.Type, Path: path, Condition: r.Condition, Properties: r.Properties}
	}
	w.Stacks = append(w.Stacks, s)
	slices.SortFunc(w.Stacks, func(a, b *Stack) int { return cmp.Compare(a.Stage+"/"+a.ID, b.Stage+"/"+b.ID) })
	w.exports = nil
	return nil
}

// parseEnvironment reads aws://<account>/<region>, either of which may be unknown-*.
func parseEnvironment(env string) (account, region string, err error) {
	rest, ok := strings.CutPrefix(env, "aws://")
	account, region, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return "", "", fmt.Errorf("environment %q is not aws://<account>/<region>", env)
	}
	if account == "unknown-account" {
		account = ""
	}
	if region == "unknown-region" {
		region = ""
	}
	return account, region, nil
}

// exists tells whether the resource is created: it has no Condition, or its Condition is true.
func (r *Resource) exists() (bool, error) {
	if r.Condition == "" {
		return true, nil
	}
	return r.Stack.condition(r.Condition)
}

// Find returns the one resource of one of the types whose construct path matches the path
// fragments: each fragment is one or more path segments ("prod", "Workspace/FleetRole"), and the
// segments must appear in the resource's aws:cdk:path, or its logical ID, in that order. So
// Find([]string{"AWS::IAM::Group"}, "account-default", "Developers") finds
// account-default/Identity/Groups/Developers/Resource. No match, or more than one, is an error.
func (w *World) Find(types []string, fragments ...string) (*Resource, error) {
	var want []string
	for _, f := range fragments {
		want = append(want, strings.Split(strings.Trim(f, "/"), "/")...)
	}
	var found []*Resource
	for _, s := range w.Stacks {
		for _, r := range s.Resources {
			if !slices.Contains(types, r.Type) {
				continue
			}
			segments := append(strings.Split(r.Path, "/"), r.LogicalID)
			if r.Path == "" {
				segments = append([]string{s.Stage, s.ID}, segments[1:]...)
			}
			if !subsequence(want, segments) {
				continue
			}
			if ok, err := r.exists(); err != nil {
				return nil, fmt.Errorf("%s: %w", r, err)
			} else if ok {
				found = append(found, r)
			}
		}
	}
	slices.SortFunc(found, func(a, b *Resource) int { return cmp.Compare(a.String(), b.String()) })
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no %s matches %q", strings.Join(types, " or "), strings.Join(want, "/"))
	}
	var names []string
	for _, r := range found {
		names = append(names, r.String())
	}
	return nil, fmt.Errorf("%d resources of type %s match %q: %s", len(found), strings.Join(types, " or "),
		strings.Join(want, "/"), strings.Join(names, ", "))
}

func subsequence(want, have []string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}

// resources returns every existing resource of the given types in the account, in a stable order.
func (w *World) resources(account string, types ...string) ([]*Resource, error) {
	var out []*Resource
	for _, s := range w.Stacks {
		if s.Account != account {
			continue
		}
		ids := make([]string, 0, len(s.Resources))
		for id := range s.Resources {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			r := s.Resources[id]
			if !slices.Contains(types, r.Type) {
				continue
			}
			if ok, err := r.exists(); err != nil {
				return nil, fmt.Errorf("%s: %w", r, err)
			} else if ok {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// stageStack is a stack of the stage, which gives the stage's account and region.
func (w *World) stageStack(stage string) (*Stack, error) {
	for _, s := range w.Stacks {
		if s.Stage == stage {
			return s, nil
		}
	}
	var stages []string
	for _, s := range w.Stacks {
		if !slices.Contains(stages, s.Stage) {
			stages = append(stages, s.Stage)
		}
	}
	return nil, fmt.Errorf("no stage %q (stages: %s)", stage, strings.Join(stages, ", "))
}
