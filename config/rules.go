package config

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// checkTags enforces the declarative rules of the struct tags (required, enum, pattern, minItems,
// minimum, maximum) on a defaulted config. The JSON Schema states the same rules for editors. set is
// what the file gives: a required number written as 0 is checked against its minimum, not reported
// missing.
func checkTags(v reflect.Value, path string, set present, ps *Problems) {
	switch v.Kind() {
	case reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			p := join(path, f.key)
			number := fv.Kind() == reflect.Int || fv.Kind() == reflect.Float64
			if f.required && (!set[p] || !number && fv.IsZero()) {
				ps.add(p, "is required")
				continue
			}
			checkField(f, fv, p, ps)
			checkTags(fv, p, set, ps)
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkTags(v.Index(i), index(path, i), set, ps)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			checkTags(v.Elem(), path, set, ps)
		}
	}
}

func checkField(f field, v reflect.Value, path string, ps *Problems) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if s == "" {
			return
		}
		if f.enum != nil && !slices.Contains(f.enum, s) {
			ps.add(path, "%q is not one of %s", s, strings.Join(f.enum, ", "))
		}
		if f.pattern != "" && !regexp.MustCompile(f.pattern).MatchString(s) {
			ps.add(path, "%q does not match %s", s, f.pattern)
		}
	case reflect.Int:
		n := int(v.Int())
		if f.minimum != nil && n < *f.minimum {
			ps.add(path, "%d is below the minimum %d", n, *f.minimum)
		}
		if f.maximum != nil && n > *f.maximum {
			ps.add(path, "%d is above the maximum %d", n, *f.maximum)
		}
	case reflect.Slice:
		if v.Len() < f.minItems {
			ps.add(path, "need at least %d, got %d", f.minItems, v.Len())
		}
		if v.Type().Elem().Kind() == reflect.String {
			for i := range v.Len() {
				checkField(field{enum: f.enum, pattern: f.pattern}, v.Index(i), index(path, i), ps)
			}
		}
	}
}
