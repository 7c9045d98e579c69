package tamper

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/editbay/editbay/lambda/internal/fakes"
)

// TestRandomTrace tampers at random with guarded and unguarded keys, rules, functions and buckets, and
// delivers each change's CloudTrail event as EventBridge might: once, twice, not at all; some changes are
// a trusted deployment's, some calls fail with throttling (the invocation fails and Lambda retries),
// the guard's own undo calls come back as events, and the sweep runs now and then. Invariants: after
// every handled event the resource it names is back as deployed; after every sweep every resource the
// sweep knows is; a trusted deployment's and the guard's own events change nothing; and nothing
// unguarded is ever changed by the guard.
func TestRandomTrace(t *testing.T) {
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { trace(t, seed, 400) })
	}
}

type traceEvent struct {
	fixture  string
	edits    map[string]any
	resource string // the name the invariants know it by
	kind     string // key, rule, function, bucket
}

func trace(t *testing.T, seed uint64, steps int) {
	w := newWorld(t, false)
	rng := rand.New(rand.NewPCG(seed, 42))
	keys := []string{keyA, keyL, keyU}
	keyRefs := map[string][]string{
		keyA: {keyA, "arn:aws:kms:ap-northeast-1:111122223333:key/" + keyA},
		keyL: {keyL, "alias/editbay-audit", "arn:aws:kms:ap-northeast-1:111122223333:key/" + keyL},
		keyU: {keyU},
	}
	rules := []string{trailRule, selfRule, "tagged-rule", "other-rule"}
	functions := []string{triageFn, selfFn, "tagged-fn", "other-fn"}
	buckets := []string{bucket, "someone-elses-bucket"}
	deployedTargets := map[string]string{trailRule: triageArn, selfRule: selfArn}
	extra := 0

	keyOK := func(id string) bool { k := w.kms.Key(id); return k.State == kmstypes.KeyStateEnabled && k.Rotation }
	asDeployed := func(kind, name string) bool {
		switch kind {
		case "key":
			return keyOK(name)
		case "rule":
			if arn, ok := deployedTargets[name]; ok {
				return ruleAsDeployed(w, name, arn)
			}
			r, _ := w.events.Rule(name)
			return r.State == ebtypes.RuleStateEnabled
		case "function":
			return aws.ToInt32(w.lambda.Function(name).Reserved) == 5
		default:
			return w.s3.Versioning(name) == s3types.BucketVersioningStatusEnabled
		}
	}
	// guardedBy says whether an event's undo restores the resource it names: guarded and, for rules and
	// functions known only by tag, an event the guard undoes (DisableRule; no concurrency events).
	guardedBy := func(ev traceEvent) bool {
		switch ev.resource {
		case keyA, keyL, trailRule, selfRule, triageFn, selfFn, bucket:
			return true
		case "tagged-rule":
			return ev.fixture == "events-disable-rule"
		}
		return false
	}
	allowed := func(change string) bool {
		op, name, _ := strings.Cut(change, " ")
		switch name {
		case keyA, keyL, trailRule, selfRule, triageFn, selfFn, bucket:
			return true
		case "tagged-rule":
			return op == "EnableRule"
		}
		return false
	}
	// deliver invokes as Lambda does: a failed invocation is retried.
	deliver := func(raw []byte) Outcome {
		for attempt := range 6 {
			out, err := w.h.Handle(ctx(), raw)
			if err == nil {
				return out
			}
			if attempt == 5 {
				t.Fatalf("still failing after retries: %v\n%s", err, raw)
			}
		}
		return Outcome{}
	}
	throttleSome := func() {
		if rng.IntN(8) != 0 {
			return
		}
		switch rng.IntN(6) {
		case 0:
			w.kms.Fail([]string{"CancelKeyDeletion", "EnableKey", "EnableKeyRotation", "DescribeKey"}[rng.IntN(4)], fakes.Throttling())
		case 1:
			w.events.Fail([]string{"EnableRule", "PutTargets", "RemoveTargets", "ListTargetsByRule"}[rng.IntN(4)], fakes.APIError("ThrottlingException"))
		case 2:
			w.lambda.Fail([]string{"PutFunctionConcurrency", "GetFunctionConcurrency", "ListTags"}[rng.IntN(3)], fakes.APIError("TooManyRequestsException"))
		case 3:
			w.s3.Fail([]string{"GetBucketVersioning", "PutBucketVersioning"}[rng.IntN(2)], fakes.APIError("SlowDown"))
		case 4:
			w.sns.Fail("Publish", fakes.APIError("Throttling"))
		}
	}
	checkUnguarded := func(step int) {
		for _, c := range w.changes() {
			if !allowed(c) {
				t.Fatalf("step %d: the guard changed an unguarded resource: %q", step, c)
			}
		}
	}

	for step := range steps {
		if rng.IntN(12) == 0 {
			throttleSome()
			deliver(fixture(t, "scheduled-event", nil))
			for _, k := range []string{keyL} {
				if !keyOK(k) {
					t.Fatalf("step %d: after the sweep key %s is %+v", step, k, w.kms.Key(k))
				}
			}
			for _, r := range []string{trailRule, selfRule} {
				if !asDeployed("rule", r) {
					r2, _ := w.events.Rule(r)
					t.Fatalf("step %d: after the sweep rule %s is %+v", step, r, r2)
				}
			}
			for _, f := range []string{triageFn, selfFn} {
				if !asDeployed("function", f) {
					t.Fatalf("step %d: after the sweep function %s is %+v", step, f, w.lambda.Function(f))
				}
			}
			if !asDeployed("bucket", bucket) {
				t.Fatalf("step %d: after the sweep the bucket is %s", step, w.s3.Versioning(bucket))
			}
			checkUnguarded(step)
			continue
		}
		// Tamper with something, directly in the fakes, and make the change's event.
		var ev traceEvent
		switch rng.IntN(4) {
		case 0:
			id := keys[rng.IntN(len(keys))]
			ref := keyRefs[id][rng.IntN(len(keyRefs[id]))]
			ev = traceEvent{kind: "key", resource: id, edits: map[string]any{"detail.requestParameters.keyId": ref}}
			switch state := w.kms.Key(id).State; {
			case rng.IntN(3) == 0 && state != kmstypes.KeyStatePendingDeletion:
				w.kms.Set(id, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStatePendingDeletion })
				ev.fixture = "kms-schedule-key-deletion"
			case rng.IntN(2) == 0 && state == kmstypes.KeyStateEnabled:
				w.kms.Set(id, func(k *fakes.KMSKey) { k.Rotation = false })
				ev.fixture = "kms-disable-key-rotation"
			case state != kmstypes.KeyStatePendingDeletion:
				w.kms.Set(id, func(k *fakes.KMSKey) { k.State = kmstypes.KeyStateDisabled })
				ev.fixture = "kms-disable-key"
			default:
				continue // KMS refuses the change: no event
			}
		case 1:
			name := rules[rng.IntN(len(rules))]
			ev = traceEvent{kind: "rule", resource: name}
			switch rng.IntN(3) {
			case 0:
				w.events.Set(name, func(r *fakes.EventRule) { r.State = ebtypes.RuleStateDisabled })
				ev.fixture, ev.edits = "events-disable-rule", map[string]any{"detail.requestParameters.name": name}
			case 1:
				w.events.Set(name, func(r *fakes.EventRule) {
					r.Targets = slices.DeleteFunc(r.Targets, func(t ebtypes.Target) bool { return aws.ToString(t.Id) == TargetID })
				})
				ev.fixture, ev.edits = "events-remove-targets", map[string]any{"detail.requestParameters.rule": name}
			default:
				extra++
				added := ebtypes.Target{Id: aws.String(fmt.Sprintf("x%d", extra)), Arn: aws.String("arn:aws:sqs:ap-northeast-1:111122223333:bob")}
				if rng.IntN(2) == 0 {
					added = ebtypes.Target{Id: aws.String(TargetID), Arn: aws.String(triageArn), InputPath: aws.String("$.nothing")}
				}
				w.events.Set(name, func(r *fakes.EventRule) {
					if i := slices.IndexFunc(r.Targets, func(t ebtypes.Target) bool { return aws.ToString(t.Id) == aws.ToString(added.Id) }); i >= 0 {
						r.Targets[i] = added
					} else {
						r.Targets = append(r.Targets, added)
					}
				})
				ev.fixture, ev.edits = "events-put-targets", map[string]any{"detail.requestParameters.rule": name}
			}
		case 2:
			name := functions[rng.IntN(len(functions))]
			ev = traceEvent{kind: "function", resource: name, edits: map[string]any{"detail.requestParameters.functionName": name}}
			if rng.IntN(2) == 0 {
				w.lambda.SetConcurrency(name, aws.Int32(int32(rng.IntN(10))))
				ev.fixture = "lambda-put-function-concurrency"
			} else {
				w.lambda.SetConcurrency(name, nil)
				ev.fixture = "lambda-delete-function-concurrency"
			}
		default:
			name := buckets[rng.IntN(len(buckets))]
			w.s3.SetVersioning(name, s3types.BucketVersioningStatusSuspended)
			ev = traceEvent{kind: "bucket", resource: name, fixture: "s3-put-bucket-versioning", edits: map[string]any{"detail.requestParameters.bucketName": name}}
		}
		before := len(w.changes())
		switch d := rng.IntN(20); {
		case d < 3: // EventBridge never delivered it
		case d == 3: // a trusted deployment made the change: ignored
			ev.edits["detail.userIdentity.sessionContext.sessionIssuer.arn"] = cfnExec
			if out := deliver(fixture(t, ev.fixture, ev.edits)); out.Skipped != "a trusted deployment role made the change" || len(w.changes()) != before {
				t.Fatalf("step %d: deployment %s %+v, changes %q", step, ev.fixture, out, w.changes()[before:])
			}
		default:
			throttleSome()
			raw := fixture(t, ev.fixture, ev.edits)
			out := deliver(raw)
			if guardedBy(ev) && !asDeployed(ev.kind, ev.resource) {
				t.Fatalf("step %d: after %s %s is not as deployed (%+v)", step, ev.fixture, ev.resource, out)
			}
			if d < 6 { // delivered twice
				n := len(w.changes())
				if out := deliver(raw); len(w.changes()) != n || len(out.Remediations) != 0 {
					t.Fatalf("step %d: repeated %s changed %q", step, ev.fixture, w.changes()[n:])
				}
			}
			// The guard's own undo calls come back as events and change nothing.
			if len(out.Remediations) > 0 && rng.IntN(2) == 0 {
				own := map[string]any{"detail.userIdentity.arn": ownRole, "detail.userIdentity.type": "AssumedRole"}
				for k, v := range ev.edits {
					own[k] = v
				}
				n := len(w.changes())
				if out := deliver(fixture(t, ev.fixture, own)); out.Skipped != "this function's own change" || len(w.changes()) != n {
					t.Fatalf("step %d: own %s: %+v", step, ev.fixture, out)
				}
			}
		}
		checkUnguarded(step)
	}
	// In the end a sweep (with every injected error used up) leaves everything it knows as deployed,
	// and the events' keys are as deployed unless their last change was never delivered.
	deliver(fixture(t, "scheduled-event", nil))
	if !keyOK(keyL) || !asDeployed("rule", trailRule) || !asDeployed("rule", selfRule) || !asDeployed("function", triageFn) ||
		!asDeployed("function", selfFn) || !asDeployed("bucket", bucket) {
		t.Fatal("not as deployed after the last sweep")
	}
	checkUnguarded(steps)
}
