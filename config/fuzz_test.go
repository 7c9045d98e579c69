package config

import (
	"errors"
	"testing"
)

// Parse never panics, and fails only with Problems: arbitrary YAML (aliases, anchors, odd scalars,
// deep nesting) meets reflection-driven decoding here, so the decoder is fuzzed. The seeds run with
// every `go test`; `go test -fuzz FuzzParse ./config` explores further.
func FuzzParse(f *testing.F) {
	f.Add(string(DefaultYAML))
	f.Add(base)
	f.Add("project: &p [*p]")
	f.Add("environments: [{name: a, network: {subnets: {public: 99999999999999999999}}}]")
	f.Add("tags: {? [a]: b}")
	f.Fuzz(func(t *testing.T, y string) {
		c, err := Parse([]byte(y))
		var ps Problems
		switch {
		case err == nil && c == nil:
			t.Fatal("no config and no error")
		case err != nil && !errors.As(err, &ps):
			t.Fatalf("error of type %T: %v", err, err)
		case err != nil && len(ps) == 0:
			t.Fatal("empty Problems")
		}
	})
}
