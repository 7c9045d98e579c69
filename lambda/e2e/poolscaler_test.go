//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/lambda/internal/poolscaler"
)

const (
	poolEnv   = "e2e"
	poolTable = "editbay-e2e-assignments"
	pool      = "editors"
	template  = "editbay-e2e-editors"
	poolType  = "g4dn.xlarge"
)

// poolWorld is an environment's workstation pool in moto: the assignment table, the pool's launch
// template, a default subnet in each of two zones and the pools file.
type poolWorld struct {
	*world
	ec2       *ec2.Client
	db        *dynamodb.Client
	image     string // the launch template's AMI
	subnets   map[string]string
	poolsFile string
}

// newPoolWorld sets up a pool with minAvailable workstations kept in warmState.
func newPoolWorld(t *testing.T, minAvailable int, warmState string) *poolWorld {
	w := &poolWorld{world: newWorld(t)}
	w.ec2, w.db = ec2.NewFromConfig(w.cfg), dynamodb.NewFromConfig(w.cfg)
	ctx := context.Background()
	if _, err := w.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(poolTable), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange}},
	}); err != nil {
		t.Fatal(err)
	}
	images, err := w.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("no AMI in moto: %v", err)
	}
	w.image = aws.ToString(images.Images[0].ImageId)
	if _, err := w.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(template),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(w.image), InstanceType: types.InstanceTypeT3Micro}}); err != nil {
		t.Fatal(err)
	}
	subnets, err := w.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	w.subnets = map[string]string{}
	for _, s := range subnets.Subnets {
		if len(w.subnets) < 2 {
			w.subnets[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
		}
	}
	// The pools file as the stack writes it, from the in-process tests' fixture with this pool's
	// template and sizes and no schedules (a window would make the target depend on the clock).
	var pools struct {
		Pools []map[string]any `json:"pools"`
	}
	if err := json.Unmarshal(fixtureFile(t, "poolscaler/testdata/pools.json"), &pools); err != nil {
		t.Fatal(err)
	}
	p := pools.Pools[0]
	p["name"], p["launchTemplateName"], p["instanceTypes"] = pool, template, []string{poolType}
	p["minAvailable"], p["maxSize"], p["warmState"], p["schedules"] = minAvailable, 4, warmState, nil
	w.poolsFile = filepath.Join(t.TempDir(), "pools.json")
	if err := os.WriteFile(w.poolsFile, jsonOf(t, pools), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *poolWorld) start(t *testing.T, dryRun bool) *function {
	return start(t, "poolscaler", map[string]string{"POOLS_FILE": w.poolsFile, "SUBNETS": string(jsonOf(t, w.subnets)),
		"TABLE_NAME": poolTable, "ENVIRONMENT": poolEnv, "DRY_RUN": boolString(dryRun)})
}

// instances returns the environment's workstations that are not terminated.
func (w *poolWorld) instances() []types.Instance {
	w.t.Helper()
	out, err := w.ec2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + poolscaler.TagEnvironment), Values: []string{poolEnv}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	if err != nil {
		w.t.Fatal(err)
	}
	var ins []types.Instance
	for _, r := range out.Reservations {
		ins = append(ins, r.Instances...)
	}
	return ins
}

func tag(in types.Instance, key string) string {
	for _, t := range in.Tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// item reads an item of the pool's partition.
func (w *poolWorld) item(sk string) map[string]ddbtypes.AttributeValue {
	w.t.Helper()
	out, err := w.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(poolTable), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pool}, "sk": &ddbtypes.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		w.t.Fatal(err)
	}
	return out.Item
}

func attr(it map[string]ddbtypes.AttributeValue, name string) string {
	switch v := it[name].(type) {
	case *ddbtypes.AttributeValueMemberS:
		return v.Value
	case *ddbtypes.AttributeValueMemberN:
		return v.Value
	}
	return ""
}

// schedule is the scheduled event of the reconcile rule at a given minute.
func schedule(t *testing.T, at time.Time) []byte {
	return fixture(t, "poolscaler/testdata/scheduled-event.json", map[string]any{"time": at.UTC().Format(time.RFC3339), "region": region, "account": account})
}

