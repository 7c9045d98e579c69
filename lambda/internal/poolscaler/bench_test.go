package poolscaler

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/config"
)

// benchEnv is 10,000 workstations in 20 pools over 2 zones, half of them assigned and connected.
func benchEnv(b *testing.B) *testEnv {
	b.Helper()
	var pools []Pool
	for p := range 20 {
		pools = append(pools, testPool(b, func(s *config.PoolScalerSettings) {
			s.Name, s.LaunchTemplateName, s.MinAvailable, s.MaxSize = fmt.Sprintf("pool%02d", p), fmt.Sprintf("lt-%02d", p), 10, 600
		}))
	}
	e := newEnv(b, pools...)
	ctx := context.Background()
	for p, pool := range pools {
		for i := range 500 {
			id := e.add(pool.Name, zones[i%2], types.InstanceStateNameRunning)
			if i%2 == 0 {
				user := fmt.Sprintf("u%d-%d", p, i)
				if err := e.h.store.Assign(ctx, pool.Name, user, id, e.now, false); err != nil {
					b.Fatal(err)
				}
				// Reported by tags and already recorded: the steady state reads them and writes nothing.
				e.ec2.SetTags(id, TagSessionState, SessionConnected, TagSessionUser, user, TagSessionAt, e.now.Format(time.RFC3339))
				if err := e.h.store.Session(ctx, pool.Name, SessionEvent{InstanceID: id, Event: SessionConnected, User: user, At: e.now}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return e
}

// A reconcile of 10,000 workstations in 20 pools: DescribeInstances pages of 1000, a lease and a
// Query per pool, and nothing to change (the steady state).
func BenchmarkReconcile(b *testing.B) {
	e := benchEnv(b)
	ec2Before, dbBefore := e.ec2.Total(), e.db.Total()
	describeBefore := e.ec2.Calls("DescribeInstances")
	var heap uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		res, err := e.h.reconcile(context.Background(), fmt.Sprint("bench-", i))
		if err != nil {
			b.Fatal(err)
		}
		if res.Pools[0].Counts.Available != 250 || res.Pools[0].Counts.Assigned != 250 {
			b.Fatalf("counts %+v", res.Pools[0].Counts)
		}
		if i == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap = ms.HeapInuse
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(e.ec2.Calls("DescribeInstances")-describeBefore)/n, "describe-pages/op")
	b.ReportMetric(float64(e.ec2.Total()-ec2Before)/n, "ec2-calls/op")
	b.ReportMetric(float64(e.db.Total()-dbBefore)/n, "dynamodb-calls/op")
	b.ReportMetric(float64(heap)/(1<<20), "heap-inuse-MB")
}

// Planning alone: every pool of the 10,000 workstations, from state already read.
func BenchmarkPlan(b *testing.B) {
	e := benchEnv(b)
	ctx := context.Background()
	byPool, err := e.h.describe(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	states := make([]State, len(e.h.Pools))
	for i, p := range e.h.Pools {
		items, launches, err := e.h.store.Load(ctx, p.Name)
		if err != nil {
			b.Fatal(err)
		}
		states[i] = State{Instances: byPool[p.Name], Items: items, Launches: launches}
	}
	now := e.now.Add(time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i, p := range e.h.Pools {
			PlanPool(p, zones, states[i], now)
		}
	}
}
