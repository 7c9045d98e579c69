package poolscaler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
)

// DynamoDB is the part of the DynamoDB API the store calls, with the SDK's own signatures.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store keeps assignments, sessions, holds, recorded launches and reconcile leases in one table
// (pk = pool name, sk = kind#id), so every decision that two invocations could race on is made by a
// condition of one write:
//
//	instance#<id>  instanceId, user, assignedAt, session, sessionAt, holdFor, holdUntil, stoppedAt
//	user#<name>    instanceId, assignedAt
//	launch#<token> zone, instanceType, count, ids, at
//	lease          owner, leaseUntil
//
// Times are Unix milliseconds (N). A claim writes the user and instance items in one transaction, on
// the conditions that the user has no instance and the instance no user, no session and no hold
// (a stop hold is over once the claim sees the instance stopped).
type Store struct {
	DB    DynamoDB
	Table string
}

// Errors of the store's conditional writes.
var (
	// ErrTaken means another writer came first: the instance was assigned, held or connected, or the
	// user got an instance, meanwhile.
	ErrTaken = errors.New("taken meanwhile")
	// ErrUserHasInstance means the user already has an instance in the pool.
	ErrUserHasInstance = errors.New("the user already has a workstation")
	// ErrConflict means DynamoDB cancelled a transaction because another one wrote the same items at
	// once (TransactionConflict): neither condition was checked, so the outcome is unknown until the
	// items are read or written again.
	ErrConflict = errors.New("cancelled by a concurrent transaction")
	// ErrBusy means another reconcile holds the pool's lease.
	ErrBusy = errors.New("another reconcile holds the pool")
)

// Attribute names.
const (
	aInstance   = "instanceId"
	aUser       = "user"
	aAssignedAt = "assignedAt"
	aSession    = "session"
	aSessionAt  = "sessionAt"
	aHoldFor    = "holdFor"
	aHoldUntil  = "holdUntil"
	aStoppedAt  = "stoppedAt"
	aZone       = "zone"
	aType       = "instanceType"
	aCount      = "count"
	aIDs        = "ids"
	aAt         = "at"
	aOwner      = "owner"
	aLeaseUntil = "leaseUntil"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func ms(t time.Time) types.AttributeValue {
	return n(t.UnixMilli())
}

func key(pool, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pool), "sk": s(sk)}
}

func instanceKey(pool, id string) map[string]types.AttributeValue { return key(pool, "instance#"+id) }
func userKey(pool, user string) map[string]types.AttributeValue   { return key(pool, "user#"+user) }

func str(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(it map[string]types.AttributeValue, name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(v.Value, 10, 64)
		return i
	}
	return 0
}

func when(it map[string]types.AttributeValue, name string) time.Time {
	if v := num(it, name); v != 0 {
		return time.UnixMilli(v)
	}
	return time.Time{}
}

func itemOf(it map[string]types.AttributeValue) Item {
	return Item{InstanceID: str(it, aInstance), User: str(it, aUser), AssignedAt: when(it, aAssignedAt),
		Session: str(it, aSession), SessionAt: when(it, aSessionAt), HoldFor: str(it, aHoldFor),
		HoldUntil: when(it, aHoldUntil), StoppedAt: when(it, aStoppedAt)}
}

// Load reads a pool's instance items and recorded launches with one paginated, consistent Query.
func (st *Store) Load(ctx context.Context, pool string) (map[string]Item, []Launch, error) {
	items := map[string]Item{}
	var launches []Launch
	p := dynamodb.NewQueryPaginator(st.DB, &dynamodb.QueryInput{
		TableName: aws.String(st.Table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pool)},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("query pool %q: %w", pool, err)
		}
		for _, it := range out.Items {
			sk := str(it, "sk")
			switch {
			case len(sk) > 9 && sk[:9] == "instance#":
				i := itemOf(it)
				items[i.InstanceID] = i
			case len(sk) > 7 && sk[:7] == "launch#":
				l := Launch{Token: sk[7:], Zone: str(it, aZone), Type: str(it, aType), Count: int(num(it, aCount)), At: when(it, aAt)}
				if ids, ok := it[aIDs].(*types.AttributeValueMemberL); ok {
					l.IDs = make([]string, 0, len(ids.Value))
					for _, v := range ids.Value {
						if id, ok := v.(*types.AttributeValueMemberS); ok {
							l.IDs = append(l.IDs, id.Value)
						}
					}
				}
				launches = append(launches, l)
			}
		}
	}
	return items, launches, nil
}

