package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// resourcePolicies are the resource policies of every template: key, bucket, topic and queue policies.
func resourcePolicies() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for name, tpl := range synthesized.templates {
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			var doc any
			switch res["Type"] {
			case "AWS::KMS::Key":
				doc = at(res, "Properties", "KeyPolicy")
			case "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy":
				doc = at(res, "Properties", "PolicyDocument")
			default:
				continue
			}
			for _, s := range at(doc, "Statement").([]any) {
				out[name+"/"+id] = append(out[name+"/"+id], s.(map[string]any))
			}
		}
	}
	return out
}

// Every key protects itself: administration only through a deployment, grants only for AWS resources.
func TestKeysDenyAdministrationAndGrants(t *testing.T) {
	keys := 0
	for name, tpl := range synthesized.templates {
		for id, key := range resources(tpl, "AWS::KMS::Key") {
			keys++
			sids := map[string]map[string]any{}
			for _, s := range at(key, "Properties", "KeyPolicy", "Statement").([]any) {
				st := s.(map[string]any)
				if sid, ok := st["Sid"].(string); ok {
					sids[sid] = st
				}
			}
			admin := sids["DenyKeyAdministrationOutsideDeployments"]
			if admin == nil || admin["Effect"] != "Deny" || !strings.Contains(asJSON(admin["Condition"]), "cfn-exec-role") ||
				!slices.Contains(toStrings(admin["Action"]), "kms:ScheduleKeyDeletion") || !slices.Contains(toStrings(admin["Action"]), "kms:PutKeyPolicy") {
				t.Errorf("%s/%s: no deny of key administration outside deployments: %s", name, id, asJSON(admin))
			}
			grants := sids["DenyGrantsExceptForAWSResources"]
			if grants == nil || grants["Effect"] != "Deny" || asJSON(grants["Condition"]) != `{"BoolIfExists":{"kms:GrantIsForAWSResource":"false"}}` {
				t.Errorf("%s/%s: no deny of grants for non-AWS resources: %s", name, id, asJSON(grants))
			}
		}
	}
	if keys < 10 {
		t.Errorf("only %d keys found", keys)
	}
}

// A service principal acts for whoever asks unless the policy names the source: each Allow to a
// service carries aws:SourceAccount or aws:SourceArn. CloudWatch Logs is the documented exception:
// it is bound by the kms:EncryptionContext:aws:logs:arn of this account's log groups instead.
func TestServicePrincipalsNameTheirSource(t *testing.T) {
	checked := 0
	for where, statements := range resourcePolicies() {
		for _, s := range statements {
			services := toStrings(at(s, "Principal", "Service"))
			if len(services) == 0 || s["Effect"] != "Allow" {
				continue
			}
			checked++
			keys := conditionKeys(s["Condition"])
			switch {
			case slices.Contains(keys, "aws:SourceAccount") || slices.Contains(keys, "aws:SourceArn"):
			case allLogs(services) && slices.Contains(keys, "kms:EncryptionContext:aws:logs:arn") && strings.Contains(asJSON(s["Condition"]), "AWS::AccountId"):
			default:
				t.Errorf("%s: %v may act for anyone (conditions %v): %s", where, services, keys, asJSON(s))
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d service statements found", checked)
	}
}

func allLogs(services []string) bool {
	return !slices.ContainsFunc(services, func(s string) bool { return !strings.HasPrefix(s, "logs.") })
}

func conditionKeys(c any) []string {
	var keys []string
	m, _ := c.(map[string]any)
	for _, op := range m {
		for k := range op.(map[string]any) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// Every resource of an account stage carries the guardrail tag, and no environment resource does.
func TestGuardrailTag(t *testing.T) {
	for name, tpl := range synthesized.templates {
		account := strings.HasPrefix(name, accountStage+"/")
		for id, r := range tpl["Resources"].(map[string]any) {
			tags := at(r, "Properties", "Tags")
			if tags == nil {
				continue
			}
			has := strings.Contains(asJSON(tags), `"editbay:guardrail"`)
			if has != account {
				t.Errorf("%s/%s: guardrail tag %v, want %v", name, id, has, account)
			}
		}
	}
}
