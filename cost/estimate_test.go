package cost

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

// Every example and the default config estimate with sound arithmetic: each line is its quantity
// times its price, groups and the total are their lines' sums, and each pool's savings add up.
func TestEstimateArithmetic(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, f := range append([]string{""}, files...) {
		r := Estimate(loadConfig(t, f), mustTable(t))
		for _, err := range CheckArithmetic(r) {
			t.Errorf("%s: %v", f, err)
		}
		if len(r.Groups) == 0 {
			t.Errorf("%s: no groups", f)
		}
	}
}

// CheckArithmetic is what CI relies on to check make cost's output, so it must catch a wrong sum.
func TestCheckArithmeticCatchesErrors(t *testing.T) {
	fresh := func() *Report { return Estimate(loadConfig(t, ""), everyPrice(t, loadConfig(t, ""))) }
	cases := map[string]func(r *Report){
		"total":      func(r *Report) { r.TotalUSD += 1 },
		"group":      func(r *Report) { r.Groups[0].TotalUSD -= 0.01 },
		"line":       func(r *Report) { r.Groups[0].Lines[0].MonthlyUSD += 5; r.Groups[0].TotalUSD += 5; r.TotalUSD += 5 },
		"savings":    func(r *Report) { r.Savings[0].SavedUSD += 1 },
		"percent":    func(r *Report) { r.Savings[0].SavedPercent += 1 },
		"unknown":    func(r *Report) { r.Groups[0].Lines[0].Unknown = true },
		"unit price": func(r *Report) { r.Groups[1].Lines[0].UnitUSD *= 2 },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			r := fresh()
			if errs := CheckArithmetic(r); len(errs) > 0 {
				t.Fatalf("a fresh report fails: %v", errs)
			}
			spoil(r)
			if errs := CheckArithmetic(r); len(errs) == 0 {
				t.Error("the spoiled report passes")
			}
		})
	}
}

