package fakes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// mutations records the mutating calls a fake accepted, as "Operation resource", so a test can check
// that nothing but the expected resources was changed.
type mutations struct {
	mu  sync.Mutex
	log []string
}

func (c *mutations) record(op, resource string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, op+" "+resource)
}

// Changes returns the mutating calls accepted so far, in order.
func (c *mutations) Changes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

// KMSKey is the fake's state of one KMS key.
type KMSKey struct {
	ID, ARN  string
	State    kmstypes.KeyState
	Rotation bool
	Tags     map[string]string
	Spec     kmstypes.KeySpec        // SYMMETRIC_DEFAULT unless set
	Manager  kmstypes.KeyManagerType // CUSTOMER unless set
}

// KMS is a stateful fake of the KMS key-state API of one account and region. It enforces the key
// states KMS documents ("Key states of AWS KMS keys"): CancelKeyDeletion only on a key pending
// deletion, which it leaves Disabled; EnableKey not on a key pending deletion; EnableKeyRotation only
// on an enabled key. Keys are named by ID or key ARN, and DescribeKey also by alias name or ARN.
type KMS struct {
	calls
	mutations
	mu              sync.Mutex
	region, account string
	keys            map[string]*KMSKey
	aliases         map[string]string // alias/name -> key ID
}

// NewKMS returns a KMS fake without keys.
func NewKMS(region, account string) *KMS {
	return &KMS{region: region, account: account, keys: map[string]*KMSKey{}, aliases: map[string]string{}}
}

// AddKey creates an enabled symmetric key with rotation on and the given tags (key, value, ...).
func (f *KMS) AddKey(id string, tags ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := &KMSKey{ID: id, ARN: fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", f.region, f.account, id), State: kmstypes.KeyStateEnabled,
		Rotation: true, Tags: map[string]string{}, Spec: kmstypes.KeySpecSymmetricDefault, Manager: kmstypes.KeyManagerTypeCustomer}
	for i := 0; i+1 < len(tags); i += 2 {
		k.Tags[tags[i]] = tags[i+1]
	}
	f.keys[id] = k
}

// Alias points alias (alias/name) at a key.
func (f *KMS) Alias(alias, keyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aliases[alias] = keyID
}

// Key returns a copy of a key's state.
func (f *KMS) Key(id string) KMSKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := *f.keys[id]
	return k
}

// Set changes a key behind the guard's back (what a tamperer or a test setup does).
func (f *KMS) Set(id string, change func(*KMSKey)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f.keys[id])
}

// find resolves a key ID or key ARN; withAlias also accepts alias names and alias ARNs.
func (f *KMS) find(ref string, withAlias bool) (*KMSKey, error) {
	if withAlias {
		name := ref
		if i := strings.Index(ref, ":alias/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
			name = ref[i+1:]
		}
		if id, ok := f.aliases[name]; ok && strings.HasPrefix(name, "alias/") {
			ref = id
		}
	}
	if i := strings.Index(ref, ":key/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		ref = ref[i+len(":key/"):]
	}
	if k, ok := f.keys[ref]; ok {
		return k, nil
	}
	return nil, APIError("NotFoundException")
}

func (f *KMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := f.enter("DescribeKey"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), true)
	if err != nil {
		return nil, err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{
		KeyId: aws.String(k.ID), Arn: aws.String(k.ARN), AWSAccountId: aws.String(f.account), KeyState: k.State,
		Enabled: k.State == kmstypes.KeyStateEnabled, KeySpec: k.Spec, KeyManager: k.Manager,
		KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt, Origin: kmstypes.OriginTypeAwsKms,
	}}, nil
}

// ListResourceTags returns one tag per page, so callers must follow Truncated and NextMarker.
func (f *KMS) ListResourceTags(_ context.Context, in *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	if err := f.enter("ListResourceTags"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), false)
	if err != nil {
		return nil, err
	}
	// One tag a page, so callers must follow NextMarker.
	keys, next, err := page(slices.Sorted(maps.Keys(k.Tags)), in.Marker, 1)
	if err != nil {
		return nil, err
	}
	out := &kms.ListResourceTagsOutput{NextMarker: next, Truncated: next != nil}
	for _, key := range keys {
		out.Tags = append(out.Tags, kmstypes.Tag{TagKey: aws.String(key), TagValue: aws.String(k.Tags[key])})
	}
	return out, nil
}