func claim(t *testing.T, user string) []byte {
	return fixture(t, "poolscaler/testdata/claim.json", map[string]any{"pool": pool, "user": user})
}

func TestPoolScalerLaunchClaimRelease(t *testing.T) {
	w := newPoolWorld(t, 2, "running")
	f := w.start(t, false)
	tick := schedule(t, time.Now())
	var rec poolscaler.ReconcileResult
	f.ok(t, tick, &rec)
	ins := w.instances()
	if len(ins) != 2 || rec.Pools[0].Launched != 2 {
		t.Fatalf("launched %d (%+v), want 2", len(ins), rec)
	}
	zones := map[string]bool{}
	for _, in := range ins {
		// From the pool's template (its AMI), as the pool's type, not the template's, in the pool's
		// subnets, tagged for the pool, the environment and the launch.
		if aws.ToString(in.ImageId) != w.image || in.InstanceType != poolType || tag(in, poolscaler.TagPool) != pool ||
			tag(in, poolscaler.TagEnvironment) != poolEnv || tag(in, poolscaler.TagLaunchToken) == "" ||
			w.subnets[aws.ToString(in.Placement.AvailabilityZone)] != aws.ToString(in.SubnetId) {
			t.Errorf("instance %s: image %s type %s tags %v subnet %s", aws.ToString(in.InstanceId), aws.ToString(in.ImageId), in.InstanceType, in.Tags, aws.ToString(in.SubnetId))
		}
		zones[aws.ToString(in.Placement.AvailabilityZone)] = true
	}
	if len(zones) != 2 {
		t.Errorf("launched in zones %v, want one per zone", zones)
	}

	// EventBridge delivers the same scheduled event again: the same cycle launches nothing more.
	rec = poolscaler.ReconcileResult{}
	f.ok(t, tick, &rec)
	if n := len(w.instances()); n != 2 || rec.Pools[0].Launched != 0 {
		t.Fatalf("repeated delivery: %d instances (%+v)", n, rec)
	}

	var c poolscaler.ClaimResult
	f.ok(t, claim(t, "alice"), &c)
	if attr(w.item("user#alice"), "instanceId") != c.InstanceID || attr(w.item("instance#"+c.InstanceID), "user") != "alice" {
		t.Fatalf("claim %+v: items %v %v", c, w.item("user#alice"), w.item("instance#"+c.InstanceID))
	}
	// A repeated claim (the broker retried) answers with the same workstation.
	var again poolscaler.ClaimResult
	f.ok(t, claim(t, "alice"), &again)
	if again.InstanceID != c.InstanceID || !again.Existing {
		t.Fatalf("repeated claim %+v, first %+v", again, c)
	}

	var rel poolscaler.ReleaseResult
	release := fixture(t, "poolscaler/testdata/release.json", map[string]any{"pool": pool, "user": "alice"})
	f.ok(t, release, &rel)
	if !rel.Released || rel.InstanceID != c.InstanceID || w.item("user#alice") != nil || attr(w.item("instance#"+c.InstanceID), "user") != "" {
		t.Fatalf("release %+v: items %v", rel, w.item("instance#"+c.InstanceID))
	}
	rel = poolscaler.ReleaseResult{}
	if f.ok(t, release, &rel); rel.Released {
		t.Fatalf("repeated release released again: %+v", rel)
	}
}

func TestPoolScalerDryRun(t *testing.T) {
	w := newPoolWorld(t, 2, "running")
	f := w.start(t, true)
	var rec poolscaler.ReconcileResult
	f.ok(t, schedule(t, time.Now()), &rec)
	if n := len(w.instances()); n != 0 || !rec.Pools[0].DryRun || len(rec.Pools[0].Launch) == 0 {
		t.Fatalf("dry run launched %d (%+v)", n, rec)
	}
}

