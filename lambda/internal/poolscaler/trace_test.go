package poolscaler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/lambda/internal/fakes"
)

// A random trace of claims, releases, session events (invoked, or tagged by the workstation, some
// malformed), capacity errors, throttling, duplicated invocations and time passing, checking after
// every step that no pool exceeds maxSize, no workstation has two users, no assigned, connected
// workstation is stopped, and every cycle records the valid newer tags and nothing else; and, in
// quiet spells with capacity, that the pools are back at minAvailable within 3 cycles.
func TestRandomTrace(t *testing.T) {
	const steps = 10000
	pools := []Pool{
		testPool(t, func(s *config.PoolScalerSettings) {
			s.Name, s.LaunchTemplateName, s.MinAvailable, s.MaxAvailable, s.MaxSize = "editors", "lt-editors", 2, 3, 8
			s.StopAfterIdleSeconds, s.TerminateAfterStoppedSeconds = 1800, 6*3600
			s.Schedules = []config.ScheduleSettings{{Days: []string{"MON", "TUE", "WED", "THU", "FRI"}, Start: "08:00", End: "20:00", Timezone: "Asia/Tokyo", MinAvailable: 3}}
		}),
		testPool(t, func(s *config.PoolScalerSettings) {
			s.Name, s.LaunchTemplateName, s.MinAvailable, s.MaxSize, s.WarmState = "assistants", "lt-assistants", 2, 6, config.WarmStopped
			s.InstanceTypes = []string{"t3.large"}
		}),
	}
	e := newEnv(t, pools...)
	e.ec2.HideNewFor = 90 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"ann", "bob", "cho", "dai", "eve", "fay", "gus", "hal", "ivy", "jun"}
	zoneNames := []string{"ap-northeast-1a", "ap-northeast-1c"}
	ctx := context.Background()
	cycle := 0

	reconcile := func(key string) ReconcileResult {
		protected := e.connected()
		res, _ := e.h.reconcile(ctx, key) // injected faults fail cycles; the invariants must still hold
		for _, id := range protected {
			if in, _ := e.ec2.Instance(id); in.State.Name != types.InstanceStateNameRunning {
				t.Fatalf("cycle %s stopped assigned, connected %s (%s)", key, id, in.State.Name)
			}
		}
		e.checkTagsRecorded(t, key, res)
		return res
	}
	// report delivers a session change by invoke or, as a workstation does, by its own tags, which the
	// next cycle reads; a tenth of the tags are malformed and must change nothing.
	report := func(id, ev, user string) {
		if rng.IntN(2) == 0 {
			e.h.session(ctx, Request{InstanceID: id, Event: ev, User: user})
			return
		}
		e.now = e.now.Add(time.Second) // one workstation's changes happen at distinct times
		at := e.now
		switch rng.IntN(40) {
		case 0:
			ev = "typing"
		case 1:
			at = at.AddDate(1, 0, 0)
		case 2:
			user = "mallory"
		case 3:
			e.ec2.SetTags(id, TagSessionState, ev, TagSessionUser, user, TagSessionAt, "now")
			return
		}
		e.tag(id, ev, user, at)
	}
	for step := range steps {
		switch op := rng.IntN(100); {
		case op < 25:
			p := pools[rng.IntN(2)]
			u := users[rng.IntN(len(users))]
			res, err := e.h.claim(ctx, p.Name, u)
			if err == nil && rng.IntN(3) > 0 && (res.State == "running" || res.Existing && res.State == "running") {
				report(res.InstanceID, SessionConnected, u)
			}
		case op < 32:
			e.h.release(ctx, pools[rng.IntN(2)].Name, users[rng.IntN(len(users))], "")
		case op < 47:
			if ids := e.assigned(); len(ids) > 0 {
				a := ids[rng.IntN(len(ids))]
				ev := []string{SessionConnected, SessionDisconnected, SessionLoggedOff}[rng.IntN(3)]
				if in, _ := e.ec2.Instance(a.InstanceID); ev != SessionConnected || in.State.Name == types.InstanceStateNameRunning {
					report(a.InstanceID, ev, a.User)
				}
			}
		case op < 52:
			typ := []string{"g4dn.xlarge", "g5.xlarge", "t3.large"}[rng.IntN(3)]
			e.ec2.SetCapacity(zoneNames[rng.IntN(2)], typ, rng.IntN(3)-1) // -1 restores it
		case op < 55:
			e.ec2.Fail([]string{"DescribeInstances", "RunInstances"}[rng.IntN(2)], fakes.Throttling())
			cycle++
			reconcile(fmt.Sprint(cycle))
		case op < 75:
			cycle++
			reconcile(fmt.Sprint(cycle))
			if rng.IntN(4) == 0 {
				reconcile(fmt.Sprint(cycle)) // EventBridge delivered the event twice
			}
		default:
			e.now = e.now.Add(time.Duration(1+rng.IntN(20)) * time.Minute)
			e.ec2.Tick()
		}
		e.checkInvariants(t, step, pools)
		if step%500 == 499 {
			e.quietSpell(t, step, pools, zoneNames, reconcile)
		}
	}
}

