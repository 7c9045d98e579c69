package config

import (
	"fmt"
	"iter"
	"maps"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// present is the set of field paths the file gives a value (null counts as absent). Defaults fill
// only the fields absent from it, so an explicit 0, false or "" is kept and validated as written.
type present map[string]bool

// decode fills v from n, reporting every unknown or duplicate key and every value of the wrong kind
// with its field path, and records in set every path it gives a value. yaml.v3's own KnownFields mode
// stops at line numbers; users think in paths.
func decode(n *yaml.Node, v reflect.Value, path string, set present, ps *Problems) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if isNull(n) {
		return // an empty value leaves the field unset, so its default applies
	}
	set[path] = true
	switch v.Kind() {
	case reflect.Pointer: // an optional section: present in the file means set
		v.Set(reflect.New(v.Type().Elem()))
		decode(n, v.Elem(), path, set, ps)
	case reflect.Struct:
		if !expect(n, yaml.MappingNode, path, ps) {
			return
		}
		fields := map[string]field{}
		for _, f := range fieldsOf(v.Type()) {
			fields[f.key] = f
		}
		forEachPair(n, path, ps, func(key string, value *yaml.Node) {
			f, ok := fields[key]
			if !ok {
				ps.add(join(path, key), "unknown key%s", suggest(key, maps.Keys(fields)))
				return
			}
			decode(value, v.Field(f.index), join(path, key), set, ps)
		})
	case reflect.Slice:
		if !expect(n, yaml.SequenceNode, path, ps) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			decode(item, s.Index(i), index(path, i), set, ps)
		}
		v.Set(s)
	case reflect.Map:
		if !expect(n, yaml.MappingNode, path, ps) {
			return
		}
		m := reflect.MakeMap(v.Type())
		forEachPair(n, path, ps, func(key string, value *yaml.Node) {
			elem := reflect.New(v.Type().Elem()).Elem()
			decode(value, elem, join(path, key), set, ps)
			m.SetMapIndex(reflect.ValueOf(key), elem)
		})
		v.Set(m)
	default:
		if !expect(n, yaml.ScalarNode, path, ps) {
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			ps.add(path, "%q is not a valid %s", n.Value, kindName(v.Kind()))
		}
	}
}

func forEachPair(n *yaml.Node, path string, ps *Problems, fn func(key string, value *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			ps.add(path, "keys must be plain strings (line %d)", k.Line)
			continue
		}
		if seen[k.Value] {
			ps.add(join(path, k.Value), "duplicate key (line %d)", k.Line)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, n.Content[i+1])
	}
}

func expect(n *yaml.Node, kind yaml.Kind, path string, ps *Problems) bool {
	if n.Kind == kind {
		return true
	}
	got := nodeKindName(n.Kind)
	if n.Kind == yaml.ScalarNode {
		got = fmt.Sprintf("%q", n.Value)
	}
	ps.add(path, "expected a %s, got %s (line %d)", nodeKindName(kind), got, n.Line)
	return false
}

func nodeKindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	default:
		return "single value"
	}
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int:
		return "whole number"
	case reflect.Float64:
		return "number"
	default:
		return k.String()
	}
}

// suggest names the known value closest to a mistyped one (a key, an instance type, a region): a
// difference of case or of at most two letters.
func suggest(key string, known iter.Seq[string]) string {
	best, bestDist := "", 3
	for k := range known {
		d := distance(strings.ToLower(k), strings.ToLower(key))
		if d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
