package fakes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instances is a fake of EC2's instance API: launches from launch templates into subnets, with
// ClientToken idempotency, capacity per zone and type, state transitions that Tick advances, tags,
// filtered and paginated describes, and an eventual-consistency delay for new instances.
type Instances struct {
	calls
	mu        sync.Mutex
	byID      map[string]*types.Instance
	ids       []string // launch order, so pages are stable
	tokens    map[string]launchRecord
	nextID    int
	visibleAt map[string]time.Time // when a new instance starts to show in describes
	subnetAZ  map[string]string
	capacity  map[string]int // zone/type -> instances EC2 can still launch; absent: unlimited
	templates map[string]bool
	// HideNewFor keeps each launched instance out of DescribeInstances for that long after its
	// launch, as EC2's eventually consistent reads do just after RunInstances.
	HideNewFor time.Duration
	Now        func() time.Time // default: time.Now
}

type launchRecord struct {
	params string
	ids    []string
}

// NewInstances returns an EC2 fake with the given subnets (subnet ID -> zone) and launch templates.
func NewInstances(subnetAZ map[string]string, templates ...string) *Instances {
	f := &Instances{byID: map[string]*types.Instance{}, tokens: map[string]launchRecord{}, visibleAt: map[string]time.Time{},
		subnetAZ: subnetAZ, capacity: map[string]int{}, templates: map[string]bool{}}
	for _, t := range templates {
		f.templates[t] = true
	}
	return f
}

// SetCapacity limits how many more instances of instanceType EC2 can launch in zone; a negative n
// removes the limit.
func (f *Instances) SetCapacity(zone, instanceType string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 0 {
		delete(f.capacity, zone+"/"+instanceType)
		return
	}
	f.capacity[zone+"/"+instanceType] = n
}

func (f *Instances) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Tick moves every instance in a transition one step on: pending to running, stopping to stopped,
// shutting-down to terminated. Instances terminated before the tick leave describes, as EC2 forgets
// them after a while (Instance still finds them).
func (f *Instances) Tick() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = slices.DeleteFunc(f.ids, func(id string) bool { return f.byID[id].State.Name == types.InstanceStateNameTerminated })
	for _, in := range f.byID {
		switch in.State.Name {
		case types.InstanceStateNamePending:
			f.setState(in, types.InstanceStateNameRunning, "")
		case types.InstanceStateNameStopping:
			f.setState(in, types.InstanceStateNameStopped, "User initiated")
		case types.InstanceStateNameShuttingDown:
			f.setState(in, types.InstanceStateNameTerminated, "User initiated")
		}
	}
}

// setState sets the state and, as EC2 does, the reason with the time of the change.
func (f *Instances) setState(in *types.Instance, s types.InstanceStateName, reason string) {
	in.State = &types.InstanceState{Name: s}
	in.StateTransitionReason = nil
	if reason != "" {
		in.StateTransitionReason = aws.String(fmt.Sprintf("%s (%s)", reason, f.now().UTC().Format("2006-01-02 15:04:05 MST")))
	}
}

// Instance returns a copy of an instance, or false if there is none of that ID.
func (f *Instances) Instance(id string) (types.Instance, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.byID[id]
	if !ok {
		return types.Instance{}, false
	}
	return *in, true
}

// All returns copies of every instance, terminated ones included, in launch order.
func (f *Instances) All() []types.Instance {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]types.Instance, 0, len(f.ids))
	for _, id := range f.ids {
		out = append(out, *f.byID[id])
	}
	return out
}

// Add creates an instance directly in the given state (test setup), with tags as key, value pairs.
func (f *Instances) Add(zone, instanceType string, state types.InstanceStateName, launched time.Time, tags ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.newInstance(zone, "", instanceType, launched)
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	f.setState(in, state, "User initiated")
	return *in.InstanceId
}

func (f *Instances) newInstance(zone, subnet, instanceType string, launched time.Time) *types.Instance {
	f.nextID++
	id := fmt.Sprintf("i-%017x", f.nextID)
	in := &types.Instance{
		InstanceId: aws.String(id), InstanceType: types.InstanceType(instanceType), LaunchTime: aws.Time(launched),
		Placement: &types.Placement{AvailabilityZone: aws.String(zone)}, SubnetId: aws.String(subnet),
		PrivateIpAddress: aws.String(fmt.Sprintf("10.0.%d.%d", f.nextID/250%250, f.nextID%250+1)),
		State:            &types.InstanceState{Name: types.InstanceStateNamePending},
	}
	f.byID[id] = in
	f.ids = append(f.ids, id)
	return in
}

