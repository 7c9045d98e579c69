package poolscaler

import (
	"cmp"
	"slices"
	"time"

	"github.com/editbay/editbay/config"
)

// EC2 instance states the planner sees (DescribeInstances leaves out shutting-down and terminated).
const (
	statePending  = "pending"
	stateRunning  = "running"
	stateStopping = "stopping"
	stateStopped  = "stopped"
)

// Session events, as the workstations' session hooks send them.
const (
	SessionConnected    = "connected"
	SessionDisconnected = "disconnected"
	SessionLoggedOff    = "loggedoff"
)

// Hold kinds: an unassigned workstation a reconcile is stopping or terminating, which claims skip.
const (
	holdStop      = "stop"
	holdTerminate = "terminate"
)

const (
	// launchGrace is how long a recorded launch counts toward the pool until its instances show in
	// DescribeInstances, which is eventually consistent; after it, a launch that never appeared
	// (failed, or terminated at once) stops counting.
	launchGrace = 10 * time.Minute
	// forgetAfter is how long an item of an instance DescribeInstances no longer shows is kept before
	// it is deleted: long enough not to mistake a slow describe for a terminated instance.
	forgetAfter = 10 * time.Minute
)

// Instance is a pool's EC2 instance as DescribeInstances shows it.
type Instance struct {
	ID          string
	Zone        string
	Type        string
	State       string
	LaunchTime  time.Time
	StoppedAt   time.Time // from the state transition reason, when stopped
	PrivateIP   string
	LaunchToken string      // the editbay:launch-token tag
	SessionTags SessionTags // the editbay:session-* tags
}

// Item is what the table knows of an instance: its user, its session and holds.
type Item struct {
	InstanceID string
	User       string // "" when unassigned
	AssignedAt time.Time
	Session    string // "" (no event since the claim), connected, disconnected or loggedoff
	SessionAt  time.Time
	HoldFor    string // holdStop or holdTerminate
	HoldUntil  time.Time
	StoppedAt  time.Time // when the power plan stopped it
}

// Launch is a recorded RunInstances: written before the call, and given its instance IDs after.
type Launch struct {
	Token string
	Zone  string
	Type  string
	Count int
	IDs   []string // nil until RunInstances returned
	At    time.Time
}

// State is one pool as the reconcile read it.
type State struct {
	Instances []Instance
	Items     map[string]Item // by instance ID
	Launches  []Launch
}

// Plan is what a reconcile does to one pool.
type Plan struct {
	Pool         string       `json:"pool"`
	Target       int          `json:"target"` // minAvailable now
	Launch       []ZoneLaunch `json:"launch,omitempty"`
	Start        []string     `json:"start,omitempty"`
	Stop         []Action     `json:"stop,omitempty"`
	Terminate    []Action     `json:"terminate,omitempty"`
	DoneLaunches []string     `json:"doneLaunches,omitempty"` // launch tokens no longer needed
	Forget       []Item       `json:"forget,omitempty"`       // items of instances that are gone
	Counts       Counts       `json:"counts"`
}

// ZoneLaunch is a number of instances to launch in one zone.
type ZoneLaunch struct {
	Zone  string `json:"zone"`
	Count int    `json:"count"`
}

// Action is a stop or termination of one instance. User is set for an assigned instance (the power
// plan); the store's condition on it keeps a user who just reconnected from being cut off.
type Action struct {
	ID        string    `json:"instanceId"`
	User      string    `json:"user,omitempty"`
	SessionAt time.Time `json:"-"` // the session the decision was made on
	Reason    string    `json:"reason"`
}

// Counts are the pool's gauges.
type Counts struct {
	Available int `json:"available"` // unassigned, ready to claim (running, or stopped in a stopped-warm pool)
	Assigned  int `json:"assigned"`  // assigned, or connected
	Launching int `json:"launching"` // unassigned on their way: pending, starting, launched but not yet described
	Stopped   int `json:"stopped"`   // stopping or stopped, assigned or not
	Total     int `json:"total"`     // everything counting toward maxSize
	BelowMin  int `json:"belowMinAvailable"`
}

