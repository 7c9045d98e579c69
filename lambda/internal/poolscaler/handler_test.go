package poolscaler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/emf"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

const env = "editbay-test"

var subnets = map[string]string{"ap-northeast-1a": "subnet-a", "ap-northeast-1c": "subnet-c"}

type testEnv struct {
	h       *Handler
	ec2     *fakes.Instances
	db      *fakes.DynamoDB
	metrics *bytes.Buffer
	now     time.Time
}

func newEnv(t testing.TB, pools ...Pool) *testEnv {
	t.Helper()
	e := &testEnv{db: fakes.NewDynamoDB(), metrics: &bytes.Buffer{}, now: t0}
	var lts []string
	for _, p := range pools {
		lts = append(lts, p.LaunchTemplateName)
	}
	e.ec2 = fakes.NewInstances(map[string]string{"subnet-a": "ap-northeast-1a", "subnet-c": "ap-northeast-1c"}, lts...)
	e.ec2.Now = func() time.Time { return e.now }
	e.h = &Handler{EC2: e.ec2, DB: e.db, Table: "t", Environment: env, Subnets: subnets, Pools: pools,
		Metrics: &emf.Logger{W: e.metrics, Namespace: emf.PoolsNamespace}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Now: func() time.Time { return e.now }}
	e.h.init()
	return e
}

func (e *testEnv) invoke(t testing.TB, event string) (any, error) {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-" + e.now.Format(time.RFC3339Nano)})
	return e.h.Handle(ctx, json.RawMessage(event))
}

func (e *testEnv) reconcile(t testing.TB) ReconcileResult {
	t.Helper()
	res, err := e.h.reconcile(context.Background(), e.now.Format("2006-01-02T15:04Z"))
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return res
}

