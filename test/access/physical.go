package access

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// What Ref and Fn::GetAtt return for each resource type that editbay's policies, names and tags
// refer to, in the fake world. A name comes from the type's name property when the template sets
// it, else it is generated from the stack name, the logical ID and a hash of both, as CloudFormation
// generates one (<stack>-<logical ID>-<suffix>, cut to the type's length limit). Ids (vpce-…, key
// ids, …) are hashes of the account, region, stack and logical ID, so every run gives the same
// values. A type or attribute not listed here is an error where it is used.
type model struct {
	nameProp string // the property that names the resource, if any
	maxLen   int    // of a generated name
	lower    bool   // generated names are lower case (S3)
	ref      func(r *Resource, name string) string
	attrs    map[string]func(r *Resource, name string) string
}

func (r *Resource) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r.Stack.Region, r.Stack.Account, resource)
}

func (r *Resource) globalARN(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s::%s:%s", service, r.Stack.Account, resource)
}

// iamPath is the resource's IAM Path property, "/" by default.
func (r *Resource) iamPath() string {
	if p, err := r.Stack.ResolveString(r.Properties["Path"]); err == nil && p != "" {
		return p
	}
	return "/"
}

func nameOf(_ *Resource, name string) string { return name }

func id(prefix string, n int) func(r *Resource, _ string) string {
	return func(r *Resource, _ string) string { return prefix + r.hash(n) }
}

// models is set in init: its functions resolve properties, which reads models again.
var models map[string]model

