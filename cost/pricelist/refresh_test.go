package pricelist

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/editbay/editbay/cost"
)

const oldTable = `{
  "currency": "USD",
  "prices": [
    {"region": "us-east-1", "item": "vpc:nat-gateway", "unit": "hour", "usd": 0.04, "source": "hand", "date": "2023-01-01", "note": "kept note"},
    {"region": "ap-south-1", "item": "vpc:nat-gateway", "unit": "hour", "usd": 0.056, "source": "hand", "date": "2023-01-01"},
    {"region": "us-east-1", "item": "sns:publish", "unit": "million-requests", "usd": 0.4, "source": "hand", "date": "2023-01-01", "note": "old note"},
    {"region": "us-east-1", "item": "s3:standard", "unit": "GB-month", "usd": 0.02, "source": "hand", "date": "2023-01-01"}
  ]
}`

func TestRefresh(t *testing.T) {
	table, err := cost.ParseTable([]byte(oldTable))
	if err != nil {
		t.Fatal(err)
	}
	wanted := [][2]string{
		{"us-east-1", "kms:key"},             // added
		{"ap-south-1", "kms:key"},            // fails, stays out
		{"us-east-1", "vpc:nat-gateway"},     // in the table already
		{"us-east-1", "ec2:t3.medium:linux"}, // added
	}
	api := newFake(catalog()...)
	got, errs := Refresh(context.Background(), api, table, wanted)

	var messages []string
	for _, err := range errs {
		messages = append(messages, err.Error())
	}
	if len(errs) != 2 || !strings.HasPrefix(messages[0], "ap-south-1 vpc:nat-gateway: no product matches") ||
		!strings.HasPrefix(messages[1], "ap-south-1 kms:key: no product matches") {
		t.Fatalf("errors:\n%s", strings.Join(messages, "\n"))
	}
	if len(api.calls) != 7 {
		t.Errorf("%d calls, want one a pair", len(api.calls))
	}

	want := map[[2]string]cost.Price{
		{"ap-south-1", "vpc:nat-gateway"}: {Region: "ap-south-1", Item: "vpc:nat-gateway", Unit: "hour", USD: 0.056, Source: "hand", Date: "2023-01-01"},
		{"us-east-1", "vpc:nat-gateway"}: {Region: "us-east-1", Item: "vpc:nat-gateway", Unit: "hour", USD: 0.045,
			Source: "AWS Price List API: AmazonEC2 SKU NATHOURSUSE1AAAA", Date: "2025-03-01", Note: "kept note"},
		{"us-east-1", "sns:publish"}: {Region: "us-east-1", Item: "sns:publish", Unit: "million-requests", USD: 0.5,
			Source: "AWS Price List API: AmazonSNS SKU SNSREQUSE1AAAAAA", Date: "2025-03-01",
			Note: "the first 1000000 Requests are free; the price of the next tier; 0.0000005 USD per Requests × 1000000: priced per request, the table per million"},
		{"us-east-1", "s3:standard"}: {Region: "us-east-1", Item: "s3:standard", Unit: "GB-month", USD: 0.023,
			Source: "AWS Price List API: AmazonS3 SKU S3STANDARDUSE1AA", Date: "2025-03-01", Note: "first of 3 price tiers (up to 51200 GB-Mo)"},
		{"us-east-1", "kms:key"}: {Region: "us-east-1", Item: "kms:key", Unit: "key-month", USD: 1,
			Source: "AWS Price List API: awskms SKU KMSKEYSUSE1AAAAA", Date: "2025-03-01"},
		{"us-east-1", "ec2:t3.medium:linux"}: {Region: "us-east-1", Item: "ec2:t3.medium:linux", Unit: "hour", USD: 0.0416,
			Source: "AWS Price List API: AmazonEC2 SKU T3MLINUXUSE1AAAA", Date: "2025-03-01"},
	}
	if len(got.Prices) != len(want) {
		t.Errorf("%d prices, want %d: %+v", len(got.Prices), len(want), got.Prices)
	}
	for k, w := range want {
		p, ok := got.Lookup(k[0], k[1])
		if !ok || p != w {
			t.Errorf("%s %s:\n got  %+v\n want %+v", k[0], k[1], p, w)
		}
	}
	// Sorted by region, then item.
	for i := 1; i < len(got.Prices); i++ {
		a, b := got.Prices[i-1], got.Prices[i]
		if a.Region > b.Region || (a.Region == b.Region && a.Item >= b.Item) {
			t.Errorf("not sorted: %s %s before %s %s", a.Region, a.Item, b.Region, b.Item)
		}
	}
	// The old table is untouched.
	if p, _ := table.Lookup("us-east-1", "vpc:nat-gateway"); p.USD != 0.04 {
		t.Errorf("the old table changed: %+v", p)
	}
}

func TestRefreshEmpty(t *testing.T) {
	table, err := cost.ParseTable([]byte(`{"currency":"USD","prices":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := Refresh(context.Background(), newFake(catalog()...), table, nil)
	if len(errs) != 0 || len(got.Prices) != 0 {
		t.Errorf("got %+v, %v", got.Prices, errs)
	}
	data, err := Encode(got)
	if err != nil || string(data) != "{\n  \"currency\": \"USD\",\n  \"prices\": []\n}\n" {
		t.Errorf("%q %v", data, err)
	}
}

func TestRefreshCanceled(t *testing.T) {
	table, err := cost.ParseTable([]byte(oldTable))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := newFake(catalog()...)
	got, errs := Refresh(ctx, api, table, nil)
	if len(errs) != 4 || len(api.calls) != 0 || len(got.Prices) != 4 {
		t.Errorf("%d errors, %d calls, %d prices", len(errs), len(api.calls), len(got.Prices))
	}
}

func TestEncode(t *testing.T) {
	table, err := cost.ParseTable([]byte(`{"currency":"USD","prices":[
		{"region":"us-east-1","item":"vpc:nat-gateway","unit":"hour","usd":0.045,"source":"AWS Price List API: AmazonEC2 SKU X","date":"2025-03-01"},
		{"region":"eu-west-1","item":"kms:key","unit":"key-month","usd":1,"source":"s & <t>","date":"2025-03-01","note":"n"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode(table)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "currency": "USD",
  "prices": [
    {
      "region": "eu-west-1",
      "item": "kms:key",
      "unit": "key-month",
      "usd": 1,
      "source": "s & <t>",
      "date": "2025-03-01",
      "note": "n"
    },
    {
      "region": "us-east-1",
      "item": "vpc:nat-gateway",
      "unit": "hour",
      "usd": 0.045,
      "source": "AWS Price List API: AmazonEC2 SKU X",
      "date": "2025-03-01"
    }
  ]
}
`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	again, err := cost.ParseTable(data)
	if err != nil || len(again.Prices) != 2 {
		t.Errorf("%v", err)
	}

	path := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	if written, _ := os.ReadFile(path); string(written) != want {
		t.Errorf("written %q", written)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left %d files", len(entries))
	}
}

func TestReadWanted(t *testing.T) {
	got, err := ReadWanted(strings.NewReader("# wanted\n\nus-east-1 ec2:t3.medium:linux\n  eu-west-1\tkms:key  \n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != [2]string{"us-east-1", "ec2:t3.medium:linux"} || got[1] != [2]string{"eu-west-1", "kms:key"} {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{"us-east-1", "us-east-1 kms:key extra", "kms:key us-east-1", "US-EAST-1 kms:key"} {
		if _, err := ReadWanted(strings.NewReader(bad + "\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