// add creates a workstation of the pool directly in EC2.
func (e *testEnv) add(pool, zone string, state types.InstanceStateName) string {
	return e.ec2.Add(zone, "g4dn.xlarge", state, e.now.Add(-time.Hour), TagPool, pool, TagEnvironment, env)
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func editorsPool(t testing.TB) Pool {
	t.Helper()
	pools, err := ParsePools([]byte(fixture(t, "pools.json")))
	if err != nil {
		t.Fatal(err)
	}
	return pools[0]
}

// Every entry, invoked in-process with its fixture, as Lambda delivers it.
func TestHandlerFixtures(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	const id = "i-0123456789abcdef0"
	// The fixtures name this instance; the fake numbers its own, so seed the table and EC2 alike.
	got := e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
	replace := func(s string) string { return strings.ReplaceAll(s, id, got) }

	// 2025-06-02T00:30Z is Monday 09:30 in Tokyo: the schedule wants 3 ready.
	e.now = time.Date(2025, 6, 2, 0, 30, 10, 0, time.UTC)
	out, err := e.invoke(t, fixture(t, "scheduled-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	rr := out.(ReconcileResult)
	if rr.Cycle != "2025-06-02T00:30Z" || rr.Pools[0].Target != 3 || rr.Pools[0].Launched != 2 {
		t.Errorf("scheduled reconcile: %+v", rr)
	}
	if !strings.Contains(e.metrics.String(), `"BelowMinAvailable":1`) || !strings.Contains(e.metrics.String(), `"Environment":"editbay-test"`) {
		t.Errorf("metrics: %s", e.metrics)
	}
	e.now = e.now.Add(time.Minute)
	if _, err := e.invoke(t, fixture(t, "reconcile.json")); err != nil {
		t.Fatal(err)
	}

	out, err = e.invoke(t, fixture(t, "claim.json"))
	if err != nil {
		t.Fatal(err)
	}
	claim := out.(ClaimResult)
	if claim.InstanceID != got || claim.State != "running" || claim.Existing || claim.PrivateIP == "" {
		t.Errorf("claim: %+v", claim)
	}
	for _, f := range []string{"session-connected.json", "session-disconnected.json", "session-loggedoff.json"} {
		out, err := e.invoke(t, replace(fixture(t, f)))
		if err != nil || !out.(SessionResult).Recorded || out.(SessionResult).Pool != "editors" {
			t.Errorf("%s: %+v, %v", f, out, err)
		}
	}
	if it, _ := e.h.store.InstanceItem(context.Background(), "editors", got); it.User != "alice" || it.Session != SessionLoggedOff {
		t.Errorf("item after session events: %+v", it)
	}
	out, err = e.invoke(t, fixture(t, "claim.json"))
	if err != nil || !out.(ClaimResult).Existing || out.(ClaimResult).InstanceID != got {
		t.Errorf("second claim: %+v, %v", out, err)
	}
	if !strings.Contains(e.metrics.String(), `"ClaimLatency"`) || !strings.Contains(e.metrics.String(), `"Unit":"Milliseconds"`) {
		t.Errorf("no claim latency: %s", e.metrics)
	}
	out, err = e.invoke(t, fixture(t, "release.json"))
	if err != nil || !out.(ReleaseResult).Released {
		t.Errorf("release: %+v, %v", out, err)
	}
	out, err = e.invoke(t, replace(fixture(t, "release-instance.json")))
	if err != nil || out.(ReleaseResult).Released {
		t.Errorf("second release should find nothing assigned: %+v, %v", out, err)
	}
}

func TestHandlerRejects(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	for _, in := range []string{
		``, `[]`, `{}`, `{"action":"claim","pool":"editors"}`, `{"action":"claim","pool":"nope","user":"a"}`,
		`{"action":"session","instanceId":"i-0123456789abcdef0","event":"typing"}`,
		`{"action":"release","pool":"editors","user":"a","instanceId":"i-0123456789abcdef0"}`,
		`{"action":"reconcile","extra":1}`, `{"action":"claim","pool":"editors","user":"a"} {}`,
		`{"detail-type":"Object Created","source":"aws.s3","detail":{}}`,
		`{"action":"session","instanceId":"i-0123456789abcdef0","event":"connected"}`, // not a workstation
	} {
		if _, err := e.invoke(t, in); err == nil {
			t.Errorf("accepted %s", in)
		}
	}
}

// The decoder never panics and accepts only requests it can name; the fixtures seed it.
func FuzzDecodeRequest(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, de := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", de.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b, "req")
		if err == nil && (r.Action == "" || (r.Action == ActionReconcile && r.Cycle == "")) {
			t.Fatalf("accepted %q as %+v", b, r)
		}
	})
}

func TestConcurrentClaimsNeverShare(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	for range 3 {
		e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
	}
	var wg sync.WaitGroup
	results := make([]ClaimResult, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			results[i], errs[i] = e.h.claim(context.Background(), "editors", string(rune('a'+i)))
		})
	}
	wg.Wait()
	owners := map[string]int{}
	for i, r := range results {
		switch {
		case errs[i] == nil:
			owners[r.InstanceID]++
		case !errors.Is(errs[i], ErrNoWorkstation):
			t.Errorf("claim %d: %v", i, errs[i])
		}
	}
	if len(owners) != 3 {
		t.Errorf("3 workstations, owners %v", owners)
	}
	for id, n := range owners {
		if n != 1 {
			t.Errorf("%s given %d times", id, n)
		}
	}
}

func TestClaimStartsStoppedAndRollsBack(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	id := e.add("editors", "ap-northeast-1a", types.InstanceStateNameStopped)
	e.ec2.Fail("StartInstances", fakes.APIError("InsufficientInstanceCapacity"))
	if _, err := e.h.claim(context.Background(), "editors", "alice"); !awserr.Is(err, awserr.Capacity) {
		t.Fatalf("claim: %v", err)
	}
	if u, _ := e.h.store.UserInstance(context.Background(), "editors", "alice"); u != "" {
		t.Errorf("failed claim kept assignment %s", u)
	}
	res, err := e.h.claim(context.Background(), "editors", "alice")
	if err != nil || res.InstanceID != id || !res.Started {
		t.Errorf("claim: %+v, %v", res, err)
	}
	if in, _ := e.ec2.Instance(id); in.State.Name != types.InstanceStateNamePending {
		t.Errorf("state %s", in.State.Name)
	}
}

