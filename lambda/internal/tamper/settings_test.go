package tamper

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		AlertTopicArn: topicArn, GuardTagKey: tagKey, ProtectedKeys: []string{"alias/editbay-audit"},
		RuleTargets:         map[string]string{trailRule: triageArn, selfRule: Self},
		TargetRetryAttempts: 8, TargetMaxEventAge: 7200,
		FunctionConcurrency: map[string]int32{triageFn: 5, selfFn: 5},
		AuditBucket:         bucket, AuditLogGroup: "/editbay/audit-trail", ConfigRulePrefix: "editbay-",
		TrustedPrincipals: []string{"arn:aws:iam::111122223333:role/cdk-*-cfn-exec-role-111122223333-*"}, FunctionName: selfFn,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	// The least a non-home region needs: no audit bucket or log group, nothing listed.
	s, err = ParseSettings(func(k string) string {
		return map[string]string{"ALERT_TOPIC_ARN": topicArn, "GUARD_TAG_KEY": tagKey}[k]
	})
	if err != nil || s.AuditBucket != "" || len(s.RuleTargets) != 0 {
		t.Errorf("%+v %v", s, err)
	}
}

func TestParseSettingsRefuses(t *testing.T) {
	for _, c := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"ALERT_TOPIC_ARN": ""}, "ALERT_TOPIC_ARN"},
		{map[string]string{"GUARD_TAG_KEY": " "}, "GUARD_TAG_KEY is not set"},
		{map[string]string{"RULE_TARGETS": `["a"]`}, "RULE_TARGETS is not a JSON object"},
		{map[string]string{"RULE_TARGETS": `{"a":"b"} {}`}, "more than one JSON value"},
		{map[string]string{"RULE_TARGETS": `{"a b":"self"}`}, `"a b" is not an EventBridge rule name`},
		{map[string]string{"RULE_TARGETS": `{"a":"my-function"}`}, `neither "self" nor an ARN`},
		{map[string]string{"RULE_TARGETS": `{"a":"self"}`, "AWS_LAMBDA_FUNCTION_NAME": ""}, "AWS_LAMBDA_FUNCTION_NAME is not set"},
		{map[string]string{"TARGET_RETRY_ATTEMPTS": "eight"}, "TARGET_RETRY_ATTEMPTS"},
		{map[string]string{"TARGET_RETRY_ATTEMPTS": "186"}, "outside 0-185"},
		{map[string]string{"TARGET_MAX_EVENT_AGE": "59"}, "outside 60-86400"},
		{map[string]string{"TARGET_MAX_EVENT_AGE": ""}, "TARGET_MAX_EVENT_AGE"},
		{map[string]string{"FUNCTION_CONCURRENCY": `{"f":1.5}`}, "FUNCTION_CONCURRENCY is not a JSON object"},
		{map[string]string{"FUNCTION_CONCURRENCY": `{"f":-1}`}, "is negative"},
		{map[string]string{"FUNCTION_CONCURRENCY": `{"arn:aws:lambda:r:1:function:f":1}`}, "is not a function name"},
		{map[string]string{"FUNCTION_CONCURRENCY": `{"self":5,"` + selfFn + `":3}`}, "both"},
		{map[string]string{"TRUSTED_PRINCIPALS": "cdk-*"}, "not an IAM role ARN pattern"},
		{map[string]string{"TRUSTED_PRINCIPALS": "arn:*"}, "not an IAM role ARN pattern"},
		{map[string]string{"TRUSTED_PRINCIPALS": "arn:**:*"}, "not an IAM role ARN pattern"},
		{map[string]string{"PROTECTED_KEYS": "alias/a b"}, "PROTECTED_KEYS"},
	} {
		e := maps.Clone(env)
		maps.Copy(e, c.set)
		if _, err := ParseSettings(func(k string) string { return e[k] }); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.set, err, c.want)
		}
	}
	// Every problem at once.
	_, err := ParseSettings(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "ALERT_TOPIC_ARN") || !strings.Contains(err.Error(), "GUARD_TAG_KEY") {
		t.Errorf("%v", err)
	}
}

func TestMatch(t *testing.T) {
	pattern := "arn:aws:iam::111122223333:role/cdk-*-cfn-exec-role-111122223333-*"
	for s, want := range map[string]bool{
		cfnExec: true,
		"arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1": true,
		"arn:aws:iam::111122223333:role/path/cdk-x-cfn-exec-role-111122223333-y":            false,
		"arn:aws:iam::444455556666:role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1": false,
		"arn:aws:iam::111122223333:role/Developers":                                         false,
		"": false,
	} {
		if got := match(pattern, s); got != want {
			t.Errorf("match(%q) = %v", s, got)
		}
	}
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*", "a", true}, {"*a", "ba", true}, {"*a", "ab", false}, {"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false}, {"a/*", "a/b/c", true}, {"abc", "abc", true}, {"abc", "abcd", false}, {"**", "x", true},
	} {
		if got := match(c.p, c.s); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

// FuzzParseSettings: the environment decoder never panics, and what it accepts is usable: rule names
// and targets as EventBridge takes them, retry policies in range, concurrency not negative.
func FuzzParseSettings(f *testing.F) {
	f.Add(env["RULE_TARGETS"], env["FUNCTION_CONCURRENCY"], "8", "7200", env["TRUSTED_PRINCIPALS"], env["PROTECTED_KEYS"])
	f.Add(`{"a":"self"}`, `{"self":0}`, "0", "60", "arn:*x", "k1,,k2")
	f.Add(`{"":""}`, `{"":-1}`, "-1", "86401", ",", " ")
	f.Fuzz(func(t *testing.T, rules, concurrency, retries, age, trusted, keys string) {
		e := maps.Clone(env)
		e["RULE_TARGETS"], e["FUNCTION_CONCURRENCY"], e["TARGET_RETRY_ATTEMPTS"], e["TARGET_MAX_EVENT_AGE"] = rules, concurrency, retries, age
		e["TRUSTED_PRINCIPALS"], e["PROTECTED_KEYS"] = trusted, keys
		s, err := ParseSettings(func(k string) string { return e[k] })
		if err != nil {
			return
		}
		for name, target := range s.RuleTargets {
			if !ruleName.MatchString(name) || target != Self && !strings.HasPrefix(target, "arn:") {
				t.Fatalf("accepted rule %q -> %q", name, target)
			}
		}
		if len(s.RuleTargets) > 0 && (s.TargetRetryAttempts < 0 || s.TargetRetryAttempts > 185 || s.TargetMaxEventAge < 60 || s.TargetMaxEventAge > 86400) {
			t.Fatalf("accepted retry policy %d/%d", s.TargetRetryAttempts, s.TargetMaxEventAge)
		}
		for name, n := range s.FunctionConcurrency {
			if n < 0 || !functionNamePattern.MatchString(name) {
				t.Fatalf("accepted concurrency %q=%d", name, n)
			}
		}
		for _, p := range s.TrustedPrincipals {
			if !strings.HasPrefix(p, "arn:") || strings.Trim(strings.TrimPrefix(p, "arn:"), "*:") == "" {
				t.Fatalf("accepted pattern %q", p)
			}
		}
	})
}
