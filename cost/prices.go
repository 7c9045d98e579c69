package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// PricesJSON is the checked-in table of on-demand list prices (prices.json); `make prices`
// rewrites it from the AWS Price List API.
//
//go:embed prices.json
var PricesJSON []byte

// Price is one on-demand list price: what one unit of an item costs in a region, where the
// figure comes from and on which day it was read there.
type Price struct {
	Region string  `json:"region"`
	Item   string  `json:"item"`
	Unit   string  `json:"unit"`
	USD    float64 `json:"usd"`
	Source string  `json:"source"`
	Date   string  `json:"date"`
	Note   string  `json:"note,omitempty"`
}

// Table is the price table: its currency and its prices, one per region and item.
type Table struct {
	Currency string  `json:"currency"`
	Prices   []Price `json:"prices"`

	index map[string]Price
}

var (
	itemPattern   = regexp.MustCompile(`^[a-z0-9-]+:[a-z0-9.:-]+$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	datePattern   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// ParseTable decodes and checks a price table: unknown fields, a negative or missing price, a
// price without a source or date, and a region and item given twice are all errors.
func ParseTable(data []byte) (*Table, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	if t.Currency != "USD" {
		return nil, fmt.Errorf("price table: currency %q, want USD", t.Currency)
	}
	var problems []string
	t.index = make(map[string]Price, len(t.Prices))
	for i, p := range t.Prices {
		at := fmt.Sprintf("prices[%d] (%s %s)", i, p.Region, p.Item)
		switch {
		case !regionPattern.MatchString(p.Region):
			problems = append(problems, at+": region is not a region code")
		case !itemPattern.MatchString(p.Item):
			problems = append(problems, at+": item is not service:name")
		case p.Unit == "":
			problems = append(problems, at+": no unit")
		case p.USD < 0:
			problems = append(problems, at+": negative price")
		case p.Source == "":
			problems = append(problems, at+": no source")
		case !datePattern.MatchString(p.Date):
			problems = append(problems, at+": date is not YYYY-MM-DD")
		case TableUnit(p.Item) == "":
			problems = append(problems, at+": no estimate uses this item")
		case p.Unit != TableUnit(p.Item):
			problems = append(problems, fmt.Sprintf("%s: unit %q, the estimate prices this item per %q", at, p.Unit, TableUnit(p.Item)))
		}
		key := p.Region + " " + p.Item
		if _, dup := t.index[key]; dup {
			problems = append(problems, at+": given twice")
		}
		t.index[key] = p
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("price table:\n  %s", strings.Join(problems, "\n  "))
	}
	return &t, nil
}

// DefaultTable is the checked-in table.
func DefaultTable() (*Table, error) { return ParseTable(PricesJSON) }

// Lookup returns the price of item in region; false when the table has none, which an estimate
// reports as unknown rather than guessing.
func (t *Table) Lookup(region, item string) (Price, bool) {
	p, ok := t.index[region+" "+item]
	return p, ok
}

// Sorted returns the prices by region, then item, as `make prices` writes them.
func (t *Table) Sorted() []Price {
	out := append([]Price(nil), t.Prices...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Item < out[j].Item
	})
	return out
}

// units is the table's unit of each item, by its service:name; EC2, RDS instance, AppStream and
// Directory Service items carry a type after it (ec2:<type>:<os>).
var units = map[string]string{
	"ec2": "hour", "ds": "hour", "appstream": "hour", "rds:aurora-postgresql": "hour",
	"ebs:gp3":               "GB-month",
	"ec2:data-transfer-out": "GB",
	"vpc:nat-gateway":       "hour", "vpc:nat-gateway-gb": "GB",
	"vpc:interface-endpoint": "hour", "vpc:interface-endpoint-gb": "GB", "vpc:public-ipv4": "hour",
	"elb:alb": "hour", "elb:alb-lcu": "LCU-hour", "elb:nlb": "hour", "elb:nlb-nlcu": "NLCU-hour",
	"network-firewall:endpoint": "hour", "network-firewall:gb": "GB",
	"tgw:attachment": "hour", "tgw:gb": "GB",
	"rds:aurora-serverless-v2": "ACU-hour", "rds:aurora-storage": "GB-month", "rds:aurora-io": "million-requests",
	"appstream:user-windows": "user-month",
	"cloudwatch:logs-ingest": "GB", "cloudwatch:logs-vended-ingest": "GB", "cloudwatch:logs-storage": "GB-month",
	"cloudwatch:alarm": "alarm-month", "cloudwatch:metric": "metric-month",
	"s3:standard": "GB-month", "s3:glacier-flexible-retrieval": "GB-month", "s3:vended-logs-delivery": "GB",
	"config:configuration-item": "item", "config:rule-evaluation": "evaluation",
	"cloudtrail:data-events": "100k-events",
	"kms:key":                "key-month", "kms:requests": "10k-requests",
	"secretsmanager:secret": "secret-month",
	"lambda:arm-gb-second":  "GB-second", "lambda:requests": "million-requests",
	"dynamodb:on-demand-write": "million-requests", "dynamodb:on-demand-read": "million-requests", "dynamodb:storage": "GB-month",
	"sns:publish": "million-requests", "eventbridge:custom-events": "million-requests",
}

// TableUnit is the unit the table prices item in, or "" for an item the estimator never uses.
func TableUnit(item string) string {
	if u, ok := units[item]; ok {
		return u
	}
	parts := strings.Split(item, ":")
	for n := len(parts) - 1; n >= 1; n-- {
		if u, ok := units[strings.Join(parts[:n], ":")]; ok {
			return u
		}
	}
	return ""
}
