package sgfix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

const group = "sg-0a1b2c3d4e5f60718" // the group the fixtures name

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "awsevent", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type env struct {
	ec2     *fakes.EC2
	sns     *fakes.SNS
	metrics bytes.Buffer
	h       *Handler
}

func newEnv(dryRun bool) *env {
	e := &env{ec2: fakes.NewEC2(), sns: &fakes.SNS{}}
	e.h = &Handler{
		EC2: e.ec2, Alerts: alert.Sender{Client: e.sns, TopicArn: "arn:aws:sns:ap-northeast-1:111122223333:alerts"},
		Metrics: &emf.Logger{W: &e.metrics}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), DryRun: dryRun,
	}
	return e
}

func ids(rs []types.SecurityGroupRule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, aws.ToString(r.SecurityGroupRuleId))
	}
	slices.Sort(out)
	return out
}

func TestRevokesOnlyWorldOpenIngress(t *testing.T) {
	for _, name := range []string{"authorize-security-group-ingress", "modify-security-group-rules", "config-compliance-change"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(false)
			e.ec2.AddGroup(group, "Name", "web")
			office := e.ec2.AddIngress(group, "tcp", 22, 22, "203.0.113.0/24")
			ssh := e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
			all6 := e.ec2.AddIngress(group, "-1", -1, -1, "::/0")
			egress := e.ec2.AddEgress(group, "0.0.0.0/0")
			out, err := e.h.Handle(context.Background(), fixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(e.ec2.Rules(group)); !slices.Equal(got, []string{office, egress}) {
				t.Errorf("rules left %v, want %v", got, []string{office, egress})
			}
			if !slices.Equal(out.Revoked, []string{ssh, all6}) {
				t.Errorf("revoked %v", out.Revoked)
			}
			// One describe of the rules, one read of the tags, one revoke.
			if n := e.ec2.Total(); n != 3 || e.ec2.Calls("RevokeSecurityGroupIngress") != 1 || e.ec2.Calls("DescribeSecurityGroupRules") != 1 {
				t.Errorf("%d EC2 calls", n)
			}
			msgs := e.sns.Messages()
			if len(msgs) != 1 || !strings.Contains(msgs[0], ssh+" (0.0.0.0/0 tcp/22)") || !strings.Contains(msgs[0], all6+" (::/0, all traffic)") ||
				!strings.Contains(msgs[0], "where: account 111122223333 region ap-northeast-1") || !strings.Contains(msgs[0], PublicListenerTag) {
				t.Errorf("alert %q", msgs)
			}
			if name == "authorize-security-group-ingress" && !strings.Contains(msgs[0], "who:   IAM user alice") {
				t.Errorf("alert does not say who: %q", msgs[0])
			}
			if !strings.Contains(e.metrics.String(), `"Remediations":1`) {
				t.Errorf("metrics %s", e.metrics.String())
			}
		})
	}
}

func TestNothingWorldOpenIsOneCall(t *testing.T) {
	e := newEnv(false)
	e.ec2.AddGroup(group)
	e.ec2.AddIngress(group, "tcp", 443, 443, "10.0.0.0/8")
	if _, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress")); err != nil {
		t.Fatal(err)
	}
	if e.ec2.Total() != 1 || len(e.sns.Published) != 0 {
		t.Errorf("%d calls, %d alerts", e.ec2.Total(), len(e.sns.Published))
	}
}