func (f *KMS) GetKeyRotationStatus(_ context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	if err := f.enter("GetKeyRotationStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), false)
	if err != nil {
		return nil, err
	}
	if k.Spec != kmstypes.KeySpecSymmetricDefault {
		return nil, APIError("UnsupportedOperationException")
	}
	return &kms.GetKeyRotationStatusOutput{KeyId: aws.String(k.ARN), KeyRotationEnabled: k.Rotation}, nil
}

func (f *KMS) CancelKeyDeletion(_ context.Context, in *kms.CancelKeyDeletionInput, _ ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	if err := f.enter("CancelKeyDeletion"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), false)
	if err != nil {
		return nil, err
	}
	if k.State != kmstypes.KeyStatePendingDeletion {
		return nil, APIError("KMSInvalidStateException")
	}
	k.State = kmstypes.KeyStateDisabled
	f.record("CancelKeyDeletion", k.ID)
	return &kms.CancelKeyDeletionOutput{KeyId: aws.String(k.ARN)}, nil
}

func (f *KMS) EnableKey(_ context.Context, in *kms.EnableKeyInput, _ ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	if err := f.enter("EnableKey"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), false)
	if err != nil {
		return nil, err
	}
	if k.State == kmstypes.KeyStatePendingDeletion {
		return nil, APIError("KMSInvalidStateException")
	}
	k.State = kmstypes.KeyStateEnabled
	f.record("EnableKey", k.ID)
	return &kms.EnableKeyOutput{}, nil
}

func (f *KMS) EnableKeyRotation(_ context.Context, in *kms.EnableKeyRotationInput, _ ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	if err := f.enter("EnableKeyRotation"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.find(aws.ToString(in.KeyId), false)
	if err != nil {
		return nil, err
	}
	if k.State != kmstypes.KeyStateEnabled {
		return nil, APIError("KMSInvalidStateException")
	}
	k.Rotation = true
	f.record("EnableKeyRotation", k.ID)
	return &kms.EnableKeyRotationOutput{}, nil
}

// EventRule is the fake's state of one EventBridge rule on the default bus.
type EventRule struct {
	Name, ARN string
	State     ebtypes.RuleState
	Targets   []ebtypes.Target
	Tags      map[string]string
}

// EventBridge is a stateful fake of the rules and targets of an account's default event bus.
// ListTargetsByRule returns two targets per page, so callers must follow NextToken.
type EventBridge struct {
	calls
	mutations
	mu              sync.Mutex
	region, account string
	rules           map[string]*EventRule
}

// NewEventBridge returns an EventBridge fake without rules.
func NewEventBridge(region, account string) *EventBridge {
	return &EventBridge{region: region, account: account, rules: map[string]*EventRule{}}
}

// AddRule creates an enabled rule with targets and tags (key, value, ...).
func (f *EventBridge) AddRule(name string, targets []ebtypes.Target, tags ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &EventRule{Name: name, ARN: fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", f.region, f.account, name),
		State: ebtypes.RuleStateEnabled, Targets: slices.Clone(targets), Tags: map[string]string{}}
	for i := 0; i+1 < len(tags); i += 2 {
		r.Tags[tags[i]] = tags[i+1]
	}
	f.rules[name] = r
}

// Rule returns a copy of a rule's state and whether it exists.
func (f *EventBridge) Rule(name string) (EventRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rules[name]
	if !ok {
		return EventRule{}, false
	}
	c := *r
	c.Targets = slices.Clone(r.Targets)
	return c, true
}

// Set changes a rule behind the guard's back.
func (f *EventBridge) Set(name string, change func(*EventRule)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f.rules[name])
}

// Delete removes a rule, as DeleteRule does.
func (f *EventBridge) Delete(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.rules, name)
}

func (f *EventBridge) rule(name string, bus *string) (*EventRule, error) {
	if b := aws.ToString(bus); b != "" && b != "default" && !strings.HasSuffix(b, ":event-bus/default") {
		return nil, APIError("ResourceNotFoundException")
	}
	r, ok := f.rules[name]
	if !ok {
		return nil, APIError("ResourceNotFoundException")
	}
	return r, nil
}

