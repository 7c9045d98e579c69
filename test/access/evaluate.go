package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Decision is the evaluator's overall result.
type Decision string

const (
	Allowed          Decision = "Allowed"
	ExplicitlyDenied Decision = "ExplicitlyDenied"
	ImplicitlyDenied Decision = "ImplicitlyDenied"
)

// Request is one question: may Principal do Action to Resource? Context adds request context keys
// (aws:SourceIp, aws:SourceVpce, s3:prefix, …) to those that follow from the principal and the
// resource, and overrides them; a nil value removes an automatic key (e.g. aws:MultiFactorAuthPresent).
type Request struct {
	Principal Principal
	Action    string
	Resource  Target
	Context   map[string]any
}

func (r Request) String() string {
	return fmt.Sprintf("%s %s on %s", r.Principal.Name, r.Action, r.Resource.Name)
}

// Result is the decision on a request, with the statements that decided it. Err is set when the
// request could not be evaluated: a failed lookup, a policy or request the evaluator rejects (an unknown
// action, a resource ARN the action does not take, an invalid policy), or a context key of the request's
// own that does not apply to the action (the evaluator would silently drop it).
type Result struct {
	Decision    Decision
	Explanation string
	Err         error
}

// Evaluate decides every request in one run of the evaluator (one Node.js process, and one Python
// process to read the AWS managed policies the principals have). The error is for the run as a whole;
// each request's own failure is in its Result.
func (w *World) Evaluate(reqs []Request) ([]Result, error) {
	results := make([]Result, len(reqs))
	var wanted []string
	for _, r := range reqs {
		for _, arn := range r.Principal.ManagedARNs {
			if !slices.Contains(wanted, arn) {
				wanted = append(wanted, arn)
			}
		}
	}
	managed, err := AWSManagedPolicies(wanted)
	if err != nil {
		return nil, err
	}
	type simulation struct {
		Request struct {
			Principal string            `json:"principal"`
			Action    string            `json:"action"`
			Resource  map[string]string `json:"resource"`
			Context   map[string]any    `json:"contextVariables"`
		} `json:"request"`
		IdentityPolicies        []map[string]any `json:"identityPolicies"`
		ResourcePolicy          any              `json:"resourcePolicy,omitempty"`
		ServiceControlPolicies  []any            `json:"serviceControlPolicies"`
		ResourceControlPolicies []any            `json:"resourceControlPolicies"`
	}
	type job struct {
		Simulation simulation `json:"simulation"`
		// RowKeys are the context keys the row set: the evaluator must not drop them.
		RowKeys []string `json:"rowKeys"`
		// ResourcePolicyName names the resource policy in explanations (a document has no name).
		ResourcePolicyName string `json:"resourcePolicyName,omitempty"`
	}
	var jobs []job
	var index []int // jobs[i] answers reqs[index[i]]
	notes := make([]string, len(reqs))
	for i, r := range reqs {
		if err := errors.Join(r.Principal.Err, r.Resource.Err); err != nil {
			results[i].Err = err
			continue
		}
		var s simulation
		s.Request.Principal, s.Request.Action = r.Principal.ARN, r.Action
		s.Request.Resource = map[string]string{"resource": r.Resource.ARN, "accountId": r.Resource.Account}
		context, rowKeys, err := requestContext(r)
		if err != nil {
			results[i].Err = err
			continue
		}
		s.Request.Context = context
		substituted := map[string]bool{}
		vars := func(doc any) any { return substitute(doc, r.Principal.Variables, substituted) }
		for _, p := range r.Principal.Policies {
			s.IdentityPolicies = append(s.IdentityPolicies, map[string]any{"name": p.Name, "policy": vars(p.Document)})
		}
		for _, arn := range r.Principal.ManagedARNs {
			s.IdentityPolicies = append(s.IdentityPolicies, map[string]any{"name": arn, "policy": vars(managed[arn])})
		}
		if s.IdentityPolicies == nil {
			s.IdentityPolicies = []map[string]any{}
		}
		s.ResourcePolicy = vars(r.Resource.Policy)
		notes[i] = substitutedNote(substituted)
		s.ServiceControlPolicies, s.ResourceControlPolicies = []any{}, []any{}
		jobs = append(jobs, job{Simulation: s, RowKeys: rowKeys, ResourcePolicyName: r.Resource.PolicyName})
		index = append(index, i)
	}
	if len(jobs) == 0 {
		return results, nil
	}
	input, err := json.Marshal(jobs)
	if err != nil {
		return nil, err
	}
	node, script, err := evaluator()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, script)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("access: %s %s: %v\n%s", node, script, err, stderr.String())
	}
	var answers []struct {
		Decision    Decision `json:"decision"`
		Explanation string   `json:"explanation"`
		Error       string   `json:"error"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &answers); err != nil {
		return nil, fmt.Errorf("access: reading the evaluator's answer: %v\n%s", err, stderr.String())
	}
	if len(answers) != len(jobs) {
		return nil, fmt.Errorf("access: the evaluator answered %d of %d requests", len(answers), len(jobs))
	}
	for j, a := range answers {
		res := &results[index[j]]
		res.Decision, res.Explanation = a.Decision, a.Explanation+notes[index[j]]
		if a.Error != "" {
			res.Err = fmt.Errorf("%s: %s", reqs[index[j]], a.Error)
		}
	}
	return results, nil
}

// substitute writes the session's values into a policy document in place of the policy variables
// ${key} that name them (keys compare case-insensitively, as in IAM), noting which it wrote.
func substitute(doc any, vars map[string]string, done map[string]bool) any {
	if len(vars) == 0 || doc == nil {
		return doc
	}
	switch x := doc.(type) {
	case string:
		return policyVariable.ReplaceAllStringFunc(x, func(m string) string {
			for k, v := range vars {
				if strings.EqualFold(m[2:len(m)-1], k) {
					done[k] = true
					return v
				}
			}
			return m
		})
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, vars, done)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, vars, done)
		}
		return out
	}
	return doc
}

var policyVariable = regexp.MustCompile(`\$\{[^}]+\}`)

func substitutedNote(done map[string]bool) string {
	if len(done) == 0 {
		return ""
	}
	var keys []string
	for k := range done {
		keys = append(keys, "${"+k+"}")
	}
	slices.Sort(keys)
	return " (session values written for " + strings.Join(keys, ", ") + ")"
}

// requestContext is the request's context: the principal's, then the resource's (aws:ResourceTag/*,
// aws:ResourceAccount), aws:SecureTransport and aws:RequestedRegion, then the row's own. It returns the
// keys that the row set, which must apply to the action.
func requestContext(r Request) (map[string]any, []string, error) {
	ctx := map[string]any{"aws:SecureTransport": "true"}
	if r.Resource.Region != "" {
		ctx["aws:RequestedRegion"] = r.Resource.Region
	}
	maps.Copy(ctx, r.Principal.Context)
	if r.Resource.Account != "" {
		ctx["aws:ResourceAccount"] = r.Resource.Account
	}
	for k, v := range r.Resource.Tags {
		ctx["aws:ResourceTag/"+k] = v
	}
	var rowKeys []string
	for k, v := range r.Context {
		if v == nil {
			delete(ctx, k)
			continue
		}
		val, err := contextValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: context %s: %w", r, k, err)
		}
		ctx[k] = val
		rowKeys = append(rowKeys, k)
	}
	slices.Sort(rowKeys)
	return ctx, rowKeys, nil
}

// contextValue is a context value as the evaluator takes it: a string or a list of strings.
func contextValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case []string:
		return x, nil
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("list element %v is not a string", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%T is not a string, bool, int or list of strings", v)
}

// evaluator returns the pinned Node.js of the repository (node_modules/.bin/node, from package.json)
// and evaluate.mjs beside this file.
func evaluator() (node, script string, err error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", "", errors.New("access: cannot locate evaluate.mjs")
	}
	dir := filepath.Dir(file)
	root, err := repoRoot(dir)
	if err != nil {
		return "", "", err
	}
	node = filepath.Join(root, "node_modules", ".bin", "node")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@cloud-copilot", "iam-simulate")); err != nil {
		return "", "", fmt.Errorf("access: the IAM evaluator @cloud-copilot/iam-simulate is not installed: run `make deps` (npm ci): %w", err)
	}
	if _, err := os.Stat(node); err != nil {
		return "", "", fmt.Errorf("access: the pinned Node.js is not installed: run `make deps` (npm ci): %w", err)
	}
	return node, filepath.Join(dir, "evaluate.mjs"), nil
}

// repoRoot is the directory above dir that holds go.mod.
func repoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("access: no go.mod above %s", dir)
		}
	}
}

// managedScript prints the documents of the AWS managed policies whose ARNs it reads, from the copy
// that the moto AWS emulator ships (AWS's published documents, refreshed with each moto release).
const managedScript = `
import json, sys
try:
    import moto
    from moto.iam.aws_managed_policies import aws_managed_policies_data
