package tamper

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Settings are what the guard protects and how, from the function's environment (ParseSettings).
type Settings struct {
	AlertTopicArn string // ALERT_TOPIC_ARN: alerts go here, and changes to it are alerted
	GuardTagKey   string // GUARD_TAG_KEY: resources tagged with it, value "true", are protected
	// ProtectedKeys are KMS key IDs, key ARNs or alias names (PROTECTED_KEYS, comma-separated): the
	// sweep checks them, and events on them are handled as on tagged keys.
	ProtectedKeys []string
	// RuleTargets maps a protected EventBridge rule of the default bus to the ARN of its one Lambda
	// target (RULE_TARGETS, a JSON object); "self" is this function (unqualified).
	RuleTargets map[string]string
	// TargetRetryAttempts and TargetMaxEventAge are every protected target's RetryPolicy
	// (TARGET_RETRY_ATTEMPTS, TARGET_MAX_EVENT_AGE in seconds), as CDK renders the rules' targets.
	TargetRetryAttempts, TargetMaxEventAge int32
	// FunctionConcurrency maps a protected function's name to its reserved concurrency
	// (FUNCTION_CONCURRENCY, a JSON object; the key "self" is this function).
	FunctionConcurrency map[string]int32
	AuditBucket         string // AUDIT_BUCKET: versioned; empty where the audit stack is not (not the home region)
	AuditLogGroup       string // AUDIT_LOG_GROUP: the trail's log group; empty outside the home region
	ConfigRulePrefix    string // CONFIG_RULE_PREFIX: editbay's AWS Config rule names start with it
	// TrustedPrincipals are IAM role ARN patterns, "*" matching any run of characters
	// (TRUSTED_PRINCIPALS, comma-separated): sessions of these roles deploy, they do not tamper.
	TrustedPrincipals []string
	FunctionName      string // AWS_LAMBDA_FUNCTION_NAME: this function
}

// TargetID is the ID CDK gives a rule's first target, the only one a protected rule has.
const TargetID = "Target0"

// Self names this function in RULE_TARGETS and FUNCTION_CONCURRENCY.
const Self = "self"

// EventBridge's rule-name pattern and RetryPolicy ranges (EventBridge API reference: PutRule's Name,
// RetryPolicy's MaximumRetryAttempts 0-185 and MaximumEventAgeInSeconds 60-86400).
var ruleName = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)

// Lambda's function-name pattern (Lambda API reference, PutFunctionConcurrency's FunctionName, name form).
var functionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9\-_]{1,64}$`)

// ParseSettings reads the settings from the environment through getenv (os.Getenv), and reports every
// problem at once.
func ParseSettings(getenv func(string) string) (Settings, error) {
	s := Settings{
		AlertTopicArn:    strings.TrimSpace(getenv("ALERT_TOPIC_ARN")),
		GuardTagKey:      strings.TrimSpace(getenv("GUARD_TAG_KEY")),
		ProtectedKeys:    list(getenv("PROTECTED_KEYS")),
		AuditBucket:      strings.TrimSpace(getenv("AUDIT_BUCKET")),
		AuditLogGroup:    strings.TrimSpace(getenv("AUDIT_LOG_GROUP")),
		ConfigRulePrefix: strings.TrimSpace(getenv("CONFIG_RULE_PREFIX")),
		FunctionName:     strings.TrimSpace(getenv("AWS_LAMBDA_FUNCTION_NAME")),
	}
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(s.AlertTopicArn, "arn:") {
		bad("ALERT_TOPIC_ARN %q is not an SNS topic ARN", s.AlertTopicArn)
	}
	if s.GuardTagKey == "" {
		bad("GUARD_TAG_KEY is not set")
	}
	for _, k := range s.ProtectedKeys {
		if strings.ContainsAny(k, " \t\n") {
			bad("PROTECTED_KEYS: %q is not a key ID, key ARN or alias name", k)
		}
	}
	if raw := strings.TrimSpace(getenv("RULE_TARGETS")); raw != "" {
		if err := strictJSON(raw, &s.RuleTargets); err != nil {
			bad("RULE_TARGETS is not a JSON object of rule names to target ARNs: %v", err)
		}
		for _, name := range slices.Sorted(maps.Keys(s.RuleTargets)) {
			target := s.RuleTargets[name]
			if !ruleName.MatchString(name) {
				bad("RULE_TARGETS: %q is not an EventBridge rule name", name)
			}
			if target != Self && !strings.HasPrefix(target, "arn:") {
				bad("RULE_TARGETS[%q]: %q is neither %q nor an ARN", name, target, Self)
			}
			if target == Self && s.FunctionName == "" {
				bad("RULE_TARGETS[%q] is %q, but AWS_LAMBDA_FUNCTION_NAME is not set", name, Self)
			}
		}
	}
	if len(s.RuleTargets) > 0 {
		var err error
		if s.TargetRetryAttempts, err = integer(getenv("TARGET_RETRY_ATTEMPTS"), 0, 185); err != nil {
			bad("TARGET_RETRY_ATTEMPTS: %v", err)
		}
		if s.TargetMaxEventAge, err = integer(getenv("TARGET_MAX_EVENT_AGE"), 60, 86400); err != nil {
			bad("TARGET_MAX_EVENT_AGE: %v", err)
		}
	}
	if raw := strings.TrimSpace(getenv("FUNCTION_CONCURRENCY")); raw != "" {
		var m map[string]int32
		if err := strictJSON(raw, &m); err != nil {
			bad("FUNCTION_CONCURRENCY is not a JSON object of function names to reserved concurrency: %v", err)
		}
		s.FunctionConcurrency = map[string]int32{}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			n := m[name]
			if n < 0 {
				bad("FUNCTION_CONCURRENCY[%q]: %d is negative", name, n)
			}
			if name == Self {
				if s.FunctionName == "" {
					bad("FUNCTION_CONCURRENCY names %q, but AWS_LAMBDA_FUNCTION_NAME is not set", Self)
					continue
				}
				name = s.FunctionName
			}
			if !functionNamePattern.MatchString(name) {
				bad("FUNCTION_CONCURRENCY: %q is not a function name", name)
			}
			if prev, dup := s.FunctionConcurrency[name]; dup && prev != n {
				bad("FUNCTION_CONCURRENCY gives %q (itself, as %q) both %d and %d", name, Self, prev, n)
			}
			s.FunctionConcurrency[name] = n
		}
	}
	for _, p := range list(getenv("TRUSTED_PRINCIPALS")) {
		if !strings.HasPrefix(p, "arn:") || strings.Trim(strings.TrimPrefix(p, "arn:"), "*:") == "" {
			bad("TRUSTED_PRINCIPALS: %q is not an IAM role ARN pattern", p)
			continue
		}
		s.TrustedPrincipals = append(s.TrustedPrincipals, p)
	}
	return s, errors.Join(problems...)
}

// list splits a comma-separated value, dropping empty items.
func list(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// strictJSON decodes one JSON value into v and refuses anything after it.
func strictJSON(raw string, v any) error {
	d := json.NewDecoder(strings.NewReader(raw))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

func integer(v string, lo, hi int64) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d-%d", n, lo, hi)
	}
	return int32(n), nil
}

// match reports whether s matches pattern, where "*" matches any run of characters (ARNs contain "/",
// which path.Match's "*" does not cross).
func match(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
