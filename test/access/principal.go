package access

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Principal is who makes a request: its ARN, the identity policies that apply to it, and the
// request context that follows from it. A lookup that failed gives a Principal whose Err says why;
// a request made with it fails with that error.
type Principal struct {
	Name    string // for messages, e.g. "member of account-default/Identity/Groups/Developers"
	ARN     string // as the request is signed: a user, an assumed-role session or a service
	Account string
	// Policies are the identity policies, template ones resolved; AWS managed policies are only named
	// (ManagedARNs) and read when a batch is evaluated.
	Policies    []Policy
	ManagedARNs []string
	// Context is filled into every request by this principal (aws:PrincipalArn, aws:PrincipalAccount,
	// aws:username, aws:MultiFactorAuthPresent for people, …); a request's own Context wins.
	Context map[string]any
	// Variables are values that the principal's session carries and that policy variables name
	// (${saml:sub} for a SAML-federated session), but that the evaluator drops from a request whose
	// action does not list the key, so that such a variable never resolves. Evaluate writes them into
	// the request's policies in place of ${key}, and the explanation says so.
	Variables map[string]string
	Err       error
}

// WithVariables is the principal with these session values for policy variables (see Variables), e.g.
// streaming.WithVariables(map[string]string{"saml:sub": "alice@example.com"}).
func (p Principal) WithVariables(vars map[string]string) Principal {
	p.Variables = maps.Clone(p.Variables)
	if p.Variables == nil {
		p.Variables = map[string]string{}
	}
	maps.Copy(p.Variables, vars)
	return p
}

// Policy is a resolved policy document and the name it is reported by: the construct path of a
// template's policy, <role path>#<name> for an inline policy, the ARN of an AWS managed policy.
type Policy struct {
	Name     string
	Document any
}

func failedPrincipal(name string, err error) Principal {
	return Principal{Name: name, Err: fmt.Errorf("principal %s: %w", name, err)}
}

// Group is a member of the IAM group found by its construct path fragments (see Find), e.g.
// Group("account-default", "Developers"): an IAM user signed in with MFA, with the group's policies.
func (w *World) Group(fragments ...string) Principal {
	name := strings.Join(fragments, "/")
	r, err := w.Find([]string{"AWS::IAM::Group"}, fragments...)
	if err != nil {
		return failedPrincipal("group "+name, err)
	}
	groupName, err := r.ref()
	if err != nil {
		return failedPrincipal(r.String(), err)
	}
	member := "member-of-" + groupName
	p := w.user(r.Stack.Account, member)
	p.Name = member + " (" + r.String() + ")"
	if err := w.addGroupPolicies(&p, r); err != nil {
		return failedPrincipal(p.Name, err)
	}
	return p
}

// ExistingUser is an IAM user that the templates do not create, named in the config: it has the
// policies of the groups that the stage's account's templates add it to (AWS::IAM::UserToGroupAddition)
// and of policies attached to it by name. It signs in with MFA.
func (w *World) ExistingUser(stage, userName string) Principal {
	name := "user " + userName
	st, err := w.stageStack(stage)
	if err != nil {
		return failedPrincipal(name, err)
	}
	p := w.user(st.Account, userName)
	p.Name = name + " (existing, account of " + stage + ")"
	additions, err := w.resources(st.Account, "AWS::IAM::UserToGroupAddition")
	if err != nil {
		return failedPrincipal(p.Name, err)
	}
	for _, a := range additions {
		users, err := a.Stack.resolveStrings(a.Properties["Users"])
		if err != nil {
			return failedPrincipal(p.Name, fmt.Errorf("%s Users: %w", a, err))
		}
		if !slices.Contains(users, userName) {
			continue
		}
		group, err := a.Stack.ResolveString(a.Properties["GroupName"])
		if err != nil {
			return failedPrincipal(p.Name, fmt.Errorf("%s GroupName: %w", a, err))
		}
		g, err := w.groupNamed(st.Account, group)
		if err != nil {
			return failedPrincipal(p.Name, err)
		}
		if g == nil {
			return failedPrincipal(p.Name, fmt.Errorf("%s adds it to group %s, which the templates do not create", a, group))
		}
		if err := w.addGroupPolicies(&p, g); err != nil {
			return failedPrincipal(p.Name, err)
		}
	}
	if err := w.addAttached(&p, st.Account, "Users", userName); err != nil {
		return failedPrincipal(p.Name, err)
	}
	return p
}

// Role is a session of the IAM role found by its construct path fragments, e.g.
// Role("prod/Workspace/Workspace/FleetRole"): its inline policies, managed policies, and the
// AWS::IAM::Policy and ManagedPolicy resources attached to it.
func (w *World) Role(fragments ...string) Principal {
	name := strings.Join(fragments, "/")
	r, err := w.Find([]string{"AWS::IAM::Role"}, fragments...)
	if err != nil {
		return failedPrincipal("role "+name, err)
	}
	roleName, err := r.ref()
	if err != nil {
		return failedPrincipal(r.String(), err)
	}
	roleARN, err := r.getAtt("Arn")
	if err != nil {
		return failedPrincipal(r.String(), err)
	}
	p := roleSession(r.Stack.Account, roleName, roleARN)
	p.Name = "role " + r.String()
	if err := w.addOwnPolicies(&p, r); err != nil {
		return failedPrincipal(p.Name, err)
	}
	if err := w.addAttached(&p, r.Stack.Account, "Roles", roleName); err != nil {
		return failedPrincipal(p.Name, err)
	}
	return p
}