except ImportError as e:
    sys.exit("the moto AWS emulator is not installed (pip install 'moto[server]'); it provides the AWS managed policies: %s" % e)
data = json.loads(aws_managed_policies_data)
out = {"version": moto.__version__, "policies": {}}
for arn in json.load(sys.stdin):
    path, _, name = arn[len("arn:aws:iam::aws:policy"):].rpartition("/")
    p = data.get(name)
    if p is not None and p.get("Path", "/") == path + "/":
        out["policies"][arn] = p["Document"]
json.dump(out, sys.stdout)
`

// AWSManagedPolicies returns the documents of the AWS managed policies with these ARNs, as the moto
// AWS emulator installed for python3 ships them. A policy moto does not know is an error.
func AWSManagedPolicies(arns []string) (map[string]any, error) {
	if len(arns) == 0 {
		return map[string]any{}, nil
	}
	input, err := json.Marshal(arns)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", "-c", managedScript)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("access: reading AWS managed policies with python3: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Version  string         `json:"version"`
		Policies map[string]any `json:"policies"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("access: reading AWS managed policies: %v", err)
	}
	for _, arn := range arns {
		if _, ok := out.Policies[arn]; !ok {
			return nil, fmt.Errorf("access: AWS managed policy %s is not in moto %s's copy", arn, out.Version)
		}
	}
	return out.Policies, nil
}
