package config

import (
	"reflect"
	"strconv"
	"strings"
)

// field is a struct field as the config file sees it, read from its tags.
type field struct {
	index    int
	key      string
	doc      string
	required bool
	enum     []string
	pattern  string
	def      string
	minItems int
	minimum  *int
	maximum  *int
}

func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		key := sf.Tag.Get("yaml")
		if key == "" || key == "-" {
			continue
		}
		f := field{
			index:    i,
			key:      key,
			doc:      sf.Tag.Get("doc"),
			required: sf.Tag.Get("required") == "true",
			pattern:  sf.Tag.Get("pattern"),
			def:      sf.Tag.Get("default"),
			minimum:  intTag(sf.Tag, "minimum"),
			maximum:  intTag(sf.Tag, "maximum"),
		}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		if m := intTag(sf.Tag, "minItems"); m != nil {
			f.minItems = *m
		}
		fs = append(fs, f)
	}
	return fs
}

func intTag(tag reflect.StructTag, name string) *int {
	s, ok := tag.Lookup(name)
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("config: bad " + name + " tag " + strconv.Quote(s)) // a programming error in types.go
	}
	return &n
}
