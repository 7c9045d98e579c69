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

// The access model's installation (testdata/matrix.yaml: the default config in a named account, with
// data stewards and an image builder), synthesized by the pinned CLI once for the whole package (or
// read from ACCESS_ASSEMBLY, an assembly already synthesized, when iterating on rows).
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
			if worldErr = Synth(dir, "-c", "config=test/access/testdata/matrix.yaml"); worldErr != nil {
				return
			}
			fmt.Printf("test/access: synthesized testdata/matrix.yaml in %s\n", time.Since(start).Round(time.Second))
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

// Every group and role of the installation is a principal, and every key, bucket, topic and queue a
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
