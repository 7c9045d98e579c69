package constructs

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// NameServiceSources closes the confused-deputy gap of the statements CDK writes into a bucket's
// policy for AWS services (CloudTrail's, log delivery's), which name no source: every Allow to a
// service principal that has neither aws:SourceAccount nor aws:SourceArn gets aws:SourceAccount = this
// account, and aws:SourceArn (ArnLike) = sourceArns[service] when given. Call it once the bucket's
// policy is complete: it reads the statements as they are then.
func NameServiceSources(bucket awss3.IBucket, sourceArns map[string]string) {
	if bucket.Policy() == nil {
		return
	}
	cfn := bucket.Policy().Node().DefaultChild().(awss3.CfnBucketPolicy)
	stack := awscdk.Stack_Of(bucket)
	doc, _ := stack.Resolve(cfn.PolicyDocument()).(map[string]any)
	statements, _ := doc["Statement"].([]any)
	for i, st := range statements {
		s, _ := st.(map[string]any)
		if s["Effect"] != "Allow" {
			continue
		}
		services := stringsOf(mapOf(s["Principal"])["Service"])
		if len(services) == 0 || hasSourceCondition(s["Condition"]) {
			continue
		}
		path := fmt.Sprintf("PolicyDocument.Statement.%d.Condition.", i)
		cfn.AddPropertyOverride(jsii.String(path+"StringEquals.aws:SourceAccount"), stack.Account())
		var arns []string
		for _, svc := range services {
			if arn := sourceArns[svc]; arn != "" && !slices.Contains(arns, arn) {
				arns = append(arns, arn)
			}
		}
		if len(arns) > 0 {
			cfn.AddPropertyOverride(jsii.String(path+"ArnLike.aws:SourceArn"), arns)
		}
	}
}

func hasSourceCondition(c any) bool {
	for _, op := range mapOf(c) {
		m := mapOf(op)
		if _, ok := m["aws:SourceAccount"]; ok {
			return true
		}
		if _, ok := m["aws:SourceArn"]; ok {
			return true
		}
	}
	return false
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
