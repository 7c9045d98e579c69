package poolscaler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// EC2 is the part of the EC2 API the pool scaler calls, with the SDK's own signatures.
type EC2 interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	RunInstances(ctx context.Context, in *ec2.RunInstancesInput, optFns ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	StartInstances(ctx context.Context, in *ec2.StartInstancesInput, optFns ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(ctx context.Context, in *ec2.StopInstancesInput, optFns ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
	TerminateInstances(ctx context.Context, in *ec2.TerminateInstancesInput, optFns ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
}

// Tags of every workstation.
const (
	TagPool        = "editbay:pool"
	TagEnvironment = "editbay:environment"
	TagLaunchToken = "editbay:launch-token"
)

const (
	describePage = 1000 // DescribeInstances' largest page
	batchSize    = 1000 // most IDs of one Start/Stop/TerminateInstances
	leaseFor     = 5 * time.Minute
	holdFor      = 2 * time.Minute // the longest claims skip an instance a reconcile is stopping (until it is stopped)
)

// PoolResult is what a reconcile did to one pool.
type PoolResult struct {
	Plan
	Launched   int    `json:"launched"`
	Skipped    string `json:"skipped,omitempty"` // why the pool was not reconciled
	Error      string `json:"error,omitempty"`
	DryRun     bool   `json:"dryRun,omitempty"`
	Terminated int    `json:"terminated"`
	Stopped    int    `json:"stopped"`
}

// ReconcileResult is a reconcile's answer.
type ReconcileResult struct {
	Cycle string       `json:"cycle"`
	Pools []PoolResult `json:"pools"`
}

// reconcile reads every pool's instances with one paginated describe, then plans and applies each
// pool under its lease. A pool's failure does not stop the others; the joined error makes Lambda
// count the invocation as failed, and the next cycle retries.
func (h *Handler) reconcile(ctx context.Context, cycle string) (ReconcileResult, error) {
	res := ReconcileResult{Cycle: cycle}
	byPool, err := h.describe(ctx, nil)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, pool := range h.Pools {
		pr, err := h.reconcilePool(ctx, pool, byPool[pool.Name], cycle)
		if err != nil {
			pr.Error = err.Error()
			errs = append(errs, fmt.Errorf("pool %q: %w", pool.Name, err))
			h.Log.Error("reconcile failed", "pool", pool.Name, "cycle", cycle, "error", err, "class", awserr.Classify(err).String())
		}
		res.Pools = append(res.Pools, pr)
	}
	return res, errors.Join(errs...)
}

func (h *Handler) reconcilePool(ctx context.Context, pool Pool, instances []Instance, cycle string) (PoolResult, error) {
	pr := PoolResult{Plan: Plan{Pool: pool.Name}, DryRun: h.DryRun}
	now := h.now()
	owner := cycle + "/" + strconv.FormatInt(now.UnixNano(), 36)
	if err := h.store.Lease(ctx, pool.Name, owner, now, leaseFor); errors.Is(err, ErrBusy) {
		pr.Skipped = "another reconcile holds the pool"
		h.Log.Info("pool skipped", "pool", pool.Name, "cycle", cycle, "reason", pr.Skipped)
		return pr, nil
	} else if err != nil {
		return pr, err
	}
	defer func() {
		// A background context: the lease is given back even when the invocation ran out of time.
		if err := h.store.Unlease(context.WithoutCancel(ctx), pool.Name, owner); err != nil {
			h.Log.Warn("lease not released; it expires", "pool", pool.Name, "error", err)
		}
	}()
	items, launches, err := h.store.Load(ctx, pool.Name)
	if err != nil {
		return pr, err
	}
	if err := h.applySessionTags(ctx, pool.Name, instances, items, now); err != nil {
		return pr, err
	}
	plan := PlanPool(pool, h.zones, State{Instances: instances, Items: items, Launches: launches}, now)
	pr.Plan = plan
	h.Log.Info("plan", "pool", pool.Name, "cycle", cycle, "dryRun", h.DryRun, "plan", plan)
	h.emitCounts(pool.Name, plan.Counts)
	if h.DryRun {
		return pr, nil
	}
	var errs []error
	pr.Launched, err = h.launch(ctx, pool, plan.Launch, cycle, now)
	errs = append(errs, err)
	if len(plan.Start) > 0 {
		errs = append(errs, h.batch(ctx, "start", plan.Start))
	}
	var stops, terminations []string
	for _, a := range plan.Stop {
		if h.claimFor(ctx, pool.Name, a, holdStop, now, &errs) {
			stops = append(stops, a.ID)
		}
	}
	for _, a := range plan.Terminate {
		if h.claimFor(ctx, pool.Name, a, holdTerminate, now, &errs) {
			terminations = append(terminations, a.ID)
		}
	}
	errs = append(errs, h.batch(ctx, "stop", stops), h.batch(ctx, "terminate", terminations))
	pr.Stopped, pr.Terminated = len(stops), len(terminations)
	for _, t := range plan.DoneLaunches {
		errs = append(errs, h.store.DeleteLaunch(ctx, pool.Name, t))
	}
	for _, it := range plan.Forget {
		if err := h.store.Forget(ctx, pool.Name, it); err != nil && !errors.Is(err, ErrTaken) {
			errs = append(errs, err)
		}
	}
	return pr, errors.Join(errs...)
}

// claimFor takes an instance out of reach of claims before it is stopped or terminated: a hold for
// an unassigned one, a conditional mark (or release) for an assigned one. It reports whether the
// action may go ahead; a lost race (claimed, reconnected) only skips it.
func (h *Handler) claimFor(ctx context.Context, pool string, a Action, kind string, now time.Time, errs *[]error) bool {
	var err error
	switch {
	case a.User == "" && kind == holdStop:
		err = h.store.Hold(ctx, pool, a.ID, holdStop, now.Add(holdFor))
	case a.User == "":
		err = h.store.Hold(ctx, pool, a.ID, holdTerminate, now.Add(launchGrace))
	case kind == holdStop:
		err = h.store.MarkStopped(ctx, pool, a, now)
	default:
		err = h.store.ReleaseForTermination(ctx, pool, a, now)
	}
	if errors.Is(err, ErrTaken) {
		h.Log.Info("action skipped: the workstation changed meanwhile", "pool", pool, "instanceId", a.ID, "action", kind)
		return false
	}
	if err != nil {
		*errs = append(*errs, err)
		return false
	}
	h.Log.Info(kind, "pool", pool, "instanceId", a.ID, "user", a.User, "reason", a.Reason)
	return true
}

// LaunchToken is the ClientToken of one RunInstances: the same pool, zone, type, count, cycle and
// attempt (the call's place among the pool's launches of the cycle, so a share moved to a zone that
// already launched is a new request) give the same token, so a retried or duplicated invocation gets
// EC2's earlier answer instead of new instances. EC2 allows 64 ASCII characters.
func LaunchToken(pool, zone, instanceType string, count int, cycle string, attempt int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d\x00%s\x00%d", pool, zone, instanceType, count, cycle, attempt))
	return "editbay-" + hex.EncodeToString(sum[:24])
}

// launch runs the planned launches: each zone's share with one RunInstances of the pool's type; a
// zone without capacity passes its share to the other zones, and when no zone has capacity for a
// type the rest moves to the next fallback type. It returns how many instances were launched.
func (h *Handler) launch(ctx context.Context, pool Pool, plan []ZoneLaunch, cycle string, now time.Time) (int, error) {
	launched, attempt := 0, 0
	queue := slices.Clone(plan)
	for _, typ := range pool.InstanceTypes {
		noCapacity := map[string]bool{}
		deficit := 0
		for len(queue) > 0 {
			zl := queue[0]
			queue = queue[1:]
			got, err := h.runInstances(ctx, pool, zl, typ, LaunchToken(pool.Name, zl.Zone, typ, zl.Count, cycle, attempt), now)
			attempt++
			launched += got
			switch {
			case awserr.Is(err, awserr.Capacity) || (err == nil && got < zl.Count):
				h.Log.Warn("no capacity", "pool", pool.Name, "zone", zl.Zone, "instanceType", typ, "wanted", zl.Count, "launched", got, "error", err)
				noCapacity[zl.Zone] = true
				rest := zl.Count - got
				if z, ok := h.otherZone(noCapacity, queue); ok {
					queue = append(queue, ZoneLaunch{Zone: z, Count: rest})
				} else {
					deficit += rest
				}
			case err != nil:
				return launched, err
			}
		}
		if deficit == 0 {
			return launched, nil
		}
		queue = spread(h.zones, nil, deficit)
	}
	if len(queue) > 0 {
		return launched, fmt.Errorf("no capacity for %d workstations of %v in any zone; retried next cycle", sumCounts(queue), pool.InstanceTypes)
	}
	return launched, nil
}

// otherZone picks a zone with capacity not already queued, so a zone's share moves to one zone.
func (h *Handler) otherZone(noCapacity map[string]bool, queue []ZoneLaunch) (string, bool) {
	for _, z := range h.zones {
		if !noCapacity[z] && !slices.ContainsFunc(queue, func(q ZoneLaunch) bool { return q.Zone == z }) {
			return z, true
		}
	}
	for _, z := range h.zones {
		if !noCapacity[z] {
			return z, true
		}
	}
	return "", false
}

func sumCounts(zl []ZoneLaunch) int {
	n := 0
	for _, z := range zl {
		n += z.Count
	}
	return n
}

// runInstances records the launch, then runs it. A refusal (no capacity, or still throttled after the
// SDK's retries) forgets the record; any other failure keeps it (the instances may exist), so it
// counts until seen or expired.
func (h *Handler) runInstances(ctx context.Context, pool Pool, zl ZoneLaunch, typ, token string, now time.Time) (int, error) {
	if err := h.store.RecordLaunch(ctx, pool.Name, Launch{Token: token, Zone: zl.Zone, Type: typ, Count: zl.Count, At: now}); err != nil {
		return 0, err
	}
	tags := []types.Tag{
		{Key: aws.String(TagPool), Value: aws.String(pool.Name)},
		{Key: aws.String(TagEnvironment), Value: aws.String(h.Environment)},
		{Key: aws.String(TagLaunchToken), Value: aws.String(token)},
	}
	out, err := h.EC2.RunInstances(ctx, &ec2.RunInstancesInput{
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String(pool.LaunchTemplateName), Version: aws.String("$Latest")},
		SubnetId:       aws.String(h.Subnets[zl.Zone]),
		InstanceType:   types.InstanceType(typ),
		MinCount:       aws.Int32(1),
		MaxCount:       aws.Int32(int32(zl.Count)),
		ClientToken:    aws.String(token),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: tags},
		},
	})
	if err != nil {
		if c := awserr.Classify(err); c == awserr.Capacity || c == awserr.Throttled {
			return 0, errors.Join(err, h.store.DeleteLaunch(ctx, pool.Name, token))
		}
		return 0, fmt.Errorf("launch %d %s in %s: %w", zl.Count, typ, zl.Zone, err)
	}
	ids := make([]string, len(out.Instances))
	for i, in := range out.Instances {
		ids[i] = aws.ToString(in.InstanceId)
	}
	h.Log.Info("launched", "pool", pool.Name, "zone", zl.Zone, "instanceType", typ, "instanceIds", ids, "token", token)
	return len(ids), h.store.LaunchedIDs(ctx, pool.Name, token, ids)
}

