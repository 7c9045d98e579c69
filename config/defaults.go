package config

import (
	"reflect"
	"strconv"
)

// applyDefaults sets every unset (zero) field that has a `default` tag, in structs and lists of
// structs alike. Set fields are never touched.
func applyDefaults(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
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
	}
}
