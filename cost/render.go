package cost

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// README markers: `make docs` writes the default config's Summary between them.
const (
	ReadmeBegin = "<!-- cost-estimate:begin (make docs writes this part) -->"
	ReadmeEnd   = "<!-- cost-estimate:end -->"
)

// SpliceReadme returns readme with the text between ReadmeBegin and ReadmeEnd replaced by summary.
func SpliceReadme(readme, summary string) (string, error) {
	before, rest, ok := strings.Cut(readme, ReadmeBegin+"\n")
	_, after, ok2 := strings.Cut(rest, ReadmeEnd)
	if !ok || !ok2 {
		return "", fmt.Errorf("the README lacks the lines %q and %q", ReadmeBegin, ReadmeEnd)
	}
	return before + ReadmeBegin + "\n" + summary + ReadmeEnd + after, nil
}

// JSON is the report for machines: indented, with a trailing newline.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// USD formats an amount as $1,234.56 (negative: -$1,234.56).
func USD(v float64) string {
	sign := ""
	c := Cents(v)
	if c < 0 {
		sign, c = "-", -c
	}
	whole := strconv.FormatInt(c/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, whole, c%100)
}

// unitPrice formats a price with the digits it has (prices go down to fractions of a cent).
func unitPrice(v float64) string { return "$" + strconv.FormatFloat(v, 'f', -1, 64) }

func quantity(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if whole, frac, ok := strings.Cut(s, "."); ok && len(frac) > 2 {
		s = whole + "." + frac[:2]
	}
	return s
}

// Markdown is the report for people: a summary, components, the pools' savings, every group's
// lines, what is unknown, the assumptions and every price with its source.
func (r *Report) Markdown(title string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Monthly cost estimate: %s\n\n", title)
	b.WriteString(r.Summary())
	r.details(&b)
	return b.String()
}

// Summary is the total, the parts, the components and the pools' savings: what the README shows.
func (r *Report) Summary() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("**%s a month** at on-demand list prices (USD)", USD(r.TotalUSD))
	if len(r.Unknown) > 0 {
		w(", **not counting %d unknown price(s)**", len(r.Unknown))
	}
	w(".\n\n")
	w("| Part | Kind | Region | Monthly |\n| --- | --- | --- | ---: |\n")
	for _, g := range r.Groups {
		w("| %s | %s | %s | %s |\n", g.Name, g.Kind, g.Region, USD(g.TotalUSD))
	}
	w("| **Total** | | | **%s** |\n\n", USD(r.TotalUSD))

	w("### By component\n\n| Component | Monthly |\n| --- | ---: |\n")
	for _, c := range r.ComponentTotals() {
		w("| %s | %s |\n", c.Component, c.Amount())
	}
	w("| **Total** | **%s** |\n\n", USD(r.TotalUSD))

	if len(r.Savings) > 0 {
		w("### Power plans against always-on\n\n")
		w("| Environment | Pool | Type | Users | Workstations | Always-on | Power plan | Saved | Saved %% |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, s := range r.Savings {
			if s.Unknown {
				w("| %s | %s | %s | %d | %s | unknown | unknown | unknown | unknown |\n", s.Environment, s.Pool, s.InstanceType, s.Users, quantity(s.Machines))
				continue
			}
			w("| %s | %s | %s | %d | %s | %s | %s | %s | %s%% |\n", s.Environment, s.Pool, s.InstanceType, s.Users, quantity(s.Machines),
				USD(s.AlwaysOnUSD), USD(s.PlanUSD), USD(s.SavedUSD), strconv.FormatFloat(s.SavedPercent, 'f', 1, 64))
		}
		w("\nCompute only (volumes cost the same either way). Per pool:\n\n")
		for _, s := range r.Savings {
			w("- **%s/%s**: %s.\n", s.Environment, s.Pool, strings.Join(s.Assumptions, "; "))
		}
		w("\n")
	}
	return b.String()
}

// details writes every group's lines, the unknowns, the assumptions and the prices used.
func (r *Report) details(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	for _, g := range r.Groups {
		w("## %s (%s, %s)\n\n", g.Name, g.Kind, g.Region)
		w("| Component | What | Quantity | Unit price | Monthly |\n| --- | --- | ---: | ---: | ---: |\n")
		for _, l := range g.Lines {
			price, monthly := unitPrice(l.UnitUSD)+" per "+l.Unit, USD(l.MonthlyUSD)
			if l.Unknown {
				price, monthly = "unknown ("+l.Item+")", "unknown"
			}
			w("| %s | %s | %s %s | %s | %s |\n", l.Component, l.What, quantity(l.Quantity), l.Unit, price, monthly)
		}
		w("| **Total** | | | | **%s** |\n\n", USD(g.TotalUSD))
	}

	if len(r.Unknown) > 0 {
		w("## Unknown prices\n\nThe price table (cost/prices.json) has no price for these; they add nothing to the totals above. `make prices` fetches them from the AWS Price List API.\n\n")
		for _, u := range r.Unknown {
			w("- %s\n", u)
		}
		w("\n")
	}
	w("## Assumptions\n\n")
	for _, a := range r.Assumptions {
		w("- %s\n", a)
	}
	w("\n## Prices used\n\n| Region | Item | Price | Source | Date |\n| --- | --- | ---: | --- | --- |\n")
	for _, p := range r.Prices {
		w("| %s | %s | %s per %s | %s | %s |\n", p.Region, p.Item, unitPrice(p.USD), p.Unit, p.Source, p.Date)
	}
}