// Lease takes the pool's reconcile lease for d, so two reconciles never plan one pool at once (the
// second would not see the first's launches yet). It returns ErrBusy if another owner holds it.
func (st *Store) Lease(ctx context.Context, pool, owner string, now time.Time, d time.Duration) error {
	_, err := st.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{"pk": s(pool), "sk": s("lease"), aOwner: s(owner),
			aLeaseUntil: ms(now.Add(d))},
		ConditionExpression:       aws.String("attribute_not_exists(sk) OR leaseUntil < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": ms(now)},
	})
	if awserr.Is(err, awserr.Conflict) {
		return ErrBusy
	}
	if err != nil {
		return fmt.Errorf("lease pool %q: %w", pool, err)
	}
	return nil
}

// Unlease gives the lease back, if the owner still holds it.
func (st *Store) Unlease(ctx context.Context, pool, owner string) error {
	_, err := st.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(st.Table), Key: key(pool, "lease"),
		ConditionExpression:       aws.String("#o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": aOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s(owner)},
	})
	if err != nil && !awserr.Is(err, awserr.Conflict) {
		return fmt.Errorf("release lease of pool %q: %w", pool, err)
	}
	return nil
}

// RecordLaunch writes a launch before its RunInstances, so it counts toward maxSize even if the
// function dies right after the call. A token already recorded (a retried cycle) is not rewritten.
func (st *Store) RecordLaunch(ctx context.Context, pool string, l Launch) error {
	_, err := st.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{"pk": s(pool), "sk": s("launch#" + l.Token), aZone: s(l.Zone),
			aType: s(l.Type), aCount: n(int64(l.Count)), aAt: ms(l.At)},
		ConditionExpression: aws.String("attribute_not_exists(sk)"),
	})
	if err != nil && !awserr.Is(err, awserr.Conflict) {
		return fmt.Errorf("record launch %s: %w", l.Token, err)
	}
	return nil
}

// LaunchedIDs adds RunInstances' instance IDs to a recorded launch.
func (st *Store) LaunchedIDs(ctx context.Context, pool, token string, ids []string) error {
	l := make([]types.AttributeValue, len(ids))
	for i, id := range ids {
		l[i] = s(id)
	}
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: key(pool, "launch#"+token),
		UpdateExpression:          aws.String("SET ids = :ids"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ids": &types.AttributeValueMemberL{Value: l}},
	})
	if err != nil {
		return fmt.Errorf("record instances of launch %s: %w", token, err)
	}
	return nil
}

// DeleteLaunch forgets a launch: done, expired, or refused by EC2 for capacity.
func (st *Store) DeleteLaunch(ctx context.Context, pool, token string) error {
	_, err := st.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(st.Table), Key: key(pool, "launch#"+token)})
	if err != nil {
		return fmt.Errorf("delete launch %s: %w", token, err)
	}
	return nil
}

// notInUse is the condition that an instance item (or its absence) shows no user and no session.
const notInUse = "attribute_not_exists(#u) AND (attribute_not_exists(#s) OR #s <> :connected)"

// Hold marks an unassigned, unconnected instance as being stopped or terminated until until, so
// claims skip it; ErrTaken means it was claimed or connected meanwhile.
func (st *Store) Hold(ctx context.Context, pool, id, kind string, until time.Time) error {
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: instanceKey(pool, id),
		UpdateExpression:          aws.String("SET instanceId = :id, holdFor = :k, holdUntil = :t"),
		ConditionExpression:       aws.String(notInUse),
		ExpressionAttributeNames:  map[string]string{"#u": aUser, "#s": aSession},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": s(id), ":k": s(kind), ":t": ms(until), ":connected": s(SessionConnected)},
	})
	return conditional(err, "hold "+id)
}

