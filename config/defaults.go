package config

import (
	"reflect"
	"strconv"
)

// defaulter is a config type with defaults a `default` tag cannot express (e.g. one derived from
// another field); its fillDefaults runs after its fields' tag defaults.
type defaulter interface{ fillDefaults() }

// applyDefaults sets every unset (zero) field that has a `default` tag, in structs and lists of
// structs alike. Set fields are never touched.
func applyDefaults(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if d, ok := v.Addr().Interface().(defaulter); ok {
			defer d.fillDefaults()
		}
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			if f.def != "" && fv.IsZero() {
				switch fv.Kind() {
				case reflect.String:
					fv.SetString(f.def)
				case reflect.Int:
					n, err := strconv.Atoi(f.def)
					if err != nil {
						panic("config: bad default tag " + strconv.Quote(f.def))
					}
					fv.SetInt(int64(n))
				case reflect.Float64:
					n, err := strconv.ParseFloat(f.def, 64)
					if err != nil {
						panic("config: bad default tag " + strconv.Quote(f.def))
					}
					fv.SetFloat(n)
				default:
					panic("config: default tag on unsupported kind " + fv.Kind().String())
				}
			}
			applyDefaults(fv)
		}
	case reflect.Slice:
		for i := range v.Len() {
			applyDefaults(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			applyDefaults(v.Elem())
		}
	}
}
