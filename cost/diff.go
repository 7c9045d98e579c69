package cost

import (
	"fmt"
	"sort"
	"strings"
)

// Change is one line's difference between two estimates: a line added, removed or changed.
type Change struct {
	Group     string  `json:"group"`
	Component string  `json:"component"`
	Before    string  `json:"before,omitempty"` // the base line's description; "" when added
	After     string  `json:"after,omitempty"`  // the head line's description; "" when removed
	DeltaUSD  float64 `json:"deltaUSD"`
	Unknown   bool    `json:"unknown,omitempty"` // either side's price is unknown, so the delta is not
}

// Diff lists what changes from base to head, largest monthly change first. Lines pair up by group,
// component, item and their order among such lines, so a pool's compute pairs with the same pool's.
func Diff(base, head *Report) []Change {
	type side struct{ base, head *Line }
	pairs := map[string]*side{}
	var order []string
	index := func(r *Report, set func(*side, *Line)) {
		for _, g := range r.Groups {
			seen := map[string]int{}
			for i := range g.Lines {
				l := &g.Lines[i]
				stem := g.Name + "\x00" + l.Component + "\x00" + l.Item
				k := fmt.Sprintf("%s\x00%d", stem, seen[stem])
				seen[stem]++
				if pairs[k] == nil {
					pairs[k] = &side{}
					order = append(order, k)
				}
				set(pairs[k], l)
			}
		}
	}
	index(base, func(s *side, l *Line) { s.base = l })
	index(head, func(s *side, l *Line) { s.head = l })
	var out []Change
	for _, k := range order {
		s := pairs[k]
		group := strings.SplitN(k, "\x00", 2)[0]
		c := Change{Group: group}
		var before, after int64
		if s.base != nil {
			c.Component, c.Before, before = s.base.Component, s.base.What, Cents(s.base.MonthlyUSD)
			c.Unknown = s.base.Unknown
		}
		if s.head != nil {
			c.Component, c.After, after = s.head.Component, s.head.What, Cents(s.head.MonthlyUSD)
			c.Unknown = c.Unknown || s.head.Unknown
		}
		if after == before && c.Before == c.After && (s.base == nil) == (s.head == nil) {
			continue
		}
		c.DeltaUSD = float64(after-before) / 100
		if c.DeltaUSD == 0 && !c.Unknown && c.Before != "" && c.After != "" {
			continue // reworded at the same price
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return abs(out[i].DeltaUSD) > abs(out[j].DeltaUSD) })
	return out
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// Signed formats a monthly change as +$312.00 or -$12.50.
func Signed(v float64) string {
	if Cents(v) >= 0 {
		return "+" + USD(v)
	}
	return USD(v)
}

// String reads as "+$65.70/month: 3 NAT gateway(s) in prod (was: 1 NAT gateway(s))".
func (c Change) String() string {
	var what string
	switch {
	case c.Before == "":
		what = c.After + " in " + c.Group + " (new)"
	case c.After == "":
		what = c.Before + " in " + c.Group + " (removed)"
	case c.Before == c.After:
		what = c.After + " in " + c.Group
	default:
		what = c.After + " in " + c.Group + " (was: " + c.Before + ")"
	}
	amount := Signed(c.DeltaUSD) + "/month"
	if c.Unknown {
		amount = "unknown change/month"
	}
	return amount + ": " + c.Component + ": " + what
}

// DiffMarkdown is the pull-request comment for one config: the totals and every change.
func DiffMarkdown(name string, base, head *Report) string {
	var b strings.Builder
	delta := float64(Cents(head.TotalUSD)-Cents(base.TotalUSD)) / 100
	fmt.Fprintf(&b, "### %s: %s a month (%s → %s)\n\n", name, Signed(delta), USD(base.TotalUSD), USD(head.TotalUSD))
	changes := Diff(base, head)
	if len(changes) == 0 {
		b.WriteString("No cost change.\n")
		return b.String()
	}
	for _, c := range changes {
		fmt.Fprintf(&b, "- %s\n", c)
	}
	return b.String()
}
