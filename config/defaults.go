package config

import (
	"reflect"
	"strconv"
)

// defaulter is a config type with defaults a `default` tag cannot express (e.g. one derived from
// another field); its fillDefaults runs after its fields' tag defaults. given says whether the file
// gives a value to a key, relative to the type (e.g. "gateway.protocols" for Access).
type defaulter interface {
	fillDefaults(given func(key string) bool)
}

// applyDefaults sets every field that has a `default` tag and is absent from the file (not in set),
// in structs and lists of structs alike. A field the file sets, even to 0, false or "", is never
// touched: `startHour: 0` means midnight and `minCapacity: 0` means auto-pause, not "use the default".
func applyDefaults(v reflect.Value, path string, set present) {
	switch v.Kind() {
	case reflect.Struct:
		if d, ok := v.Addr().Interface().(defaulter); ok {
			defer d.fillDefaults(func(key string) bool { return set[join(path, key)] })
		}
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			fp := join(path, f.key)
			if f.def != "" && !set[fp] {
				setDefault(fv, f.def)
			}
			applyDefaults(fv, fp, set)
		}
	case reflect.Slice:
		for i := range v.Len() {
			applyDefaults(v.Index(i), index(path, i), set)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			applyDefaults(v.Elem(), path, set)
		}
	}
}

// setDefault parses a `default` tag into v; a tag that does not parse is a programming error in
// the types, caught by every test that loads a config.
func setDefault(v reflect.Value, def string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(def)
	case reflect.Int:
		n, err := strconv.Atoi(def)
		if err != nil {
			panic("config: bad default tag " + strconv.Quote(def))
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		n, err := strconv.ParseFloat(def, 64)
		if err != nil {
			panic("config: bad default tag " + strconv.Quote(def))
		}
		v.SetFloat(n)
	case reflect.Bool:
		v.SetBool(def == "true")
	default:
		panic("config: default tag on unsupported kind " + v.Kind().String())
	}
}