// everyPrice is a table pricing every item cfg's estimate needs (0.0123 USD per unit), so that tests
// of the arithmetic do not depend on what prices.json holds.
func everyPrice(t testing.TB, cfg *config.Config) *Table {
	t.Helper()
	empty, err := ParseTable([]byte(`{"currency":"USD","prices":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`{"currency":"USD","prices":[`)
	for i, u := range Estimate(cfg, empty).Unknown {
		region, item, _ := strings.Cut(u, " ")
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"region":%q,"item":%q,"unit":%q,"usd":0.0123,"source":"test","date":"2026-01-01"}`, region, item, TableUnit(item))
	}
	b.WriteString("]}")
	table, err := ParseTable([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// A price the table lacks is reported as unknown and adds nothing; it is never guessed.
func TestUnknownPriceIsReportedNotGuessed(t *testing.T) {
	table, err := ParseTable([]byte(`{"currency":"USD","prices":[
		{"region":"ap-northeast-1","item":"elb:alb","unit":"hour","usd":0.0243,"source":"test","date":"2026-01-01"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := Estimate(loadConfig(t, ""), table)
	if len(r.Unknown) == 0 || !strings.Contains(strings.Join(r.Unknown, "\n"), "ap-northeast-1 ec2:g4dn.xlarge:windows") {
		t.Errorf("unknown = %v, want the workstations' price among them", r.Unknown)
	}
	want := 2 * cents(730*0.0243) // one broker ALB in each environment
	if r.TotalUSD != want {
		t.Errorf("total = %v, want only the known ALB hours, %v", r.TotalUSD, want)
	}
	for _, s := range r.Savings {
		if !s.Unknown || s.SavedUSD != 0 {
			t.Errorf("%s/%s: savings without a price: %+v", s.Environment, s.Pool, s)
		}
	}
	if md := r.Markdown("x"); !strings.Contains(md, "not counting") || !strings.Contains(md, "unknown (ec2:g4dn.xlarge:windows)") {
		t.Error("the Markdown hides the unknown prices")
	}
	// A component none of whose prices is known reads "unknown", never $0.00; one partly known
	// reads its known sum "+ unknown".
	md, chart := r.Markdown("x"), r.Chart("x")
	for _, want := range []string{"| Workstations | unknown |", "| Load balancers | $35.48 + unknown |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown's components lack %q", want)
		}
	}
	if !strings.Contains(chart, ">unknown</text>") || !strings.Contains(chart, "not counting") {
		t.Error("the chart shows an unknown component as a number, or hides the unknown prices")
	}
}

func TestParseTableRejects(t *testing.T) {
	cases := map[string]string{
		"unknown field": `{"currency":"USD","prices":[{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":1,"source":"s","date":"2026-01-01","x":1}]}`,
		"no source":     `{"currency":"USD","prices":[{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":1,"date":"2026-01-01"}]}`,
		"bad date":      `{"currency":"USD","prices":[{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":1,"source":"s","date":"Jan 2026"}]}`,
		"negative":      `{"currency":"USD","prices":[{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":-1,"source":"s","date":"2026-01-01"}]}`,
		"twice":         `{"currency":"USD","prices":[{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":1,"source":"s","date":"2026-01-01"},{"region":"us-east-1","item":"elb:alb","unit":"hour","usd":2,"source":"s","date":"2026-01-01"}]}`,
		"currency":      `{"currency":"EUR","prices":[]}`,
		"region":        `{"currency":"USD","prices":[{"region":"tokyo","item":"elb:alb","unit":"hour","usd":1,"source":"s","date":"2026-01-01"}]}`,
		"not a table":   `[]`,
	}
	for name, doc := range cases {
		if _, err := ParseTable([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add(PricesJSON)
	f.Add([]byte(`{"currency":"USD","prices":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := ParseTable(data)
		if err != nil {
			return
		}
		for _, p := range table.Prices {
			got, ok := table.Lookup(p.Region, p.Item)
			if !ok || got != p || p.USD < 0 || p.Source == "" {
				t.Fatalf("accepted table answers %+v for %+v", got, p)
			}
		}
	})
}

// Invariants of the power-plan model over random pools and usage: a plan never runs more than
// always-on, a longer stop delay never runs less, stopped-warm never costs more than running-warm,
// and ready workstations never exceed the pool's size.
func TestPoolHoursInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	delays := []string{"0", "", "1m", "30m", "1h", "2h", "4h", "12h", "24h", "72h"}
	zones := []string{"UTC", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Australia/Sydney"}
	dayss := []string{"MON-FRI", "SAT,SUN", "FRI-MON", "MON,WED,FRI", "SUN-SAT"}
	for i := range 3000 {
		maxSize := 1 + rng.IntN(30)
		p := config.Pool{Name: "p", InstanceType: "g4dn.xlarge", MaxSize: maxSize, MinAvailable: rng.IntN(maxSize + 1),
			WarmState:       []string{config.WarmRunning, config.WarmStopped}[rng.IntN(2)],
			StopAfterLogoff: delays[rng.IntN(len(delays))], StopAfterIdle: delays[rng.IntN(len(delays))]}
		if rng.IntN(2) == 0 {
			p.MaxAvailable = p.MinAvailable + rng.IntN(maxSize-p.MinAvailable+1)
		}
		for range rng.IntN(3) {
			start, end := rng.IntN(24), rng.IntN(24)
			if start == end {
				end = (end + 1) % 24
			}
			p.Schedules = append(p.Schedules, config.PoolSchedule{Days: dayss[rng.IntN(len(dayss))], Timezone: zones[rng.IntN(len(zones))],
				Start: hhmm(start), End: hhmm(end), MinAvailable: rng.IntN(maxSize + 1)})
		}
		m := config.CostModel{HoursPerDay: 1 + rng.IntN(24), DaysPerWeek: 1 + rng.IntN(7), DisconnectPercent: rng.IntN(101)}
		users := rng.IntN(maxSize + 1)
		h, err := PlanPoolHours(p, m, users)
		if err != nil {
			t.Fatal(err)
		}
		if h.UserHours > 168+1e-9 || h.UserHours < float64(m.HoursPerDay*m.DaysPerWeek)-1e-9 {
			t.Fatalf("trace %d: %+v under %+v: a user's workstation runs %v h a week", i, p, m, h.UserHours)
		}
		if h.ReadyPeak > float64(maxSize) || h.ReadyAverage > h.ReadyPeak+1e-9 || h.ReadyHours > h.ReadyPeak*168+1e-6 {
			t.Fatalf("trace %d: %+v: ready %+v beyond the pool", i, p, h)
		}
		if h.RunningHoursPerWeek() > h.Machines()*168+1e-6 {
			t.Fatalf("trace %d: %+v: runs %v h a week, more than always-on %v", i, p, h.RunningHoursPerWeek(), h.Machines()*168)
		}
		longer := p
		longer.StopAfterLogoff = "0" // off: never stopped after a logoff
		if hl, _ := PlanPoolHours(longer, m, users); hl.UserHours < h.UserHours-1e-9 {
			t.Fatalf("trace %d: turning stopAfterLogoff off lowers the hours: %v < %v", i, hl.UserHours, h.UserHours)
		}
		stopped := p
		stopped.WarmState = config.WarmStopped
		if hs, _ := PlanPoolHours(stopped, m, users); hs.RunningHoursPerWeek() > h.RunningHoursPerWeek()+1e-9 {
			t.Fatalf("trace %d: a stopped-warm pool runs more than a running-warm one", i)
		}
	}
}

func hhmm(h int) string { return string([]byte{byte('0' + h/10), byte('0' + h%10), ':', '0', '0'}) }

// A week with a schedule: 3 ready from 08:00 to 20:00 on weekdays in Tokyo, minAvailable 1 and
// maxAvailable 1 the rest of the time, warm running. Ready hours a week: 5 × 12 h × 3 + (168 − 60) h × 1.
func TestReadyWorkstationsFollowTheSchedule(t *testing.T) {
	p := config.Pool{Name: "p", MaxSize: 10, MinAvailable: 1, MaxAvailable: 1, WarmState: config.WarmRunning,
		Schedules: []config.PoolSchedule{{Days: "MON-FRI", Start: "08:00", End: "20:00", Timezone: "Asia/Tokyo", MinAvailable: 3}}}
	h, err := PlanPoolHours(p, config.CostModel{HoursPerDay: 8, DaysPerWeek: 5}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 5*12*3 + (168-60)*1.0; math.Abs(h.ReadyHours-want) > 1e-9 || h.ReadyPeak != 3 {
		t.Errorf("ready hours %v (peak %v), want %v (peak 3)", h.ReadyHours, h.ReadyPeak, want)
	}
	// Without maxAvailable the scaler keeps the three after the window: they run all week.
	p.MaxAvailable = 0
	if h, _ := PlanPoolHours(p, config.CostModel{HoursPerDay: 8, DaysPerWeek: 5}, 0); h.ReadyHours != 3*168 {
		t.Errorf("without maxAvailable: ready hours %v, want %v", h.ReadyHours, 3*168)
	}
}

// With Network Firewall in front, AWS waives NAT gateway hours and GB one for one with the
// firewall's (the default config: local firewalls with a NAT gateway per zone); without a firewall
// (minimal-studio) nothing is waived.
func TestNatChargesWaivedWithTheFirewall(t *testing.T) {
	natSum := func(path string) (charged, waived float64) {
		cfg := loadConfig(t, path)
		for _, g := range Estimate(cfg, everyPrice(t, cfg)).Groups {
			for _, l := range g.Lines {
				if l.Component != NatGateways {
					continue
				}
				if l.MonthlyUSD < 0 {
					waived -= l.MonthlyUSD
				} else {
					charged += l.MonthlyUSD
				}
			}
		}
		return charged, waived
	}
	if charged, waived := natSum(""); charged == 0 || math.Abs(charged-waived) > 1e-9 {
		t.Errorf("default config: NAT charged %v, waived %v; want all of it waived", charged, waived)
	}
	if charged, waived := natSum("../examples/minimal-studio.yaml"); charged == 0 || waived != 0 {
		t.Errorf("minimal-studio: NAT charged %v, waived %v; want nothing waived", charged, waived)
	}
}
