// Package poolscaler keeps each workstation pool's ready workstations (reconcile, every minute),
// hands them to users (claim, release) and follows their sessions (session events from brokers, and
// session tags the workstations set on themselves: see TagSessionState), stopping idle ones by the
// pool's power plan. Assignments live in a DynamoDB table where conditional writes decide every
// race; EC2 holds the instances. The planner (PlanPool) is pure; the rest reads and applies.
package poolscaler

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// Handler serves every entry of the pool scaler function.
type Handler struct {
	EC2         EC2
	DB          DynamoDB
	Table       string
	Environment string            // the editbay:environment tag of the workstations, and the metrics' dimension
	Subnets     map[string]string // zone -> private subnet ID
	Pools       []Pool
	Metrics     *emf.Logger // in emf.PoolsNamespace
	Log         *slog.Logger
	DryRun      bool
	Now         func() time.Time // default: time.Now

	once  sync.Once
	store *Store
	zones []string // in name order, the order launches spread in
}

// ErrNoWorkstation means a pool has no workstation to give right now; reconcile is launching more.
var ErrNoWorkstation = errors.New("no workstation available")

// claimAttempts bounds how many candidates a claim tries when others take them first.
const claimAttempts = 5

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) init() {
	h.once.Do(func() {
		h.store = &Store{DB: h.DB, Table: h.Table}
		h.zones = slices.Sorted(maps.Keys(h.Subnets))
	})
}

func (h *Handler) pool(name string) (Pool, error) {
	i := slices.IndexFunc(h.Pools, func(p Pool) bool { return p.Name == name })
	if i < 0 {
		return Pool{}, fmt.Errorf("unknown pool %q", name)
	}
	return h.Pools[i], nil
}

// Handle decodes an invocation and runs it.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	h.init()
	var requestID string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	r, err := DecodeRequest(raw, requestID)
	if err != nil {
		h.Log.Warn("rejected invocation", "error", err)
		return nil, err
	}
	switch r.Action {
	case ActionReconcile:
		return h.reconcile(ctx, r.Cycle)
	case ActionClaim:
		return h.claim(ctx, r.Pool, r.User)
	case ActionRelease:
		return h.release(ctx, r.Pool, r.User, r.InstanceID)
	default:
		return h.session(ctx, r)
	}
}

// ClaimResult is a claim's answer.
type ClaimResult struct {
	InstanceID string `json:"instanceId"`
	State      string `json:"state"`
	PrivateIP  string `json:"privateIp,omitempty"`
	Started    bool   `json:"started"`  // it was stopped and is starting
	Existing   bool   `json:"existing"` // the user already had it
}

// claim gives user a workstation of the pool: theirs if they have one, else an available one by
// preference running, pending, stopped (the one soonest usable), started if stopped.
func (h *Handler) claim(ctx context.Context, poolName, user string) (ClaimResult, error) {
	start := time.Now()
	pool, err := h.pool(poolName)
	if err != nil {
		return ClaimResult{}, err
	}
	res, err := h.claimIn(ctx, pool, user)
	if err != nil {
		h.Log.Warn("claim failed", "pool", pool.Name, "user", user, "error", err, "class", awserr.Classify(err).String())
		return res, err
	}
	h.Log.Info("claimed", "pool", pool.Name, "user", user, "instanceId", res.InstanceID, "existing", res.Existing, "started", res.Started)
	if err := h.Metrics.Emit(map[string]string{"Environment": h.Environment, "Pool": pool.Name},
		emf.Metric{Name: MetricClaimLatency, Unit: emf.UnitMilliseconds, Value: float64(time.Since(start).Microseconds()) / 1000}); err != nil {
		h.Log.Warn("metrics not written", "error", err)
	}
	return res, nil
}

func (h *Handler) claimIn(ctx context.Context, pool Pool, user string) (ClaimResult, error) {
	if res, ok, err := h.existing(ctx, pool, user); err != nil || ok {
		return res, err
	}
	byPool, err := h.describe(ctx, nil)
	if err != nil {
		return ClaimResult{}, err
	}
	items, _, err := h.store.Load(ctx, pool.Name)
	if err != nil {
		return ClaimResult{}, err
	}
	now := h.now()
	rank := map[string]int{stateRunning: 0, statePending: 1, stateStopped: 2}
	var candidates []Instance
	for _, in := range byPool[pool.Name] {
		it := items[in.ID]
		if _, ok := rank[in.State]; ok && it.User == "" && it.Session != SessionConnected && !held(in, it, now) {
			candidates = append(candidates, in)
		}
	}
	slices.SortFunc(candidates, func(a, b Instance) int { return cmp.Or(cmp.Compare(rank[a.State], rank[b.State]), byLaunch(a, b)) })
	attempts := claimAttempts
	for i := 0; i < len(candidates) && attempts > 0; i++ {
		in := candidates[i]
		attempts--
		switch err := h.store.Assign(ctx, pool.Name, user, in.ID, now, in.State == stateStopped); {
		case errors.Is(err, ErrUserHasInstance):
			// A concurrent claim of the same user won; answer with its workstation.
			res, _, err := h.existing(ctx, pool, user)
			return res, err
		case errors.Is(err, ErrConflict):
			// Another transaction wrote these items at once (a concurrent claim of the same user or of
			// this workstation) and DynamoDB cancelled ours unchecked: try the same one again, whose
			// conditions now tell which (ErrUserHasInstance: answer with the winner's workstation).
			h.Log.Info("claim conflicted with a concurrent write; trying again", "pool", pool.Name, "user", user, "instanceId", in.ID)
			i--
			continue
		case errors.Is(err, ErrTaken):
			continue
		case err != nil:
			return ClaimResult{}, err
		}
		res := ClaimResult{InstanceID: in.ID, State: in.State, PrivateIP: in.PrivateIP}
		if in.State == stateStopped {
			if err := h.call(ctx, "start", []string{in.ID}); err != nil {
				// Give it back rather than leave the user a machine that cannot start.
				if _, uerr := h.store.Unassign(context.WithoutCancel(ctx), pool.Name, user, in.ID); uerr != nil {
					err = errors.Join(err, uerr)
				}
				return ClaimResult{}, fmt.Errorf("start claimed workstation: %w", err)
			}
			res.Started, res.State = true, statePending
		}
		return res, nil
	}
	return ClaimResult{}, fmt.Errorf("pool %q: %w", pool.Name, ErrNoWorkstation)
}