func TestPoolScalerBadInput(t *testing.T) {
	w := newPoolWorld(t, 0, "running")
	f := w.start(t, false)
	if r := f.invoke(t, malformed); !r.failed() {
		t.Fatalf("malformed event answered %s", r.Body)
	}
	// The broker reports a session of an instance that does not exist: refused, nothing written.
	r := f.invoke(t, fixture(t, "poolscaler/testdata/session-connected.json", map[string]any{"instanceId": "i-0123456789abcdef0"}))
	if !r.failed() {
		t.Fatalf("session of a missing instance answered %s", r.Body)
	}
	// A release of an instance nobody has: nothing to release.
	var rel poolscaler.ReleaseResult
	f.ok(t, fixture(t, "poolscaler/testdata/release-instance.json", map[string]any{"pool": pool, "instanceId": "i-0123456789abcdef0"}), &rel)
	if rel.Released || w.item("instance#i-0123456789abcdef0") != nil {
		t.Fatalf("release of a missing instance: %+v", rel)
	}
	// A claim in a pool with nothing available is refused (reconcile launches more).
	if r := f.invoke(t, claim(t, "bob")); !r.failed() {
		t.Fatalf("claim from an empty pool answered %s", r.Body)
	}
}

// In a stopped-warm pool, the reconcile stops an idle workstation as soon as it runs (after a launch
// or a release). A claim right after must get it, started, although the stop's hold is still on:
// the instance is stopped, so nothing remains for the hold to protect.
func TestPoolScalerClaimRightAfterStop(t *testing.T) {
	w := newPoolWorld(t, 1, "stopped")
	f := w.start(t, false)
	now := time.Now()
	var rec poolscaler.ReconcileResult
	f.ok(t, schedule(t, now), &rec)
	f.ok(t, schedule(t, now.Add(time.Minute)), &rec)
	ins := w.instances()
	if len(ins) != 1 || ins[0].State.Name != types.InstanceStateNameStopped || rec.Pools[0].Stopped != 1 {
		t.Fatalf("want one workstation stopped by the reconcile: %+v, %v", rec, ins)
	}
	var c poolscaler.ClaimResult
	f.ok(t, claim(t, "alice"), &c)
	if c.InstanceID != aws.ToString(ins[0].InstanceId) || !c.Started {
		t.Fatalf("claim %+v", c)
	}
	if st := w.instances()[0].State.Name; st != types.InstanceStateNameRunning && st != types.InstanceStateNamePending {
		t.Fatalf("claimed workstation is %s", st)
	}
}

// A workstation's session tags carry whole seconds (the README's hook), while the table records
// claims and events in milliseconds: a tag from the same second as the claim is not older than it.
func TestPoolScalerSessionTagOfTheClaimsSecond(t *testing.T) {
	w := newPoolWorld(t, 1, "running")
	f := w.start(t, false)
	now := time.Now()
	f.ok(t, schedule(t, now), nil)
	var c poolscaler.ClaimResult
	f.ok(t, claim(t, "alice"), &c)
	ms, err := strconv.ParseInt(attr(w.item("instance#"+c.InstanceID), "assignedAt"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(ms).UTC().Truncate(time.Second).Format(time.RFC3339)
	if _, err := w.ec2.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{c.InstanceID}, Tags: []types.Tag{
		{Key: aws.String(poolscaler.TagSessionState), Value: aws.String(poolscaler.SessionConnected)},
		{Key: aws.String(poolscaler.TagSessionUser), Value: aws.String("alice")},
		{Key: aws.String(poolscaler.TagSessionAt), Value: aws.String(at)},
	}}); err != nil {
		t.Fatal(err)
	}
	f.ok(t, schedule(t, now.Add(time.Minute)), nil)
	it := w.item("instance#" + c.InstanceID)
	if attr(it, "session") != poolscaler.SessionConnected {
		t.Fatalf("tag %s (claim at %d ms) not recorded: %v", at, ms, it)
	}
	// Read again next cycle, the same tags write nothing.
	f.ok(t, schedule(t, now.Add(2*time.Minute)), nil)
	if again := w.item("instance#" + c.InstanceID); attr(again, "sessionAt") != attr(it, "sessionAt") {
		t.Fatalf("same tags recorded again: %v, then %v", it, again)
	}
}
