package access

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue resolves to: the property or list element is dropped.
type noValue struct{}

// maxDepth bounds the nesting of intrinsics and of references through outputs, which catches cycles.
const maxDepth = 64

// Resolve returns v with every intrinsic function resolved to concrete values in the fake world. An
// intrinsic this package does not model is an error, never a placeholder.
func (s *Stack) Resolve(v any) (any, error) {
	out, err := s.resolve(v, 0)
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, err
}

// ResolveString resolves v, which must come out a string.
func (s *Stack) ResolveString(v any) (string, error) {
	out, err := s.resolve(v, 0)
	if err != nil {
		return "", err
	}
	str, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("%s resolves to %T, not a string", compact(v), out)
	}
	return str, nil
}

// resolveStrings resolves v, which must come out a list of strings (or one string).
func (s *Stack) resolveStrings(v any) ([]string, error) {
	out, err := s.resolve(v, 0)
	if err != nil {
		return nil, err
	}
	switch x := out.(type) {
	case nil, noValue:
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		var strs []string
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: element %s is not a string", compact(v), compact(e))
			}
			strs = append(strs, str)
		}
		return strs, nil
	}
	return nil, fmt.Errorf("%s resolves to %T, not a list of strings", compact(v), out)
}

// refused are the intrinsics that exist but that this package does not model: a template using one
// where a policy, name or tag is read fails the lookup, saying so.
var refused = map[string]string{
	"Fn::GetAZs":           "the region's zones are not modelled",
	"Fn::Cidr":             "address blocks are not modelled",
	"Fn::Length":           "the LanguageExtensions transform is not modelled",
	"Fn::ToJsonString":     "the LanguageExtensions transform is not modelled",
	"Fn::ForEach":          "the LanguageExtensions transform is not modelled",
	"Fn::Transform":        "macros are not modelled",
	"Fn::Contains":         "a rule function, not valid in resources",
	"Fn::EachMemberEquals": "a rule function, not valid in resources",
	"Fn::EachMemberIn":     "a rule function, not valid in resources",
	"Fn::RefAll":           "a rule function, not valid in resources",
	"Fn::ValueOf":          "a rule function, not valid in resources",
	"Fn::ValueOfAll":       "a rule function, not valid in resources",
}

