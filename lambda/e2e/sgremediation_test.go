//go:build e2e

package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/lambda/internal/sgfix"
)

// sgWorld is a default-VPC security group with mixed ingress: SSH and RDP open to the world (IPv4
// and IPv6), HTTPS from a private range.
type sgWorld struct {
	*world
	ec2   *ec2.Client
	group string
}

func newSGWorld(t *testing.T, name string, tags ...types.Tag) *sgWorld {
	w := &sgWorld{world: newWorld(t)}
	w.ec2 = ec2.NewFromConfig(w.cfg)
	ctx := context.Background()
	in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("e2e")}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}}
	}
	g, err := w.ec2.CreateSecurityGroup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	w.group = aws.ToString(g.GroupId)
	w.authorize(&ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3389), ToPort: aws.Int32(3389), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
	}})
	return w
}

func (w *sgWorld) authorize(in *ec2.AuthorizeSecurityGroupIngressInput) *ec2.AuthorizeSecurityGroupIngressOutput {
	w.t.Helper()
	out, err := w.ec2.AuthorizeSecurityGroupIngress(context.Background(), in)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// ingress returns the group's ingress rules as "proto/from-to cidr".
func (w *sgWorld) ingress() []string {
	w.t.Helper()
	out, err := w.ec2.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{w.group}}}})
	if err != nil {
		w.t.Fatal(err)
	}
	var rules []string
	for _, r := range out.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			continue
		}
		rules = append(rules, aws.ToString(r.IpProtocol)+"/"+itoa(aws.ToInt32(r.FromPort))+"-"+itoa(aws.ToInt32(r.ToPort))+" "+aws.ToString(r.CidrIpv4)+aws.ToString(r.CidrIpv6))
	}
	slices.Sort(rules)
	return rules
}

func (w *sgWorld) start(t *testing.T, dryRun bool) *function {
	return start(t, "sg-remediation", map[string]string{"ALERT_TOPIC_ARN": w.topicARN, "DRY_RUN": boolString(dryRun)})
}

// authorizeEvent is the CloudTrail fixture of an AuthorizeSecurityGroupIngress by group ID, for w's
// group.
func (w *sgWorld) authorizeEvent(t *testing.T) []byte {
	return fixture(t, "awsevent/testdata/authorize-security-group-ingress.json", map[string]any{
		"region": region, "account": account, "detail.awsRegion": region, "detail.requestParameters.groupId": w.group,
		"detail.responseElements.securityGroupRuleSet.items": []any{map[string]any{"groupId": w.group, "isEgress": false, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}},
	})
}

var privateOnly = []string{"tcp/443-443 10.0.0.0/8"}

func TestSGRemediationCloudTrail(t *testing.T) {
	w := newSGWorld(t, "web")
	f := w.start(t, false)
	var out sgfix.Outcome
	f.ok(t, w.authorizeEvent(t), &out)
	if got := w.ingress(); !slices.Equal(got, privateOnly) {
		t.Fatalf("ingress after the fix: %v, want only %v", got, privateOnly)
	}
	if len(out.Revoked) != 2 || len(w.alerts()) != 1 {
		t.Fatalf("revoked %v, alerts %q; want both world-open rules and one alert", out.Revoked, w.alerts())
	}

	// EventBridge delivers at least once: the same event again changes nothing and alerts no more.
	out = sgfix.Outcome{}
	f.ok(t, w.authorizeEvent(t), &out)
	if len(out.Revoked) != 0 || len(w.alerts()) != 1 || !slices.Equal(w.ingress(), privateOnly) {
		t.Fatalf("repeated delivery: revoked %v, alerts %q, ingress %v", out.Revoked, w.alerts(), w.ingress())
	}
}

// ModifySecurityGroupRules names the group inside its request object.
func TestSGRemediationModifyRules(t *testing.T) {
	w := newSGWorld(t, "web")
	f := w.start(t, false)
	var out sgfix.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/modify-security-group-rules.json", map[string]any{
		"region": region, "account": account, "detail.awsRegion": region,
		"detail.requestParameters.ModifySecurityGroupRulesRequest.GroupId": w.group,
	}), &out)
	if got := w.ingress(); !slices.Equal(got, privateOnly) || len(w.alerts()) != 1 {
		t.Fatalf("ingress %v, alerts %q", got, w.alerts())
	}
}