func init() {
	models = map[string]model{
		"AWS::IAM::Role": {nameProp: "RoleName", maxLen: 64, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn":    func(r *Resource, n string) string { return r.globalARN("iam", "role"+r.iamPath()+n) },
			"RoleId": func(r *Resource, _ string) string { return "AROA" + strings.ToUpper(r.hash(17)) },
		}},
		"AWS::IAM::User": {nameProp: "UserName", maxLen: 64, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.globalARN("iam", "user"+r.iamPath()+n) },
		}},
		"AWS::IAM::Group": {nameProp: "GroupName", maxLen: 128, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.globalARN("iam", "group"+r.iamPath()+n) },
		}},
		"AWS::IAM::ManagedPolicy": {nameProp: "ManagedPolicyName", maxLen: 128,
			ref: func(r *Resource, n string) string { return r.globalARN("iam", "policy"+r.iamPath()+n) },
			attrs: map[string]func(*Resource, string) string{
				"PolicyArn": func(r *Resource, n string) string { return r.globalARN("iam", "policy"+r.iamPath()+n) },
			}},
		"AWS::IAM::InstanceProfile": {nameProp: "InstanceProfileName", maxLen: 128, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.globalARN("iam", "instance-profile"+r.iamPath()+n) },
		}},
		"AWS::S3::Bucket": {nameProp: "BucketName", maxLen: 63, lower: true, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn":                func(_ *Resource, n string) string { return "arn:aws:s3:::" + n },
			"DomainName":         func(_ *Resource, n string) string { return n + ".s3.amazonaws.com" },
			"RegionalDomainName": func(r *Resource, n string) string { return n + ".s3." + r.Stack.Region + ".amazonaws.com" },
		}},
		"AWS::KMS::Key": {ref: func(r *Resource, _ string) string { return r.uuid() }, attrs: map[string]func(*Resource, string) string{
			"Arn":   func(r *Resource, _ string) string { return r.arn("kms", "key/"+r.uuid()) },
			"KeyId": func(r *Resource, _ string) string { return r.uuid() },
		}},
		"AWS::KMS::Alias": {nameProp: "AliasName", ref: nameOf},
		"AWS::SNS::Topic": {nameProp: "TopicName", maxLen: 256,
			ref: func(r *Resource, n string) string { return r.arn("sns", n) },
			attrs: map[string]func(*Resource, string) string{
				"TopicArn":  func(r *Resource, n string) string { return r.arn("sns", n) },
				"TopicName": nameOf,
			}},
		"AWS::SQS::Queue": {nameProp: "QueueName", maxLen: 80,
			ref: func(r *Resource, n string) string {
				return "https://sqs." + r.Stack.Region + ".amazonaws.com/" + r.Stack.Account + "/" + n
			},
			attrs: map[string]func(*Resource, string) string{
				"Arn":       func(r *Resource, n string) string { return r.arn("sqs", n) },
				"QueueName": nameOf,
				"QueueUrl": func(r *Resource, n string) string {
					return "https://sqs." + r.Stack.Region + ".amazonaws.com/" + r.Stack.Account + "/" + n
				},
			}},
		"AWS::Lambda::Function": {nameProp: "FunctionName", maxLen: 64, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.arn("lambda", "function:"+n) },
		}},
		"AWS::Lambda::LayerVersion": {nameProp: "LayerName", maxLen: 64,
			ref: func(r *Resource, n string) string { return r.arn("lambda", "layer:"+n+":1") }},
		"AWS::Events::Rule": {nameProp: "Name", maxLen: 64, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string {
				if bus, err := r.Stack.ResolveString(r.Properties["EventBusName"]); err == nil && bus != "" && bus != "default" {
					return r.arn("events", "rule/"+bus+"/"+n)
				}
				return r.arn("events", "rule/"+n)
			},
		}},
		"AWS::Logs::LogGroup": {nameProp: "LogGroupName", maxLen: 512, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.arn("logs", "log-group:"+n+":*") },
		}},
		"AWS::CloudTrail::Trail": {nameProp: "TrailName", maxLen: 128, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.arn("cloudtrail", "trail/"+n) },
		}},
		"AWS::DynamoDB::Table": {nameProp: "TableName", maxLen: 255, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.arn("dynamodb", "table/"+n) },
		}},
		"AWS::SSM::Parameter": {nameProp: "Name", maxLen: 128, ref: nameOf},
		"AWS::SecretsManager::Secret": {nameProp: "Name", maxLen: 256,
			ref: func(r *Resource, n string) string { return r.arn("secretsmanager", "secret:"+n+"-"+r.hash(6)) }},
		"AWS::AppStream::Stack": {nameProp: "Name", maxLen: 100, ref: nameOf},
		"AWS::AppStream::Fleet": {nameProp: "Name", maxLen: 100, ref: nameOf},
		"AWS::CloudWatch::Alarm": {nameProp: "AlarmName", maxLen: 255, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"Arn": func(r *Resource, n string) string { return r.arn("cloudwatch", "alarm:"+n) },
		}},
		"AWS::RDS::DBCluster": {nameProp: "DBClusterIdentifier", maxLen: 63, lower: true, ref: nameOf, attrs: map[string]func(*Resource, string) string{
			"DBClusterArn":        func(r *Resource, n string) string { return r.arn("rds", "cluster:"+n) },
			"DBClusterResourceId": func(r *Resource, _ string) string { return "cluster-" + strings.ToUpper(r.hash(26)) },
		}},
		"AWS::EC2::VPC": {ref: id("vpc-", 17), attrs: map[string]func(*Resource, string) string{
			"VpcId":                id("vpc-", 17),
			"DefaultSecurityGroup": func(r *Resource, _ string) string { return "sg-" + hashString(r.hash(64)+"|default-sg", 17) },
		}},
		"AWS::DirectoryService::MicrosoftAD": {ref: id("d-", 10)},
		"AWS::EC2::Subnet":                   {ref: id("subnet-", 17)},
		"AWS::EC2::VPCEndpoint":              {ref: id("vpce-", 17)},
		"AWS::EC2::SecurityGroup": {ref: id("sg-", 17), attrs: map[string]func(*Resource, string) string{
			"GroupId": id("sg-", 17),
		}},
		"AWS::EC2::LaunchTemplate": {ref: id("lt-", 17)},
	}

}

// ref is what Ref of the resource returns.
func (r *Resource) ref() (string, error) {
	if r.Type == "AWS::SecretsManager::SecretTargetAttachment" {
		// Ref is the ARN of the attached secret.
		return r.Stack.ResolveString(r.Properties["SecretId"])
	}
	m, ok := models[r.Type]
	if !ok || m.ref == nil {
		return "", fmt.Errorf("Ref of %s (%s) is not modelled", r.LogicalID, r.Type)
	}
	name, err := r.physicalName(m)
	if err != nil {
		return "", err
	}
	return m.ref(r, name), nil
}

