package access

import (
	"fmt"
	"maps"
	"strings"
)

// Target is what a request acts on: its ARN and account, its resource policy (nil if none), and its
// tags, which fill aws:ResourceTag/<key>. A lookup that failed gives a Target whose Err says why.
type Target struct {
	Name       string // for messages
	ARN        string
	Account    string
	Region     string // fills aws:RequestedRegion
	Policy     any    // the resource policy, resolved
	PolicyName string // e.g. the construct path of the bucket policy
	Tags       map[string]string
	Err        error
}

func failedTarget(name string, err error) Target {
	return Target{Name: name, Err: fmt.Errorf("resource %s: %w", name, err)}
}

// target builds a Target for a template resource: ARN from arn, tags from the template.
func (w *World) target(what string, types []string, fragments []string, arn func(r *Resource) (string, error)) (Target, *Resource) {
	name := what + " " + strings.Join(fragments, "/")
	r, err := w.Find(types, fragments...)
	if err != nil {
		return failedTarget(name, err), nil
	}
	t := Target{Name: what + " " + r.String(), Account: r.Stack.Account, Region: r.Stack.Region}
	if t.ARN, err = arn(r); err != nil {
		return failedTarget(t.Name, err), nil
	}
	if t.Tags, err = r.Tags(); err != nil {
		return failedTarget(t.Name, err), nil
	}
	return t, r
}

func getAtt(attr string) func(r *Resource) (string, error) {
	return func(r *Resource) (string, error) { return r.getAtt(attr) }
}

func ref(r *Resource) (string, error) { return r.ref() }

// Key is a KMS key, with its key policy.
func (w *World) Key(fragments ...string) Target {
	t, r := w.target("key", []string{"AWS::KMS::Key"}, fragments, getAtt("Arn"))
	if r == nil {
		return t
	}
	doc, err := r.Stack.Resolve(r.Properties["KeyPolicy"])
	if err != nil {
		return failedTarget(t.Name, fmt.Errorf("KeyPolicy: %w", err))
	}
	t.Policy, t.PolicyName = doc, r.String()+" key policy"
	return t
}

// Bucket is an S3 bucket, with its bucket policy (AWS::S3::BucketPolicy); Object narrows it to a key.
func (w *World) Bucket(fragments ...string) Target {
	t, r := w.target("bucket", []string{"AWS::S3::Bucket"}, fragments, getAtt("Arn"))
	if r == nil {
		return t
	}
	bucket, err := r.ref()
	if err != nil {
		return failedTarget(t.Name, err)
	}
	return w.attachPolicy(t, r.Stack.Account, "AWS::S3::BucketPolicy", "Bucket", bucket)
}

// Object is an object of the bucket, under the bucket's policy and tags.
func (t Target) Object(key string) Target {
	if t.Err != nil {
		return t
	}
	t.Name += " object " + key
	t.ARN += "/" + key
	return t
}

// Topic is an SNS topic, with its topic policy (AWS::SNS::TopicPolicy).
func (w *World) Topic(fragments ...string) Target {
	t, r := w.target("topic", []string{"AWS::SNS::Topic"}, fragments, ref)
	if r == nil {
		return t
	}
	return w.attachPolicy(t, r.Stack.Account, "AWS::SNS::TopicPolicy", "Topics", t.ARN)
}

// Queue is an SQS queue, with its queue policy (AWS::SQS::QueuePolicy).
func (w *World) Queue(fragments ...string) Target {
	t, r := w.target("queue", []string{"AWS::SQS::Queue"}, fragments, getAtt("Arn"))
	if r == nil {
		return t
	}
	url, err := r.ref()
	if err != nil {
		return failedTarget(t.Name, err)
	}
	return w.attachPolicy(t, r.Stack.Account, "AWS::SQS::QueuePolicy", "Queues", url)
}

// RoleTrust is an IAM role as the target of sts:AssumeRole*, with its trust policy.
func (w *World) RoleTrust(fragments ...string) Target {
	t, r := w.target("role", []string{"AWS::IAM::Role"}, fragments, getAtt("Arn"))
	if r == nil {
		return t
	}
	doc, err := r.Stack.Resolve(r.Properties["AssumeRolePolicyDocument"])
	if err != nil {
		return failedTarget(t.Name, fmt.Errorf("AssumeRolePolicyDocument: %w", err))
	}
	t.Policy, t.PolicyName = doc, r.String()+" trust policy"
	return t
}

// Function is a Lambda function (its resource policy, AWS::Lambda::Permission, is not read).
func (w *World) Function(fragments ...string) Target {
	t, _ := w.target("function", []string{"AWS::Lambda::Function"}, fragments, getAtt("Arn"))
	return t
}