// sessionUnchanged is the condition that an assigned instance's user and session are still those a
// power-plan decision was made on.
func sessionUnchanged(a Action) (string, map[string]types.AttributeValue) {
	values := map[string]types.AttributeValue{":u": s(a.User)}
	if a.SessionAt.IsZero() {
		return "#u = :u AND attribute_not_exists(#sa)", values
	}
	values[":sa"] = ms(a.SessionAt)
	return "#u = :u AND #sa = :sa", values
}

// MarkStopped records that the power plan stops an assigned instance, if its session did not change
// since the plan was made (ErrTaken otherwise).
func (st *Store) MarkStopped(ctx context.Context, pool string, a Action, now time.Time) error {
	cond, values := sessionUnchanged(a)
	values[":now"] = ms(now)
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: instanceKey(pool, a.ID),
		UpdateExpression:          aws.String("SET stoppedAt = :now"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#u": aUser, "#sa": aSessionAt},
		ExpressionAttributeValues: values,
	})
	return conditional(err, "mark "+a.ID+" stopped")
}

// ReleaseForTermination releases an assigned instance and holds it for termination in one
// transaction, if its session did not change since the plan was made (ErrTaken otherwise).
func (st *Store) ReleaseForTermination(ctx context.Context, pool string, a Action, now time.Time) error {
	cond, values := sessionUnchanged(a)
	values[":k"] = s(holdTerminate)
	values[":t"] = ms(now.Add(launchGrace))
	_, err := st.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(st.Table), Key: userKey(pool, a.User),
			ConditionExpression:       aws.String("instanceId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": s(a.ID)}}},
		{Update: &types.Update{TableName: aws.String(st.Table), Key: instanceKey(pool, a.ID),
			UpdateExpression:          aws.String("SET holdFor = :k, holdUntil = :t REMOVE #u, assignedAt, #s, #sa"),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  map[string]string{"#u": aUser, "#s": aSession, "#sa": aSessionAt},
			ExpressionAttributeValues: values}},
	}})
	return conditional(err, "release "+a.ID+" for termination")
}

// Forget deletes the items of an instance that no longer exists.
func (st *Store) Forget(ctx context.Context, pool string, it Item) error {
	items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String(st.Table), Key: instanceKey(pool, it.InstanceID)}}}
	if it.User != "" {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(st.Table), Key: userKey(pool, it.User),
			ConditionExpression:       aws.String("attribute_not_exists(sk) OR instanceId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": s(it.InstanceID)}}})
	}
	_, err := st.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return conditional(err, "forget "+it.InstanceID)
}

// UserInstance returns the instance assigned to user, or "".
func (st *Store) UserInstance(ctx context.Context, pool, user string) (string, error) {
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: userKey(pool, user), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("read assignment of %q: %w", user, err)
	}
	return str(out.Item, aInstance), nil
}

// InstanceItem returns an instance's item (zero if none).
func (st *Store) InstanceItem(ctx context.Context, pool, id string) (Item, error) {
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: instanceKey(pool, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Item{}, fmt.Errorf("read item of %s: %w", id, err)
	}
	return itemOf(out.Item), nil
}

// Assign gives an instance to a user in one transaction: ErrUserHasInstance if the user has one,
// ErrTaken if the instance was assigned, connected or held meanwhile, ErrConflict if DynamoDB
// cancelled it for a concurrent transaction on the same items (its outcome unknown: try again).
// stopped says the caller saw the instance stopped: a stop hold then has nothing left to keep claims
// from (the stop is done), so only a terminate hold refuses the claim.
func (st *Store) Assign(ctx context.Context, pool, user, id string, now time.Time, stopped bool) error {
	cond := notInUse + " AND (attribute_not_exists(holdUntil) OR holdUntil < :now"
	values := map[string]types.AttributeValue{":id": s(id), ":u": s(user), ":now": ms(now), ":connected": s(SessionConnected)}
	if stopped {
		cond += " OR holdFor = :stop"
		values[":stop"] = s(holdStop)
	}
	_, err := st.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(st.Table),
			Item:                map[string]types.AttributeValue{"pk": s(pool), "sk": s("user#" + user), aInstance: s(id), aAssignedAt: ms(now)},
			ConditionExpression: aws.String("attribute_not_exists(sk)")}},
		{Update: &types.Update{TableName: aws.String(st.Table), Key: instanceKey(pool, id),
			UpdateExpression:          aws.String("SET instanceId = :id, #u = :u, assignedAt = :now REMOVE #s, #sa, holdFor, holdUntil, stoppedAt"),
			ConditionExpression:       aws.String(cond + ")"),
			ExpressionAttributeNames:  map[string]string{"#u": aUser, "#s": aSession, "#sa": aSessionAt},
			ExpressionAttributeValues: values}},
	}})
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) && len(tc.CancellationReasons) > 0 {
		switch {
		case aws.ToString(tc.CancellationReasons[0].Code) == "ConditionalCheckFailed":
			return ErrUserHasInstance
		case slices.ContainsFunc(tc.CancellationReasons, func(r types.CancellationReason) bool { return aws.ToString(r.Code) == "TransactionConflict" }):
			return fmt.Errorf("assign %s to %s: %w", id, user, ErrConflict)
		}
	}
	return conditional(err, "assign "+id+" to "+user)
}

