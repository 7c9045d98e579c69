package tamper

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The environment the guardrails stack writes (its golden template, which test/ keeps equal to what
// synthesizes), as CloudFormation resolves it, is one ParseSettings accepts, naming every guardrail
// rule of the stack and every guardrail function.
func TestGoldenTemplateSettings(t *testing.T) {
	var guard struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "test", "golden", "account-default", "Guardrails.template.json"))
	if err == nil {
		err = json.Unmarshal(data, &guard)
	}
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]any
	var rules []string
	for id, r := range guard.Resources {
		switch {
		case r.Type == "AWS::Lambda::Function" && strings.Contains(id, "TamperGuard"):
			vars, _ = r.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		case r.Type == "AWS::Events::Rule":
			rules = append(rules, r.Properties["Name"].(string))
		}
	}
	env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "tamper-guard"}
	for k, v := range vars {
		env[k] = deployed(v)
	}
	s, err := ParseSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("%v\nenvironment: %v", err, env)
	}
	if got := slices.Sorted(maps.Keys(s.RuleTargets)); !slices.Equal(got, slices.Sorted(slices.Values(rules))) {
		t.Errorf("RULE_TARGETS names %v, want every guardrail rule %v", got, rules)
	}
	if s.RuleTargets["editbay-guard-tamper-check"] != Self || !strings.Contains(s.RuleTargets["editbay-guard-trail-change"], "TrailTriage") {
		t.Errorf("RULE_TARGETS %v", s.RuleTargets)
	}
	if len(s.FunctionConcurrency) != 4 || s.FunctionConcurrency["tamper-guard"] != 5 || s.TargetRetryAttempts != 8 || s.TargetMaxEventAge != 7200 {
		t.Errorf("settings %+v", s)
	}
	if s.AuditBucket != "editbay-audit-111122223333-ap-northeast-1" || s.AuditLogGroup != "/editbay/audit-trail" || len(s.ProtectedKeys) != 2 {
		t.Errorf("settings %+v", s)
	}
}

// deployed is a template value as CloudFormation resolves it in account 111122223333: a resource's Ref
// is its logical ID, its Arn a Lambda function ARN named so.
func deployed(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			if ref == "AWS::AccountId" {
				return "111122223333"
			}
			if strings.HasPrefix(ref, "AWS::") {
				return map[string]string{"AWS::Region": "ap-northeast-1", "AWS::Partition": "aws"}[ref]
			}
			if strings.Contains(ref, "Topic") {
				return "arn:aws:sns:ap-northeast-1:111122223333:" + ref
			}
			return ref
		}
		if att, ok := x["Fn::GetAtt"].([]any); ok {
			if strings.Contains(att[0].(string), "Key") {
				return "arn:aws:kms:ap-northeast-1:111122223333:key/" + att[0].(string)
			}
			return "arn:aws:lambda:ap-northeast-1:111122223333:function:" + att[0].(string)
		}
		if join, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, deployed(p))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	panic(fmt.Sprintf("deployed: %v", v))
}