func (s *Stack) resolve(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("intrinsics nested too deep (a cycle of references?)")
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					out, err := s.intrinsic(fn, arg, depth+1)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", compact(x), err)
					}
					return out, nil
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := s.resolve(e, depth+1)
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, err := s.resolve(e, depth+1)
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (s *Stack) intrinsic(fn string, arg any, depth int) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, errors.New("Ref takes a logical ID or parameter name")
		}
		return s.ref(name, depth)
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case string:
			id, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				r, err := s.resolve(a[1], depth)
				if err != nil {
					return nil, err
				}
				attr, _ = r.(string)
			}
		}
		if id == "" || attr == "" {
			return nil, errors.New("Fn::GetAtt takes [logicalId, attribute]")
		}
		r, err := s.resource(id)
		if err != nil {
			return nil, err
		}
		return r.getAtt(attr)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Join takes [delimiter, list]")
		}
		delim, ok := a[0].(string)
		if !ok {
			return nil, errors.New("Fn::Join: the delimiter must be a literal string")
		}
		parts, err := s.resolve(a[1], depth)
		if err != nil {
			return nil, err
		}
		list, ok := parts.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: %s is not a list", compact(parts))
		}
		strs := make([]string, len(list))
		for i, p := range list {
			if strs[i], err = scalar(p); err != nil {
				return nil, fmt.Errorf("Fn::Join: %w", err)
			}
		}
		return strings.Join(strs, delim), nil
	case "Fn::Sub":
		return s.sub(arg, depth)
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Select takes [index, list]")
		}
		idx, err := s.resolve(a[0], depth)
		if err != nil {
			return nil, err
		}
		i, err := index(idx)
		if err != nil {
			return nil, fmt.Errorf("Fn::Select: %w", err)
		}
		list, err := s.resolve(a[1], depth)
		if err != nil {
			return nil, err
		}
		l, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Select: %s is not a list", compact(list))
		}
		if i < 0 || i >= len(l) {
			return nil, fmt.Errorf("Fn::Select: index %d out of a list of %d", i, len(l))
		}
		return l[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Split takes [delimiter, string]")
		}
		delim, ok := a[0].(string)
		if !ok {
			return nil, errors.New("Fn::Split: the delimiter must be a literal string")
		}
		str, err := s.resolve(a[1], depth)
		if err != nil {
			return nil, err
		}
		st, ok := str.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Split: %s is not a string", compact(str))
		}
		var out []any
		for _, p := range strings.Split(st, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::ImportValue":
		name, err := s.resolve(arg, depth)
		if err != nil {
			return nil, err
		}
		n, ok := name.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::ImportValue: %s is not a string", compact(name))
		}
		return s.importValue(n, depth)
	case "Fn::GetStackOutput":
		return s.getStackOutput(arg, depth)
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, errors.New("Fn::If takes [condition, then, else]")
		}
		name, ok := a[0].(string)
		if !ok {
			return nil, errors.New("Fn::If: the condition must be a condition name")
		}
		c, err := s.condition(name)
		if err != nil {
			return nil, err
		}
		if c {
			return s.resolve(a[1], depth)
		}
		return s.resolve(a[2], depth)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return s.evalCondition(map[string]any{fn: arg}, depth)
	case "Fn::FindInMap":
		a, ok := arg.([]any)
		if !ok || len(a) < 3 || len(a) > 4 {
			return nil, errors.New("Fn::FindInMap takes [map, top-level key, second-level key]")
		}
		var keys [3]string
		for i := range 3 {
			k, err := s.resolve(a[i], depth)
			if err != nil {
				return nil, err
			}
			if keys[i], err = scalar(k); err != nil {
				return nil, fmt.Errorf("Fn::FindInMap: %w", err)
			}
		}
		m, _ := s.Mappings[keys[0]].(map[string]any)
		top, _ := m[keys[1]].(map[string]any)
		if val, ok := top[keys[2]]; ok {
			return s.resolve(val, depth)
		}
		if len(a) == 4 {
			if d, ok := a[3].(map[string]any); ok {
				if def, ok := d["DefaultValue"]; ok {
					return s.resolve(def, depth)
				}
			}
		}
		return nil, fmt.Errorf("Fn::FindInMap: no %s/%s/%s in the mappings", keys[0], keys[1], keys[2])
	case "Fn::Base64":
		str, err := s.resolve(arg, depth)
		if err != nil {
			return nil, err
		}
		st, ok := str.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Base64: %s is not a string", compact(str))
		}
		return base64.StdEncoding.EncodeToString([]byte(st)), nil
	}
	if why, ok := refused[fn]; ok {
		return nil, fmt.Errorf("%s is not resolved: %s", fn, why)
	}
	return nil, fmt.Errorf("unknown intrinsic function %s", fn)
}

// ref resolves Ref: a pseudo parameter, a template parameter (its default), or a resource.
func (s *Stack) ref(name string, depth int) (any, error) {
	switch name {
	case "AWS::AccountId":
		return s.Account, nil
	case "AWS::Region":
		return s.Region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return s.Name, nil
	case "AWS::StackId":
		return s.stackID(), nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if strings.HasPrefix(name, "AWS::") {
		return nil, fmt.Errorf("unknown pseudo parameter %s", name)
	}
	if p, ok := s.Parameters[name]; ok {
		typ, _ := p["Type"].(string)
		if strings.HasPrefix(typ, "AWS::SSM::Parameter::") {
			return nil, fmt.Errorf("parameter %s is read from Systems Manager at deploy time (%s), which is not modelled", name, typ)
		}
		def, ok := p["Default"]
		if !ok {
			return nil, fmt.Errorf("parameter %s has no default", name)
		}
		if strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" {
			str, _ := def.(string)
			var out []any
			for _, e := range strings.Split(str, ",") {
				out = append(out, strings.TrimSpace(e))
			}
			return out, nil
		}
		return scalar(def)
	}
	r, err := s.resource(name)
	if err != nil {
		return nil, err
	}
	return r.ref()
}

