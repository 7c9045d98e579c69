package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/editbay/editbay/stacks/assembly"
)

// AWS's documented limits that a synthesized installation must stay within.
const (
	managedPolicyChars   = 6144    // IAM: a managed policy, white space not counted
	roleInlinePolicyChar = 10240   // IAM: all inline policies of a role together
	userDataBytes        = 16384   // EC2: user data, before base64
	stackResources       = 500     // CloudFormation: resources in a stack
	stackOutputs         = 200     // CloudFormation: outputs in a stack
	templateBytes        = 1 << 20 // CloudFormation: a template body from S3
	lambdaEnvBytes       = 4096    // Lambda: all environment variables of a function, keys and values
	keyPolicyBytes       = 32768   // KMS: a key policy
	bucketPolicyBytes    = 20480   // S3: a bucket policy
)

// poolsConfig is an installation at the scale the limits are tested at: three environments of 20, 50
// and 20 pools, every pool with a schedule and a fallback type.
func poolsConfig(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`project: limits
tags: {Project: limits, CostCenter: CC-1, Owner: platform}
allowedInstanceTypes: [g4dn.xlarge, g4dn.2xlarge, g5.xlarge, g5.2xlarge, t3.large]
environments:
`)
	types := []string{"g4dn.xlarge", "g4dn.2xlarge", "g5.xlarge", "t3.large"}
	for i, env := range []struct {
		name  string
		pools int
	}{{"stg", 20}, {"prod", 50}, {"qa", 20}} {
		fmt.Fprintf(&b, `  - name: %s
    region: ap-northeast-1
    availabilityZones: [ap-northeast-1a, ap-northeast-1c, ap-northeast-1d]
    clientCidrs: [203.0.113.0/24]
    network: {vpcCidr: 10.%d.0.0/16}
    access:
      broker: {certificate: {domain: broker.%s.example.com}}
      pools:
`, env.name, 100+i, env.name)
		for p := range env.pools {
			fmt.Fprintf(&b, `        - name: pool%02d
          instanceType: %s
          fallbackInstanceTypes: [g5.2xlarge]
          image: {os: windows, ssmParameter: /aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base}
          directoryGroup: editbay-pool-%02d
          minAvailable: 1
          maxSize: 10
          schedules: [{days: MON-FRI, start: "08:00", end: "20:00", timezone: Asia/Tokyo, minAvailable: 2}]
`, p, types[p%len(types)], p)
		}
	}
	path := filepath.Join(t.TempDir(), "pools.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Ninety pools in three environments synthesize within IAM's policy sizes, EC2's user-data size and
// CloudFormation's stack limits: the workstation-management policy names no pool.
func TestPoolsWithinAWSLimits(t *testing.T) {
	t.Parallel()
	outdir := filepath.Join(t.TempDir(), "cdk.out")
	if out, err := cdk("synth", "--quiet", "-c", "config="+poolsConfig(t), "-o", outdir); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	stacks, err := assembly.ReadStacks(outdir)
	if err != nil {
		t.Fatal(err)
	}
	var largest int // characters of the largest managed policy
	for _, s := range stacks {
		checkLimits(t, s, &largest)
	}
	if largest == 0 {
		t.Error("no managed policy was checked")
	}
	t.Logf("largest managed policy: %d characters at most once deployed (IAM allows %d)", largest, managedPolicyChars)
}

func checkLimits(t *testing.T, s assembly.Stack, largest *int) {
	data, err := os.ReadFile(s.TemplateFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > templateBytes {
		t.Errorf("%s: template of %d bytes, CloudFormation takes at most %d", s.DisplayName, len(data), templateBytes)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		}
		Outputs map[string]any
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	if n := len(tpl.Resources); n > stackResources {
		t.Errorf("%s: %d resources, CloudFormation takes at most %d", s.DisplayName, n, stackResources)
	}
	if n := len(tpl.Outputs); n > stackOutputs {
		t.Errorf("%s: %d outputs, CloudFormation takes at most %d", s.DisplayName, n, stackOutputs)
	}
	inline := map[string]int{} // role logical ID: characters of its inline policies
	for id, r := range tpl.Resources {
		p := r.Properties
		switch r.Type {
		case "AWS::IAM::ManagedPolicy":
			n := policyChars(p["PolicyDocument"])
			*largest = max(*largest, n)
			if n > managedPolicyChars {
				t.Errorf("%s: managed policy %s has %d characters, IAM allows %d", s.DisplayName, id, n, managedPolicyChars)
			}
		case "AWS::IAM::Policy":
			roles, _ := p["Roles"].([]any)
			for _, role := range roles {
				if ref, ok := role.(map[string]any)["Ref"].(string); ok {
					inline[ref] += policyChars(p["PolicyDocument"])
				}
			}
		case "AWS::IAM::Role":
			policies, _ := p["Policies"].([]any)
			for _, pol := range policies {
				inline[id] += policyChars(pol.(map[string]any)["PolicyDocument"])
			}
		case "AWS::Lambda::Function":
			vars, _ := resolveAll(at(p, "Environment", "Variables")).(map[string]any)
			n := 0
			for k, v := range vars {
				n += len(k) + len(fmt.Sprint(v))
			}
			if n > lambdaEnvBytes {
				t.Errorf("%s: function %s has %d bytes of environment variables, Lambda allows %d", s.DisplayName, id, n, lambdaEnvBytes)
			}
		case "AWS::KMS::Key":
			if n := policyChars(p["KeyPolicy"]); n > keyPolicyBytes {
				t.Errorf("%s: key %s has a policy of %d characters, KMS allows %d", s.DisplayName, id, n, keyPolicyBytes)
			}
		case "AWS::S3::BucketPolicy":
			if n := policyChars(p["PolicyDocument"]); n > bucketPolicyBytes {
				t.Errorf("%s: bucket policy %s has %d characters, S3 allows %d", s.DisplayName, id, n, bucketPolicyBytes)
			}
		case "AWS::EC2::LaunchTemplate":
			data, _ := p["LaunchTemplateData"].(map[string]any)
			if ud, ok := data["UserData"].(map[string]any); ok {
				if n := len(resolve(ud["Fn::Base64"])); n > userDataBytes {
					t.Errorf("%s: launch template %s has %d bytes of user data, EC2 allows %d", s.DisplayName, id, n, userDataBytes)
				}
			}
		}
	}
	for role, n := range inline {
		if n > roleInlinePolicyChar {
			t.Errorf("%s: role %s has %d characters of inline policies, IAM allows %d", s.DisplayName, role, n, roleInlinePolicyChar)
		}
	}
}

// policyChars is the size IAM counts of a policy document: its JSON without white space, with every
// value CloudFormation resolves at deployment replaced by one at least as long as it can be.
func policyChars(doc any) int {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resolveAll(doc)); err != nil {
		panic(err)
	}
	n := 0
	for _, r := range b.String() {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// resolveAll replaces every intrinsic function in v by its longest plausible value.
func resolveAll(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return resolve(x)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolveAll(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveAll(e)
		}
		return out
	}
	return v
}

// Longest values of what templates reference: IDs and names of resources, and ARNs (a role ARN with a
// 64-character name is 95).
const (
	refLength    = 64
	getAttLength = 128
)

// subVariable is a ${Name} or ${Resource.Attribute} of Fn::Sub (not a literal ${!...}).
var subVariable = regexp.MustCompile(`\$\{[^!}][^}]*\}`)

var pseudoParameters = map[string]string{
	"AWS::AccountId": "123456789012", "AWS::Region": "ap-southeast-7", "AWS::Partition": "aws-us-gov",
	"AWS::URLSuffix": "amazonaws.com.cn", "AWS::StackName": strings.Repeat("s", 128),
}

// resolve returns the longest plausible string value of a template value.
func resolve(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64, bool:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = resolve(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			if p, ok := pseudoParameters[ref]; ok {
				return p
			}
			return strings.Repeat("r", refLength)
		}
		if _, ok := x["Fn::GetAtt"]; ok {
			return strings.Repeat("a", getAttLength)
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			items, _ := j[1].([]any)
			parts := make([]string, len(items))
			for i, e := range items {
				parts[i] = resolve(e)
			}
			return strings.Join(parts, resolve(j[0]))
		}
		if b, ok := x["Fn::Base64"]; ok {
			return base64.StdEncoding.EncodeToString([]byte(resolve(b)))
		}
		if sub, ok := x["Fn::Sub"]; ok {
			if list, ok := sub.([]any); ok && len(list) > 0 {
				sub = list[0]
			}
			s, _ := sub.(string)
			return subVariable.ReplaceAllStringFunc(s, func(v string) string {
				if p, ok := pseudoParameters[strings.Trim(v, "${}")]; ok {
					return p
				}
				return strings.Repeat("v", getAttLength)
			})
		}
		if c, ok := x["Fn::If"].([]any); ok && len(c) == 3 {
			a, b := resolve(c[1]), resolve(c[2])
			if len(a) >= len(b) {
				return a
			}
			return b
		}
		// Fn::Select, Fn::GetStackOutput, Fn::ImportValue and the rest: one referenced value.
		return strings.Repeat("x", getAttLength)
	}
	return ""
}

// at descends into nested maps by key; nil when a key is missing.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
