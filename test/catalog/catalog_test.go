// Package catalog checks the self-service catalog as the pinned CDK CLI synthesizes it for
// examples/post-production.yaml: every product is governed (launch role, tag updates refused, TagOptions,
// audience), each product's rule constraint holds its allowed values and refuses others, the
// product templates and the portfolio stack equal their goldens, and every product version has its
// snapshot. It links no CDK code.
package catalog

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/access"
	"github.com/editbay/editbay/test/goldens"
)

const exampleConfig = "examples/post-production.yaml"

var (
	once     sync.Once
	dir      string
	synthErr error
)

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "editbay-catalog-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir = filepath.Join(tmp, "cdk.out")
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type template struct {
	Parameters map[string]map[string]any `json:"Parameters"`
	Resources  map[string]resource       `json:"Resources"`
}

// synthesized is the example's prod stage, synthesized once: the catalog stack's template, its
// product templates by product logical ID, and their files.
type synthesized struct {
	catalog      template
	catalogFile  string
	products     map[string]template // by product logical ID
	productFiles map[string]string
}

var theSynth synthesized

func example(t *testing.T) synthesized {
	t.Helper()
	once.Do(func() {
		if synthErr = access.CLIInstalled(); synthErr != nil {
			return
		}
		if synthErr = access.Synth(dir, "-c", "config="+exampleConfig, "-c", "stages=prod"); synthErr != nil {
			return
		}
		synthErr = load()
	})
	if synthErr != nil {
		if os.Getenv("CI") == "" && strings.Contains(synthErr.Error(), "is not installed") {
			t.Skip(synthErr)
		}
		t.Fatal(synthErr)
	}
	return theSynth
}

var assetURL = regexp.MustCompile(`/([0-9a-f]{64})\.json$`)

