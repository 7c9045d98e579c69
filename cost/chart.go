package cost

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart layout, in SVG user units.
const (
	chartWidth  = 900
	labelWidth  = 300
	barMax      = 440
	rowHeight   = 26
	barHeight   = 16
	sectionGap  = 40
	chartMargin = 20
)

// Chart is an SVG of the monthly cost by component, and of each pool's power plan against
// always-on. It is plain SVG with fixed fonts and no scripts, so it renders the same everywhere and
// is byte-for-byte the same for the same report.
func (r *Report) Chart(title string) string {
	comps := r.ComponentTotals()
	var pools []PoolSavings
	for _, s := range r.Savings {
		if !s.Unknown {
			pools = append(pools, s)
		}
	}
	height := chartMargin + 30 + 24 + len(comps)*rowHeight + sectionGap
	if len(pools) > 0 {
		height += 24 + len(pools)*2*rowHeight + 10
	}
	height += chartMargin

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="13">`+"\n",
		chartWidth, height, chartWidth, height)
	w(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	y := chartMargin + 18
	unknown := ""
	if len(r.Unknown) > 0 {
		unknown = fmt.Sprintf(", not counting %d unknown price(s)", len(r.Unknown))
	}
	w(`<text x="%d" y="%d" font-size="17" font-weight="bold">%s: %s a month (on-demand, USD%s)</text>`+"\n", chartMargin, y, esc(title), USD(r.TotalUSD), unknown)
	y += 30
	w(`<text x="%d" y="%d" font-weight="bold">By component</text>`+"\n", chartMargin, y)
	y += 10
	top := 0.0
	for _, c := range comps {
		top = math.Max(top, c.MonthlyUSD)
	}
	for _, c := range comps {
		w(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelWidth-10, y+barHeight-3, esc(c.Component))
		w(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="#3b6ea8"/>`+"\n", labelWidth, y, scale(c.MonthlyUSD, top), barHeight)
		w(`<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelWidth)+scale(c.MonthlyUSD, top)+6, y+barHeight-3, c.Amount())
		y += rowHeight
	}
	if len(pools) > 0 {
		y += sectionGap - 10
		w(`<text x="%d" y="%d" font-weight="bold">Workstation compute per pool: always-on (grey) against the power plan (green)</text>`+"\n", chartMargin, y)
		y += 10
		top = 0
		for _, s := range pools {
			top = math.Max(top, s.AlwaysOnUSD)
		}
		for _, s := range pools {
			label := s.Environment + "/" + s.Pool + " (" + s.InstanceType + ")"
			w(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelWidth-10, y+barHeight-3, esc(label))
			w(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="#b0b0b0"/>`+"\n", labelWidth, y, scale(s.AlwaysOnUSD, top), barHeight)
			w(`<text x="%.1f" y="%d">%s always-on</text>`+"\n", float64(labelWidth)+scale(s.AlwaysOnUSD, top)+6, y+barHeight-3, USD(s.AlwaysOnUSD))
			y += rowHeight
			w(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="#3f9b4f"/>`+"\n", labelWidth, y, scale(s.PlanUSD, top), barHeight)
			w(`<text x="%.1f" y="%d">%s, saves %s (%.1f%%)</text>`+"\n", float64(labelWidth)+scale(s.PlanUSD, top)+6, y+barHeight-3, USD(s.PlanUSD), USD(s.SavedUSD), s.SavedPercent)
			y += rowHeight
		}
	}
	w("</svg>\n")
	return b.String()
}

func scale(v, top float64) float64 {
	if top <= 0 {
		return 0
	}
	return math.Round(v/top*barMax*10) / 10
}

func esc(s string) string { return html.EscapeString(s) }