// RunInstances launches from a launch template into one subnet. As in EC2, a ClientToken seen before
// returns the same instances (or IdempotentParameterMismatch if the request differs), and with
// MinCount below MaxCount it launches what capacity allows, failing with InsufficientInstanceCapacity
// only below MinCount.
func (f *Instances) RunInstances(_ context.Context, in *ec2.RunInstancesInput, _ ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error) {
	if err := f.enter("RunInstances"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	lt := in.LaunchTemplate
	if lt == nil || !f.templates[aws.ToString(lt.LaunchTemplateName)] {
		return nil, APIError("InvalidLaunchTemplateName.NotFoundException")
	}
	zone, ok := f.subnetAZ[aws.ToString(in.SubnetId)]
	if !ok {
		return nil, APIError("InvalidSubnetID.NotFound")
	}
	lo, hi := int(aws.ToInt32(in.MinCount)), int(aws.ToInt32(in.MaxCount))
	if lo < 1 || hi < lo {
		return nil, APIError("InvalidParameterValue")
	}
	token := aws.ToString(in.ClientToken)
	if len(token) > 64 {
		return nil, APIError("InvalidParameterValue")
	}
	params := fmt.Sprint(aws.ToString(lt.LaunchTemplateName), zone, in.InstanceType, lo, hi)
	if prev, ok := f.tokens[token]; ok && token != "" {
		if prev.params != params {
			return nil, APIError("IdempotentParameterMismatch")
		}
		return f.runOutput(prev.ids), nil
	}
	n := hi
	key := zone + "/" + string(in.InstanceType)
	if c, limited := f.capacity[key]; limited {
		if c < lo {
			return nil, APIError("InsufficientInstanceCapacity")
		}
		n = min(n, c)
		f.capacity[key] = c - n
	}
	ids := make([]string, n)
	for i := range ids {
		inst := f.newInstance(zone, aws.ToString(in.SubnetId), string(in.InstanceType), f.now())
		for _, ts := range in.TagSpecifications {
			if ts.ResourceType == types.ResourceTypeInstance {
				inst.Tags = append(inst.Tags, ts.Tags...)
			}
		}
		ids[i] = *inst.InstanceId
		f.visibleAt[ids[i]] = f.now().Add(f.HideNewFor)
	}
	if token != "" {
		f.tokens[token] = launchRecord{params: params, ids: ids}
	}
	return f.runOutput(ids), nil
}

func (f *Instances) runOutput(ids []string) *ec2.RunInstancesOutput {
	out := &ec2.RunInstancesOutput{}
	for _, id := range ids {
		out.Instances = append(out.Instances, *f.byID[id])
	}
	return out
}

// DescribeInstances supports InstanceIds, the filters tag:KEY, tag-key and instance-state-name, and
// MaxResults paging (5 to 1000, as in EC2).
func (f *Instances) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if err := f.enter("DescribeInstances"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := aws.ToInt32(in.MaxResults); in.MaxResults != nil && (m < 5 || m > 1000 || len(in.InstanceIds) > 0) {
		return nil, APIError("InvalidParameterValue")
	}
	now := f.now()
	hidden := func(id string) bool { return now.Before(f.visibleAt[id]) }
	var match []*types.Instance
	for _, id := range in.InstanceIds {
		inst, ok := f.byID[id]
		if !ok || hidden(id) {
			return nil, APIError("InvalidInstanceID.NotFound")
		}
		match = append(match, inst)
	}
	if len(in.InstanceIds) == 0 {
		for _, id := range f.ids {
			if hidden(id) {
				continue
			}
			match = append(match, f.byID[id])
		}
	}
	match = slices.DeleteFunc(match, func(inst *types.Instance) bool { return !matches(inst, in.Filters) })
	insts, next, err := page(match, in.NextToken, int(aws.ToInt32(in.MaxResults)))
	if err != nil {
		return nil, err
	}
	// EC2 groups instances in reservations; one per instance is a legal grouping.
	out := &ec2.DescribeInstancesOutput{Reservations: make([]types.Reservation, 0, len(insts)), NextToken: next}
	for _, inst := range insts {
		out.Reservations = append(out.Reservations, types.Reservation{Instances: []types.Instance{*inst}})
	}
	return out, nil
}

func matches(inst *types.Instance, filters []types.Filter) bool {
	for _, flt := range filters {
		name := aws.ToString(flt.Name)
		// Checked value by value, not collected: describes of thousands of tagged instances stay cheap.
		ok := false
		match := func(v string) { ok = ok || slices.Contains(flt.Values, v) }
		switch {
		case name == "instance-state-name":
			match(string(inst.State.Name))
		case name == "tag-key":
			for _, t := range inst.Tags {
				match(aws.ToString(t.Key))
			}
		case strings.HasPrefix(name, "tag:"):
			for _, t := range inst.Tags {
				if aws.ToString(t.Key) == name[len("tag:"):] {
					match(aws.ToString(t.Value))
				}
			}
		default:
			panic("fakes: unsupported DescribeInstances filter " + name)
		}
		if !ok {
			return false
		}
	}
	return true
}

// lookup returns the named instances, or InvalidInstanceID.NotFound for any unknown one (EC2 fails
// the whole call).
func (f *Instances) lookup(ids []string) ([]*types.Instance, error) {
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, APIError("InvalidParameterValue")
	}
	out := make([]*types.Instance, len(ids))
	for i, id := range ids {
		inst, ok := f.byID[id]
		if !ok {
			return nil, APIError("InvalidInstanceID.NotFound")
		}
		out[i] = inst
	}
	return out, nil
}

