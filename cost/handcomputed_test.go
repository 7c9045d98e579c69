package cost

import (
	"math"
	"reflect"
	"testing"
)

// The hand-computed case (testdata/hand-computed.yaml): one Linux g4dn.xlarge workstation
// with a 1 h logoff plan, no ready workstations, and one user working 8 h a day, 5 days a week.
//
// On paper: each working day runs 8 h, then 1 h until the logoff plan stops it, so 5 × 9 = 45 h a
// week. A month is 730 h, 730/168 weeks, so 45 × 730/168 = 195.5357 h. Always-on is 730 h. At the
// us-west-2 list price of $0.526 an hour the plan costs 195.5357 × 0.526 = $102.85 against
// 730 × 0.526 = $383.98, saving $281.13, which is 1 − 45/168 = 73.2 %. The 100 GiB gp3 volume exists
// either way: 100 GB-months.
func TestHandComputedPool(t *testing.T) {
	const price = 0.526
	table, err := ParseTable([]byte(`{"currency":"USD","prices":[
		{"region":"us-west-2","item":"ec2:g4dn.xlarge:linux","unit":"hour","usd":0.526,"source":"test","date":"2026-01-01"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := Estimate(loadConfig(t, "testdata/hand-computed.yaml"), table)
	if len(r.Savings) != 1 {
		t.Fatalf("savings for %d pools, want 1", len(r.Savings))
	}
	s := r.Savings[0]
	want := PoolSavings{Environment: "main", Pool: "artists", InstanceType: "g4dn.xlarge", Users: 1, Machines: 1,
		PlanHours: 195.5, AlwaysOnHrs: 730, PlanUSD: 102.85, AlwaysOnUSD: 383.98, SavedUSD: 281.13, SavedPercent: 73.2}
	s.Assumptions = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("savings\n got %+v\nwant %+v", s, want)
	}
	var compute, volumes *Line
	for i, l := range r.Groups[0].Lines {
		switch {
		case l.Component == Workstations && l.Item == "ec2:g4dn.xlarge:linux":
			compute = &r.Groups[0].Lines[i]
		case l.Component == Workstations && l.Item == "ebs:gp3":
			volumes = &r.Groups[0].Lines[i]
		}
	}
	if compute == nil || volumes == nil {
		t.Fatalf("no workstation compute or volume line in %+v", r.Groups[0].Lines)
	}
	if math.Abs(compute.Quantity-45*730/168.0) > 1e-3 || compute.UnitUSD != price || compute.MonthlyUSD != 102.85 {
		t.Errorf("compute line %+v, want 195.536 hours at $0.526 = $102.85", *compute)
	}
	if volumes.Quantity != 100 || !volumes.Unknown {
		t.Errorf("volume line %+v, want 100 GB-month with an unknown price (the test table has none)", *volumes)
	}
}