// A zone without capacity passes its share to the other zone; with neither, the fallback type.
func TestLaunchFallsBackAcrossZonesAndTypes(t *testing.T) {
	e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 4; s.LaunchTemplateName = "lt-editors" }))
	e.ec2.SetCapacity("ap-northeast-1a", "g4dn.xlarge", 0)
	e.ec2.SetCapacity("ap-northeast-1c", "g4dn.xlarge", 3)
	res := e.reconcile(t)
	if res.Pools[0].Launched != 4 {
		t.Fatalf("launched %d: %+v", res.Pools[0].Launched, res.Pools[0])
	}
	types := map[string]int{}
	for _, in := range e.ec2.All() {
		types[deref(in.Placement.AvailabilityZone)+"/"+string(in.InstanceType)]++
	}
	if types["ap-northeast-1c/g4dn.xlarge"] != 3 || types["ap-northeast-1a/g5.xlarge"]+types["ap-northeast-1c/g5.xlarge"] != 1 {
		t.Errorf("placement %v", types)
	}
	if n := e.ec2.Calls("RunInstances"); n > 2*2 {
		t.Errorf("%d RunInstances for 2 zones and 2 types", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A launched instance absent from the next describes, and the same cycle delivered twice, launch
// once.
func TestEventualConsistencyAndDuplicatesLaunchOnce(t *testing.T) {
	e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 2; s.LaunchTemplateName = "lt-editors" }))
	e.ec2.HideNewFor = 90 * time.Second
	for range 3 {
		e.reconcile(t) // the same minute: a duplicated event
	}
	e.now = e.now.Add(time.Minute)
	e.reconcile(t)
	if n := len(e.ec2.All()); n != 2 {
		t.Errorf("%d instances launched, want 2", n)
	}
	// A crash between RunInstances and recording its IDs: the retried cycle's token returns the same
	// instances.
	e2 := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 1; s.LaunchTemplateName = "lt-editors" }))
	e2.ec2.HideNewFor = time.Hour
	e2.db.Fail("UpdateItem", fakes.Throttling())
	if _, err := e2.h.reconcile(context.Background(), "cycle"); err == nil {
		t.Fatal("want the injected error")
	}
	for range 3 {
		e2.h.reconcile(context.Background(), "cycle")
	}
	if n := len(e2.ec2.All()); n != 1 {
		t.Errorf("%d instances after a retried cycle, want 1", n)
	}
}

// Throttling fails the cycle without losing track; the next cycle converges.
func TestThrottlingRetriedNextCycle(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	e.ec2.Fail("DescribeInstances", fakes.Throttling())
	if _, err := e.h.reconcile(context.Background(), "c1"); !awserr.Is(err, awserr.Throttled) {
		t.Fatalf("reconcile: %v", err)
	}
	e.ec2.Fail("RunInstances", fakes.Throttling())
	if _, err := e.h.reconcile(context.Background(), "c2"); err == nil {
		t.Fatal("want the throttled launch to fail the cycle")
	}
	e.now = e.now.Add(launchGrace)
	e.reconcile(t)
	if n := len(e.ec2.All()); n != 1 {
		t.Errorf("%d instances, want 1", n)
	}
}

// Two reconciles at once: the lease lets one plan the pool.
func TestConcurrentReconcilesStayUnderMaxSize(t *testing.T) {
	e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) {
		s.MinAvailable = 5
		s.MaxSize = 5
		s.LaunchTemplateName = "lt-editors"
	}))
	e.ec2.HideNewFor = time.Hour
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { e.h.reconcile(context.Background(), "c"+string(rune('0'+i))) })
	}
	wg.Wait()
	e.reconcile(t)
	if n := len(e.ec2.All()); n != 5 {
		t.Errorf("%d instances, maxSize 5", n)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	e.h.DryRun = true
	res := e.reconcile(t)
	if len(res.Pools[0].Launch) == 0 || !res.Pools[0].DryRun || len(e.ec2.All()) != 0 || e.ec2.Calls("RunInstances") != 0 {
		t.Errorf("dry run: %+v", res)
	}
}