// ExistingRole is a session of a role that the templates do not create, named in the config (e.g. a
// break-glass or IAM Identity Center role): only the policies that the stage's account's templates
// attach to it by name count, as its other policies are outside editbay.
func (w *World) ExistingRole(stage, roleName string) Principal {
	name := "existing role " + roleName
	st, err := w.stageStack(stage)
	if err != nil {
		return failedPrincipal(name, err)
	}
	p := roleSession(st.Account, roleName, "arn:aws:iam::"+st.Account+":role/"+roleName)
	p.Name = name + " (account of " + stage + ")"
	if err := w.addAttached(&p, st.Account, "Roles", roleName); err != nil {
		return failedPrincipal(p.Name, err)
	}
	return p
}

// Service is an AWS service principal, e.g. Service("cloudtrail.amazonaws.com"): it has no identity
// policies, only what resource policies grant it.
func Service(service string) Principal {
	return Principal{Name: "service " + service, ARN: service, Context: map[string]any{
		"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": service,
	}}
}

func (w *World) user(account, userName string) Principal {
	arn := "arn:aws:iam::" + account + ":user/" + userName
	return Principal{ARN: arn, Account: account, Context: map[string]any{
		"aws:PrincipalArn": arn, "aws:PrincipalAccount": account, "aws:PrincipalType": "User",
		"aws:username": userName, "aws:userid": "AIDA" + strings.ToUpper(hashString(arn, 17)),
		// editbay's SelfService policy denies everything but MFA set-up without MFA: people sign in with it.
		"aws:MultiFactorAuthPresent": "true",
	}}
}

func roleSession(account, roleName, roleARN string) Principal {
	const session = "access-test"
	return Principal{
		ARN: "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session, Account: account,
		Context: map[string]any{
			"aws:PrincipalArn": roleARN, "aws:PrincipalAccount": account, "aws:PrincipalType": "AssumedRole",
			"aws:userid": "AROA" + strings.ToUpper(hashString(roleARN, 17)) + ":" + session,
		},
	}
}

// groupNamed finds the account's group with that physical name, or nil.
func (w *World) groupNamed(account, name string) (*Resource, error) {
	groups, err := w.resources(account, "AWS::IAM::Group")
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		n, err := g.ref()
		if err != nil {
			return nil, err
		}
		if n == name {
			return g, nil
		}
	}
	return nil, nil
}

func (w *World) addGroupPolicies(p *Principal, g *Resource) error {
	if err := w.addOwnPolicies(p, g); err != nil {
		return err
	}
	name, err := g.ref()
	if err != nil {
		return err
	}
	return w.addAttached(p, g.Stack.Account, "Groups", name)
}

// addOwnPolicies adds a role's, group's or user's inline Policies and ManagedPolicyArns.
func (w *World) addOwnPolicies(p *Principal, r *Resource) error {
	if raw, ok := r.Properties["Policies"]; ok {
		v, err := r.Stack.Resolve(raw)
		if err != nil {
			return fmt.Errorf("%s Policies: %w", r, err)
		}
		list, _ := v.([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			name, _ := m["PolicyName"].(string)
			if name == "" || m["PolicyDocument"] == nil {
				return fmt.Errorf("%s: inline policy %s has no PolicyName or PolicyDocument", r, compact(e))
			}
			p.Policies = append(p.Policies, Policy{Name: r.String() + "#" + name, Document: m["PolicyDocument"]})
		}
	}
	arns, err := r.Stack.resolveStrings(r.Properties["ManagedPolicyArns"])
	if err != nil {
		return fmt.Errorf("%s ManagedPolicyArns: %w", r, err)
	}
	for _, arn := range arns {
		if err := w.addManaged(p, r.Stack.Account, arn); err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
	}
	return nil
}

// addManaged adds a managed policy by ARN: an AWS managed one by name only, a customer managed one
// from the template that creates it.
func (w *World) addManaged(p *Principal, account, arn string) error {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		if !slices.Contains(p.ManagedARNs, arn) {
			p.ManagedARNs = append(p.ManagedARNs, arn)
		}
		return nil
	}
	policies, err := w.resources(account, "AWS::IAM::ManagedPolicy")
	if err != nil {
		return err
	}
	for _, mp := range policies {
		ref, err := mp.ref()
		if err != nil {
			return err
		}
		if ref == arn {
			return p.addDocument(mp)
		}
	}
	return fmt.Errorf("managed policy %s is neither an AWS managed policy nor created by the templates", arn)
}

// addAttached adds the account's AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources whose
// Roles, Groups or Users (the list) name the principal.
func (w *World) addAttached(p *Principal, account, list, name string) error {
	policies, err := w.resources(account, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
	if err != nil {
		return err
	}
	for _, r := range policies {
		names, err := r.Stack.resolveStrings(r.Properties[list])
		if err != nil {
			return fmt.Errorf("%s %s: %w", r, list, err)
		}
		if slices.Contains(names, name) {
			if err := p.addDocument(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// addDocument adds a policy resource's document once.
func (p *Principal) addDocument(r *Resource) error {
	for _, have := range p.Policies {
		if have.Name == r.String() {
			return nil
		}
	}
	doc, err := r.Stack.Resolve(r.Properties["PolicyDocument"])
	if err != nil {
		return fmt.Errorf("%s PolicyDocument: %w", r, err)
	}
	if doc == nil {
		return errors.New(r.String() + " has no PolicyDocument")
	}
	p.Policies = append(p.Policies, Policy{Name: r.String(), Document: doc})
	return nil
}