// held reports whether a reconcile's hold keeps claims from an instance: a terminate hold until it
// expires; a stop hold only until the instance is stopped, as a claim then starts it and nothing is
// left for the stop to race with. (Should something else stop the instance between the reconcile's
// hold and its StopInstances, the claim starts it and the late stop stops it; the user's next claim
// starts it again.)
func held(in Instance, it Item, now time.Time) bool {
	if !it.HoldUntil.After(now) {
		return false
	}
	return it.HoldFor != holdStop || in.State != stateStopped
}

// existing returns the user's workstation, started if it was stopped. An assignment whose instance
// is gone is released, so the user gets a new one.
func (h *Handler) existing(ctx context.Context, pool Pool, user string) (ClaimResult, bool, error) {
	id, err := h.store.UserInstance(ctx, pool.Name, user)
	if err != nil || id == "" {
		return ClaimResult{}, false, err
	}
	byPool, err := h.describe(ctx, []string{id})
	if err != nil && !awserr.Is(err, awserr.NotFound) {
		return ClaimResult{}, false, err
	}
	i := slices.IndexFunc(byPool[pool.Name], func(in Instance) bool { return in.ID == id })
	if i < 0 {
		h.Log.Warn("assigned workstation is gone; releasing it", "pool", pool.Name, "user", user, "instanceId", id)
		_, err := h.store.Unassign(ctx, pool.Name, user, id)
		return ClaimResult{}, false, err
	}
	in := byPool[pool.Name][i]
	res := ClaimResult{InstanceID: id, State: in.State, PrivateIP: in.PrivateIP, Existing: true}
	if in.State == stateStopped {
		if err := h.call(ctx, "start", []string{id}); err != nil {
			return res, false, fmt.Errorf("start the user's workstation: %w", err)
		}
		res.Started, res.State = true, statePending
	}
	return res, true, nil
}

// ReleaseResult is a release's answer.
type ReleaseResult struct {
	InstanceID string `json:"instanceId,omitempty"`
	Released   bool   `json:"released"` // false: nothing was assigned
}

// release gives a workstation back to the pool (by user or by instance). It stays as it is; the next
// reconcile treats it as available (stopping it in a stopped-warm pool).
func (h *Handler) release(ctx context.Context, poolName, user, id string) (ReleaseResult, error) {
	pool, err := h.pool(poolName)
	if err != nil {
		return ReleaseResult{}, err
	}
	if user == "" {
		it, err := h.store.InstanceItem(ctx, pool.Name, id)
		if err != nil {
			return ReleaseResult{}, err
		}
		user = it.User
	} else if id, err = h.store.UserInstance(ctx, pool.Name, user); err != nil {
		return ReleaseResult{}, err
	}
	if user == "" || id == "" {
		return ReleaseResult{InstanceID: id}, nil
	}
	ok, err := h.store.Unassign(ctx, pool.Name, user, id)
	if err != nil {
		return ReleaseResult{}, err
	}
	h.Log.Info("released", "pool", pool.Name, "user", user, "instanceId", id, "released", ok)
	return ReleaseResult{InstanceID: id, Released: ok}, nil
}

// SessionResult is a session event's answer.
type SessionResult struct {
	Pool     string `json:"pool"`
	Recorded bool   `json:"recorded"`
}

// session records a session event. The pool comes from the instance's tag, never from the caller.
func (h *Handler) session(ctx context.Context, r Request) (SessionResult, error) {
	byPool, err := h.describe(ctx, []string{r.InstanceID})
	if err != nil {
		return SessionResult{}, err
	}
	var pool string
	for p, ins := range byPool {
		if len(ins) > 0 {
			pool = p
		}
	}
	if _, err := h.pool(pool); err != nil {
		return SessionResult{}, fmt.Errorf("instance %s is not a workstation of a known pool: %w", r.InstanceID, err)
	}
	if r.Pool != "" && r.Pool != pool {
		return SessionResult{}, fmt.Errorf("instance %s is in pool %q, not %q", r.InstanceID, pool, r.Pool)
	}
	ev := SessionEvent{InstanceID: r.InstanceID, Event: r.Event, User: r.User, At: h.now()}
	if err := h.recordSession(ctx, pool, ev, "invoke"); err != nil {
		return SessionResult{Pool: pool}, err
	}
	return SessionResult{Pool: pool, Recorded: true}, nil
}

// recordSession writes a session event, from a session action or an instance's tags alike.
func (h *Handler) recordSession(ctx context.Context, pool string, ev SessionEvent, source string) error {
	if err := h.store.Session(ctx, pool, ev); err != nil {
		return err
	}
	h.Log.Info("session", "pool", pool, "instanceId", ev.InstanceID, "event", ev.Event, "user", ev.User, "at", ev.At, "source", source)
	return nil
}
