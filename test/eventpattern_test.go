package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// matches reports whether an EventBridge event pattern matches an event, with EventBridge's documented
// semantics for what editbay's patterns use and a little more: every field of the pattern must match
// (AND); a list matches when the event's value, or any element of an event list, equals one entry
// (OR); an object descends into the event's object; entries may be {"prefix": s}, {"suffix": s},
// {"anything-but": v or [v...]}, {"exists": bool} and {"equals-ignore-case": s}; "$or" holds a list
// of patterns of which at least one must match. A field absent from the event matches only
// [{"exists": false}].
func matches(pattern, event map[string]any) bool {
	for key, want := range pattern {
		if key == "$or" {
			alternatives, _ := want.([]any)
			if !slices.ContainsFunc(alternatives, func(a any) bool { m, ok := a.(map[string]any); return ok && matches(m, event) }) {
				return false
			}
			continue
		}
		got, present := event[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !matches(w, sub) {
				return false
			}
		case []any:
			if !matchesAny(w, got, present) {
				return false
			}
		default:
			return false // a pattern's leaves are always lists
		}
	}
	return true
}

func matchesAny(entries []any, got any, present bool) bool {
	values := []any{got}
	if list, ok := got.([]any); ok {
		values = list
	}
	for _, e := range entries {
		if rule, ok := e.(map[string]any); ok {
			if exists, ok := rule["exists"].(bool); ok {
				if exists == present {
					return true
				}
				continue
			}
		}
		if !present {
			continue
		}
		for _, v := range values {
			if matchesEntry(e, v) {
				return true
			}
		}
	}
	return false
}

func matchesEntry(entry, v any) bool {
	rule, ok := entry.(map[string]any)
	if !ok {
		return entry == v // strings, numbers, booleans and null compare as JSON values
	}
	s, isString := v.(string)
	switch {
	case rule["prefix"] != nil:
		return isString && strings.HasPrefix(s, rule["prefix"].(string))
	case rule["suffix"] != nil:
		return isString && strings.HasSuffix(s, rule["suffix"].(string))
	case rule["equals-ignore-case"] != nil:
		return isString && strings.EqualFold(s, rule["equals-ignore-case"].(string))
	case rule["anything-but"] != nil:
		but := rule["anything-but"]
		if list, ok := but.([]any); ok {
			for _, b := range list {
				if b == v {
					return false
				}
			}
			return true
		}
		return but != v
	}
	panic("matches: unsupported pattern entry " + asJSON(entry))
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The matcher itself, against the examples of EventBridge's pattern documentation.
func TestEventPatternMatcher(t *testing.T) {
	event := decodeJSON(t, `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification",
		"detail":{"state":"running","instance-id":"i-123","tags":["a","b"],"c-count":5}}`)
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["aws.ec2"]}`, true},
		{`{"source":["aws.s3","aws.ec2"]}`, true},
		{`{"source":["aws.s3"]}`, false},
		{`{"source":["aws.ec2"],"detail":{"state":["running"]}}`, true},
		{`{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`, false},
		{`{"detail":{"tags":["b"]}}`, true},
		{`{"detail":{"instance-id":[{"prefix":"i-"}]}}`, true},
		{`{"detail":{"instance-id":[{"suffix":"9"}]}}`, false},
		{`{"detail":{"state":[{"anything-but":["stopped","pending"]}]}}`, true},
		{`{"detail":{"state":[{"anything-but":"running"}]}}`, false},
		{`{"detail":{"missing":[{"exists":false}]}}`, true},
		{`{"detail":{"missing":[{"exists":true}]}}`, false},
		{`{"detail":{"state":[{"exists":true}]}}`, true},
		{`{"detail":{"missing":["x"]}}`, false},
		{`{"detail":{"c-count":[5]}}`, true},
		{`{"detail":{"state":{"nested":["x"]}}}`, false},
		{`{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, true},
		{`{"detail":{"$or":[{"state":["stopped"]},{"instance-id":["i-123"]}]}}`, true},
		{`{"detail":{"$or":[{"state":["stopped"]},{"instance-id":["i-9"]}]}}`, false},
		{`{"source":["aws.ec2"],"$or":[{"detail":{"c-count":[5]}},{"detail-type":["x"]}]}`, true},
	} {
		if got := matches(decodeJSON(t, tc.pattern), event); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.pattern, got, tc.want)
		}
	}
}