// batch starts, stops or terminates instances, at most batchSize per call. EC2 fails a whole call for
// one gone or mis-stated instance, so such a batch is retried one instance at a time.
func (h *Handler) batch(ctx context.Context, op string, ids []string) error {
	var errs []error
	for chunk := range slices.Chunk(ids, batchSize) {
		err := h.call(ctx, op, chunk)
		if len(chunk) > 1 && (awserr.Is(err, awserr.NotFound) || awserr.Is(err, awserr.Conflict)) {
			err = nil
			for _, id := range chunk {
				if e := h.call(ctx, op, []string{id}); e != nil && !awserr.Is(e, awserr.NotFound) {
					errs = append(errs, e)
				}
			}
		}
		if err != nil && !awserr.Is(err, awserr.NotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (h *Handler) call(ctx context.Context, op string, ids []string) error {
	var err error
	switch op {
	case "start":
		_, err = h.EC2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	case "stop":
		_, err = h.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	case "terminate":
		_, err = h.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	}
	if err != nil {
		return fmt.Errorf("%s %v: %w", op, ids, err)
	}
	return nil
}

// stoppedAt reads the time out of a state transition reason like "User initiated (2024-05-14
// 09:25:00 GMT)".
var stoppedAt = regexp.MustCompile(`\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) GMT\)`)

// describe lists the environment's workstations by pool, one paginated describe; with ids, only
// those.
func (h *Handler) describe(ctx context.Context, ids []string) (map[string][]Instance, error) {
	in := &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + TagEnvironment), Values: []string{h.Environment}},
		{Name: aws.String("tag-key"), Values: []string{TagPool}},
		{Name: aws.String("instance-state-name"), Values: []string{statePending, stateRunning, stateStopping, stateStopped}},
	}}
	if len(ids) > 0 {
		in.InstanceIds = ids
	} else {
		in.MaxResults = aws.Int32(describePage)
	}
	byPool := map[string][]Instance{}
	p := ec2.NewDescribeInstancesPaginator(h.EC2, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe workstations: %w", err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				pool, inst := instanceOf(in)
				byPool[pool] = append(byPool[pool], inst)
			}
		}
	}
	return byPool, nil
}

