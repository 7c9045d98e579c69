package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// decode fills v from n, reporting every unknown or duplicate key and every value of the wrong kind
// with its field path. yaml.v3's own KnownFields mode stops at line numbers; users think in paths.
func decode(n *yaml.Node, v reflect.Value, path string, ps *Problems) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the field unset, so its default applies
	}
	switch v.Kind() {
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
				ps.add(join(path, key), "unknown key%s", suggest(key, fields))
				return
			}
			decode(value, v.Field(f.index), join(path, key), ps)
		})
	case reflect.Slice:
		if !expect(n, yaml.SequenceNode, path, ps) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			decode(item, s.Index(i), index(path, i), ps)
		}
		v.Set(s)
	case reflect.Map:
		if !expect(n, yaml.MappingNode, path, ps) {
			return
		}
		m := reflect.MakeMap(v.Type())
		forEachPair(n, path, ps, func(key string, value *yaml.Node) {
			elem := reflect.New(v.Type().Elem()).Elem()
			decode(value, elem, join(path, key), ps)
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
	default:
		return k.String()
	}
}

// suggest names a known key that differs from key only in case, the most common typo.
func suggest(key string, fields map[string]field) string {
	for k := range fields {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	return ""
}
