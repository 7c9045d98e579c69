package access

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The default config's assembly, synthesized by the pinned CLI once for the whole package (or read
// from ACCESS_ASSEMBLY, an assembly already synthesized, when iterating on rows).
var (
	worldOnce sync.Once
	theWorld  *World
	worldErr  error
	tempDir   string // removed after the tests
)

func world(t *testing.T) *World {
	t.Helper()
	worldOnce.Do(func() {
		dir := os.Getenv("ACCESS_ASSEMBLY")
		if dir == "" {
			if err := CLIInstalled(); err != nil {
				worldErr = err
				return
			}
			dir = tempDir + "/default.out"
			start := time.Now()
			if worldErr = Synth(dir); worldErr != nil {
				return
			}
			fmt.Printf("test/access: synthesized the default config in %s\n", time.Since(start).Round(time.Second))
		}
		theWorld, worldErr = Load(dir)
	})
	if worldErr != nil {
		if os.Getenv("CI") == "" && strings.Contains(worldErr.Error(), "is not installed") {
			t.Skip(worldErr)
		}
		t.Fatal(worldErr)
	}
	return theWorld
}

func TestMain(m *testing.M) {
	var err error
	if tempDir, err = os.MkdirTemp("", "editbay-access-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tempDir)
	os.Exit(code)
}

// row is one line of an access matrix: a request and the decision it must get.
type row struct {
	Request
	want Decision
}

// check evaluates the rows in one batch and reports each row whose decision differs, or that could not
// be evaluated, with the statements that decided it.
func check(t *testing.T, w *World, rows []row) {
	t.Helper()
	reqs := make([]Request, len(rows))
	for i, r := range rows {
		reqs[i] = r.Request
	}
	start := time.Now()
	results, err := w.Evaluate(reqs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("evaluated %d requests in %s", len(reqs), time.Since(start).Round(time.Millisecond))
	for i, r := range rows {
		res := results[i]
		switch {
		case res.Err != nil:
			t.Errorf("row %d: %v", i+1, res.Err)
		case res.Decision != r.want:
			t.Errorf("row %d: %s: %s, want %s: %s", i+1, r.Request, res.Decision, r.want, res.Explanation)
		default:
			t.Logf("row %d: %s: %s: %s", i+1, r.Request, res.Decision, res.Explanation)
		}
	}
}

// The harness on today's templates of the default config (stages stg, prod and account-default): each
// row is the decision the templates give today, right or wrong. Rows marked "hole today" are access
// that should not be there; the policies are being tightened, and these rows flip with them.
func TestAccessMatrixHarness(t *testing.T) {
	w := world(t)
	developers, operators := w.Group("account-default", "Developers"), w.Group("account-default", "Operators")
	data := w.Bucket("prod/Workspace/DataBucket")
	fleet := w.Role("prod/Workspace/Workspace/FleetRole")
	// A SAML session: the streaming policy names the user by ${saml:sub}.
	streaming := w.Role("prod/Workspace/StreamingRole").WithVariables(map[string]string{"saml:sub": "alice@example.com"})
	stack := w.AppStreamStack("prod/Workspace/Stack")
	workstation := w.Role("stg/Access/Workstations/Role")
	poolTags := map[string]string{"editbay:pool": "editors", "editbay:environment": "editbay-stg"}
	other := w.Instance("stg", "i-0a1b2c3d4e5f60718", poolTags)
	own := w.Instance("stg", "i-0f1e2d3c4b5a69788", poolTags)
	rows := []row{
		// hole today: issue 13. PowerUserAccess reads every bucket, and the data bucket's policy only
		// denies plain HTTP.
		{Request{Principal: developers, Action: "s3:GetObject", Resource: data.Object("data/x")}, Allowed},
		// The SelfService policy denies everything but MFA set-up to a member signed in without MFA.
		{Request{Principal: developers, Action: "s3:GetObject", Resource: data.Object("data/x"),
			Context: map[string]any{"aws:MultiFactorAuthPresent": nil}}, ExplicitlyDenied},
		// The Guardrails policy keeps the audit trail on.
		{Request{Principal: developers, Action: "cloudtrail:StopLogging", Resource: w.Trail("account-default/AuditTrail/Trail")}, ExplicitlyDenied},
		// ReadOnlyAccess writes nothing.
		{Request{Principal: operators, Action: "s3:PutObject", Resource: data.Object("data/x")}, ImplicitlyDenied},
		// A workstation tags no other instance (CloudWatchAgentServerPolicy only describes tags).
		{Request{Principal: workstation, Action: "ec2:CreateTags", Resource: other,
			Context: map[string]any{"ec2:SourceInstanceArn": own.ARN, "aws:TagKeys": []string{"editbay:session"}}}, ImplicitlyDenied},
		// The fleet reads the data prefix, and nothing else of the bucket.
		{Request{Principal: fleet, Action: "s3:GetObject", Resource: data.Object("data/x")}, Allowed},
		{Request{Principal: fleet, Action: "s3:GetObject", Resource: data.Object("other/x")}, ImplicitlyDenied},
		// Streaming only from the secure area's addresses.
		{Request{Principal: streaming, Action: "appstream:Stream", Resource: stack,
			Context: map[string]any{"aws:SourceIp": "192.0.2.10", "appstream:userId": "alice@example.com"}}, ImplicitlyDenied},
		{Request{Principal: streaming, Action: "appstream:Stream", Resource: stack,
			Context: map[string]any{"aws:SourceIp": "203.0.113.10", "appstream:userId": "alice@example.com"}}, Allowed},
	}
	check(t, w, rows)
}

// Every group and role of the default config is a principal, and every key, bucket, topic and queue a
// target, with everything resolved: an intrinsic or resource type the fake world does not model shows
// up here, before a row needs it.
func TestEveryPrincipalAndTargetResolves(t *testing.T) {
	w := world(t)
	count := 0
	for _, s := range w.Stacks {
		for _, r := range s.Resources {
			var err error
			path := r.Path
			if path == "" {
				path = s.Stage + "/" + s.ID + "/" + r.LogicalID
			}
			switch r.Type {
			case "AWS::IAM::Group":
				err = w.Group(path).Err
			case "AWS::IAM::Role":
				err = errors.Join(w.Role(path).Err, w.RoleTrust(path).Err)
			case "AWS::KMS::Key":
				err = w.Key(path).Err
			case "AWS::S3::Bucket":
				err = w.Bucket(path).Err
			case "AWS::SNS::Topic":
				err = w.Topic(path).Err
			case "AWS::SQS::Queue":
				err = w.Queue(path).Err
			default:
				continue
			}
			count++
			if err != nil {
				t.Error(err)
			}
		}
	}
	t.Logf("%d principals and targets resolved", count)
}
