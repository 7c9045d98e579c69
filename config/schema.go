package config

import (
	"encoding/json"
	"reflect"
	"strconv"
)

// SchemaID is where editors find the schema, relative to a config file in this folder.
const SchemaID = "editbay.schema.json"

// Schema returns the JSON Schema (draft 2020-12) of the config file, generated from the Go types so
// that it can never drift from what Load accepts.
func Schema() ([]byte, error) {
	s := typeSchema(reflect.TypeFor[Config]())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaID
	s["title"] = "editbay installation config"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func typeSchema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		required := []string{}
		for _, f := range fieldsOf(t) {
			props[f.key] = fieldSchema(f, t.Field(f.index).Type)
			if f.required {
				required = append(required, f.key)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
	case reflect.Pointer:
		return typeSchema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	}
	panic("config: no schema for " + t.String())
}

func fieldSchema(f field, t reflect.Type) map[string]any {
	s := typeSchema(t)
	if f.doc != "" {
		s["description"] = f.doc
	}
	target := s
	if t.Kind() == reflect.Slice {
		if f.minItems > 0 {
			s["minItems"] = f.minItems
		}
		target = s["items"].(map[string]any)
	}
	if f.required && t.Kind() == reflect.String {
		target["minLength"] = 1
	}
	if f.pattern != "" {
		target["pattern"] = f.pattern
	}
	if f.enum != nil {
		target["enum"] = f.enum
	}
	if f.minimum != nil {
		target["minimum"] = *f.minimum
	}
	if f.maximum != nil {
		target["maximum"] = *f.maximum
	}
	if f.def != "" {
		switch t.Kind() {
		case reflect.Int:
			n, _ := strconv.Atoi(f.def)
			s["default"] = n
		case reflect.Float64:
			n, _ := strconv.ParseFloat(f.def, 64)
			s["default"] = n
		case reflect.Bool:
			s["default"] = f.def == "true"
		default:
			s["default"] = f.def
		}
	}
	return s
}