func (s *Stack) resource(id string) (*Resource, error) {
	r, ok := s.Resources[id]
	if !ok {
		return nil, fmt.Errorf("no resource or parameter %s in %s", id, s.Name)
	}
	if ok, err := r.exists(); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%s is not created: its condition %s is false", id, r.Condition)
	}
	return r, nil
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub resolves Fn::Sub in both forms: "string" and ["string", {variables}]. ${!Literal} is written
// as ${Literal}.
func (s *Stack) sub(arg any, depth int) (any, error) {
	var format string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, errors.New("Fn::Sub takes a string or [string, variables]")
		}
		f, ok := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok || !ok2 {
			return nil, errors.New("Fn::Sub takes a string or [string, variables]")
		}
		format, vars = f, m
	default:
		return nil, errors.New("Fn::Sub takes a string or [string, variables]")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var v any
		var err error
		if expr, ok := vars[name]; ok {
			v, err = s.resolve(expr, depth)
		} else if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			var r *Resource
			if r, err = s.resource(id); err == nil {
				v, err = r.getAtt(attr)
			}
		} else {
			v, err = s.ref(name, depth)
		}
		var str string
		if err == nil {
			str, err = scalar(v)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
			}
			return ""
		}
		return str
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// condition evaluates a condition of the Conditions section, once.
func (s *Stack) condition(name string) (bool, error) {
	if c, ok := s.conditions[name]; ok {
		return c, nil
	}
	expr, ok := s.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s in %s", name, s.Name)
	}
	v, err := s.evalCondition(expr, 0)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	s.conditions[name] = v
	return v, nil
}

