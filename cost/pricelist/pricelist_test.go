package pricelist

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/editbay/editbay/cost"
)

// TestFetchCatalog reads every item the refresher knows from a Price List that holds, next to
// each item's product, the products that share most of its attributes: the filters must pick
// the one product and its price, converted to the table's unit.
func TestFetchCatalog(t *testing.T) {
	tests := []struct {
		region, item string
		usd          float64
		sku          string
		note         string // a part of the note
	}{
		{use1, "ec2:t3.medium:linux", 0.0416, "T3MLINUXUSE1AAAA", ""},
		{use1, "ec2:t3.medium:windows", 0.06, "T3MWINUSE1AAAAAA", ""},
		{use1, "ec2:m6i.large:linux", 0.096, "M6ILLINUXUSE1AAA", ""},
		{"eu-west-1", "ec2:t3.medium:linux", 0.0456, "T3MLINUXEUW1AAAA", ""},
		{use1, "ebs:gp3", 0.08, "GP3USE1AAAAAAAAA", ""},
		{"eu-west-1", "ebs:gp3", 0.088, "GP3EUW1AAAAAAAAA", ""},
		{use1, "vpc:nat-gateway", 0.045, "NATHOURSUSE1AAAA", ""},
		{"eu-west-1", "vpc:nat-gateway", 0.048, "NATHOURSEUW1AAAA", ""},
		{use1, "vpc:nat-gateway-gb", 0.045, "NATBYTESUSE1AAAA", ""},
		{use1, "vpc:interface-endpoint", 0.01, "VPCEHOURSUSE1AAA", ""},
		{use1, "vpc:interface-endpoint-gb", 0.01, "VPCEBYTESUSE1AAA", "first of 3 price tiers (up to 1048576 GB)"},
		{use1, "vpc:public-ipv4", 0.005, "IPV4INUSEUSE1AAA", ""},
		{use1, "elb:alb", 0.0225, "ALBHOURSUSE1AAAA", ""},
		{use1, "elb:alb-lcu", 0.008, "ALBLCUUSE1AAAAAA", ""},
		{use1, "elb:nlb", 0.0225, "NLBHOURSUSE1AAAA", ""},
		{use1, "elb:nlb-nlcu", 0.006, "NLBNLCUUSE1AAAAA", ""},
		{use1, "network-firewall:endpoint", 0.395, "NFWENDPOINTUSE1A", ""},
		{use1, "network-firewall:gb", 0.065, "NFWTRAFFICUSE1AA", ""},
		{use1, "tgw:attachment", 0.05, "TGWVPCHOURSUSE1A", ""},
		{use1, "tgw:gb", 0.02, "TGWVPCBYTESUSE1A", ""},
		{use1, "rds:aurora-postgresql:db.r6g.large", 0.26, "AURPGR6GLUSE1AAA", ""},
		{use1, "rds:aurora-serverless-v2", 0.12, "AURPGSV2USE1AAAA", ""},
		{use1, "rds:aurora-storage", 0.1, "AURPGSTORAGEAAAA", ""},
		{use1, "rds:aurora-io", 0.2, "AURPGIOUSE1AAAAA", "0.0000002 USD per IOs × 1000000"},
		{use1, "appstream:stream.standard.medium", 0.1, "ASSTDMEDWINAAAAA", ""},
		{use1, "appstream:stream.graphics.g4dn.xlarge", 0.82, "ASGFXG4DNXLWINAA", ""},
		{use1, "appstream:stream.standard.medium:linux", 0.075, "ASSTDMEDLINUXAAA", ""},
		{use1, "appstream:stream.standard.medium:stopped", 0.025, "ASSTOPPEDUSE1AAA", ""},
		{use1, "appstream:user-windows", 4.19, "ASUSERFEEUSE1AAA", ""},
		{use1, "ds:managed-ad-standard", 0.12, "DSMSADSTDUSE1AAA", "a directory runs two"},
		{use1, "ds:managed-ad-enterprise", 0.4, "DSMSADENTUSE1AAA", ""},
		{use1, "cloudwatch:logs-ingest", 0.5, "CWLOGSINGESTAAAA", ""},
		{use1, "cloudwatch:logs-vended-ingest", 0.5, "CWVENDEDUSE1AAAA", "first of 4 price tiers (up to 10240 GB)"},
		{use1, "cloudwatch:logs-storage", 0.03, "CWLOGSSTORAGEAAA", ""},
		{use1, "cloudwatch:alarm", 0.1, "CWALARMUSE1AAAAA", ""},
		{use1, "cloudwatch:metric", 0.3, "CWMETRICUSE1AAAA", "first of 4 price tiers"},
		{use1, "s3:standard", 0.023, "S3STANDARDUSE1AA", "first of 3 price tiers (up to 51200 GB-Mo)"},
		{use1, "s3:glacier-flexible-retrieval", 0.0036, "S3GLACIERUSE1AAA", ""},
		{use1, "s3:vended-logs-delivery", 0.25, "CWS3EGRESSFLOWAA", "2 SKUs have this price"},
		{use1, "config:configuration-item", 0.003, "CFGITEMUSE1AAAAA", ""},
		{use1, "config:rule-evaluation", 0.001, "CFGRULESUSE1AAAA", ""},
		{use1, "cloudtrail:data-events", 0.1, "CTDATAEVENTSAAAA", "× 100000"},
		{use1, "kms:key", 1, "KMSKEYSUSE1AAAAA", ""},
		{use1, "kms:requests", 0.03, "KMSREQUSE1AAAAAA", "the first 20000 Requests are free"},
		{use1, "secretsmanager:secret", 0.4, "SMSECRETUSE1AAAA", ""},
		{use1, "lambda:arm-gb-second", 0.0000133334, "LAMBDAARMGBSAAAA", "first of 3 price tiers"},
		{use1, "lambda:requests", 0.2, "LAMBDAREQUSE1AAA", ""},
		{use1, "sns:publish", 0.5, "SNSREQUSE1AAAAAA", "the first 1000000 Requests are free"},
		{use1, "eventbridge:custom-events", 1, "EBCUSTOMUSE1AAAA", ""},
		{use1, "dynamodb:on-demand-write", 0.625, "DDBWRUUSE1AAAAAA", ""},
		{use1, "dynamodb:on-demand-read", 0.125, "DDBRRUUSE1AAAAAA", ""},
		{use1, "dynamodb:storage", 0.25, "DDBSTORAGEUSE1AA", "the first 25 GB-Mo are free"},
		{use1, "ec2:data-transfer-out", 0.09, "DTOUTUSE1AAAAAAA", ""},
	}
	api := newFake(catalog()...)
	for _, tt := range tests {
		t.Run(tt.region+" "+tt.item, func(t *testing.T) {
			got, err := Fetch(context.Background(), api, tt.region, tt.item)
			if err != nil {
				t.Fatal(err)
			}
			q, _ := QueryFor(tt.item)
			want := cost.Price{Region: tt.region, Item: tt.item, Unit: cost.TableUnit(tt.item), USD: tt.usd,
				Source: "AWS Price List API: " + q.ServiceCode + " SKU " + tt.sku, Date: "2025-03-01", Note: got.Note}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if !strings.Contains(got.Note, tt.note) {
				t.Errorf("note %q, want it to say %q", got.Note, tt.note)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	linux := ec2("T3MLINUXUSE1AAAA", use1, "", "t3.medium", "Linux", "0.0416000000", nil)
	windows := ec2("T3MWINUSE1AAAAAA", use1, "", "t3.medium", "Windows", "0.0600000000", nil)
	tests := []struct {
		name      string
		products  []fixture
		region    string
		item      string
		usd       float64
		date      string
		note      string
		errorSays []string
	}{
		{name: "EC2 Linux", products: catalog(), item: "ec2:t3.medium:linux", usd: 0.0416, date: "2025-03-01"},
		{name: "EC2 Windows, license included", products: catalog(), item: "ec2:t3.medium:windows", usd: 0.06, date: "2025-03-01"},
		{
			name: "the effective date of the term", item: "ec2:t3.medium:linux", usd: 0.0416, date: "2024-02-01",
			products: []fixture{func() fixture { x := linux; x.effective = "2024-02-01T00:00:00Z"; return x }()},
		},
		{
			name: "multi-tier price: the first tier, whatever the order of the dimensions", item: "s3:standard", usd: 0.023, date: "2025-03-01",
			note: "first of 3 price tiers (up to 51200 GB-Mo)",
			products: []fixture{p("S3STANDARDUSE1AA", "AmazonS3", "Storage", use1, []tier{
				{"512000", "Inf", "0.0210000000", "GB-Mo"}, {"0", "51200", "0.0230000000", "GB-Mo"}, {"51200", "512000", "0.0220000000", "GB-Mo"},
			}, "usagetype", "TimedStorage-ByteHrs")},
		},
		{
			name: "a free first tier gives the first paid one", item: "sns:publish", usd: 0.5, date: "2025-03-01",
			note: "the first 1000000 Requests are free; the price of the next tier; 0.0000005 USD per Requests × 1000000",
			products: []fixture{p("SNSREQUSE1AAAAAA", "AmazonSNS", "API Request", use1, []tier{
				{"1000000", "Inf", "0.0000005000", "Requests"}, {"0", "1000000", "0.0000000000", "Requests"},
			}, "usagetype", "USE1-Requests-Tier1")},
		},
		{
			name: "zero matches: no product in the region", products: catalog(), region: "ap-south-1", item: "ec2:t3.medium:linux",
			errorSays: []string{"no product matches", "AmazonEC2 regionCode=ap-south-1", "instanceType=t3.medium", "GetProducts returned 0"},
		},
		{
			name: "zero matches: products, but none of the usage type", item: "vpc:nat-gateway",
			products:  []fixture{p("NATREGHOURSAAAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.0600000000", "Hrs"), "usagetype", "RegionalNatGateway-Hours")},
			errorSays: []string{"no product matches", "GetProducts returned 1", `usage types "RegionalNatGateway-Hours"`},
		},
		{
			name: "two different prices are ambiguous", item: "ec2:t3.medium:linux",
			products:  []fixture{linux, ec2("T3MLINUXOTHERAAA", use1, "", "t3.medium", "Linux", "0.0420000000", nil), windows},
			errorSays: []string{"ambiguous", "2 different prices", "SKU T3MLINUXOTHERAAA BoxUsage:t3.medium: 0.0420000000 USD per Hrs", "SKU T3MLINUXUSE1AAAA"},
		},
		{
			name: "two SKUs of the same price are one price", item: "ec2:t3.medium:linux", usd: 0.0416, date: "2025-03-01", note: "2 SKUs have this price",
			products: []fixture{ec2("T3MLINUXZZZZZZZZ", use1, "", "t3.medium", "Linux", "0.04160", nil), linux},
		},
		{
			name: "a price in another unit is an error", item: "kms:requests",
			products:  []fixture{p("KMSREQUSE1AAAAAA", "awskms", "", use1, flat("0.0300000000", "10K Requests"), "usagetype", "us-east-1-KMS-Requests")},
			errorSays: []string{`unit "10K Requests", the query expects one of Requests, Request`},
		},
		{
			name: "a usage type of another region's prefix does not match", item: "vpc:nat-gateway",
			products:  []fixture{p("NATHOURSWRONGAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.0450000000", "Hrs"), "usagetype", "USE2-NatGateway-Hours")},
			errorSays: []string{"no product matches"},
		},
		{
			name: "a product without an on-demand term has no price", item: "ec2:t3.medium:linux",
			products:  []fixture{func() fixture { x := linux; x.reservedOnly = true; return x }()},
			errorSays: []string{"no product matches", "SKUs without an on-demand price \"T3MLINUXUSE1AAAA\""},
		},
		{name: "an unknown item", products: catalog(), item: "ec2:t3.medium", errorSays: []string{`item "ec2:t3.medium": no Price List query is known for it`}},
		{name: "an unknown operating system", products: catalog(), item: "ec2:t3.medium:macos", errorSays: []string{"linux or windows"}},
		{name: "an unknown service", products: catalog(), item: "sqs:requests", errorSays: []string{"no Price List query is known"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region := tt.region
			if region == "" {
				region = use1
			}
			got, err := Fetch(context.Background(), newFake(tt.products...), region, tt.item)
			if len(tt.errorSays) > 0 {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				for _, s := range tt.errorSays {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.USD != tt.usd || got.Date != tt.date || got.Region != region || got.Item != tt.item || got.Unit != cost.TableUnit(tt.item) {
				t.Errorf("got %+v, want %g USD on %s", got, tt.usd, tt.date)
			}
			if !strings.Contains(got.Note, tt.note) {
				t.Errorf("note %q, want it to say %q", got.Note, tt.note)
			}
		})
	}
}

// TestUnitConversion checks each conversion from the Price List's unit to the table's exactly: the
// multiplication is done on the decimal figures, so 0.0000002 × 1,000,000 is 0.2, not
// 0.19999999999999998.
func TestUnitConversion(t *testing.T) {
	tests := []struct {
		item, usd, unit, usage string
		want                   float64
	}{
		{"lambda:requests", "0.0000002000", "Requests", "Request", 0.2},
		{"sns:publish", "0.0000005000", "Requests", "USE1-Requests-Tier1", 0.5},
		{"kms:requests", "0.0000030000", "Requests", "us-east-1-KMS-Requests", 0.03},
		{"cloudtrail:data-events", "0.0000010000", "Events", "USE1-DataEventsRecorded", 0.1},
		{"rds:aurora-io", "0.0000002000", "IOs", "Aurora:StorageIOUsage", 0.2},
		{"dynamodb:on-demand-write", "0.0000006250", "WriteRequestUnits", "WriteRequestUnits", 0.625},
		{"dynamodb:on-demand-read", "0.0000001250", "ReadRequestUnits", "ReadRequestUnits", 0.125},
		{"eventbridge:custom-events", "0.0000010000", "Events", "USE1-Event-64K-Chunks", 1},
		{"ds:managed-ad-standard", "0.0600000000", "Hrs", "", 0.12},
		{"ds:managed-ad-enterprise", "0.2000000000", "Hrs", "", 0.4},
		{"ebs:gp3", "0.0800000000", "GB-Mo", "EBS:VolumeUsage.gp3", 0.08},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			q, err := QueryFor(tt.item)
			if err != nil {
				t.Fatal(err)
			}
			// The product has exactly the query's attributes, whatever they are.
			kv := []string{"usagetype", tt.usage}
			family := ""
			for _, x := range q.Filters {
				if x.Field == "productFamily" {
					family = x.Value
					continue
				}
				kv = append(kv, x.Field, x.Value)
			}
			got, err := Fetch(context.Background(), newFake(p("SKU1", q.ServiceCode, family, use1, flat(tt.usd, tt.unit), kv...)), use1, tt.item)
			if err != nil {
				t.Fatal(err)
			}
			if got.USD != tt.want {
				t.Errorf("%s USD per %s: got %v per %s, want %v", tt.usd, tt.unit, got.USD, got.Unit, tt.want)
			}
			if q.Multiplier != 1 && !strings.Contains(got.Note, "× ") {
				t.Errorf("note %q does not say how the price was converted", got.Note)
			}
		})
	}
}

func TestFetchPaginates(t *testing.T) {
	api := newFake(catalog()...)
	api.pageSize = 1
	got, err := Fetch(context.Background(), api, use1, "vpc:nat-gateway")
	if err != nil {
		t.Fatal(err)
	}
	if got.USD != 0.045 || got.Source != "AWS Price List API: AmazonEC2 SKU NATHOURSUSE1AAAA" {
		t.Errorf("got %+v", got)
	}
	// Four NAT Gateway products in us-east-1, one a page: four calls, the last without a token.
	if len(api.calls) != 4 || api.tokens != "page-1 page-2 page-3  " {
		t.Fatalf("%d calls, tokens %q", len(api.calls), api.tokens)
	}
	for i, c := range api.calls {
		want := ""
		if i > 0 {
			want = "page-" + string(rune('0'+i))
		}
		if aws.ToString(c.NextToken) != want || aws.ToString(c.ServiceCode) != "AmazonEC2" || aws.ToString(c.FormatVersion) != "aws_v1" {
			t.Errorf("call %d: NextToken %q ServiceCode %q", i, aws.ToString(c.NextToken), aws.ToString(c.ServiceCode))
		}
		if len(c.Filters) != 2 || aws.ToString(c.Filters[0].Field) != "regionCode" || aws.ToString(c.Filters[0].Value) != use1 ||
			aws.ToString(c.Filters[1].Field) != "productFamily" || c.Filters[1].Type != types.FilterTypeTermMatch {
			t.Errorf("call %d: filters %+v", i, c.Filters)
		}
	}

	// The same across pages: the ambiguity of two prices on two pages is found.
	api = newFake(ec2("AAAAAAAAAAAAAAAA", use1, "", "t3.medium", "Linux", "0.0416", nil), ec2("BBBBBBBBBBBBBBBB", use1, "", "t3.medium", "Linux", "0.05", nil))
	api.pageSize = 1
	if _, err := Fetch(context.Background(), api, use1, "ec2:t3.medium:linux"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("two prices on two pages: %v", err)
	}

	// A token that comes back does not loop.
	api = newFake(catalog()...)
	api.loop = true
	if _, err := Fetch(context.Background(), api, use1, "vpc:nat-gateway"); err == nil || !strings.Contains(err.Error(), "came twice") {
		t.Errorf("a repeated NextToken: %v", err)
	}
}

func TestFetchAPIError(t *testing.T) {
	api := newFake()
	api.err = errors.New("AccessDeniedException: not authorized to perform pricing:GetProducts")
	_, err := Fetch(context.Background(), api, use1, "kms:key")
	if err == nil || !strings.Contains(err.Error(), "GetProducts awskms regionCode=us-east-1") || !errors.Is(err, api.err) {
		t.Errorf("got %v", err)
	}
}

// TestAWSExample parses the PriceList entry of AWS's own GetProducts example.
func TestAWSExample(t *testing.T) {
	var d document
	if err := json.Unmarshal([]byte(awsCLIExample), &d); err != nil {
		t.Fatal(err)
	}
	q := Query{ServiceCode: "AmazonEC2", UsageType: "EBS:VolumeUsage.piops", Units: gbMonth, Multiplier: 1}
	if !q.usageTypeMatches(d.Product.Attributes["usagetype"], "ap-southeast-1") {
		t.Errorf("usage type %q", d.Product.Attributes["usagetype"])
	}
	offers, err := q.offers(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.price("ap-southeast-1", "ebs:io1", offers)
	if err != nil {
		t.Fatal(err)
	}
	if got.USD != 0.138 || got.Date != "2018-08-01" || got.Source != "AWS Price List API: AmazonEC2 SKU 3MKHN58N7RDDVGKJ" || got.Note != "" {
		t.Errorf("got %+v", got)
	}
}

func TestUsageTypeMatches(t *testing.T) {
	q := Query{UsageType: "NatGateway-Hours"}
	for usage, want := range map[string]bool{
		"NatGateway-Hours":               true,
		"USE1-NatGateway-Hours":          true,
		"us-east-1-NatGateway-Hours":     true,
		"USE2-NatGateway-Hours":          false, // another region's
		"RegionalNatGateway-Hours":       false,
		"USE1-RegionalNatGateway-Hours":  false,
		"USE1-Outposts-NatGateway-Hours": false,
		"Global-NatGateway-Hours":        false,
		"NatGateway-Hours-Extra":         false,
	} {
		if got := q.usageTypeMatches(usage, use1); got != want {
			t.Errorf("%s in us-east-1: %v, want %v", usage, got, want)
		}
	}
	// A region without a known prefix takes any prefix of the form.
	if !q.usageTypeMatches("XYZ9-NatGateway-Hours", "xx-new-1") || q.usageTypeMatches("Xyz-NatGateway-Hours", "xx-new-1") {
		t.Error("a region without a known prefix")
	}
	if (Query{UsageTypeExcludes: []string{"Multi-Session"}}).usageTypeMatches("USE1-Fee-Multi-Session", use1) {
		t.Error("an excluded usage type matched")
	}
}

// TestQueriesUseTableUnits checks every query against the price table's units and the filters'
// form.
func TestQueriesUseTableUnits(t *testing.T) {
	items := []string{"ec2:t3.medium:linux", "ec2:m7i-flex.large:windows",
		"rds:aurora-postgresql:db.t4g.medium", "appstream:stream.standard.large", "appstream:stream.standard.large:stopped",
		"appstream:stream.graphics-pro.4xlarge:linux", "ds:managed-ad-standard", "ds:managed-ad-enterprise"}
	for item := range fixed {
		items = append(items, item)
	}
	for _, item := range items {
		q, err := QueryFor(item)
		if err != nil {
			t.Errorf("%s: %v", item, err)
			continue
		}
		if q.Unit != cost.TableUnit(item) || q.Unit == "" {
			t.Errorf("%s: unit %q, the table's %q", item, q.Unit, cost.TableUnit(item))
		}
		if q.ServiceCode == "" || len(q.Units) == 0 || q.Multiplier < 1 || (q.Multiplier != 1) != (q.Why != "") {
			t.Errorf("%s: incomplete query %+v", item, q)
		}
		if q.UsageType == "" && len(q.Filters) < 1 {
			t.Errorf("%s: nothing but the region to select by", item)
		}
	}
	for _, item := range []string{"appstream:stream.standard.large:windows", "appstream:user-linux", "ds:managed-ad-small", "ec2:t3:linux"} {
		if _, err := QueryFor(item); err == nil {
			t.Errorf("%s: a query", item)
		}
	}
}
