package poolscaler

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/editbay/editbay/config"
)

var (
	t0    = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) // a Sunday: no weekday schedule is open
	zones = []string{"ap-northeast-1a", "ap-northeast-1c"}
)

func testPool(t testing.TB, edit func(*config.PoolScalerSettings)) Pool {
	t.Helper()
	s := config.PoolScalerSettings{Name: "editors", LaunchTemplateName: "lt-editors", InstanceTypes: []string{"g4dn.xlarge", "g5.xlarge"},
		MinAvailable: 1, MaxSize: 10, WarmState: config.WarmRunning, StopAfterLogoffSeconds: 3600}
	if edit != nil {
		edit(&s)
	}
	p, err := NewPool(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// inst is an instance launched at t0 minus age minutes.
func inst(id, zone, state string, age int) Instance {
	return Instance{ID: id, Zone: zone, Type: "g4dn.xlarge", State: state, LaunchTime: t0.Add(-time.Duration(age) * time.Minute)}
}

func ago(d time.Duration) time.Time { return t0.Add(-d) }

func TestPlanPool(t *testing.T) {
	a, c := zones[0], zones[1]
	cases := []struct {
		name  string
		pool  func(*config.PoolScalerSettings)
		state State
		want  Plan // only the fields compared below
	}{
		{"launches up to the target, spread over zones",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 3 }, State{},
			Plan{Launch: []ZoneLaunch{{a, 2}, {c, 1}}, Counts: Counts{Launching: 3, BelowMin: 1}}},
		{"spreads toward the emptier zone",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 3 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 5), inst("i-2", a, stateRunning, 5)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", User: "u1", Session: SessionConnected}, "i-2": {InstanceID: "i-2", User: "u2", Session: SessionConnected}}},
			Plan{Launch: []ZoneLaunch{{a, 1}, {c, 2}}, Counts: Counts{Assigned: 2, Launching: 3, BelowMin: 1, Total: 2}}},
		{"never above maxSize",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 3; s.MaxSize = 3 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 5)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", User: "u1", Session: SessionConnected}}},
			Plan{Launch: []ZoneLaunch{{a, 1}, {c, 1}}, Counts: Counts{Assigned: 1, Launching: 2, BelowMin: 1, Total: 1}}},
		{"a full pool launches nothing",
			func(s *config.PoolScalerSettings) { s.MaxSize = 1 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 5)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", User: "u1", Session: SessionConnected}}},
			Plan{Counts: Counts{Assigned: 1, BelowMin: 1, Total: 1}}},
		{"a recorded launch not yet described counts",
			nil, State{Launches: []Launch{{Token: "t", Zone: a, Count: 1, IDs: []string{"i-9"}, At: ago(time.Minute)}}},
			Plan{Counts: Counts{Launching: 1, BelowMin: 1, Total: 1}}},
		{"a recorded launch without IDs counts until its tagged instances show",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 2 },
			State{Instances: []Instance{{ID: "i-1", Zone: a, State: statePending, LaunchToken: "t"}}, Launches: []Launch{{Token: "t", Zone: a, Count: 2, At: ago(time.Minute)}}},
			Plan{Counts: Counts{Launching: 2, BelowMin: 1, Total: 2}}},
		{"a described launch is done",
			nil, State{Instances: []Instance{inst("i-9", a, stateRunning, 1)}, Launches: []Launch{{Token: "t", Zone: a, Count: 1, IDs: []string{"i-9"}, At: ago(time.Minute)}}},
			Plan{DoneLaunches: []string{"t"}, Counts: Counts{Available: 1, Total: 1}}},
		{"an expired launch stops counting",
			nil, State{Launches: []Launch{{Token: "t", Zone: a, Count: 1, IDs: []string{"i-9"}, At: ago(launchGrace)}}},
			Plan{Launch: []ZoneLaunch{{a, 1}}, DoneLaunches: []string{"t"}, Counts: Counts{Launching: 1, BelowMin: 1}}},
		{"pending unassigned ones are on their way",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 2 },
			State{Instances: []Instance{inst("i-1", a, statePending, 0), inst("i-2", c, stateRunning, 3)}},
			Plan{Counts: Counts{Available: 1, Launching: 1, BelowMin: 1, Total: 2}}},
		{"a running-warm pool starts stopped ones before launching, newest first",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 2 },
			State{Instances: []Instance{inst("i-1", a, stateStopped, 30), inst("i-2", c, stateStopped, 10), inst("i-3", a, stateStopping, 5)}},
			Plan{Start: []string{"i-2", "i-1"}, Counts: Counts{Launching: 2, Stopped: 3, BelowMin: 1, Total: 3}}},
		{"a stopped-warm pool stops running idle ones and counts them ready",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 2; s.WarmState = config.WarmStopped },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 3), inst("i-2", c, stateStopped, 30)}},
			Plan{Stop: []Action{{ID: "i-1", Reason: "warm state is stopped"}}, Counts: Counts{Available: 2, Stopped: 1, Total: 2}}},
		{"a stopped-warm pool waits for pending ones to run before stopping them",
			func(s *config.PoolScalerSettings) { s.WarmState = config.WarmStopped },
			State{Instances: []Instance{inst("i-1", a, statePending, 0)}},
			Plan{Counts: Counts{Launching: 1, BelowMin: 1, Total: 1}}},
		{"above maxAvailable: cold ones first, then the oldest, never pending",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 1; s.MaxAvailable = 2 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 50), inst("i-2", c, stateRunning, 10), inst("i-3", a, stateRunning, 90),
				inst("i-4", c, stateStopped, 5), inst("i-5", a, statePending, 0)}},
			Plan{Terminate: []Action{{ID: "i-4", Reason: "above maxAvailable"}, {ID: "i-3", Reason: "above maxAvailable"}, {ID: "i-1", Reason: "above maxAvailable"}},
				Counts: Counts{Available: 1, Launching: 1, Stopped: 1, Total: 5}}},
		{"without maxAvailable extra idle ones stay",
			nil, State{Instances: []Instance{inst("i-1", a, stateRunning, 50), inst("i-2", c, stateRunning, 10)}},
			Plan{Counts: Counts{Available: 2, Total: 2}}},
		{"logged off for stopAfterLogoff: stopped, still assigned",
			nil, State{Instances: []Instance{inst("i-1", a, stateRunning, 500), inst("i-2", c, stateRunning, 500)}, Items: map[string]Item{
				"i-1": {InstanceID: "i-1", User: "alice", Session: SessionLoggedOff, SessionAt: ago(time.Hour)},
				"i-2": {InstanceID: "i-2", User: "bob", Session: SessionLoggedOff, SessionAt: ago(59 * time.Minute)}}},
			Plan{Launch: []ZoneLaunch{{a, 1}}, Stop: []Action{{ID: "i-1", User: "alice", SessionAt: ago(time.Hour), Reason: "logged off for 1h0m0s"}}, Counts: Counts{Assigned: 2, Launching: 1, BelowMin: 1, Total: 2}}},
		{"disconnected: stopped only with stopAfterIdle",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 0; s.StopAfterIdleSeconds = 1800 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 500)}, Items: map[string]Item{
				"i-1": {InstanceID: "i-1", User: "alice", Session: SessionDisconnected, SessionAt: ago(31 * time.Minute)}}},
			Plan{Stop: []Action{{ID: "i-1", User: "alice", SessionAt: ago(31 * time.Minute), Reason: "disconnected for 30m0s"}}, Counts: Counts{Assigned: 1, Total: 1}}},
		{"disconnected without stopAfterIdle keeps running",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 0 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 500)}, Items: map[string]Item{
				"i-1": {InstanceID: "i-1", User: "alice", Session: SessionDisconnected, SessionAt: ago(30 * time.Hour)}}},
			Plan{Counts: Counts{Assigned: 1, Total: 1}}},
		{"connected is never stopped nor terminated",
			func(s *config.PoolScalerSettings) {
				s.MinAvailable = 0
				s.StopAfterIdleSeconds = 60
				s.TerminateAfterStoppedSeconds = 60
			},
			State{Instances: []Instance{inst("i-1", a, stateRunning, 500), {ID: "i-2", Zone: c, State: stateStopped, StoppedAt: ago(time.Hour)}}, Items: map[string]Item{
				"i-1": {InstanceID: "i-1", User: "alice", Session: SessionConnected, SessionAt: ago(30 * time.Hour)},
				"i-2": {InstanceID: "i-2", User: "bob", Session: SessionConnected, SessionAt: ago(30 * time.Hour)}}},
			Plan{Counts: Counts{Assigned: 2, Stopped: 1, Total: 2}}},
		{"claimed and never connected: stopped stopAfterLogoff after the claim",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 0 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 500)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", User: "alice", AssignedAt: ago(2 * time.Hour)}}},
			Plan{Stop: []Action{{ID: "i-1", User: "alice", Reason: "not connected since the claim for 1h0m0s"}}, Counts: Counts{Assigned: 1, Total: 1}}},
		{"stopped terminateAfterStopped: released and terminated",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 0; s.TerminateAfterStoppedSeconds = 86400 },
			State{Instances: []Instance{{ID: "i-1", Zone: a, State: stateStopped, StoppedAt: ago(25 * time.Hour)}, {ID: "i-2", Zone: c, State: stateStopped}}, Items: map[string]Item{
				"i-1": {InstanceID: "i-1", User: "alice", Session: SessionLoggedOff, SessionAt: ago(26 * time.Hour)},
				"i-2": {InstanceID: "i-2", User: "bob", StoppedAt: ago(23 * time.Hour)}}},
			Plan{Terminate: []Action{{ID: "i-1", User: "alice", SessionAt: ago(26 * time.Hour), Reason: "stopped for 24h0m0s"}}, Counts: Counts{Assigned: 2, Stopped: 2, Total: 2}}},
		{"connected without a claim is not the pool's",
			func(s *config.PoolScalerSettings) { s.MaxAvailable = 1 },
			State{Instances: []Instance{inst("i-1", a, stateRunning, 5), inst("i-2", c, stateRunning, 5)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", Session: SessionConnected}}},
			Plan{Counts: Counts{Available: 1, Assigned: 1, Total: 2}}},
		{"held for termination is neither available nor terminated again",
			nil, State{Instances: []Instance{inst("i-1", a, stateRunning, 5)}, Items: map[string]Item{"i-1": {InstanceID: "i-1", HoldFor: holdTerminate, HoldUntil: t0.Add(time.Minute)}}},
			Plan{Launch: []ZoneLaunch{{c, 1}}, Counts: Counts{Launching: 1, BelowMin: 1, Total: 1}}},
		{"items of instances gone for forgetAfter are forgotten",
			func(s *config.PoolScalerSettings) { s.MinAvailable = 0 },
			State{Items: map[string]Item{"i-1": {InstanceID: "i-1", User: "alice", AssignedAt: ago(forgetAfter)}, "i-2": {InstanceID: "i-2", User: "bob", AssignedAt: ago(time.Minute)}}},
			Plan{Forget: []Item{{InstanceID: "i-1", User: "alice", AssignedAt: ago(forgetAfter)}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanPool(testPool(t, tc.pool), zones, tc.state, t0)
			tc.want.Pool, tc.want.Target = "editors", got.Target
			if !planEqual(got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Errorf("plan\n got %s %+v\nwant %s %+v", g, got.Stop, w, tc.want.Stop)
			}
			if again := PlanPool(testPool(t, tc.pool), zones, tc.state, t0); !planEqual(again, got) {
				t.Error("PlanPool is not deterministic")
			}
		})
	}
}

func planEqual(a, b Plan) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	eqActions := func(x, y []Action) bool {
		return slices.EqualFunc(x, y, func(p, q Action) bool {
			return p.ID == q.ID && p.User == q.User && p.Reason == q.Reason && p.SessionAt.Equal(q.SessionAt)
		})
	}
	return string(ja) == string(jb) && eqActions(a.Stop, b.Stop) && eqActions(a.Terminate, b.Terminate)
}

