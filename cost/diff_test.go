package cost

import (
	"strings"
	"testing"
)

// A pull request that moves staging from one NAT gateway to one per zone shows the added NAT
// gateway, its Elastic IP, and nothing else, with the change in the total.
func TestDiffNamesWhatChanged(t *testing.T) {
	base := loadConfig(t, "")
	head := loadConfig(t, "")
	base.Environments[0].Network.NatMode = "single"
	base.Environments[0].Egress.Enabled = false // a single NAT gateway cannot serve a per-zone firewall
	head.Environments[0].Egress.Enabled = false
	table := everyPrice(t, head)
	before, after := Estimate(base, table), Estimate(head, table)
	changes := Diff(before, after)
	if len(changes) != 2 {
		t.Fatalf("changes = %v, want the NAT gateway hours and their Elastic IPs", changes)
	}
	nat := cents(730 * 0.0123)
	for _, c := range changes {
		if c.Group != "stg" || c.DeltaUSD != nat {
			t.Errorf("%v: want +%v in stg", c, nat)
		}
	}
	if s := changes[0].String(); !strings.HasPrefix(s, "+$8.98/month: NAT gateways: 2 NAT gateway(s) in stg (was: 1 NAT gateway(s))") &&
		!strings.HasPrefix(s, "+$8.98/month: Public IPv4") {
		t.Errorf("change reads %q", s)
	}
	md := DiffMarkdown("config/default.yaml", before, after)
	if !strings.Contains(md, "### config/default.yaml: +$17.96 a month") {
		t.Errorf("the comment's heading is wrong:\n%s", md)
	}
	if md := DiffMarkdown("x", after, after); !strings.Contains(md, "+$0.00 a month") || !strings.Contains(md, "No cost change.") {
		t.Errorf("no change reads:\n%s", md)
	}
}

// A config new in the head (no base) shows every line as new.
func TestDiffFromNothing(t *testing.T) {
	head := Estimate(loadConfig(t, ""), everyPrice(t, loadConfig(t, "")))
	changes := Diff(&Report{}, head)
	var sum int64
	for _, c := range changes {
		if c.Before != "" || !strings.HasSuffix(c.String(), "(new)") {
			t.Errorf("%v is not new", c)
		}
		sum += Cents(c.DeltaUSD)
	}
	if sum != Cents(head.TotalUSD) {
		t.Errorf("new lines add up to %v, the total is %v", float64(sum)/100, head.TotalUSD)
	}
}
