package cost

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/editbay/editbay/config"
)

// Estimate prices a validated config with a price table.
func Estimate(cfg *config.Config, table *Table) *Report {
	e := &estimator{cfg: cfg, table: table, used: map[string]Price{}, unknown: map[string]bool{}}
	r := &Report{Currency: "USD", Assumptions: assumptions(cfg.Cost)}
	for _, env := range cfg.Environments {
		g := Group{Kind: "environment", Name: env.Name, Region: env.Region}
		e.group = &g
		e.environment(env, &r.Savings)
		r.Groups = append(r.Groups, g)
	}
	if h := cfg.EgressHub; h != nil {
		g := Group{Kind: "hub", Name: config.HubStageName, Region: h.Region}
		e.group = &g
		e.hub(*h)
		r.Groups = append(r.Groups, g)
	}
	for _, a := range cfg.GovernedAccounts() {
		g := Group{Kind: "governance", Name: a.StageName(), Region: a.HomeRegion}
		e.group = &g
		e.governance(a)
		r.Groups = append(r.Groups, g)
	}
	for k := range e.unknown {
		r.Unknown = append(r.Unknown, k)
	}
	for _, p := range e.used {
		r.Prices = append(r.Prices, p)
	}
	slices.SortFunc(r.Prices, func(a, b Price) int { return strings.Compare(a.Region+" "+a.Item, b.Region+" "+b.Item) })
	r.finish()
	return r
}

// estimator adds priced lines to the group being estimated, remembering the prices it used and the
// ones the table lacks.
type estimator struct {
	cfg     *config.Config
	table   *Table
	group   *Group
	used    map[string]Price
	unknown map[string]bool
}

// price looks an item up in the current group's region.
func (e *estimator) price(item string) (Price, bool) {
	p, ok := e.table.Lookup(e.group.Region, item)
	if !ok {
		e.unknown[e.group.Region+" "+item] = true
		return Price{}, false
	}
	e.used[p.Region+" "+p.Item] = p
	return p, true
}

// add prices quantity units of item; nothing is added for a zero quantity. It returns the line's
// monthly amount (0 when the price is unknown).
func (e *estimator) add(component, what, item string, quantity float64, unit string) float64 {
	if quantity == 0 {
		return 0
	}
	l := Line{Component: component, What: what, Item: item, Quantity: round(quantity, 3), Unit: unit}
	if p, ok := e.price(item); ok {
		l.UnitUSD = p.USD
		l.MonthlyUSD = cents(quantity * p.USD * perUnit(p.Unit, unit))
	} else {
		l.Unknown = true
	}
	e.group.Lines = append(e.group.Lines, l)
	return l.MonthlyUSD
}

// perUnit converts a table price's unit to a line's: the table prices requests per million or per
// 10,000 where lines count single ones. A unit pair not listed is a programming error.
func perUnit(tableUnit, lineUnit string) float64 {
	if tableUnit == lineUnit {
		return 1
	}
	f, ok := map[[2]string]float64{
		{"million-requests", "requests"}:        1e-6,
		{"10k-requests", "requests"}:            1e-4,
		{"100k-events", "events"}:               1e-5,
		{"100k-notifications", "notifications"}: 1e-5,
		{"million-requests", "events"}:          1e-6,
	}[[2]string{tableUnit, lineUnit}]
	if !ok {
		panic(fmt.Sprintf("cost: a price per %q cannot price a quantity in %q", tableUnit, lineUnit))
	}
	return f
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func assumptions(m config.CostModel) []string {
	return []string{
		"On-demand list prices in USD, before tax, credits, Savings Plans or Reserved Instances; a month is 730 hours.",
		fmt.Sprintf("Each assigned user works %d h a day, %d days a week; %d%% of working days end with a disconnect (stopAfterIdle applies) rather than a logoff (stopAfterLogoff).", m.HoursPerDay, m.DaysPerWeek, m.DisconnectPercent),
		"Pools: each assigned user keeps one workstation; ready (unassigned) workstations follow the pool scaler's rules: the highest open schedule's minAvailable (else minAvailable), kept above maxAvailable only until it terminates them; a stopped-warm pool keeps them stopped. Fallback instance types are not priced; claims of ready workstations by new users are rare and not counted.",
		"Brokers and gateways run at their minCapacity; Aurora Serverless v2 runs at minCapacity (0.5 ACU during working hours when minCapacity is 0).",
		fmt.Sprintf("Each environment moves %d GB a month to and from the internet and writes %d GB of logs (stored uncompressed for their retention, an upper bound); each load balancer averages %d capacity unit(s).", m.InternetGBPerMonth, m.LogsGBPerMonth, m.CapacityUnits),
		fmt.Sprintf("Each governed account copies %d GB of CloudTrail events a month to CloudWatch Logs, records %d Config items and evaluates each Config rule %d times a month; the trail's first copy of management events is free.", m.TrailGBPerMonth, m.ConfigItemsPerMonth, m.EvaluationsPerRule),
		fmt.Sprintf("Aurora stores %d GB and serves %d million I/O requests a month; an AppStream image builder runs %d h a month.", m.DatabaseStorageGB, m.DatabaseIOMillions, m.ImageBuilderHours),
		fmt.Sprintf("Data transfer out to the internet at the first paid tier's price (an upper bound above 10 TB a month, and before the free allowance): each assigned user's remote display at %d Mbit/s while they work, and half of each environment's internet traffic.", m.DisplayMbps),
		"Behind Network Firewall (local, or in the egress hub) AWS waives NAT gateway hours and processed GB one for one with the firewall's endpoint hours and GB, so those NAT lines are offset by waiver lines.",
		"Not counted: Service Catalog products users launch, interface endpoints' data processing, CloudWatch dashboards and custom metrics, data transfer between zones, and requests to S3 and KMS.",
	}
}