func (r *Resource) getAtt(attr string) (string, error) {
	m, ok := models[r.Type]
	if ok {
		if f, ok := m.attrs[attr]; ok {
			name, err := r.physicalName(m)
			if err != nil {
				return "", err
			}
			return f(r, name), nil
		}
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s (%s) is not modelled", r.LogicalID, attr, r.Type)
}

// physicalName is the name property's value, or a generated name.
func (r *Resource) physicalName(m model) (string, error) {
	if m.nameProp != "" {
		if v, ok := r.Properties[m.nameProp]; ok {
			name, err := r.Stack.ResolveString(v)
			if err != nil {
				return "", fmt.Errorf("%s.%s: %w", r.LogicalID, m.nameProp, err)
			}
			return name, nil
		}
	}
	if m.maxLen == 0 {
		return "", nil
	}
	suffix := strings.ToUpper(r.hash(12))
	prefix := r.Stack.Name + "-" + r.LogicalID
	if max := m.maxLen - 1 - len(suffix); len(prefix) > max {
		prefix = prefix[:max]
	}
	name := prefix + "-" + suffix
	if m.lower {
		name = strings.ToLower(name)
	}
	if r.Type == "AWS::SQS::Queue" {
		if fifo, _ := r.Properties["FifoQueue"].(bool); fifo {
			name = strings.TrimSuffix(name[:min(len(name), m.maxLen-5)], "-") + ".fifo"
		}
	}
	return name, nil
}

// hash is n lower-case hex digits identifying the resource in the fake world.
func (r *Resource) hash(n int) string {
	sum := sha256.Sum256([]byte(r.Stack.Account + "|" + r.Stack.Region + "|" + r.Stack.Name + "|" + r.LogicalID))
	return hex.EncodeToString(sum[:])[:n]
}

func (r *Resource) uuid() string {
	return uuid(r.Stack.Account, r.Stack.Region, r.Stack.Name, r.LogicalID)
}

func uuid(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Tags are the resource's tags once deployed: for a resource with a Tags property (CDK writes one on
// every taggable resource), the stack-level tags of the assembly manifest and CloudFormation's own
// aws:cloudformation:* tags, which CloudFormation propagates to resources, then the resource's own.
func (r *Resource) Tags() (map[string]string, error) {
	raw, ok := r.Properties["Tags"]
	if !ok {
		return map[string]string{}, nil
	}
	tags := map[string]string{}
	for k, v := range r.Stack.Tags {
		tags[k] = v
	}
	tags["aws:cloudformation:stack-name"] = r.Stack.Name
	tags["aws:cloudformation:stack-id"] = r.Stack.stackID()
	tags["aws:cloudformation:logical-id"] = r.LogicalID
	v, err := r.Stack.Resolve(raw)
	if err != nil {
		return nil, fmt.Errorf("%s tags: %w", r, err)
	}
	switch x := v.(type) {
	case []any: // [{Key, Value}]
		for _, e := range x {
			m, _ := e.(map[string]any)
			k, ok1 := m["Key"].(string)
			val, err := scalar(m["Value"])
			if !ok1 || err != nil {
				return nil, fmt.Errorf("%s: tag %s is not {Key, Value}", r, compact(e))
			}
			tags[k] = val
		}
	case map[string]any: // {key: value}
		for k, e := range x {
			val, err := scalar(e)
			if err != nil {
				return nil, fmt.Errorf("%s: tag %s: %w", r, k, err)
			}
			tags[k] = val
		}
	default:
		return nil, fmt.Errorf("%s: Tags is %T", r, v)
	}
	return tags, nil
}

// ModelledTypes lists the resource types whose Ref and Fn::GetAtt the fake world knows.
func ModelledTypes() []string {
	var out []string
	for t := range models {
		out = append(out, t)
	}
	out = append(out, "AWS::SecretsManager::SecretTargetAttachment")
	slices.Sort(out)
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// hashString is n lower-case hex digits of the hash of s.
func hashString(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}
