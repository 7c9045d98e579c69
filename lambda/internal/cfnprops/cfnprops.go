// Package cfnprops reads the properties of a CloudFormation custom resource. CloudFormation passes
// every scalar as a string, whatever the template says, so numbers and booleans are parsed here, and
// every problem is collected so one failed request names them all.
package cfnprops

import (
	"errors"
	"fmt"
	"strconv"
)

// Reader reads properties from Props and collects the problems; Err returns them.
type Reader struct {
	Props map[string]any
	errs  []error
}

// String returns a required, non-empty string property.
func (r *Reader) String(key string) string {
	v, ok := r.Props[key].(string)
	if !ok || v == "" {
		r.fail(key, "want a non-empty string, got %v", r.Props[key])
	}
	return v
}

// Int32 returns a required whole-number property between lo and hi.
func (r *Reader) Int32(key string, lo, hi int32) int32 {
	var n int64
	var err error
	switch v := r.Props[key].(type) {
	case string:
		n, err = strconv.ParseInt(v, 10, 32)
	case float64:
		n = int64(v)
		if float64(n) != v {
			err = errors.New("not a whole number")
		}
	default:
		err = errors.New("missing")
	}
	if err == nil && (n < int64(lo) || n > int64(hi)) {
		err = fmt.Errorf("out of range %d to %d", lo, hi)
	}
	if err != nil {
		r.fail(key, "%v (%v)", err, r.Props[key])
	}
	return int32(n)
}

// Bool returns a required boolean property ("true" or "false").
func (r *Reader) Bool(key string) bool {
	switch v := r.Props[key].(type) {
	case bool:
		return v
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	r.fail(key, "want true or false, got %v", r.Props[key])
	return false
}

// Fail records a problem of a property the caller checks itself.
func (r *Reader) Fail(key, format string, args ...any) { r.fail(key, format, args...) }

func (r *Reader) fail(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("property %s: %s", key, fmt.Sprintf(format, args...)))
}

// Err returns every problem found so far, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }
