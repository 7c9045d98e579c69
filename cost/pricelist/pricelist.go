// Package pricelist reads the price table's on-demand list prices from the AWS Price List Query
// API (pricing:GetProducts, served from us-east-1) for `make prices`.
//
// Each table item maps to one query (queries.go): a service code, TERM_MATCH filters and a usage
// type. A query must find exactly one price: none, or two different ones, is an error and the
// table keeps its old entry, since picking one of several would be a guess.
package pricelist

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/editbay/editbay/cost"
)

// GetProductsAPI is the one Price List call the refresher makes; *pricing.Client has it.
type GetProductsAPI interface {
	GetProducts(ctx context.Context, params *pricing.GetProductsInput, optFns ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

var _ GetProductsAPI = (*pricing.Client)(nil)

// maxPages bounds one query's pages (100 products each); no item's query comes near it.
const maxPages = 50

// document is the part of a PriceList entry (one JSON document a product) the refresher reads.
type document struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
		SKU           string            `json:"sku"`
	} `json:"product"`
	ServiceCode string `json:"serviceCode"`
	Terms       struct {
		OnDemand map[string]term `json:"OnDemand"`
	} `json:"terms"`
}

type term struct {
	SKU             string               `json:"sku"`
	OfferTermCode   string               `json:"offerTermCode"`
	EffectiveDate   string               `json:"effectiveDate"`
	PriceDimensions map[string]dimension `json:"priceDimensions"`
}

type dimension struct {
	RateCode     string            `json:"rateCode"`
	Description  string            `json:"description"`
	Unit         string            `json:"unit"`
	BeginRange   string            `json:"beginRange"`
	EndRange     string            `json:"endRange"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
}

// offer is one matching product's on-demand price, converted to the table's unit.
type offer struct {
	sku, usageType, description string
	listed                      string // the Price List's USD figure
	unit                        string // the Price List's unit
	usd                         *big.Rat
	date                        string
	tierNote                    string
}

// Fetch reads the on-demand list price of item in region: it runs the item's query, every page
// of it, and returns the one price the matching products have, in the table's unit. Tiered
// prices give their first tier (beginRange 0); a first tier that is free (an allowance such as
// SNS's first million requests) gives the first paid tier, and the note says so.
func Fetch(ctx context.Context, api GetProductsAPI, region, item string) (cost.Price, error) {
	q, err := QueryFor(item)
	if err != nil {
		return cost.Price{}, err
	}
	docs, err := getProducts(ctx, api, q.ServiceCode, q.filters(region))
	if err != nil {
		return cost.Price{}, fmt.Errorf("GetProducts %s: %w", q.describe(region), err)
	}
	var offers []offer
	var skipped, unpriced []string
	for i, raw := range docs {
		var d document
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return cost.Price{}, fmt.Errorf("GetProducts %s: PriceList document %d: %w", q.describe(region), i, err)
		}
		usage := d.Product.Attributes["usagetype"]
		if !q.usageTypeMatches(usage, region) {
			skipped = append(skipped, usage)
			continue
		}
		o, err := q.offers(d)
		if err != nil {
			return cost.Price{}, fmt.Errorf("%s: SKU %s: %w", q.describe(region), d.Product.SKU, err)
		}
		if len(o) == 0 {
			unpriced = append(unpriced, d.Product.SKU)
		}
		offers = append(offers, o...)
	}
	if len(offers) == 0 {
		msg := fmt.Sprintf("no product matches %s: GetProducts returned %d", q.describe(region), len(docs))
		if len(skipped) > 0 {
			msg += fmt.Sprintf(", with usage types %s", list(skipped, 8))
		}
		if len(unpriced) > 0 {
			msg += fmt.Sprintf(", and SKUs without an on-demand price %s", list(unpriced, 8))
		}
		return cost.Price{}, fmt.Errorf("%s", msg)
	}
	return q.price(region, item, offers)
}

// price is the one price of offers, or an error when they have more than one.
func (q Query) price(region, item string, offers []offer) (cost.Price, error) {
	sort.Slice(offers, func(i, j int) bool { return offers[i].sku < offers[j].sku })
	distinct := map[string][]offer{}
	for _, o := range offers {
		distinct[o.usd.RatString()] = append(distinct[o.usd.RatString()], o)
	}
	if len(distinct) > 1 {
		var lines []string
		for _, o := range offers {
			lines = append(lines, fmt.Sprintf("SKU %s %s: %s USD per %s (%s)", o.sku, o.usageType, o.listed, o.unit, o.description))
		}
		return cost.Price{}, fmt.Errorf("%s is ambiguous: %d different prices match, narrow the query:\n  %s",
			q.describe(region), len(distinct), strings.Join(lines, "\n  "))
	}
	o := offers[0]
	usd, _ := o.usd.Float64()
	var notes []string
	if o.tierNote != "" {
		notes = append(notes, o.tierNote)
	}
	if q.Multiplier != 1 {
		notes = append(notes, fmt.Sprintf("%s USD per %s × %d: %s", trimZeros(o.listed), o.unit, q.Multiplier, q.Why))
	}
	if len(offers) > 1 {
		notes = append(notes, fmt.Sprintf("%d SKUs have this price", len(offers)))
	}
	return cost.Price{
		Region: region, Item: item, Unit: q.Unit, USD: usd,
		Source: fmt.Sprintf("AWS Price List API: %s SKU %s", q.ServiceCode, o.sku),
		Date:   o.date,
		Note:   strings.Join(notes, "; "),
	}, nil
}

// offers are the on-demand prices of one matching product, one per on-demand term (there is
// one). A product without on-demand terms has none.
func (q Query) offers(d document) ([]offer, error) {
	var keys []string
	for k := range d.Terms.OnDemand {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []offer
	for _, k := range keys {
		t := d.Terms.OnDemand[k]
		dim, tierNote, err := firstTier(t.PriceDimensions)
		if err != nil {
			return nil, fmt.Errorf("term %s: %w", k, err)
		}
		if !q.acceptsUnit(dim.Unit) {
			return nil, fmt.Errorf("term %s: unit %q, the query expects one of %s (%s)", k, dim.Unit, strings.Join(q.Units, ", "), dim.Description)
		}
		listed, ok := dim.PricePerUnit["USD"]
		if !ok {
			return nil, fmt.Errorf("term %s: no USD price", k)
		}
		usd, ok := new(big.Rat).SetString(listed)
		if !ok || usd.Sign() < 0 {
			return nil, fmt.Errorf("term %s: price %q is not a price", k, listed)
		}
		date, err := day(t.EffectiveDate)
		if err != nil {
			return nil, fmt.Errorf("term %s: %w", k, err)
		}
		sku := d.Product.SKU
		if sku == "" {
			sku = t.SKU
		}
		out = append(out, offer{
			sku: sku, usageType: d.Product.Attributes["usagetype"], description: dim.Description,
			listed: listed, unit: dim.Unit, date: date, tierNote: tierNote,
			usd: usd.Mul(usd, new(big.Rat).SetInt64(q.Multiplier)),
		})
	}
	return out, nil
}

// firstTier is the dimension an estimate prices at: the one starting at 0, or when that one is
// free and others follow, the first paid one.
func firstTier(dims map[string]dimension) (dimension, string, error) {
	if len(dims) == 0 {
		return dimension{}, "", fmt.Errorf("no price dimensions")
	}
	type tier struct {
		begin float64
		dim   dimension
	}
	var tiers []tier
	for _, d := range dims {
		begin := 0.0
		if d.BeginRange != "" {
			b, err := strconv.ParseFloat(d.BeginRange, 64)
			if err != nil {
				return dimension{}, "", fmt.Errorf("beginRange %q: %w", d.BeginRange, err)
			}
			begin = b
		}
		tiers = append(tiers, tier{begin, d})
	}
	sort.Slice(tiers, func(i, j int) bool { return tiers[i].begin < tiers[j].begin })
	if tiers[0].begin != 0 {
		return dimension{}, "", fmt.Errorf("no price tier starts at 0 (the first starts at %s)", tiers[0].dim.BeginRange)
	}
	for i := 1; i < len(tiers); i++ {
		if tiers[i].begin == tiers[i-1].begin {
			return dimension{}, "", fmt.Errorf("two price tiers start at %s", tiers[i].dim.BeginRange)
		}
	}
	first := tiers[0].dim
	if len(tiers) == 1 {
		return first, "", nil
	}
	if isZero(first.PricePerUnit["USD"]) {
		for _, t := range tiers[1:] {
			if !isZero(t.dim.PricePerUnit["USD"]) {
				return t.dim, fmt.Sprintf("the first %s %s are free; the price of the next tier", trimZeros(first.EndRange), first.Unit), nil
			}
		}
		return first, "", nil
	}
	return first, fmt.Sprintf("first of %d price tiers (up to %s %s)", len(tiers), trimZeros(first.EndRange), first.Unit), nil
}

func isZero(usd string) bool {
	r, ok := new(big.Rat).SetString(usd)
	return ok && r.Sign() == 0
}

// trimZeros writes a Price List number without its padding: 0.0450000000 as 0.045.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// day is the date of an effectiveDate (2024-02-01T00:00:00Z).
func day(s string) (string, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.DateOnly), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), nil
	}
	return "", fmt.Errorf("effectiveDate %q is not a date", s)
}

// regionPrefixes are the usage-type prefixes of the regions (as in billing data: USE2-BoxUsage,
// EU-VendedLog-Bytes). A region not here accepts any prefix of usagePrefix's form, which is looser:
// it would also take a usage type such as TS-LoadBalancerUsage for LoadBalancerUsage.
var regionPrefixes = map[string]string{
	"us-east-1": "USE1", "us-east-2": "USE2", "us-west-1": "USW1", "us-west-2": "USW2",
	"ca-central-1": "CAN1", "sa-east-1": "SAE1",
	"eu-west-1": "EU", "eu-west-2": "EUW2", "eu-west-3": "EUW3", "eu-central-1": "EUC1",
	"eu-central-2": "EUC2", "eu-north-1": "EUN1", "eu-south-1": "EUS1", "eu-south-2": "EUS2",
	"ap-northeast-1": "APN1", "ap-northeast-2": "APN2", "ap-northeast-3": "APN3",
	"ap-southeast-1": "APS1", "ap-southeast-2": "APS2", "ap-south-1": "APS3", "ap-east-1": "APE1",
	"me-south-1": "MES1", "me-central-1": "MEC1", "af-south-1": "AFS1", "il-central-1": "ILC1",
	"us-gov-west-1": "UGW1", "us-gov-east-1": "UGE1",
}

// usagePrefix is the form of a usage type's region prefix: USE1, EU, APN1, CAN1 ...
var usagePrefix = regexp.MustCompile(`^[A-Z]{2,4}[0-9]{0,2}$`)

// usageTypeMatches tells whether usage is the query's usage type in region: the same, or the same
// after the region's prefix or the region code itself (us-east-1-KMS-Keys).
func (q Query) usageTypeMatches(usage, region string) bool {
	for _, x := range q.UsageTypeExcludes {
		if strings.Contains(usage, x) {
			return false
		}
	}
	if q.UsageType == "" || usage == q.UsageType {
		return true
	}
	prefix, ok := strings.CutSuffix(usage, "-"+q.UsageType)
	if !ok {
		return false
	}
	if prefix == region {
		return true
	}
	if known, ok := regionPrefixes[region]; ok {
		return prefix == known
	}
	return usagePrefix.MatchString(prefix)
}

func (q Query) acceptsUnit(unit string) bool {
	for _, u := range q.Units {
		if strings.EqualFold(u, unit) {
			return true
		}
	}
	return false
}

func (q Query) filters(region string) []types.Filter {
	out := []types.Filter{{Type: types.FilterTypeTermMatch, Field: aws.String(q.RegionField), Value: aws.String(region)}}
	for _, x := range q.Filters {
		out = append(out, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(x.Field), Value: aws.String(x.Value)})
	}
	return out
}

// describe names the query in errors: AmazonEC2 regionCode=us-east-1 productFamily=NAT Gateway usagetype=NatGateway-Hours.
func (q Query) describe(region string) string {
	parts := []string{q.ServiceCode, q.RegionField + "=" + region}
	for _, x := range q.Filters {
		parts = append(parts, x.Field+"="+x.Value)
	}
	if q.UsageType != "" {
		parts = append(parts, "usagetype=[prefix-]"+q.UsageType)
	}
	for _, x := range q.UsageTypeExcludes {
		parts = append(parts, "usagetype without "+x)
	}
	return strings.Join(parts, " ")
}

// getProducts is every PriceList document of the query, page after page.
func getProducts(ctx context.Context, api GetProductsAPI, service string, filters []types.Filter) ([]string, error) {
	in := &pricing.GetProductsInput{
		ServiceCode:   aws.String(service),
		Filters:       filters,
		FormatVersion: aws.String("aws_v1"),
		MaxResults:    aws.Int32(100),
	}
	var docs []string
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		out, err := api.GetProducts(ctx, in)
		if err != nil {
			return nil, err
		}
		docs = append(docs, out.PriceList...)
		next := aws.ToString(out.NextToken)
		if next == "" {
			return docs, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("NextToken %q came twice", next)
		}
		seen[next] = true
		following := *in
		following.NextToken = aws.String(next)
		in = &following
	}
}

// list joins at most n distinct strings.
func list(s []string, n int) string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, fmt.Sprintf("%q", x))
		}
	}
	if len(out) > n {
		out = append(out[:n], fmt.Sprintf("and %d more", len(out)-n))
	}
	return strings.Join(out, ", ")
}