func TestScheduleTarget(t *testing.T) {
	weekdays := []string{"MON", "TUE", "WED", "THU", "FRI"}
	pool := testPool(t, func(s *config.PoolScalerSettings) {
		s.MinAvailable = 1
		s.Schedules = []config.ScheduleSettings{
			{Days: weekdays, Start: "08:00", End: "20:00", Timezone: "Asia/Tokyo", MinAvailable: 3},
			{Days: weekdays, Start: "09:00", End: "17:00", Timezone: "America/New_York", MinAvailable: 5},
			{Days: []string{"FRI"}, Start: "22:00", End: "02:00", Timezone: "UTC", MinAvailable: 2},
		}
	})
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		when string
		want int
		why  string
	}{
		{"2025-06-01T23:00:00Z", 3, "Monday 08:00 in Tokyo: the window opens"},
		{"2025-06-01T22:59:00Z", 1, "Monday 07:59 in Tokyo"},
		{"2025-06-02T10:59:00Z", 3, "Monday 19:59 in Tokyo"},
		{"2025-06-02T11:00:00Z", 1, "Monday 20:00 in Tokyo: the end is exclusive"},
		{"2025-06-06T23:30:00Z", 2, "Saturday 08:30 in Tokyo is closed; Friday 23:30 UTC is in the overnight window"},
		{"2025-06-07T01:59:00Z", 2, "Saturday 01:59 UTC: the Friday window runs past midnight"},
		{"2025-06-07T02:00:00Z", 1, "Saturday 02:00 UTC"},
		{"2025-06-06T01:00:00Z", 3, "Friday 01:00 UTC: Thursday has no overnight window; Tokyo's Friday 10:00 is open"},
		{"2025-01-06T13:30:00Z", 1, "Monday 08:30 EST (UTC-5)"},
		{"2025-01-06T14:00:00Z", 5, "Monday 09:00 EST"},
		{"2025-03-10T13:30:00Z", 5, "Monday 09:30 EDT (UTC-4) after the March change"},
		{"2025-03-10T21:00:00Z", 1, "Monday 17:00 EDT"},
		{"2025-11-03T21:30:00Z", 5, "Monday 16:30 EST after the November change"},
		{"2025-06-02T14:00:00Z", 5, "Monday 10:00 EDT overlaps nothing else; the highest open window applies"},
		{"2025-06-02T00:00:00Z", 3, "Monday 09:00 JST, Sunday 20:00 EDT"},
	} {
		if got := pool.Target(at(c.when)); got != c.want {
			t.Errorf("%s (%s): target %d, want %d", c.when, c.why, got, c.want)
		}
	}
}