// Stops and terminations go in calls of at most 1000 IDs; a call EC2 fails for one gone instance is
// retried one ID at a time, so the others are still stopped.
func TestBatches(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	var ids []string
	for range 2500 {
		ids = append(ids, e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning))
	}
	if err := e.h.batch(context.Background(), "stop", ids); err != nil {
		t.Fatal(err)
	}
	if n := e.ec2.Calls("StopInstances"); n != 3 {
		t.Errorf("%d StopInstances calls for 2500 IDs, want 3", n)
	}
	for _, id := range ids {
		if inst, _ := e.ec2.Instance(id); inst.State.Name != types.InstanceStateNameStopping {
			t.Fatalf("%s is %s", id, inst.State.Name)
		}
	}

	gone := "i-00000000000000000"
	batch := append([]string{gone}, ids[:3]...)
	before := e.ec2.Calls("TerminateInstances")
	if err := e.h.batch(context.Background(), "terminate", batch); err != nil {
		t.Fatalf("a gone instance failed the batch: %v", err)
	}
	if n := e.ec2.Calls("TerminateInstances") - before; n != 1+len(batch) {
		t.Errorf("%d TerminateInstances calls, want the batch and then one per ID", n)
	}
	for _, id := range ids[:3] {
		if inst, _ := e.ec2.Instance(id); inst.State.Name != types.InstanceStateNameShuttingDown {
			t.Errorf("%s is %s after the one-by-one retry", id, inst.State.Name)
		}
	}
}

// In a stopped-warm pool the reconcile holds an idle workstation while it stops it; once stopped, the
// hold has nothing left to protect, and a claim gets it at once (and starts it).
func TestClaimAStoppedWorkstationOfAStopHold(t *testing.T) {
	e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 1; s.WarmState = config.WarmStopped }))
	id := e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
	if res := e.reconcile(t); res.Pools[0].Stopped != 1 {
		t.Fatalf("reconcile: %+v", res.Pools[0])
	}
	// While it is stopping, it cannot be started: a claim must wait for it.
	if _, err := e.h.claim(context.Background(), "editors", "alice"); !errors.Is(err, ErrNoWorkstation) {
		t.Fatalf("claim of a stopping workstation: %v", err)
	}
	e.ec2.Tick()
	e.now = e.now.Add(time.Second)
	res, err := e.h.claim(context.Background(), "editors", "alice")
	if err != nil || res.InstanceID != id || !res.Started {
		t.Fatalf("claim of the stopped workstation: %+v, %v", res, err)
	}
	if it := e.item(t, id); it.User != "alice" || it.HoldFor != "" || !it.HoldUntil.IsZero() {
		t.Errorf("item %+v", it)
	}
	// A terminate hold still keeps claims away.
	e2 := newEnv(t, editorsPool(t))
	gone := e2.add("editors", "ap-northeast-1a", types.InstanceStateNameStopped)
	if err := e2.h.store.Hold(context.Background(), "editors", gone, holdTerminate, e2.now.Add(launchGrace)); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.h.claim(context.Background(), "editors", "alice"); !errors.Is(err, ErrNoWorkstation) {
		t.Fatalf("claim of a workstation held for termination: %v", err)
	}
}

// transactionConflict plays DynamoDB cancelling a transaction because another one was writing the
// same items at once (TransactionConflict, not a failed condition): on the first TransactWriteItems
// it lets the rival transaction commit and cancels the caller's.
type transactionConflict struct {
	*fakes.DynamoDB
	rival func()
}

func (c *transactionConflict) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if rival := c.rival; rival != nil {
		c.rival = nil
		rival()
		reasons := make([]ddbtypes.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("TransactionConflict")
		}
		return nil, fmt.Errorf("operation error DynamoDB: TransactWriteItems: %w",
			&ddbtypes.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons})
	}
	return c.DynamoDB.TransactWriteItems(ctx, in, opts...)
}

// Two claims of one user race for the pool's one workstation; DynamoDB cancels the loser with
// TransactionConflict. The loser answers with the winner's workstation.
func TestSameUserClaimRaceLostToATransactionConflict(t *testing.T) {
	e := newEnv(t, editorsPool(t))
	id := e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
	db := &transactionConflict{DynamoDB: e.db}
	db.rival = func() {
		if err := e.h.store.Assign(context.Background(), "editors", "alice", id, e.now, false); err != nil {
			t.Errorf("rival claim: %v", err)
		}
	}
	e.h.store.DB = db
	res, err := e.h.claim(context.Background(), "editors", "alice")
	if err != nil || res.InstanceID != id || !res.Existing {
		t.Fatalf("losing claim: %+v, %v", res, err)
	}
}