func (s *Stack) evalCondition(expr any, depth int) (bool, error) {
	if depth > maxDepth {
		return false, errors.New("conditions nested too deep (a cycle?)")
	}
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("%s is not a condition", compact(expr))
	}
	for fn, arg := range m {
		if fn == "Condition" {
			name, ok := arg.(string)
			if !ok {
				return false, errors.New("Condition takes a condition name")
			}
			return s.condition(name)
		}
		list, ok := arg.([]any)
		if !ok {
			return false, fmt.Errorf("%s takes a list", fn)
		}
		switch fn {
		case "Fn::Equals":
			if len(list) != 2 {
				return false, errors.New("Fn::Equals takes two values")
			}
			a, err := s.resolve(list[0], depth+1)
			if err != nil {
				return false, err
			}
			b, err := s.resolve(list[1], depth+1)
			if err != nil {
				return false, err
			}
			as, errA := scalar(a)
			bs, errB := scalar(b)
			if errA == nil && errB == nil {
				return as == bs, nil
			}
			return reflect.DeepEqual(a, b), nil
		case "Fn::And", "Fn::Or":
			if len(list) < 2 || len(list) > 10 {
				return false, fmt.Errorf("%s takes 2 to 10 conditions", fn)
			}
			for _, e := range list {
				c, err := s.evalCondition(e, depth+1)
				if err != nil {
					return false, err
				}
				if fn == "Fn::And" && !c {
					return false, nil
				}
				if fn == "Fn::Or" && c {
					return true, nil
				}
			}
			return fn == "Fn::And", nil
		case "Fn::Not":
			if len(list) != 1 {
				return false, errors.New("Fn::Not takes one condition")
			}
			c, err := s.evalCondition(list[0], depth+1)
			return !c, err
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	panic("unreachable")
}

type exportedValue struct {
	stack  *Stack
	output string
}

// importValue resolves Fn::ImportValue through the Outputs of the stack in the same account and
// region that exports the name.
func (s *Stack) importValue(name string, depth int) (any, error) {
	w := s.World
	if w.exports == nil {
		w.exports, w.exportErrs = map[string]exportedValue{}, nil
		for _, st := range w.Stacks {
			for id, o := range st.Outputs {
				exp, ok := o["Export"].(map[string]any)
				if !ok {
					continue
				}
				n, err := st.ResolveString(exp["Name"])
				if err != nil {
					w.exportErrs = append(w.exportErrs, fmt.Errorf("%s output %s: export name: %w", st.Name, id, err))
					continue
				}
				key := st.Account + "|" + st.Region + "|" + n
				if prev, dup := w.exports[key]; dup {
					w.exportErrs = append(w.exportErrs, fmt.Errorf("export %s is exported by both %s and %s", n, prev.stack.Name, st.Name))
				}
				w.exports[key] = exportedValue{st, id}
			}
		}
	}
	e, ok := w.exports[s.Account+"|"+s.Region+"|"+name]
	if !ok {
		return nil, fmt.Errorf("no stack in %s/%s exports %q%s", s.Account, s.Region, name, errorsSuffix(w.exportErrs))
	}
	return e.stack.outputValue(e.output, depth)
}

// getStackOutput resolves Fn::GetStackOutput through the named stack's output, in the given region
// (default: this stack's) and, when RoleArn is given, the role's account (default: this stack's).
func (s *Stack) getStackOutput(arg any, depth int) (any, error) {
	args, ok := arg.(map[string]any)
	if !ok {
		return nil, errors.New("Fn::GetStackOutput takes {StackName, OutputName, Region, RoleArn}")
	}
	for k := range args {
		if !slices.Contains([]string{"StackName", "OutputName", "Region", "RoleArn"}, k) {
			return nil, fmt.Errorf("Fn::GetStackOutput: unknown argument %s", k)
		}
	}
	name, err := s.ResolveString(args["StackName"])
	if err != nil {
		return nil, fmt.Errorf("StackName: %w", err)
	}
	output, err := s.ResolveString(args["OutputName"])
	if err != nil {
		return nil, fmt.Errorf("OutputName: %w", err)
	}
	region, account := s.Region, s.Account
	if r, ok := args["Region"]; ok {
		if region, err = s.ResolveString(r); err != nil {
			return nil, fmt.Errorf("Region: %w", err)
		}
	}
	if r, ok := args["RoleArn"]; ok {
		arn, err := s.ResolveString(r)
		if err != nil {
			return nil, fmt.Errorf("RoleArn: %w", err)
		}
		parts := strings.Split(arn, ":")
		if len(parts) < 6 || parts[4] == "" {
			return nil, fmt.Errorf("RoleArn %q names no account", arn)
		}
		account = parts[4]
	}
	for _, st := range s.World.Stacks {
		if st.Name == name && st.Region == region && st.Account == account {
			return st.outputValue(output, depth)
		}
	}
	return nil, fmt.Errorf("no stack %s in %s/%s", name, account, region)
}

func (s *Stack) outputValue(id string, depth int) (any, error) {
	o, ok := s.Outputs[id]
	if !ok {
		return nil, fmt.Errorf("stack %s has no output %s", s.Name, id)
	}
	v, err := s.resolve(o["Value"], depth+1)
	if err != nil {
		return nil, fmt.Errorf("%s output %s: %w", s.Name, id, err)
	}
	return v, nil
}

func (s *Stack) stackID() string {
	return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", s.Region, s.Account, s.Name, uuid(s.Account, s.Region, s.Name))
}

// scalar is a resolved string, number or boolean as CloudFormation writes it into a string.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%s is not a string", compact(v))
}

func index(v any) (int, error) {
	switch x := v.(type) {
	case float64:
		return int(x), nil
	case int:
		return x, nil
	case string:
		return strconv.Atoi(x)
	}
	return 0, fmt.Errorf("%s is not an index", compact(v))
}

func compact(v any) string {
	if _, ok := v.(noValue); ok {
		return "AWS::NoValue"
	}
	s := fmt.Sprintf("%v", v)
	if b, err := jsonMarshal(v); err == nil {
		s = string(b)
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

func errorsSuffix(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	return " (and some exports could not be read: " + errors.Join(errs...).Error() + ")"
}