func TestNewPoolRejects(t *testing.T) {
	for name, edit := range map[string]func(*config.PoolScalerSettings){
		"no types":      func(s *config.PoolScalerSettings) { s.InstanceTypes = nil },
		"warm state":    func(s *config.PoolScalerSettings) { s.WarmState = "hot" },
		"min above max": func(s *config.PoolScalerSettings) { s.MinAvailable = 11 },
		"bad zone": func(s *config.PoolScalerSettings) {
			s.Schedules = []config.ScheduleSettings{{Start: "08:00", End: "09:00", Timezone: "Mars/Base"}}
		},
		"bad day": func(s *config.PoolScalerSettings) {
			s.Schedules = []config.ScheduleSettings{{Days: []string{"MONDAY"}, Start: "08:00", End: "09:00", Timezone: "UTC"}}
		},
		"bad time": func(s *config.PoolScalerSettings) {
			s.Schedules = []config.ScheduleSettings{{Start: "8am", End: "09:00", Timezone: "UTC"}}
		},
		"empty window": func(s *config.PoolScalerSettings) {
			s.Schedules = []config.ScheduleSettings{{Start: "08:00", End: "08:00", Timezone: "UTC"}}
		},
	} {
		s := config.PoolScalerSettings{Name: "p", LaunchTemplateName: "lt", InstanceTypes: []string{"t3.large"}, MinAvailable: 1, MaxSize: 10, WarmState: "running"}
		edit(&s)
		if _, err := NewPool(s); err == nil {
			t.Errorf("%s: accepted %+v", name, s)
		}
	}
}