func load() error {
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(stacks, func(s assembly.Stack) bool { return s.DisplayName == "prod/Catalog" })
	if i < 0 {
		return fmt.Errorf("no prod/Catalog stack")
	}
	s := &theSynth
	s.catalogFile = stacks[i].TemplateFile
	if err := readJSON(s.catalogFile, &s.catalog); err != nil {
		return err
	}
	// The product's template URL names its asset; the stack's asset manifest names the file.
	var assets struct {
		Files map[string]struct {
			Source struct {
				Path string `json:"path"`
			} `json:"source"`
		} `json:"files"`
	}
	if err := readJSON(strings.TrimSuffix(s.catalogFile, ".template.json")+".assets.json", &assets); err != nil {
		return err
	}
	s.products, s.productFiles = map[string]template{}, map[string]string{}
	for id, r := range s.catalog.Resources {
		if r.Type != "AWS::ServiceCatalog::CloudFormationProduct" {
			continue
		}
		artifacts := r.Properties["ProvisioningArtifactParameters"].([]any)
		url := fmt.Sprint(artifacts[0].(map[string]any)["Info"].(map[string]any)["LoadTemplateFromURL"])
		m := assetURL.FindStringSubmatch(strings.TrimSuffix(url, "]"))
		if m == nil {
			return fmt.Errorf("%s: template URL %s names no asset", id, url)
		}
		file := filepath.Join(filepath.Dir(s.catalogFile), assets.Files[m[1]].Source.Path)
		var pt template
		if err := readJSON(file, &pt); err != nil {
			return err
		}
		s.products[id], s.productFiles[id] = pt, file
	}
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func (s synthesized) of(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range s.catalog.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func ref(v any) string {
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["Ref"].(string); ok {
			return r
		}
		if ga, ok := m["Fn::GetAtt"].([]any); ok {
			return fmt.Sprint(ga[0])
		}
	}
	return fmt.Sprint(v)
}

// Every product of the portfolio has a launch role, refuses tag updates, and carries the portfolio's
// TagOptions; the audience is the Developers group.
func TestEveryProductIsGoverned(t *testing.T) {
	s := example(t)
	if len(s.products) != 2 {
		t.Fatalf("%d products, want the workstation and the project bucket", len(s.products))
	}
	for id := range s.products {
		has := func(typ string, check func(resource) bool) {
			t.Helper()
			for _, r := range s.of(typ) {
				if ref(r.Properties["ProductId"]) == id && check(r) {
					return
				}
			}
			t.Errorf("%s has no %s", id, typ)
		}
		has("AWS::ServiceCatalog::PortfolioProductAssociation", func(resource) bool { return true })
		has("AWS::ServiceCatalog::LaunchRoleConstraint", func(r resource) bool { return strings.Contains(ref(r.Properties["RoleArn"]), "LaunchRole") })
		has("AWS::ServiceCatalog::ResourceUpdateConstraint", func(r resource) bool { return r.Properties["TagUpdateOnProvisionedProduct"] == "NOT_ALLOWED" })
		has("AWS::ServiceCatalog::LaunchTemplateConstraint", func(resource) bool { return true })
	}
	options := map[string][]string{}
	for _, r := range s.of("AWS::ServiceCatalog::TagOption") {
		k := fmt.Sprint(r.Properties["Key"])
		options[k] = append(options[k], fmt.Sprint(r.Properties["Value"]))
	}
	for _, k := range []string{"Project", "CostCenter", "Owner"} {
		if len(options[k]) == 0 {
			t.Errorf("no TagOption for %s", k)
		}
	}
	if got := len(s.of("AWS::ServiceCatalog::TagOptionAssociation")); got != len(s.of("AWS::ServiceCatalog::TagOption")) {
		t.Errorf("%d TagOption associations for %d TagOptions", got, len(s.of("AWS::ServiceCatalog::TagOption")))
	}
	principals := s.of("AWS::ServiceCatalog::PortfolioPrincipalAssociation")
	if len(principals) != 1 || !strings.Contains(fmt.Sprint(principals[slices.Collect(mapsKeys(principals))[0]].Properties["PrincipalARN"]), ":group/Developers") {
		t.Errorf("audience: %v", principals)
	}
	// No product template carries the stage's cost tags, which would override the users' choices.
	for id, pt := range s.products {
		for lid, r := range pt.Resources {
			if tags, ok := r.Properties["Tags"].([]any); ok {
				for _, tag := range tags {
					if k := fmt.Sprint(tag.(map[string]any)["Key"]); slices.Contains([]string{"Project", "CostCenter", "Owner"}, k) {
						t.Errorf("%s/%s is tagged %s itself", id, lid, k)
					}
				}
			}
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// evalRule evaluates a Service Catalog template rule's assertion for parameter values: the
// Fn::Contains, Fn::Equals, Fn::And, Fn::Or, Fn::Not and Ref of CloudFormation's rule functions.
func evalRule(v any, params map[string]string) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []any:
		var out []any
		for _, e := range x {
			r, err := evalRule(e, params)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case map[string]any:
		for fn, arg := range x {
			switch fn {
			case "Ref":
				val, ok := params[arg.(string)]
				if !ok {
					return nil, fmt.Errorf("no value for parameter %v", arg)
				}
				return val, nil
			case "Fn::Contains", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
				a, err := evalRule(arg, params)
				if err != nil {
					return nil, err
				}
				args := a.([]any)
				switch fn {
				case "Fn::Contains":
					return slices.Contains(args[0].([]any), args[1]), nil
				case "Fn::Equals":
					return args[0] == args[1], nil
				case "Fn::Not":
					return !args[0].(bool), nil
				case "Fn::And":
					return !slices.Contains(args, any(false)), nil
				default:
					return slices.Contains(args, any(true)), nil
				}
			}
			return nil, fmt.Errorf("rule function %s is not modelled", fn)
		}
	}
	return nil, fmt.Errorf("cannot evaluate %v", v)
}

// The rule constraints hold the approved values: a launch with one passes, one outside the list is
// refused. The product template's own AllowedValues are the same list.
func TestRuleConstraintsRefuseUnapprovedValues(t *testing.T) {
	s := example(t)
	cases := []struct {
		parameter string
		ok, bad   []string
	}{
		{"InstanceType", []string{"g4dn.2xlarge", "g6.xlarge"}, []string{"p4d.24xlarge", "g4dn.xlarge", ""}},
		{"NoncurrentVersionDays", []string{"30", "365"}, []string{"45", "0"}},
	}
	for _, c := range cases {
		var product string
		var rules map[string]struct {
			Assertions []struct {
				Assert any
			}
		}
		for _, r := range s.of("AWS::ServiceCatalog::LaunchTemplateConstraint") {
			if strings.Contains(fmt.Sprint(r.Properties["Rules"]), `"Ref":"`+c.parameter+`"`) {
				product = ref(r.Properties["ProductId"])
				if err := json.Unmarshal([]byte(r.Properties["Rules"].(string)), &rules); err != nil {
					t.Fatal(err)
				}
			}
		}
		if product == "" {
			t.Errorf("no rule constraint on %s", c.parameter)
			continue
		}
		holds := func(value string) bool {
			for _, rule := range rules {
				for _, a := range rule.Assertions {
					got, err := evalRule(a.Assert, map[string]string{c.parameter: value})
					if err != nil {
						t.Fatal(err)
					}
					if got != true {
						return false
					}
				}
			}
			return true
		}
		for _, v := range c.ok {
			if !holds(v) {
				t.Errorf("%s %q is refused by the rule", c.parameter, v)
			}
		}
		for _, v := range c.bad {
			if holds(v) {
				t.Errorf("%s %q passes the rule", c.parameter, v)
			}
		}
		allowed := fmt.Sprint(s.products[product].Parameters[c.parameter]["AllowedValues"])
		for _, v := range c.ok {
			if !strings.Contains(allowed, v) {
				t.Errorf("%s: the template's AllowedValues %s lack %q", c.parameter, allowed, v)
			}
		}
	}
}

// Each product's current version is the snapshot committed in product-stack-snapshots, so a change
// to a product that keeps its version fails synthesis, and earlier versions stay deployable.
func TestVersionsHaveSnapshots(t *testing.T) {
	s := example(t)
	root, err := access.Root()
	if err != nil {
		t.Fatal(err)
	}
	for id, file := range s.productFiles {
		name := strings.TrimSuffix(filepath.Base(file), ".product.template.json")
		matches, _ := filepath.Glob(filepath.Join(root, "product-stack-snapshots", "*."+name+".v1.product.template.json"))
		if len(matches) != 1 {
			t.Errorf("%s: no committed snapshot of v1 (%s)", id, name)
			continue
		}
		want, _ := os.ReadFile(matches[0])
		got, _ := os.ReadFile(file)
		if string(want) != string(got) {
			t.Errorf("%s: the synthesized template differs from its snapshot %s", id, matches[0])
		}
	}
}

// The catalog stack and its product templates equal their goldens (test/catalog/golden), asset
// hashes masked; `make snapshot` rewrites them.
func TestGoldens(t *testing.T) {
	s := example(t)
	files := map[string]string{"Catalog.template.json": s.catalogFile}
	for _, f := range s.productFiles {
		files[strings.TrimPrefix(strings.TrimSuffix(filepath.Base(f), ".product.template.json"), "prodCatalog")+".product.template.json"] = f
	}
	for name, f := range files {
		var v any
		if err := readJSON(f, &v); err != nil {
			t.Fatal(err)
		}
		got, err := goldens.Template(v)
		if err != nil {
			t.Fatal(err)
		}
		goldens.Check(t, f, filepath.Join("golden", name), got)
	}
}
