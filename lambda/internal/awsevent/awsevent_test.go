package awsevent

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeFixtures(t *testing.T) {
	e, err := Decode(fixture(t, "authorize-security-group-ingress"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeAPICall(e)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		GroupID string `json:"groupId"`
	}
	if err := c.Params(&p); err != nil || p.GroupID != "sg-0a1b2c3d4e5f60718" || c.EventName != "AuthorizeSecurityGroupIngress" {
		t.Errorf("params %+v %v", p, err)
	}
	if got := c.UserIdentity.Who(); got != "IAM user alice (arn:aws:iam::111122223333:user/alice)" {
		t.Errorf("who %q", got)
	}

	e, _ = Decode(fixture(t, "modify-security-group-rules"))
	c, _ = DecodeAPICall(e)
	if got := c.UserIdentity.Who(); got != "role Developers, session bob@example.com (arn:aws:sts::111122223333:assumed-role/Developers/bob@example.com)" {
		t.Errorf("who %q", got)
	}

	e, _ = Decode(fixture(t, "console-login-without-mfa"))
	if c, err = DecodeAPICall(e); err != nil || c.MFAUsed() != "No" {
		t.Errorf("sign-in %v %q", err, c.MFAUsed())
	}

	e, _ = Decode(fixture(t, "root-activity"))
	c, _ = DecodeAPICall(e)
	if got := c.UserIdentity.Who(); got != "the root user of account 111122223333" {
		t.Errorf("who %q", got)
	}

	e, _ = Decode(fixture(t, "config-compliance-change"))
	cc, err := DecodeComplianceChange(e)
	if err != nil || cc.ResourceID != "sg-0a1b2c3d4e5f60718" || cc.NewEvaluationResult.ComplianceType != "NON_COMPLIANT" ||
		cc.OldEvaluationResult.ComplianceType != "COMPLIANT" || cc.ResourceType != "AWS::EC2::SecurityGroup" {
		t.Errorf("compliance %+v %v", cc, err)
	}
	if _, err := DecodeAPICall(e); err == nil {
		t.Error("a compliance change decoded as an API call")
	}

	e, err = Decode(fixture(t, "scheduled-event"))
	if err != nil || e.DetailType != DetailScheduled || e.Source != SourceScheduler {
		t.Errorf("scheduled %+v %v", e, err)
	}
}

// The tamper guard's fixtures are CloudTrail calls with request parameters; KMS's alias calls name the
// alias's key among the record's resources.
func TestDecodeGuardFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*-*.json"))
	n := 0
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		service, _, _ := strings.Cut(name, "-")
		if !slices.Contains([]string{"kms", "events", "lambda", "s3", "sns"}, service) && !strings.HasPrefix(name, "logs-put") &&
			!strings.HasPrefix(name, "logs-delete") && !strings.HasPrefix(name, "config-put") && !strings.HasPrefix(name, "config-delete-config") {
			continue
		}
		n++
		e, err := Decode(fixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := DecodeAPICall(e)
		if err != nil || c.EventID == "" || c.UserIdentity.Who() == "unknown identity" {
			t.Fatalf("%s: %+v %v", name, c, err)
		}
		var params map[string]any
		if err := c.Params(&params); err != nil || len(params) == 0 {
			t.Errorf("%s: params %v %v", name, params, err)
		}
		if source := "aws." + service; e.Source != source || !strings.HasPrefix(c.EventSource, service+".") {
			t.Errorf("%s: source %s, eventSource %s", name, e.Source, c.EventSource)
		}
	}
	if n != 24 {
		t.Errorf("%d guard fixtures", n)
	}
	e, _ := Decode(fixture(t, "kms-delete-alias"))
	c, _ := DecodeAPICall(e)
	if len(c.Resources) != 2 || c.Resources[1].ARN != "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" || c.Resources[1].Type != "AWS::KMS::Key" {
		t.Errorf("resources %+v", c.Resources)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{}`, `{"detail-type":"x","source":"y"}`, `{"detail-type":"x","source":"y","detail":[1]}`, `{"time":"yesterday"}`} {
		if _, err := Decode([]byte(raw)); err == nil {
			t.Errorf("Decode(%q) accepted", raw)
		}
	}
}

// FuzzDecode runs every fixture as a seed (in CI, as part of go test) and, under -fuzz, mutations of
// them: decoding never panics, and an accepted event's detail decodes or errors cleanly.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Decode(raw)
		if err != nil {
			return
		}
		if c, err := DecodeAPICall(e); err == nil {
			_ = c.UserIdentity.Who()
			_ = c.MFAUsed()
			var m map[string]any
			_ = c.Params(&m)
		}
		_, _ = DecodeComplianceChange(e)
	})
}

// FuzzDecodeLogsBatch: a subscription delivery never panics, and its decompressed size is bounded.
func FuzzDecodeLogsBatch(f *testing.F) {
	f.Add(fixture(f, "logs-outside-allowed-regions"))
	f.Add([]byte(`{"awslogs":{"data":"H4sIAAAAAAAA/6uuBQBDv6ajAgAAAA=="}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if b, err := DecodeLogsBatch(raw); err == nil {
			for _, c := range b.Records {
				_ = c.UserIdentity.Who()
			}
		}
	})
}

func TestDecodeLogsBatch(t *testing.T) {
	raw := fixture(t, "logs-outside-allowed-regions")
	if !IsLogsBatch(raw) || IsLogsBatch(fixture(t, "stop-logging")) {
		t.Fatal("IsLogsBatch mixes up a subscription delivery and an EventBridge event")
	}
	b, err := DecodeLogsBatch(raw)
	if err != nil || b.Type != "DATA_MESSAGE" || len(b.Records) != 2 {
		t.Fatalf("%+v %v", b, err)
	}
	c := b.Records[0]
	if c.EventName != "RunInstances" || c.AWSRegion != "sa-east-1" || c.UserIdentity.Who() != "IAM user mallory (arn:aws:iam::111122223333:user/mallory)" {
		t.Errorf("record %+v", c)
	}
	for _, bad := range []string{`{"awslogs":{"data":"not base64!"}}`, `{"awslogs":{"data":"aGVsbG8="}}`, `[]`} {
		if _, err := DecodeLogsBatch([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestEdit(t *testing.T) {
	out, err := Edit([]byte(`{"detail":{"eventName":"StopLogging","n":1}}`), map[string]any{"detail.eventName": "DeleteTrail", "detail.requestParameters.name": "t"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != `{"detail":{"eventName":"DeleteTrail","n":1,"requestParameters":{"name":"t"}}}` {
		t.Errorf("edited: %s", got)
	}
	if _, err := Edit([]byte(`[1]`), map[string]any{"a": 1}); err == nil {
		t.Error("a JSON array was edited as an object")
	}
	if out, _ := Edit([]byte(`not json`), nil); string(out) != "not json" {
		t.Error("no edits must return the input as it is")
	}
}
