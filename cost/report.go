// Package cost estimates what an editbay config costs a month at on-demand list prices: each
// environment by component, each governed account, and the egress hub. It reads only the config and
// the checked-in price table (prices.json), so an estimate needs no AWS account and no synth.
//
// Quantities follow what the stacks deploy (a test compares them with the synthesized goldens);
// usage the config cannot say (working hours, users, data, logs) comes from the config's cost
// section, whose defaults every report states. A price missing from the table is reported as
// unknown, never guessed, and adds nothing to a total.
package cost

import (
	"math"
	"sort"
)

// HoursPerMonth is AWS's pricing month (365 days × 24 hours / 12).
const HoursPerMonth = 730.0

// weeksPerMonth turns a weekly pattern into a pricing month.
const weeksPerMonth = HoursPerMonth / 168

// Component names, in the order reports list them. A line's component is its column in the chart.
const (
	Workstations    = "Workstations"
	BrokersGateways = "Brokers and gateways"
	LoadBalancers   = "Load balancers"
	NatGateways     = "NAT gateways"
	Firewall        = "Network Firewall"
	TransitGateway  = "Transit Gateway"
	Database        = "Aurora"
	AppStream       = "AppStream"
	Directory       = "Directory"
	Endpoints       = "VPC endpoints"
	PublicIPv4      = "Public IPv4"
	DataOut         = "Data transfer out"
	AuditLogs       = "CloudTrail, Config and logs"
	KeysSecrets     = "KMS and Secrets Manager"
	Small           = "Small (Lambda, DynamoDB, SNS, alarms)"
)

// ComponentOrder lists the components in report order.
var ComponentOrder = []string{Workstations, BrokersGateways, LoadBalancers, NatGateways, Firewall, TransitGateway,
	Database, AppStream, Directory, Endpoints, PublicIPv4, DataOut, AuditLogs, KeysSecrets, Small}

// Report is the estimate of one config.
type Report struct {
	Currency    string        `json:"currency"`
	Assumptions []string      `json:"assumptions"`
	Groups      []Group       `json:"groups"`
	TotalUSD    float64       `json:"totalUSD"`
	Unknown     []string      `json:"unknown"` // "<region> <item>" pairs the table has no price for
	Savings     []PoolSavings `json:"savings"`
	Prices      []Price       `json:"prices"` // every price the estimate used, with its source and date
}

// Group is what one environment, one governed account or the egress hub costs.
type Group struct {
	Kind     string  `json:"kind"` // environment, governance or hub
	Name     string  `json:"name"`
	Region   string  `json:"region"`
	Lines    []Line  `json:"lines"`
	TotalUSD float64 `json:"totalUSD"`
}

// Line is one priced quantity: Quantity of Unit at UnitUSD each is MonthlyUSD, rounded to cents.
type Line struct {
	Component  string  `json:"component"`
	What       string  `json:"what"`
	Item       string  `json:"item"`
	Quantity   float64 `json:"quantity"`
	Unit       string  `json:"unit"`
	UnitUSD    float64 `json:"unitUSD"`
	MonthlyUSD float64 `json:"monthlyUSD"`
	Unknown    bool    `json:"unknown,omitempty"`
}

// PoolSavings is a pool's power plan against keeping every one of its workstations running.
type PoolSavings struct {
	Environment  string   `json:"environment"`
	Pool         string   `json:"pool"`
	InstanceType string   `json:"instanceType"`
	Users        int      `json:"users"`
	Machines     float64  `json:"machines"`      // assigned plus the average ready ones
	PlanHours    float64  `json:"planHours"`     // running instance-hours a month under the plan
	AlwaysOnHrs  float64  `json:"alwaysOnHours"` // the same machines running all month
	PlanUSD      float64  `json:"planUSD"`
	AlwaysOnUSD  float64  `json:"alwaysOnUSD"`
	SavedUSD     float64  `json:"savedUSD"`
	SavedPercent float64  `json:"savedPercent"`
	Unknown      bool     `json:"unknown,omitempty"`
	Assumptions  []string `json:"assumptions"`
}

// cents rounds a dollar amount to whole cents, so that every total is exactly its lines' sum.
func cents(usd float64) float64 { return math.Round(usd*100) / 100 }

// Cents is a dollar amount in whole cents, for exact sums.
func Cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// ComponentTotals sums the report's lines by component, in ComponentOrder.
func (r *Report) ComponentTotals() []ComponentTotal {
	by := map[string]int64{}
	lines, unknown := map[string]int{}, map[string]int{}
	for _, g := range r.Groups {
		for _, l := range g.Lines {
			by[l.Component] += Cents(l.MonthlyUSD)
			lines[l.Component]++
			if l.Unknown {
				unknown[l.Component]++
			}
		}
	}
	var out []ComponentTotal
	for _, c := range ComponentOrder {
		if v, ok := by[c]; ok {
			out = append(out, ComponentTotal{Component: c, MonthlyUSD: float64(v) / 100, Lines: lines[c], UnknownLines: unknown[c]})
		}
	}
	return out
}

// ComponentTotal is one component's monthly sum over every group.
type ComponentTotal struct {
	Component    string  `json:"component"`
	MonthlyUSD   float64 `json:"monthlyUSD"`
	Lines        int     `json:"lines"`
	UnknownLines int     `json:"unknownLines"` // lines whose price the table lacks: not in MonthlyUSD
}

// Amount is the component's sum as people read it: "$47.16", "$47.16 + unknown" when some of its
// lines have no price, or "unknown" when none has, so that a missing price never reads as $0.00.
func (c ComponentTotal) Amount() string {
	switch {
	case c.UnknownLines == 0:
		return USD(c.MonthlyUSD)
	case c.UnknownLines == c.Lines:
		return "unknown"
	default:
		return USD(c.MonthlyUSD) + " + unknown"
	}
}

// finish totals the groups and the report from their lines in cents, and sorts the unknowns.
func (r *Report) finish() {
	var all int64
	for i := range r.Groups {
		var sum int64
		for _, l := range r.Groups[i].Lines {
			sum += Cents(l.MonthlyUSD)
		}
		r.Groups[i].TotalUSD = float64(sum) / 100
		all += sum
	}
	r.TotalUSD = float64(all) / 100
	sort.Strings(r.Unknown)
}