func changes(insts []*types.Instance, before []types.InstanceStateName) []types.InstanceStateChange {
	out := make([]types.InstanceStateChange, len(insts))
	for i, inst := range insts {
		out[i] = types.InstanceStateChange{InstanceId: inst.InstanceId, PreviousState: &types.InstanceState{Name: before[i]}, CurrentState: inst.State}
	}
	return out
}

// transition applies next to every instance, or to none if one is in a state next refuses
// (IncorrectInstanceState, as EC2 fails the whole call).
func (f *Instances) transition(ids []string, next func(types.InstanceStateName) (types.InstanceStateName, bool)) ([]types.InstanceStateChange, error) {
	if len(ids) > 1000 { // EC2 takes at most 1000 instance IDs a call
		return nil, APIError("InvalidParameterValue")
	}
	insts, err := f.lookup(ids)
	if err != nil {
		return nil, err
	}
	before := make([]types.InstanceStateName, len(insts))
	for i, inst := range insts {
		before[i] = inst.State.Name
		if _, ok := next(before[i]); !ok {
			return nil, APIError("IncorrectInstanceState")
		}
	}
	for i, inst := range insts {
		if s, _ := next(before[i]); s != before[i] {
			f.setState(inst, s, "User initiated")
		}
	}
	return changes(insts, before), nil
}

// StartInstances starts stopped instances; running and pending ones are left as they are.
func (f *Instances) StartInstances(_ context.Context, in *ec2.StartInstancesInput, _ ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	if err := f.enter("StartInstances"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, err := f.transition(in.InstanceIds, func(s types.InstanceStateName) (types.InstanceStateName, bool) {
		switch s {
		case types.InstanceStateNameStopped:
			return types.InstanceStateNamePending, true
		case types.InstanceStateNamePending, types.InstanceStateNameRunning:
			return s, true
		}
		return s, false
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StartInstancesOutput{StartingInstances: ch}, nil
}

// StopInstances stops running instances; stopping and stopped ones are left as they are, and a pending
// one cannot be stopped yet.
func (f *Instances) StopInstances(_ context.Context, in *ec2.StopInstancesInput, _ ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	if err := f.enter("StopInstances"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, err := f.transition(in.InstanceIds, func(s types.InstanceStateName) (types.InstanceStateName, bool) {
		switch s {
		case types.InstanceStateNameRunning:
			return types.InstanceStateNameStopping, true
		case types.InstanceStateNameStopping, types.InstanceStateNameStopped:
			return s, true
		}
		return s, false
	})
	if err != nil {
		return nil, err
	}
	return &ec2.StopInstancesOutput{StoppingInstances: ch}, nil
}

// TerminateInstances terminates instances in any state; terminating ones again is a no-op.
func (f *Instances) TerminateInstances(_ context.Context, in *ec2.TerminateInstancesInput, _ ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error) {
	if err := f.enter("TerminateInstances"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, err := f.transition(in.InstanceIds, func(s types.InstanceStateName) (types.InstanceStateName, bool) {
		if s == types.InstanceStateNameTerminated || s == types.InstanceStateNameShuttingDown {
			return s, true
		}
		return types.InstanceStateNameShuttingDown, true
	})
	if err != nil {
		return nil, err
	}
	return &ec2.TerminateInstancesOutput{TerminatingInstances: ch}, nil
}

// CreateTags adds or replaces tags of instances.
func (f *Instances) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	if err := f.enter("CreateTags"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	insts, err := f.lookup(in.Resources)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		for _, t := range in.Tags {
			setTag(inst, t)
		}
	}
	return &ec2.CreateTagsOutput{}, nil
}

// SetTags adds or replaces tags of an instance (key, value pairs) without counting a call, as the
// instance itself would with its own role; false if there is no such instance.
func (f *Instances) SetTags(id string, tags ...string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.byID[id]
	if !ok {
		return false
	}
	for i := 0; i+1 < len(tags); i += 2 {
		setTag(inst, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	return true
}

func setTag(inst *types.Instance, t types.Tag) {
	inst.Tags = slices.DeleteFunc(inst.Tags, func(old types.Tag) bool { return aws.ToString(old.Key) == aws.ToString(t.Key) })
	inst.Tags = append(inst.Tags, t)
}