// Rule is an EventBridge rule.
func (w *World) Rule(fragments ...string) Target {
	t, _ := w.target("rule", []string{"AWS::Events::Rule"}, fragments, getAtt("Arn"))
	return t
}

// LogGroup is a CloudWatch Logs log group (its ARN without the trailing :*, as log-group actions
// name it).
func (w *World) LogGroup(fragments ...string) Target {
	t, _ := w.target("log group", []string{"AWS::Logs::LogGroup"}, fragments, func(r *Resource) (string, error) {
		arn, err := r.getAtt("Arn")
		return strings.TrimSuffix(arn, ":*"), err
	})
	return t
}

// Trail is a CloudTrail trail.
func (w *World) Trail(fragments ...string) Target {
	t, _ := w.target("trail", []string{"AWS::CloudTrail::Trail"}, fragments, getAtt("Arn"))
	return t
}

// Table is a DynamoDB table.
func (w *World) Table(fragments ...string) Target {
	t, _ := w.target("table", []string{"AWS::DynamoDB::Table"}, fragments, getAtt("Arn"))
	return t
}

// AppStreamStack is an AppStream 2.0 stack: arn:aws:appstream:<region>:<account>:stack/<name>.
func (w *World) AppStreamStack(fragments ...string) Target {
	t, _ := w.target("AppStream stack", []string{"AWS::AppStream::Stack"}, fragments, func(r *Resource) (string, error) {
		name, err := r.ref()
		return r.arn("appstream", "stack/"+name), err
	})
	return t
}

// Instance is an EC2 instance that the templates do not create (a workstation a pool launched) in the
// stage's account and region, with the given tags.
func (w *World) Instance(stage, instanceID string, tags map[string]string) Target {
	name := "instance " + instanceID + " of " + stage
	st, err := w.stageStack(stage)
	if err != nil {
		return failedTarget(name, err)
	}
	return Target{
		Name: name, ARN: fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", st.Region, st.Account, instanceID),
		Account: st.Account, Region: st.Region, Tags: maps.Clone(tags),
	}
}

// ARN is any other target, by ARN, in the stage's account and region, without a resource policy.
func (w *World) ARN(stage, arn string) Target {
	st, err := w.stageStack(stage)
	if err != nil {
		return failedTarget(arn, err)
	}
	return Target{Name: arn, ARN: arn, Account: st.Account, Region: st.Region}
}

// WithPolicy is the target under another resource policy (nil: none).
func (t Target) WithPolicy(name string, policy any) Target {
	t.Policy, t.PolicyName = policy, name
	return t
}

// attachPolicy finds the one policy resource of the type whose list property (Bucket, Topics, Queues)
// names the target, and makes it the target's resource policy.
func (w *World) attachPolicy(t Target, account, policyType, prop, value string) Target {
	policies, err := w.resources(account, policyType)
	if err != nil {
		return failedTarget(t.Name, err)
	}
	var found *Resource
	for _, p := range policies {
		names, err := p.Stack.resolveStrings(p.Properties[prop])
		if err != nil {
			return failedTarget(t.Name, fmt.Errorf("%s %s: %w", p, prop, err))
		}
		for _, n := range names {
			if n != value {
				continue
			}
			if found != nil {
				return failedTarget(t.Name, fmt.Errorf("both %s and %s apply to it", found, p))
			}
			found = p
		}
	}
	if found == nil {
		return t
	}
	doc, err := found.Stack.Resolve(found.Properties["PolicyDocument"])
	if err != nil {
		return failedTarget(t.Name, fmt.Errorf("%s PolicyDocument: %w", found, err))
	}
	t.Policy, t.PolicyName = doc, found.String()
	return t
}

// RoleTarget is an IAM role as the target of iam:PassRole (no resource policy applies).
func (w *World) RoleTarget(fragments ...string) Target {
	t, _ := w.target("role", []string{"AWS::IAM::Role"}, fragments, getAtt("Arn"))
	return t
}

// SecurityGroup is an EC2 security group, as ec2:RunInstances authorizes it.
func (w *World) SecurityGroup(fragments ...string) Target {
	t, _ := w.target("security group", []string{"AWS::EC2::SecurityGroup"}, fragments, func(r *Resource) (string, error) {
		id, err := r.getAtt("GroupId")
		return r.arn("ec2", "security-group/"+id), err
	})
	return t
}

// Subnet is a subnet, as ec2:RunInstances authorizes it.
func (w *World) Subnet(fragments ...string) Target {
	t, _ := w.target("subnet", []string{"AWS::EC2::Subnet"}, fragments, func(r *Resource) (string, error) {
		id, err := r.ref()
		return r.arn("ec2", "subnet/"+id), err
	})
	return t
}