// PlanPool decides what one reconcile does to a pool. It is pure: the same pool, zones, state and
// time give the same plan, which is what makes a retried invocation's ClientTokens match.
//
// The rules:
//   - Assigned or connected workstations are never taken for the pool. An assigned one not connected
//     is stopped stopAfterLogoff after its user logged off (or after the claim, with no session event
//     since), or stopAfterIdle after its session disconnected; stopped terminateAfterStopped, it is
//     released and terminated.
//   - Unassigned ones are available when in the warm state (a stopped-warm pool counts running ones
//     too, and stops them). Short of the target, a running-warm pool starts stopped ones first, then
//     launches, spread over zones with the fewest of the pool's instances, never above maxSize.
//   - Above maxAvailable, idle ones are terminated: first those not in the warm state, then the
//     oldest (so the pool rolls onto the newest launch template over time); never pending ones.
//   - Recorded launches count until their instances are described or launchGrace passes.
func PlanPool(pool Pool, zones []string, st State, now time.Time) Plan {
	plan := Plan{Pool: pool.Name, Target: pool.Target(now)}
	seen := make(map[string]bool, len(st.Instances))
	byToken := map[string]int{}
	perZone := make(map[string]int, len(zones))
	for _, in := range st.Instances {
		seen[in.ID] = true
		if in.LaunchToken != "" {
			byToken[in.LaunchToken]++
		}
		perZone[in.Zone]++
	}
	launching := make(map[string]bool) // IDs of recorded launches not yet described
	unseen := 0
	for _, l := range st.Launches {
		n := 0
		if l.IDs != nil {
			for _, id := range l.IDs {
				if !seen[id] {
					launching[id] = true
					n++
				}
			}
		} else {
			n = max(l.Count-byToken[l.Token], 0)
		}
		if n == 0 || now.Sub(l.At) >= launchGrace {
			plan.DoneLaunches = append(plan.DoneLaunches, l.Token)
			continue
		}
		unseen += n
		perZone[l.Zone] += n
	}

	var runningIdle, pendingIdle, stoppedIdle []Instance
	for _, in := range st.Instances {
		it := st.Items[in.ID]
		if in.State == stateStopping || in.State == stateStopped {
			plan.Counts.Stopped++
		}
		switch {
		case it.User != "":
			plan.Counts.Assigned++
			planPower(pool, in, it, now, &plan)
		case it.Session == SessionConnected:
			plan.Counts.Assigned++ // in use without a claim: never the pool's to take
		case it.HoldFor == holdTerminate && it.HoldUntil.After(now):
			// being terminated: counts toward maxSize only
		case in.State == statePending:
			pendingIdle = append(pendingIdle, in)
		case in.State == stateRunning:
			runningIdle = append(runningIdle, in)
		default:
			stoppedIdle = append(stoppedIdle, in)
		}
	}
	total := len(st.Instances) + unseen
	plan.Counts.Total = total
	coming := len(pendingIdle) + unseen

	// warm are the idle ones in the pool's warm state; cold the others, which a stopped-warm pool
	// still counts as ready (a claim takes a running one first) while it stops them.
	warm, cold := runningIdle, stoppedIdle
	readySet := warm
	if pool.WarmState == config.WarmStopped {
		warm, cold = stoppedIdle, runningIdle
		readySet = append(slices.Clip(warm), cold...)
	}
	need := plan.Target - len(readySet) - coming
	if pool.WarmState == config.WarmRunning {
		// Starting a stopped workstation is quicker and cheaper than launching one.
		for _, in := range newestFirst(cold) {
			if need <= 0 {
				break
			}
			if in.State == stateStopped {
				plan.Start = append(plan.Start, in.ID)
				coming++
				need--
			}
		}
	}
	if n := min(need, pool.MaxSize-total); n > 0 {
		plan.Launch = spread(zones, perZone, n)
		coming += n
	}

	terminated := map[string]bool{}
	if pool.MaxAvailable > 0 {
		excess := len(runningIdle) + len(stoppedIdle) + coming - pool.MaxAvailable
		for _, group := range [][]Instance{cold, warm} {
			for _, in := range oldestFirst(group) {
				if excess <= 0 {
					break
				}
				if slices.Contains(plan.Start, in.ID) {
					continue
				}
				plan.Terminate = append(plan.Terminate, Action{ID: in.ID, Reason: "above maxAvailable"})
				terminated[in.ID] = true
				excess--
			}
		}
	}
	if pool.WarmState == config.WarmStopped {
		for _, in := range runningIdle {
			if !terminated[in.ID] {
				plan.Stop = append(plan.Stop, Action{ID: in.ID, Reason: "warm state is stopped"})
			}
		}
	}
	ready := 0
	for _, in := range readySet {
		if !terminated[in.ID] {
			ready++
		}
	}

	for _, it := range sortedItems(st.Items) {
		if seen[it.InstanceID] || launching[it.InstanceID] {
			continue
		}
		last := slices.MaxFunc([]time.Time{it.AssignedAt, it.SessionAt, it.HoldUntil, it.StoppedAt}, time.Time.Compare)
		if now.Sub(last) >= forgetAfter {
			plan.Forget = append(plan.Forget, it)
		}
	}

	plan.Counts.Available = ready
	plan.Counts.Launching = coming
	if ready < plan.Target {
		plan.Counts.BelowMin = 1
	}
	return plan
}