func instanceOf(in types.Instance) (string, Instance) {
	inst := Instance{ID: aws.ToString(in.InstanceId), Type: string(in.InstanceType), LaunchTime: aws.ToTime(in.LaunchTime),
		PrivateIP: aws.ToString(in.PrivateIpAddress)}
	if in.State != nil {
		inst.State = string(in.State.Name)
	}
	if in.Placement != nil {
		inst.Zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	if inst.State == stateStopped {
		if m := stoppedAt.FindStringSubmatch(aws.ToString(in.StateTransitionReason)); m != nil {
			inst.StoppedAt, _ = time.Parse(time.DateTime, m[1])
		}
	}
	var pool string
	for _, t := range in.Tags {
		switch aws.ToString(t.Key) {
		case TagPool:
			pool = aws.ToString(t.Value)
		case TagLaunchToken:
			inst.LaunchToken = aws.ToString(t.Value)
		case TagSessionState:
			inst.SessionTags.State = aws.ToString(t.Value)
		case TagSessionUser:
			inst.SessionTags.User = aws.ToString(t.Value)
		case TagSessionAt:
			inst.SessionTags.At = aws.ToString(t.Value)
		}
	}
	return pool, inst
}

// emitCounts publishes a pool's gauges under exactly the dimensions the alarm reads.
func (h *Handler) emitCounts(pool string, c Counts) {
	err := h.Metrics.Emit(map[string]string{"Environment": h.Environment, "Pool": pool},
		emf.Metric{Name: MetricAvailable, Unit: emf.UnitCount, Value: float64(c.Available)},
		emf.Metric{Name: MetricAssigned, Unit: emf.UnitCount, Value: float64(c.Assigned)},
		emf.Metric{Name: MetricLaunching, Unit: emf.UnitCount, Value: float64(c.Launching)},
		emf.Metric{Name: MetricStopped, Unit: emf.UnitCount, Value: float64(c.Stopped)},
		emf.Metric{Name: MetricBelowMinAvailable, Unit: emf.UnitCount, Value: float64(c.BelowMin)},
	)
	if err != nil {
		h.Log.Warn("metrics not written", "error", err)
	}
}

// Metric names in emf.PoolsNamespace, under the dimensions Environment and Pool.
const (
	MetricAvailable         = "Available"
	MetricAssigned          = "Assigned"
	MetricLaunching         = "Launching"
	MetricStopped           = "Stopped"
	MetricBelowMinAvailable = "BelowMinAvailable"
	MetricClaimLatency      = "ClaimLatency"
)