func (f *EventBridge) DescribeRule(_ context.Context, in *eventbridge.DescribeRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error) {
	if err := f.enter("DescribeRule"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.rule(aws.ToString(in.Name), in.EventBusName)
	if err != nil {
		return nil, err
	}
	return &eventbridge.DescribeRuleOutput{Name: aws.String(r.Name), Arn: aws.String(r.ARN), State: r.State, EventBusName: aws.String("default")}, nil
}

func (f *EventBridge) EnableRule(_ context.Context, in *eventbridge.EnableRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.EnableRuleOutput, error) {
	if err := f.enter("EnableRule"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.rule(aws.ToString(in.Name), in.EventBusName)
	if err != nil {
		return nil, err
	}
	r.State = ebtypes.RuleStateEnabled
	f.record("EnableRule", r.Name)
	return &eventbridge.EnableRuleOutput{}, nil
}

func (f *EventBridge) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	if err := f.enter("ListTargetsByRule"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.rule(aws.ToString(in.Rule), in.EventBusName)
	if err != nil {
		return nil, err
	}
	// Two targets a page, so callers must follow NextToken.
	targets, next, err := page(r.Targets, in.NextToken, 2)
	if err != nil {
		return nil, err
	}
	return &eventbridge.ListTargetsByRuleOutput{Targets: slices.Clone(targets), NextToken: next}, nil
}

// PutTargets adds targets or replaces those with the same Id, as EventBridge does.
func (f *EventBridge) PutTargets(_ context.Context, in *eventbridge.PutTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error) {
	if err := f.enter("PutTargets"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.rule(aws.ToString(in.Rule), in.EventBusName)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Targets {
		if i := slices.IndexFunc(r.Targets, func(o ebtypes.Target) bool { return aws.ToString(o.Id) == aws.ToString(t.Id) }); i >= 0 {
			r.Targets[i] = t
		} else {
			r.Targets = append(r.Targets, t)
		}
	}
	f.record("PutTargets", r.Name)
	return &eventbridge.PutTargetsOutput{}, nil
}

func (f *EventBridge) RemoveTargets(_ context.Context, in *eventbridge.RemoveTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error) {
	if err := f.enter("RemoveTargets"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.rule(aws.ToString(in.Rule), in.EventBusName)
	if err != nil {
		return nil, err
	}
	r.Targets = slices.DeleteFunc(r.Targets, func(t ebtypes.Target) bool { return slices.Contains(in.Ids, aws.ToString(t.Id)) })
	f.record("RemoveTargets", r.Name)
	return &eventbridge.RemoveTargetsOutput{}, nil
}

func (f *EventBridge) ListTagsForResource(_ context.Context, in *eventbridge.ListTagsForResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error) {
	if err := f.enter("ListTagsForResource"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.ARN == aws.ToString(in.ResourceARN) {
			out := &eventbridge.ListTagsForResourceOutput{}
			for k, v := range r.Tags {
				out.Tags = append(out.Tags, ebtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			return out, nil
		}
	}
	return nil, APIError("ResourceNotFoundException")
}

// LambdaFunction is the fake's state of one function.
type LambdaFunction struct {
	Name, ARN string
	Reserved  *int32 // nil: no reserved concurrency
	Tags      map[string]string
}

// Lambda is a stateful fake of functions' reserved concurrency and tags. Functions are named by
// name, ARN or partial ARN, as Lambda accepts; ListTags takes the function's ARN only.
type Lambda struct {
	calls
	mutations
	mu              sync.Mutex
	region, account string
	functions       map[string]*LambdaFunction
}

// NewLambda returns a Lambda fake without functions.
func NewLambda(region, account string) *Lambda {
	return &Lambda{region: region, account: account, functions: map[string]*LambdaFunction{}}
}

// AddFunction creates a function with a reserved concurrency (nil for none) and tags (key, value, ...).
func (f *Lambda) AddFunction(name string, reserved *int32, tags ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn := &LambdaFunction{Name: name, ARN: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.region, f.account, name), Reserved: reserved, Tags: map[string]string{}}
	for i := 0; i+1 < len(tags); i += 2 {
		fn.Tags[tags[i]] = tags[i+1]
	}
	f.functions[name] = fn
}

// Function returns a copy of a function's state.
func (f *Lambda) Function(name string) LambdaFunction {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *f.functions[name]
	return c
}

// SetConcurrency changes a function's reserved concurrency behind the guard's back (nil removes it).
func (f *Lambda) SetConcurrency(name string, reserved *int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.functions[name].Reserved = reserved
}

func (f *Lambda) find(ref string) (*LambdaFunction, error) {
	name := ref
	if i := strings.LastIndex(ref, ":function:"); i >= 0 {
		name = ref[i+len(":function:"):]
	} else if strings.HasPrefix(ref, "function:") {
		name = ref[len("function:"):]
	}
	if fn, ok := f.functions[name]; ok {
		return fn, nil
	}
	return nil, APIError("ResourceNotFoundException")
}

func (f *Lambda) GetFunctionConcurrency(_ context.Context, in *lambda.GetFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error) {
	if err := f.enter("GetFunctionConcurrency"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.find(aws.ToString(in.FunctionName))
	if err != nil {
		return nil, err
	}
	out := &lambda.GetFunctionConcurrencyOutput{}
	if fn.Reserved != nil {
		out.ReservedConcurrentExecutions = aws.Int32(*fn.Reserved)
	}
	return out, nil
}

func (f *Lambda) PutFunctionConcurrency(_ context.Context, in *lambda.PutFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error) {
	if err := f.enter("PutFunctionConcurrency"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fn, err := f.find(aws.ToString(in.FunctionName))
	if err != nil {
		return nil, err
	}
	if in.ReservedConcurrentExecutions == nil || *in.ReservedConcurrentExecutions < 0 {
		return nil, APIError("InvalidParameterValueException")
	}
	fn.Reserved = aws.Int32(*in.ReservedConcurrentExecutions)
	f.record("PutFunctionConcurrency", fn.Name)
	return &lambda.PutFunctionConcurrencyOutput{ReservedConcurrentExecutions: fn.Reserved}, nil
}

func (f *Lambda) ListTags(_ context.Context, in *lambda.ListTagsInput, _ ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	if err := f.enter("ListTags"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.functions {
		if fn.ARN == aws.ToString(in.Resource) {
			out := &lambda.ListTagsOutput{Tags: map[string]string{}}
			for k, v := range fn.Tags {
				out.Tags[k] = v
			}
			return out, nil
		}
	}
	return nil, APIError("ResourceNotFoundException")
}

// S3 is a stateful fake of buckets' versioning.
type S3 struct {
	calls
	mutations
	mu      sync.Mutex
	buckets map[string]s3types.BucketVersioningStatus // "" for never versioned
}

// NewS3 returns an S3 fake with the given buckets, never versioned.
func NewS3(buckets ...string) *S3 {
	f := &S3{buckets: map[string]s3types.BucketVersioningStatus{}}
	for _, b := range buckets {
		f.buckets[b] = ""
	}
	return f
}

// Versioning returns a bucket's versioning status.
func (f *S3) Versioning(bucket string) s3types.BucketVersioningStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buckets[bucket]
}

// SetVersioning changes a bucket's versioning behind the guard's back.
func (f *S3) SetVersioning(bucket string, status s3types.BucketVersioningStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buckets[bucket] = status
}

func (f *S3) GetBucketVersioning(_ context.Context, in *s3.GetBucketVersioningInput, _ ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	if err := f.enter("GetBucketVersioning"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.buckets[aws.ToString(in.Bucket)]
	if !ok {
		return nil, APIError("NoSuchBucket")
	}
	return &s3.GetBucketVersioningOutput{Status: st}, nil
}

func (f *S3) PutBucketVersioning(_ context.Context, in *s3.PutBucketVersioningInput, _ ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error) {
	if err := f.enter("PutBucketVersioning"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := aws.ToString(in.Bucket)
	if _, ok := f.buckets[b]; !ok {
		return nil, APIError("NoSuchBucket")
	}
	if in.VersioningConfiguration == nil {
		return nil, APIError("MalformedXML")
	}
	f.buckets[b] = in.VersioningConfiguration.Status
	f.record("PutBucketVersioning", b)
	return &s3.PutBucketVersioningOutput{}, nil
}

// STS answers GetCallerIdentity with ARN.
type STS struct {
	calls
	ARN string
}

func (f *STS) GetCallerIdentity(_ context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if err := f.enter("GetCallerIdentity"); err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.ARN)}, nil
}