// planPower applies the power plan to an assigned instance.
func planPower(pool Pool, in Instance, it Item, now time.Time, plan *Plan) {
	if it.Session == SessionConnected {
		return
	}
	switch in.State {
	case stateRunning:
		delay, since, reason := pool.stopAfterLogoff, it.SessionAt, "logged off"
		switch it.Session {
		case SessionDisconnected:
			delay, reason = pool.stopAfterIdle, "disconnected"
		case "":
			since, reason = it.AssignedAt, "not connected since the claim"
		}
		if delay > 0 && !since.IsZero() && now.Sub(since) >= delay {
			plan.Stop = append(plan.Stop, Action{ID: in.ID, User: it.User, SessionAt: it.SessionAt, Reason: reason + " for " + delay.String()})
		}
	case stateStopped:
		stopped := in.StoppedAt
		if stopped.IsZero() {
			stopped = it.StoppedAt
		}
		if d := pool.terminateAfterStopped; d > 0 && !stopped.IsZero() && now.Sub(stopped) >= d {
			plan.Terminate = append(plan.Terminate, Action{ID: in.ID, User: it.User, SessionAt: it.SessionAt, Reason: "stopped for " + d.String()})
		}
	}
}

// spread places n launches one at a time in the zone with the fewest of the pool's instances (ties
// in zone order), so zones stay balanced.
func spread(zones []string, perZone map[string]int, n int) []ZoneLaunch {
	counts := make([]int, len(zones))
	for i, z := range zones {
		counts[i] = perZone[z]
	}
	adds := make([]int, len(zones))
	for range n {
		best := 0
		for i := range zones {
			if counts[i] < counts[best] {
				best = i
			}
		}
		counts[best]++
		adds[best]++
	}
	var out []ZoneLaunch
	for i, z := range zones {
		if adds[i] > 0 {
			out = append(out, ZoneLaunch{Zone: z, Count: adds[i]})
		}
	}
	return out
}

func byLaunch(a, b Instance) int {
	return cmp.Or(a.LaunchTime.Compare(b.LaunchTime), cmp.Compare(a.ID, b.ID))
}

func oldestFirst(ins []Instance) []Instance {
	return slices.SortedFunc(slices.Values(ins), byLaunch)
}

func newestFirst(ins []Instance) []Instance {
	return slices.SortedFunc(slices.Values(ins), func(a, b Instance) int { return byLaunch(b, a) })
}

func sortedItems(m map[string]Item) []Item {
	out := make([]Item, 0, len(m))
	for _, it := range m {
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.InstanceID, b.InstanceID) })
	return out
}
