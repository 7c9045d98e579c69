package cost

import (
	"fmt"
	"math"
)

// CheckArithmetic recomputes a report from its own parts, as a reader of its JSON would: each
// line's amount from its quantity and unit price, each group's total from its lines, the total from
// the groups, and each pool's savings from its always-on and plan amounts. It returns every
// mismatch; a report that Estimate made has none.
func CheckArithmetic(r *Report) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var total int64
	for _, g := range r.Groups {
		var sum int64
		for _, l := range g.Lines {
			switch {
			case l.Unknown && l.MonthlyUSD != 0:
				bad("%s: %s: an unknown price adds %v", g.Name, l.What, l.MonthlyUSD)
			case !l.Unknown:
				// Quantities are rounded to 3 decimals in the report, so allow that rounding's effect.
				want := l.Quantity * l.UnitUSD * perUnit(unitOf(r, l.Item, g.Region, l.Unit), l.Unit)
				slack := 0.0005*l.UnitUSD*perUnit(unitOf(r, l.Item, g.Region, l.Unit), l.Unit) + 0.005
				if math.Abs(want-l.MonthlyUSD) > slack {
					bad("%s: %s: %v × %v is %.4f, not %v", g.Name, l.What, l.Quantity, l.UnitUSD, want, l.MonthlyUSD)
				}
			}
			sum += Cents(l.MonthlyUSD)
		}
		if sum != Cents(g.TotalUSD) {
			bad("%s: lines sum to %s, the total says %s", g.Name, USD(float64(sum)/100), USD(g.TotalUSD))
		}
		total += sum
	}
	if total != Cents(r.TotalUSD) {
		bad("groups sum to %s, the total says %s", USD(float64(total)/100), USD(r.TotalUSD))
	}
	var components int64
	for _, c := range r.ComponentTotals() {
		components += Cents(c.MonthlyUSD)
	}
	if components != total {
		bad("components sum to %s, the groups to %s", USD(float64(components)/100), USD(float64(total)/100))
	}
	for _, s := range r.Savings {
		if s.Unknown {
			continue
		}
		if Cents(s.AlwaysOnUSD)-Cents(s.PlanUSD) != Cents(s.SavedUSD) {
			bad("%s/%s: %s always-on less %s planned is not %s saved", s.Environment, s.Pool, USD(s.AlwaysOnUSD), USD(s.PlanUSD), USD(s.SavedUSD))
		}
		if s.AlwaysOnUSD > 0 && math.Abs(100*s.SavedUSD/s.AlwaysOnUSD-s.SavedPercent) > 0.05 {
			bad("%s/%s: %s of %s is not %.1f%%", s.Environment, s.Pool, USD(s.SavedUSD), USD(s.AlwaysOnUSD), s.SavedPercent)
		}
		if s.PlanUSD > s.AlwaysOnUSD {
			bad("%s/%s: the power plan (%s) costs more than always-on (%s)", s.Environment, s.Pool, USD(s.PlanUSD), USD(s.AlwaysOnUSD))
		}
	}
	return errs
}

// unitOf is the table unit of a price the report used (its Prices list), or the line's own unit.
func unitOf(r *Report, item, region, lineUnit string) string {
	for _, p := range r.Prices {
		if p.Item == item && p.Region == region {
			return p.Unit
		}
	}
	return lineUnit
}
