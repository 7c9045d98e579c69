package radius

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

const dir = "d-1234567890"

// props are the resource properties as CloudFormation delivers them: every scalar a string.
func props() map[string]any {
	return map[string]any{
		"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:radius",
		"DirectoryId":  dir, "Servers": []any{"10.0.1.10", "10.0.2.10"},
		"Port": "1812", "TimeoutSeconds": "5", "Retries": "4",
		"Protocol": "PAP", "DisplayLabel": "MFA", "SharedSecretName": "radius/shared",
	}
}

func event(typ cfn.RequestType, physical string, p map[string]any) cfn.Event {
	return cfn.Event{RequestType: typ, PhysicalResourceID: physical, LogicalResourceID: "Radius", ResourceProperties: p}
}

func newHandler(d *fakes.Directory, metrics io.Writer) *Handler {
	return &Handler{
		Directory: d,
		Secrets:   &fakes.Secrets{Values: map[string]string{"radius/shared": "s3cret"}},
		Metrics:   &emf.Logger{W: metrics, Namespace: "editbay/Access"},
		Log:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
}

func TestLifecycle(t *testing.T) {
	d := fakes.NewDirectory(dir)
	var metrics bytes.Buffer
	h := newHandler(d, &metrics)
	ctx := context.Background()

	id, _, err := h.Handle(ctx, event(cfn.RequestCreate, "", props()))
	if err != nil || id != "radius:"+dir {
		t.Fatalf("create: %q, %v", id, err)
	}
	r, _ := d.Radius(dir)
	if r == nil || *r.SharedSecret != "s3cret" || *r.RadiusPort != 1812 || r.RadiusRetries != 4 || strings.Join(r.RadiusServers, ",") != "10.0.1.10,10.0.2.10" || !r.UseSameUsername {
		t.Fatalf("after create: %+v", r)
	}

	// A repeated create (CloudFormation retries) and an update converge without enabling twice.
	for _, typ := range []cfn.RequestType{cfn.RequestCreate, cfn.RequestUpdate} {
		p := props()
		p["Port"] = "1645"
		if _, _, err := h.Handle(ctx, event(typ, id, p)); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if r, _ := d.Radius(dir); *r.RadiusPort != 1645 || d.Calls("EnableRadius") != 1 || d.Calls("UpdateRadius") != 2 {
		t.Fatalf("port %d, enable %d, update %d", *r.RadiusPort, d.Calls("EnableRadius"), d.Calls("UpdateRadius"))
	}

	for range 2 { // delete is idempotent
		if _, _, err := h.Handle(ctx, event(cfn.RequestDelete, id, props())); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if r, _ := d.Radius(dir); r != nil || d.Calls("DisableRadius") != 1 {
		t.Fatalf("after delete: %+v, %d disables", r, d.Calls("DisableRadius"))
	}
	if n := strings.Count(metrics.String(), `"RadiusChanges":1`); n != 4 {
		t.Errorf("%d metric lines, want 4 (enable, 2 updates, disable):\n%s", n, metrics.String())
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.Split(metrics.Bytes(), []byte("\n"))[0], &line); err != nil || line["Operation"] != "enable" {
		t.Errorf("first metric line %v, %v", line, err)
	}
}

func TestDeleteOfWhatIsGone(t *testing.T) {
	d := fakes.NewDirectory()
	h := newHandler(d, io.Discard)
	// A create that failed leaves CloudFormation's own physical ID; a deleted directory has nothing left.
	for _, physical := range []string{"2026/11/23/[$LATEST]abc", "radius:" + dir} {
		if _, _, err := h.Handle(context.Background(), event(cfn.RequestDelete, physical, props())); err != nil {
			t.Errorf("delete %s: %v", physical, err)
		}
	}
	if d.Calls("DisableRadius") != 0 {
		t.Error("disabled RADIUS of a directory that does not exist")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	d := fakes.NewDirectory(dir)
	h := newHandler(d, io.Discard)
	h.DryRun = true
	if _, _, err := h.Handle(context.Background(), event(cfn.RequestCreate, "", props())); err != nil {
		t.Fatal(err)
	}
	if r, _ := d.Radius(dir); r != nil || d.Calls("EnableRadius") != 0 {
		t.Errorf("dry run enabled RADIUS: %+v", r)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*fakes.Directory, *Handler)
		want   string
	}{
		{"throttled", func(d *fakes.Directory, _ *Handler) { d.Fail("EnableRadius", fakes.Throttling()) }, "enable RADIUS of " + dir + " (throttled)"},
		{"access denied", func(d *fakes.Directory, _ *Handler) {
			d.Fail("DescribeDirectories", fakes.APIError("AccessDeniedException"))
		}, "(access-denied)"},
		{"no directory", func(d *fakes.Directory, _ *Handler) { d.DeleteDirectory(dir) }, "no such directory: " + dir},
		{"no secret", func(_ *fakes.Directory, h *Handler) { h.Secrets = &fakes.Secrets{} }, `the RADIUS shared secret "radius/shared" does not exist`},
		{"secret denied", func(_ *fakes.Directory, h *Handler) {
			s := &fakes.Secrets{}
			s.Fail("GetSecretValue", fakes.APIError("AccessDeniedException"))
			h.Secrets = s
		}, `may not read the RADIUS shared secret "radius/shared"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fakes.NewDirectory(dir)
			h := newHandler(d, io.Discard)
			tc.inject(d, h)
			_, _, err := h.Handle(context.Background(), event(cfn.RequestCreate, "", props()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if r, _ := d.Radius(dir); r != nil {
				t.Errorf("RADIUS enabled despite the fault: %+v", r)
			}
		})
	}
}

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(props())
	if err != nil || s.Port != 1812 || s.TimeoutSeconds != 5 || len(s.Servers) != 2 {
		t.Fatalf("%+v, %v", s, err)
	}
	// Numbers from a direct invocation arrive as JSON numbers.
	p := props()
	p["Port"] = 1812.0
	if s, err := ParseSettings(p); err != nil || s.Port != 1812 {
		t.Errorf("numeric port: %+v, %v", s, err)
	}
	bad := map[string]any{"Servers": []any{"10.0.0.1", 7}, "Port": "x", "Retries": 1.5}
	_, err = ParseSettings(bad)
	for _, want := range []string{"property DirectoryId", "property Port", "property Retries: not a whole number", "property Servers", "property SharedSecretName", "property TimeoutSeconds: missing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// FuzzParseSettings feeds arbitrary JSON property bags to the decoder: it must never panic, and what it
// accepts must be complete.
func FuzzParseSettings(f *testing.F) {
	seed, _ := json.Marshal(props())
	f.Add(seed)
	f.Add([]byte(`{"Servers":"10.0.0.1"}`))
	f.Add([]byte(`{"Port":1e99,"Servers":[null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p map[string]any
		if json.Unmarshal(data, &p) != nil {
			return
		}
		s, err := ParseSettings(p)
		if err == nil && (s.DirectoryID == "" || len(s.Servers) == 0 || s.SharedSecretName == "") {
			t.Errorf("accepted incomplete settings %+v from %s", s, data)
		}
	})
}