func TestSGRemediationConfigKeepsDeclaredListener(t *testing.T) {
	w := newSGWorld(t, "lb", types.Tag{Key: aws.String(sgfix.PublicListenerTag), Value: aws.String("tcp/443")})
	w.authorize(&ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(w.group), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	f := w.start(t, false)
	var out sgfix.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/config-compliance-change.json", map[string]any{
		"region": region, "account": account, "detail.resourceId": w.group, "detail.awsRegion": region,
	}), &out)
	want := []string{"tcp/443-443 0.0.0.0/0", "tcp/443-443 10.0.0.0/8"}
	if got := w.ingress(); !slices.Equal(got, want) || len(out.Exempted) != 1 {
		t.Fatalf("ingress %v (exempted %v), want %v", got, out.Exempted, want)
	}
}

func TestSGRemediationDryRun(t *testing.T) {
	w := newSGWorld(t, "web")
	before := w.ingress()
	f := w.start(t, true)
	var out sgfix.Outcome
	f.ok(t, w.authorizeEvent(t), &out)
	alerts := w.alerts()
	if !slices.Equal(w.ingress(), before) || len(out.Revoked) != 2 || len(alerts) != 1 || !strings.HasPrefix(alerts[0], "[dry run]") {
		t.Fatalf("dry run: ingress %v (was %v), would revoke %v, alerts %q", w.ingress(), before, out.Revoked, alerts)
	}
}

func TestSGRemediationBadInput(t *testing.T) {
	w := newSGWorld(t, "web")
	before := w.ingress()
	f := w.start(t, false)
	// Not JSON: the runtime refuses it before the handler, and the function lives on.
	if r := f.invoke(t, malformed); !r.failed() {
		t.Fatalf("malformed event answered %s", r.Body)
	}
	// A group that does not exist (deleted before the event arrived): nothing to fix, no retry.
	var out sgfix.Outcome
	f.ok(t, fixture(t, "awsevent/testdata/authorize-security-group-ingress.json", map[string]any{
		"detail.requestParameters.groupId": "sg-0123456789abcdef0",
		"detail.responseElements":          map[string]any{"_return": true},
	}), &out)
	if len(out.Revoked) != 0 || len(w.alerts()) != 0 || !slices.Equal(w.ingress(), before) {
		t.Fatalf("missing group: %+v, alerts %q, ingress %v", out, w.alerts(), w.ingress())
	}
}

// In the default VPC, ingress can be opened by group name. CloudTrail then records no groupId in the
// request: the ID is only in the response's rule set, and the older top-level form (cidrIp, fromPort,
// toPort, ipProtocol with empty ipPermissions) may come without one.
func TestSGRemediationByGroupName(t *testing.T) {
	for name, detail := range map[string]map[string]any{
		"ipPermissions and rule set": {
			"requestParameters": map[string]any{"groupName": "legacy", "ipPermissions": map[string]any{"items": []any{
				map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": map[string]any{}, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}},
			"responseElements": "ruleSet",
		},
		"top-level parameters, no rule set": {
			"requestParameters": map[string]any{"groupName": "legacy", "cidrIp": "0.0.0.0/0", "fromPort": 22, "toPort": 22, "ipProtocol": "tcp", "ipPermissions": map[string]any{}},
			"responseElements":  map[string]any{"requestId": "0a1b2c3d-4e5f-4061-8a7b-8c9d0e1f2a3b", "_return": true},
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newSGWorld(t, "legacy")
			if detail["responseElements"] == "ruleSet" {
				detail["responseElements"] = map[string]any{"_return": true, "securityGroupRuleSet": map[string]any{"items": []any{
					map[string]any{"groupId": w.group, "isEgress": false, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}}}}
			}
			f := w.start(t, false)
			var out sgfix.Outcome
			f.ok(t, fixture(t, "awsevent/testdata/authorize-security-group-ingress.json", map[string]any{
				"region": region, "account": account, "detail.awsRegion": region,
				"detail.requestParameters": detail["requestParameters"], "detail.responseElements": detail["responseElements"],
			}), &out)
			if got := w.ingress(); out.GroupID != w.group || !slices.Equal(got, privateOnly) || len(w.alerts()) != 1 {
				t.Fatalf("fixed %q (group %s): ingress %v, alerts %q; want only %v and one alert", out.GroupID, w.group, got, w.alerts(), privateOnly)
			}
		})
	}
}