// Unassign releases the user's instance, if it is still theirs; it reports whether it was.
func (st *Store) Unassign(ctx context.Context, pool, user, id string) (bool, error) {
	_, err := st.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(st.Table), Key: userKey(pool, user),
			ConditionExpression:       aws.String("instanceId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": s(id)}}},
		{Update: &types.Update{TableName: aws.String(st.Table), Key: instanceKey(pool, id),
			UpdateExpression:          aws.String("REMOVE #u, assignedAt, #s, #sa, stoppedAt"),
			ConditionExpression:       aws.String("#u = :u"),
			ExpressionAttributeNames:  map[string]string{"#u": aUser, "#s": aSession, "#sa": aSessionAt},
			ExpressionAttributeValues: map[string]types.AttributeValue{":u": s(user)}}},
	}})
	if err := conditional(err, "release "+id+" of "+user); errors.Is(err, ErrTaken) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// SessionEvent is a session change of one instance, from a session action or the instance's tags.
type SessionEvent struct {
	InstanceID string
	Event      string    // connected, disconnected or loggedoff
	User       string    // if set, the instance must be unassigned or theirs
	At         time.Time // the session's time
	// IfNewer records the event only over an older session and claim: tags are read again every
	// cycle, and may be read just before a newer event or a claim is written. Older means before the
	// end of Span after At: the precision of a tag's time (zero is a millisecond).
	IfNewer bool
	Span    time.Duration
}

// Session records a session event of an instance; ErrTaken if a condition of the event failed.
func (st *Store) Session(ctx context.Context, pool string, ev SessionEvent) error {
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: instanceKey(pool, ev.InstanceID),
		UpdateExpression:          aws.String("SET instanceId = :id, #s = :e, #sa = :at"),
		ExpressionAttributeNames:  map[string]string{"#s": aSession, "#sa": aSessionAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": s(ev.InstanceID), ":e": s(ev.Event), ":at": ms(ev.At)},
	}
	var conds []string
	if ev.User != "" {
		conds = append(conds, "(attribute_not_exists(#u) OR #u = :u)")
		in.ExpressionAttributeNames["#u"] = aUser
		in.ExpressionAttributeValues[":u"] = s(ev.User)
	}
	if ev.IfNewer {
		conds = append(conds, "(attribute_not_exists(#sa) OR #sa < :end) AND (attribute_not_exists(assignedAt) OR assignedAt < :end)")
		in.ExpressionAttributeValues[":end"] = ms(ev.At.Add(max(ev.Span, time.Millisecond)))
	}
	if len(conds) > 0 {
		in.ConditionExpression = aws.String(strings.Join(conds, " AND "))
	}
	_, err := st.DB.UpdateItem(ctx, in)
	return conditional(err, "record "+ev.Event+" of "+ev.InstanceID)
}

// conditional maps a failed condition to ErrTaken and wraps other errors with what was done.
func conditional(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case awserr.Is(err, awserr.Conflict):
		return fmt.Errorf("%s: %w", what, ErrTaken)
	}
	return fmt.Errorf("%s: %w", what, err)
}
