package poolscaler

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

// tagEnv is one running workstation of a pool that needs nothing else, claimed by alice at t0 (unless
// claim is false), and a log to read warnings from.
func tagEnv(t *testing.T, claim bool) (*testEnv, string, *bytes.Buffer) {
	t.Helper()
	e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 0 }))
	log := &bytes.Buffer{}
	e.h.Log = slog.New(slog.NewJSONHandler(log, nil))
	id := e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
	if claim {
		if err := e.h.store.Assign(context.Background(), "editors", "alice", id, t0, false); err != nil {
			t.Fatal(err)
		}
	}
	return e, id, log
}

func (e *testEnv) tag(id, state, user string, at time.Time) {
	e.ec2.SetTags(id, TagSessionState, state, TagSessionUser, user, TagSessionAt, at.UTC().Format(time.RFC3339Nano))
}

func (e *testEnv) item(t *testing.T, id string) Item {
	t.Helper()
	it, err := e.h.store.InstanceItem(context.Background(), "editors", id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func TestSessionTags(t *testing.T) {
	after := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	cases := []struct {
		name    string
		unclaim bool                                   // the workstation is unassigned
		before  func(*testEnv, string)                 // events recorded before the tags
		tags    func(*testEnv, string)                 // what the workstation wrote
		session string                                 // the recorded session after a reconcile at t0+10m
		at      time.Time                              // and its time
		writes  int                                    // session writes of that reconcile
		warning string                                 // a warning the reconcile logs, if any
		check   func(*testing.T, *testEnv, PoolResult) // more checks, if any
	}{
		{name: "newer tags are recorded with their time",
			tags:    func(e *testEnv, id string) { e.tag(id, SessionConnected, "alice", after(5)) },
			session: SessionConnected, at: after(5), writes: 1},
		{name: "the user is optional",
			tags:    func(e *testEnv, id string) { e.tag(id, SessionDisconnected, "", after(5)) },
			session: SessionDisconnected, at: after(5), writes: 1},
		{name: "fractional seconds are kept to the millisecond",
			tags: func(e *testEnv, id string) {
				e.ec2.SetTags(id, TagSessionState, SessionLoggedOff, TagSessionAt, "2025-06-01T12:05:00.123456789Z")
			},
			session: SessionLoggedOff, at: after(5).Add(123 * time.Millisecond), writes: 1},
		{name: "tags older than a recorded event are ignored",
			before: func(e *testEnv, id string) {
				e.now = after(3)
				e.h.session(context.Background(), Request{InstanceID: id, Event: SessionDisconnected, User: "alice"})
			},
			tags:    func(e *testEnv, id string) { e.tag(id, SessionConnected, "alice", after(2)) },
			session: SessionDisconnected, at: after(3)},
		{name: "tags older than the claim are ignored",
			tags: func(e *testEnv, id string) { e.tag(id, SessionLoggedOff, "", after(-1)) }},
		{name: "a bad time is ignored",
			tags: func(e *testEnv, id string) {
				e.ec2.SetTags(id, TagSessionState, SessionConnected, TagSessionAt, "2025-06-01 12:05")
			},
			warning: "is not an RFC 3339 time"},
		{name: "an unknown state is ignored",
			tags:    func(e *testEnv, id string) { e.tag(id, "typing", "alice", after(5)) },
			warning: "is not connected, disconnected or loggedoff"},
		{name: "a time more than 5 minutes ahead is ignored",
			tags:    func(e *testEnv, id string) { e.tag(id, SessionConnected, "alice", after(16)) },
			warning: "ahead"},
		{name: "a time less than 5 minutes ahead is recorded",
			tags:    func(e *testEnv, id string) { e.tag(id, SessionConnected, "alice", after(14)) },
			session: SessionConnected, at: after(14), writes: 1},
		{name: "another user than the assigned one is rejected",
			tags:    func(e *testEnv, id string) { e.tag(id, SessionLoggedOff, "mallory", after(5)) },
			warning: `is not the assigned user \"alice\"`},
		{name: "an unassigned workstation reported connected is kept from claims", unclaim: true,
			tags:    func(e *testEnv, id string) { e.tag(id, SessionConnected, "bob", after(5)) },
			session: SessionConnected, at: after(5), writes: 1,
			check: func(t *testing.T, e *testEnv, pr PoolResult) {
				if pr.Counts.Assigned != 1 || pr.Counts.Available != 0 {
					t.Errorf("counts %+v", pr.Counts)
				}
				if _, err := e.h.claim(context.Background(), "editors", "carol"); err == nil {
					t.Error("claimed a connected workstation")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, id, log := tagEnv(t, !c.unclaim)
			if c.before != nil {
				c.before(e, id)
			}
			c.tags(e, id)
			e.now = after(10)
			for i := range 2 {
				writes := e.db.Calls("UpdateItem")
				res := e.reconcile(t)
				if n := e.db.Calls("UpdateItem") - writes; i == 0 && n != c.writes || i == 1 && n != 0 {
					t.Errorf("reconcile %d: %d session writes, want %d", i+1, n, c.writes*(1-i))
				}
				if c.check != nil && i == 0 {
					c.check(t, e, res.Pools[0])
				}
			}
			if it := e.item(t, id); it.Session != c.session || !it.SessionAt.Equal(c.at) {
				t.Errorf("recorded %q at %v, want %q at %v", it.Session, it.SessionAt, c.session, c.at)
			}
			if c.warning != "" && !strings.Contains(log.String(), c.warning) {
				t.Errorf("no warning %q in %s", c.warning, log)
			}
			if c.warning == "" && strings.Contains(log.String(), "session tags ignored") {
				t.Errorf("unexpected warning in %s", log)
			}
		})
	}
}

// The power plan acts on the reported session: a tagged connect keeps an old claim running, a tagged
// logoff stops it stopAfterLogoff later.
func TestSessionTagsDrivePowerPlan(t *testing.T) {
	e, id, _ := tagEnv(t, true)
	e.tag(id, SessionConnected, "alice", t0.Add(time.Minute))
	e.now = t0.Add(2 * time.Hour)
	if res := e.reconcile(t); len(res.Pools[0].Stop) != 0 {
		t.Fatalf("stopped a connected workstation: %+v", res.Pools[0].Stop)
	}
	e.tag(id, SessionLoggedOff, "alice", e.now)
	e.now = e.now.Add(59 * time.Minute)
	if res := e.reconcile(t); len(res.Pools[0].Stop) != 0 {
		t.Fatalf("stopped before stopAfterLogoff: %+v", res.Pools[0].Stop)
	}
	e.now = e.now.Add(time.Minute)
	if res := e.reconcile(t); len(res.Pools[0].Stop) != 1 {
		t.Fatalf("not stopped after stopAfterLogoff: %+v", res.Pools[0])
	}
	if in, _ := e.ec2.Instance(id); in.State.Name != types.InstanceStateNameStopping {
		t.Errorf("state %s", in.State.Name)
	}
}

// An event recorded between the reconcile's read and its write of older tags wins.
func TestSessionTagsLoseToAConcurrentEvent(t *testing.T) {
	e, id, _ := tagEnv(t, true)
	e.tag(id, SessionLoggedOff, "alice", t0.Add(time.Minute))
	e.now = t0.Add(2 * time.Minute)
	e.db.BeforeWrite = func(op string) {
		if op == "UpdateItem" {
			e.db.BeforeWrite = nil
			if _, err := e.h.session(context.Background(), Request{InstanceID: id, Event: SessionConnected, User: "alice"}); err != nil {
				t.Error(err)
			}
		}
	}
	e.reconcile(t)
	if it := e.item(t, id); it.Session != SessionConnected || !it.SessionAt.Equal(e.now) {
		t.Errorf("item %+v, want the concurrent connect", it)
	}
}

// A failed write of reported tags fails the pool's cycle before planning, rather than plan without a
// connect.
func TestSessionTagsWriteFailureSkipsPlanning(t *testing.T) {
	e, id, _ := tagEnv(t, true)
	e.tag(id, SessionConnected, "alice", t0.Add(time.Minute))
	e.now = t0.Add(2 * time.Hour)
	e.db.Fail("UpdateItem", fakes.Throttling())
	if _, err := e.h.reconcile(context.Background(), "c"); err == nil {
		t.Fatal("want the injected error")
	}
	if in, _ := e.ec2.Instance(id); in.State.Name != types.InstanceStateNameRunning {
		t.Errorf("state %s", in.State.Name)
	}
	if res := e.reconcile(t); len(res.Pools[0].Stop) != 0 || e.item(t, id).Session != SessionConnected {
		t.Errorf("retried cycle: %+v, %+v", res.Pools[0], e.item(t, id))
	}
}

// A dry run plans with the reported session and records nothing.
func TestSessionTagsDryRun(t *testing.T) {
	e, id, _ := tagEnv(t, true)
	e.h.DryRun = true
	e.tag(id, SessionConnected, "alice", t0.Add(time.Minute))
	e.now = t0.Add(2 * time.Hour)
	writes := e.db.Calls("UpdateItem")
	if res := e.reconcile(t); len(res.Pools[0].Stop) != 0 || e.db.Calls("UpdateItem") != writes || e.item(t, id).Session != "" {
		t.Errorf("dry run: %+v, %+v", res.Pools[0], e.item(t, id))
	}
}

// The README's hook writes session-at in whole seconds; the table keeps claims and events in
// milliseconds. A whole-second tag stands for its whole second: it is older than a claim or event
// only when that second ended by then, so a tag from the same second is recorded (with the time it
// carries), and read again it writes nothing.
func TestSessionTagsInWholeSeconds(t *testing.T) {
	claimAt := t0.Add(2*time.Second + 300*time.Millisecond)
	eventAt := t0.Add(5*time.Second + 700*time.Millisecond)
	for _, c := range []struct {
		name    string
		event   bool      // a disconnect was recorded at eventAt
		tagAt   time.Time // a loggedoff tag's time, in whole seconds
		session string
		at      time.Time
	}{
		{name: "the claim's second", tagAt: t0.Add(2 * time.Second), session: SessionLoggedOff, at: t0.Add(2 * time.Second)},
		{name: "a second before the claim", tagAt: t0.Add(time.Second)},
		{name: "a recorded event's second", event: true, tagAt: t0.Add(5 * time.Second), session: SessionLoggedOff, at: t0.Add(5 * time.Second)},
		{name: "a second before a recorded event", event: true, tagAt: t0.Add(4 * time.Second), session: SessionDisconnected, at: eventAt},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, testPool(t, func(s *config.PoolScalerSettings) { s.MinAvailable = 0 }))
			id := e.add("editors", "ap-northeast-1a", types.InstanceStateNameRunning)
			if err := e.h.store.Assign(context.Background(), "editors", "alice", id, claimAt, false); err != nil {
				t.Fatal(err)
			}
			if c.event {
				e.now = eventAt
				if _, err := e.h.session(context.Background(), Request{InstanceID: id, Event: SessionDisconnected, User: "alice"}); err != nil {
					t.Fatal(err)
				}
			}
			e.ec2.SetTags(id, TagSessionState, SessionLoggedOff, TagSessionUser, "alice", TagSessionAt, c.tagAt.Format(time.RFC3339))
			e.now = t0.Add(time.Minute)
			for i := range 2 {
				writes := e.db.Calls("UpdateItem")
				e.reconcile(t)
				want := 0
				if i == 0 && c.session == SessionLoggedOff {
					want = 1
				}
				if n := e.db.Calls("UpdateItem") - writes; n != want {
					t.Errorf("reconcile %d: %d session writes, want %d", i+1, n, want)
				}
			}
			if it := e.item(t, id); it.Session != c.session || !it.SessionAt.Equal(c.at) {
				t.Errorf("recorded %q at %v, want %q at %v", it.Session, it.SessionAt, c.session, c.at)
			}
		})
	}
}