// quietSpell restores capacity and runs 3 cycles a minute apart; each pool must then have
// minAvailable ready, unless maxSize leaves no room.
func (e *testEnv) quietSpell(t *testing.T, step int, pools []Pool, zones []string, reconcile func(string) ReconcileResult) {
	t.Helper()
	for _, z := range zones {
		for _, typ := range []string{"g4dn.xlarge", "g5.xlarge", "t3.large"} {
			e.ec2.SetCapacity(z, typ, -1)
		}
	}
	var res ReconcileResult
	for i := range 3 {
		res = reconcile(fmt.Sprintf("quiet-%d-%d", step, i))
		e.now = e.now.Add(time.Minute)
		e.ec2.Tick()
	}
	res = reconcile(fmt.Sprintf("quiet-%d-check", step)) // only reads the state the 3 cycles made
	for i, pr := range res.Pools {
		room := pools[i].MaxSize - pr.Counts.Assigned
		if pr.Error == "" && pr.Counts.Available < min(pr.Target, room) {
			t.Fatalf("step %d: pool %s has %d available after 3 cycles, target %d, room %d: %+v", step, pr.Pool, pr.Counts.Available, pr.Target, room, pr)
		}
	}
}

func (e *testEnv) checkInvariants(t *testing.T, step int, pools []Pool) {
	t.Helper()
	count := map[string]int{}
	for _, in := range e.ec2.All() {
		if s := in.State.Name; s != types.InstanceStateNameTerminated && s != types.InstanceStateNameShuttingDown {
			for _, tag := range in.Tags {
				if *tag.Key == TagPool {
					count[*tag.Value]++
				}
			}
		}
	}
	for _, p := range pools {
		if count[p.Name] > p.MaxSize {
			for _, in := range e.ec2.All() {
				_, inst := instanceOf(in)
				t.Logf("%+v %s", inst, *in.Tags[0].Value)
			}
			for _, it := range e.db.Items(p.Name) {
				t.Logf("%v %+v %v", str(it, "sk"), itemOf(it), num(it, "count"))
			}
			t.Fatalf("step %d: pool %s has %d instances, maxSize %d", step, p.Name, count[p.Name], p.MaxSize)
		}
		owner := map[string]string{}
		for _, it := range e.db.Items(p.Name) {
			sk := str(it, "sk")
			if len(sk) > 5 && sk[:5] == "user#" {
				id := str(it, aInstance)
				if prev, dup := owner[id]; dup {
					t.Fatalf("step %d: %s assigned to %s and %s", step, id, prev, sk[5:])
				}
				owner[id] = sk[5:]
				if got, _ := e.h.store.InstanceItem(context.Background(), p.Name, id); got.User != sk[5:] {
					t.Fatalf("step %d: user item %s -> %s, instance item says %q", step, sk, id, got.User)
				}
			}
		}
	}
}

// assigned returns every assigned instance's item.
func (e *testEnv) assigned() []Item {
	var out []Item
	for _, p := range e.h.Pools {
		items, _, _ := e.h.store.Load(context.Background(), p.Name)
		for _, it := range sortedItems(items) {
			if it.User != "" {
				out = append(out, it)
			}
		}
	}
	return out
}

// connected returns the running instances whose items say assigned and connected, or whose newer
// tags do (the next cycle records them before planning).
func (e *testEnv) connected() []string {
	var out []string
	for _, it := range e.assigned() {
		in, ok := e.ec2.Instance(it.InstanceID)
		if !ok {
			continue
		}
		_, inst := instanceOf(in)
		if ev, ok, _ := sessionChange(inst, it, e.now); ok {
			it.Session = ev.Event
		}
		if it.Session == SessionConnected && in.State.Name == types.InstanceStateNameRunning {
			out = append(out, it.InstanceID)
		}
	}
	return out
}

// checkTagsRecorded checks that a cycle left no valid newer tags of the pools it planned unrecorded,
// and recorded no malformed ones.
func (e *testEnv) checkTagsRecorded(t *testing.T, cycle string, res ReconcileResult) {
	t.Helper()
	byPool := map[string][]Instance{}
	for _, in := range e.ec2.All() {
		if s := in.State.Name; s != types.InstanceStateNameTerminated && s != types.InstanceStateNameShuttingDown {
			pool, inst := instanceOf(in)
			byPool[pool] = append(byPool[pool], inst)
		}
	}
	for _, pr := range res.Pools {
		if pr.Skipped != "" {
			continue
		}
		items, _, _ := e.h.store.Load(context.Background(), pr.Pool)
		for _, in := range byPool[pr.Pool] {
			it := items[in.ID]
			if ev, ok, _ := sessionChange(in, it, e.now); ok {
				t.Fatalf("cycle %s left %s's tags %+v unrecorded over %+v", cycle, in.ID, ev, it)
			}
			if it.Session != "" && it.Session != SessionConnected && it.Session != SessionDisconnected && it.Session != SessionLoggedOff ||
				it.SessionAt.After(e.now.Add(sessionTagSkew)) {
				t.Fatalf("cycle %s recorded malformed tags of %s: %+v", cycle, in.ID, it)
			}
		}
	}
}