func TestPublicListenerExemptsDeclaredPortsOnly(t *testing.T) {
	e := newEnv(false)
	e.ec2.AddGroup(group, PublicListenerTag, "tcp/443, 80")
	https := e.ec2.AddIngress(group, "tcp", 443, 443, "0.0.0.0/0")
	http6 := e.ec2.AddIngress(group, "tcp", 80, 80, "::/0")
	wide := e.ec2.AddIngress(group, "tcp", 80, 443, "0.0.0.0/0") // spans undeclared ports
	udp := e.ec2.AddIngress(group, "udp", 443, 443, "0.0.0.0/0")
	out, err := e.h.Handle(context.Background(), fixture(t, "config-compliance-change"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(e.ec2.Rules(group)); !slices.Equal(got, []string{https, http6}) {
		t.Errorf("left %v", got)
	}
	if !slices.Equal(out.Revoked, []string{wide, udp}) || !slices.Equal(out.Exempted, []string{https, http6}) {
		t.Errorf("outcome %+v", out)
	}
	// Only exempt rules: no revoke, no alert.
	e.sns.Published = nil
	if _, err := e.h.Handle(context.Background(), fixture(t, "config-compliance-change")); err != nil || e.ec2.Calls("RevokeSecurityGroupIngress") != 1 || len(e.sns.Published) != 0 {
		t.Errorf("second run: %v, %d revokes, %d alerts", err, e.ec2.Calls("RevokeSecurityGroupIngress"), len(e.sns.Published))
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(true)
	e.ec2.AddGroup(group)
	ssh := e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
	out, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress"))
	if err != nil || !slices.Equal(out.Revoked, []string{ssh}) {
		t.Fatalf("%v %+v", err, out)
	}
	if len(e.ec2.Rules(group)) != 1 || e.ec2.Calls("RevokeSecurityGroupIngress") != 0 {
		t.Error("dry run revoked")
	}
	if m := e.sns.Messages(); len(m) != 1 || !strings.Contains(m[0], "nothing (dry run)") || !strings.HasPrefix(*e.sns.Published[0].Subject, "[dry run]") {
		t.Errorf("alert %q", m)
	}
}

func TestAlreadyRevokedIsSuccess(t *testing.T) {
	e := newEnv(false)
	e.ec2.AddGroup(group)
	a := e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
	b := e.ec2.AddIngress(group, "tcp", 3389, 3389, "0.0.0.0/0")
	// Between the describe and the revoke, someone revokes one of the two rules: EC2 fails the
	// two-rule revoke as a whole; the handler revokes the other one alone.
	e.ec2.BeforeRevoke = func([]string) { e.ec2.RemoveRule(group, a); e.ec2.BeforeRevoke = nil }
	out, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress"))
	if err != nil || !slices.Equal(out.Revoked, []string{a, b}) || len(e.ec2.Rules(group)) != 0 {
		t.Fatalf("%v %+v, left %v", err, out, ids(e.ec2.Rules(group)))
	}
	// The group itself deleted meanwhile: success, no alert.
	e = newEnv(false)
	e.ec2.AddGroup(group)
	e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
	e.ec2.Fail("DescribeSecurityGroups", fakes.APIError("InvalidGroup.NotFound"))
	if _, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress")); err != nil || len(e.sns.Published) != 0 {
		t.Errorf("%v, %d alerts", err, len(e.sns.Published))
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, op  string
		err       error
		wantAlert bool
	}{
		{"throttled describe is retried by Lambda, no alert", "DescribeSecurityGroupRules", fakes.Throttling(), false},
		{"throttled revoke", "RevokeSecurityGroupIngress", fakes.Throttling(), false},
		{"access denied alerts", "RevokeSecurityGroupIngress", fakes.AccessDenied(), true},
		{"access denied on tags", "DescribeSecurityGroups", fakes.AccessDenied(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(false)
			e.ec2.AddGroup(group)
			e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
			e.ec2.Fail(c.op, c.err)
			_, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress"))
			if err == nil {
				t.Fatal("no error: the invocation must fail so Lambda retries and the alarm sees it")
			}
			if got := len(e.sns.Published) == 1; got != c.wantAlert {
				t.Errorf("alerted %v, want %v", got, c.wantAlert)
			}
			if !strings.Contains(e.metrics.String(), `"Failures":1`) {
				t.Error("no failure metric")
			}
			// The retry succeeds.
			if _, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress")); err != nil || len(e.ec2.Rules(group)) != 0 {
				t.Errorf("retry: %v, %d rules left", err, len(e.ec2.Rules(group)))
			}
		})
	}
}

func TestIgnoresMalformedEvents(t *testing.T) {
	e := newEnv(false)
	for _, raw := range []string{`{}`, `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`,
		`{"detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{"eventName":"X","eventSource":"ec2.amazonaws.com","requestParameters":{"groupId":"vpc-1"}}}`} {
		if _, err := e.h.Handle(context.Background(), json.RawMessage(raw)); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
	}
	if e.ec2.Total() != 0 {
		t.Error("called EC2 for a malformed event")
	}
}

func TestParseListeners(t *testing.T) {
	ls, err := ParseListeners("tcp/443, 80 udp/3478,tcp/8000-8010")
	if err != nil || len(ls) != 4 || ls[1] != (Listener{"tcp", 80, 80}) || ls[3] != (Listener{"tcp", 8000, 8010}) {
		t.Errorf("%v %v", ls, err)
	}
	if ls, err := ParseListeners("icmp/8, tcp/99999, tcp/9-1, all, 22"); err == nil || len(ls) != 1 {
		t.Errorf("%v %v", ls, err)
	}
	// What the access tier's load balancers declare (constructs.PublicListenerTagKey).
	if ls, err := ParseListeners("tcp/8443,udp/8443,tcp/3389"); err != nil || len(ls) != 3 || ls[1] != (Listener{"udp", 8443, 8443}) {
		t.Errorf("%v %v", ls, err)
	}
}

// Invariants over long random traces of rule changes, intrusions and failures: after a successful
// invocation no undeclared world-open ingress is left, and no other rule ever disappears.
func TestInvariantsOverRandomTraces(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cidrs := []string{"0.0.0.0/0", "::/0", "10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32"}
	protos := []string{"tcp", "udp", "-1"}
	for trace := 0; trace < 50; trace++ {
		e := newEnv(false)
		e.ec2.AddGroup(group, PublicListenerTag, "tcp/443")
		listeners, _ := ParseListeners("tcp/443")
		for step := 0; step < 40; step++ {
			for n := rng.IntN(3); n > 0; n-- {
				port := int32([]int{22, 80, 443, 3389}[rng.IntN(4)])
				e.ec2.AddIngress(group, protos[rng.IntN(3)], port, port, cidrs[rng.IntN(len(cidrs))])
			}
			if rng.IntN(4) == 0 {
				op := []string{"DescribeSecurityGroupRules", "DescribeSecurityGroups", "RevokeSecurityGroupIngress"}[rng.IntN(3)]
				e.ec2.Fail(op, []error{fakes.Throttling(), fakes.AccessDenied()}[rng.IntN(2)])
			}
			e.ec2.BeforeRevoke = nil
			if rng.IntN(4) == 0 { // a concurrent revoke of one rule between the describe and the revoke
				e.ec2.BeforeRevoke = func(ids []string) {
					e.ec2.RemoveRule(group, ids[len(ids)-1])
					e.ec2.BeforeRevoke = nil
				}
			}
			before := e.ec2.Rules(group)
			_, err := e.h.Handle(context.Background(), fixture(t, "authorize-security-group-ingress"))
			after := e.ec2.Rules(group)
			for _, r := range before {
				if !worldOpen(r) || covers(listeners, *r.IpProtocol, *r.FromPort, *r.ToPort) {
					if !slices.ContainsFunc(after, func(a types.SecurityGroupRule) bool { return *a.SecurityGroupRuleId == *r.SecurityGroupRuleId }) {
						t.Fatalf("trace %d step %d: rule %s (%s) disappeared", trace, step, *r.SecurityGroupRuleId, describe(r))
					}
				}
			}
			if err == nil {
				if revoke, _ := Decide(after, listeners); len(revoke) > 0 {
					t.Fatalf("trace %d step %d: success but %v left", trace, step, ids(revoke))
				}
			}
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	var rules []types.SecurityGroupRule
	for i := range 60 { // the default rules-per-group quota
		cidr := fmt.Sprintf("10.%d.0.0/16", i)
		if i%10 == 0 {
			cidr = "0.0.0.0/0"
		}
		rules = append(rules, types.SecurityGroupRule{
			SecurityGroupRuleId: aws.String(fmt.Sprintf("sgr-%d", i)), IsEgress: aws.Bool(false), IpProtocol: aws.String("tcp"),
			FromPort: aws.Int32(int32(400 + i)), ToPort: aws.Int32(int32(400 + i)), CidrIpv4: aws.String(cidr),
		})
	}
	listeners, _ := ParseListeners("tcp/443,tcp/80")
	b.ReportAllocs()
	for b.Loop() {
		Decide(rules, listeners)
	}
}

// BenchmarkHandle is a whole invocation against the fakes: decoding, deciding, one revoke, the alert.
func BenchmarkHandle(b *testing.B) {
	raw := fixture(b, "authorize-security-group-ingress")
	e := newEnv(false)
	e.ec2.AddGroup(group)
	e.h.Metrics = nil
	b.ReportAllocs()
	for b.Loop() {
		e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
		if _, err := e.h.Handle(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
		e.sns.Published = e.sns.Published[:0]
	}
}

// A call by group name (default VPC) has no groupId in its request: the ID is in the response's rule
// set, and the top-level form (cidrIp, fromPort, toPort, ipProtocol, empty ipPermissions) may have no
// rule set, when the group is found by its name.
func TestOpenedByGroupName(t *testing.T) {
	topLevel := map[string]any{"groupName": "legacy", "cidrIp": "0.0.0.0/0", "fromPort": 22, "toPort": 22, "ipProtocol": "tcp", "ipPermissions": map[string]any{}}
	for name, c := range map[string]struct {
		params, response any
		calls            int // EC2 calls: the name lookup, if any, then the rules, the tags and the revoke
	}{
		"rule set":               {params: map[string]any{"groupName": "legacy", "ipPermissions": map[string]any{"items": []any{map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}}, calls: 3},
		"top level and rule set": {params: topLevel, calls: 3},
		"top level, no rule set": {params: topLevel, response: map[string]any{"_return": true}, calls: 4},
	} {
		t.Run(name, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal(fixture(t, "authorize-security-group-ingress"), &ev); err != nil {
				t.Fatal(err)
			}
			detail := ev["detail"].(map[string]any)
			detail["requestParameters"] = c.params
			if c.response != nil {
				detail["responseElements"] = c.response
			}
			raw, _ := json.Marshal(ev)
			e := newEnv(false)
			e.ec2.AddGroup(group)
			e.ec2.NameGroup(group, "legacy")
			ssh := e.ec2.AddIngress(group, "tcp", 22, 22, "0.0.0.0/0")
			out, err := e.h.Handle(context.Background(), raw)
			if err != nil || !slices.Equal(out.Revoked, []string{ssh}) || len(e.ec2.Rules(group)) != 0 || len(e.sns.Messages()) != 1 {
				t.Fatalf("%+v, %v: rules left %v, alerts %q", out, err, e.ec2.Rules(group), e.sns.Messages())
			}
			if e.ec2.Total() != c.calls {
				t.Errorf("%d EC2 calls, want %d", e.ec2.Total(), c.calls)
			}
			if !strings.Contains(e.sns.Messages()[0], "AuthorizeSecurityGroupIngress on ") {
				t.Errorf("alert %q", e.sns.Messages()[0])
			}
		})
	}

	// A group gone by the time the event arrives is nothing to fix.
	e := newEnv(false)
	raw := bytes.Replace(fixture(t, "authorize-security-group-ingress"), []byte(`"groupId": "`+group+`", `), []byte(`"groupName": "gone", `), 1)
	raw = bytes.Replace(raw, []byte(`"securityGroupRuleSet"`), []byte(`"ruleSetOfAnotherCall"`), 1)
	if out, err := e.h.Handle(context.Background(), raw); err != nil || out.GroupID != "" || len(e.sns.Messages()) != 0 {
		t.Fatalf("gone group: %+v, %v, alerts %q", out, err, e.sns.Messages())
	}
}
