package fakes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// DynamoDB is a fake of one DynamoDB table with a string partition key pk and sort key sk. It
// evaluates the expression subset editbay writes: conditions of attribute_exists,
// attribute_not_exists, begins_with and comparisons joined by AND, OR, NOT and parentheses; SET
// path = value and REMOVE path updates; key conditions pk = :v [AND begins_with(sk, :p)]. Transactions
// are all or nothing, with cancellation reasons as DynamoDB reports them.
type DynamoDB struct {
	calls
	mu    sync.Mutex
	items map[string]map[string]Item // pk -> sk -> item
	// PageSize is the most items a Query returns per page (default 1000), standing in for the 1 MB
	// page limit.
	PageSize int
	// BeforeWrite, if set, runs at the start of each write operation with its name, e.g. to play a
	// concurrent writer.
	BeforeWrite func(op string)
}

// Item is a DynamoDB item.
type Item = map[string]ddbtypes.AttributeValue

// NewDynamoDB returns an empty table.
func NewDynamoDB() *DynamoDB { return &DynamoDB{items: map[string]map[string]Item{}} }

// Items returns copies of a partition's items in sort-key order.
func (f *DynamoDB) Items(pk string) []Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Item
	for _, sk := range slices.Sorted(maps.Keys(f.items[pk])) {
		out = append(out, clone(f.items[pk][sk]))
	}
	return out
}

func clone(it Item) Item {
	out := make(Item, len(it))
	for k, v := range it {
		out[k] = v
	}
	return out
}

func keyOf(key Item) (pk, sk string, err error) {
	p, ok1 := key["pk"].(*ddbtypes.AttributeValueMemberS)
	s, ok2 := key["sk"].(*ddbtypes.AttributeValueMemberS)
	if !ok1 || !ok2 || p.Value == "" || s.Value == "" {
		return "", "", validation("the key must be pk and sk, both non-empty strings")
	}
	return p.Value, s.Value, nil
}

func validation(msg string) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: msg, Fault: smithy.FaultClient}
}

func (f *DynamoDB) get(pk, sk string) Item { return f.items[pk][sk] }

func (f *DynamoDB) put(it Item) {
	pk, sk, _ := keyOf(it)
	if f.items[pk] == nil {
		f.items[pk] = map[string]Item{}
	}
	f.items[pk][sk] = it
}

func (f *DynamoDB) delete(pk, sk string) {
	delete(f.items[pk], sk)
	if len(f.items[pk]) == 0 {
		delete(f.items, pk)
	}
}

// GetItem reads one item (every read of the fake is strongly consistent).
func (f *DynamoDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := f.enter("GetItem"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pk, sk, err := keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	out := &dynamodb.GetItemOutput{}
	if it := f.get(pk, sk); it != nil {
		out.Item = clone(it)
	}
	return out, nil
}

// PutItem writes an item if its condition holds.
func (f *DynamoDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := f.write("PutItem"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := writeOp{kind: "put", item: in.Item, cond: in.ConditionExpression, names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues}
	if err := f.check(&w); err != nil {
		return nil, err
	}
	f.apply(w)
	return &dynamodb.PutItemOutput{}, nil
}

// UpdateItem creates or changes an item if its condition holds.
func (f *DynamoDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := f.write("UpdateItem"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := writeOp{kind: "update", key: in.Key, update: aws.ToString(in.UpdateExpression), cond: in.ConditionExpression, names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues}
	if err := f.check(&w); err != nil {
		return nil, err
	}
	f.apply(w)
	return &dynamodb.UpdateItemOutput{}, nil
}

// DeleteItem deletes an item if its condition holds (deleting a missing item succeeds).
func (f *DynamoDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := f.write("DeleteItem"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := writeOp{kind: "delete", key: in.Key, cond: in.ConditionExpression, names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues}
	if err := f.check(&w); err != nil {
		return nil, err
	}
	f.apply(w)
	return &dynamodb.DeleteItemOutput{}, nil
}

// TransactWriteItems applies up to 100 writes if every condition holds, else none, failing with
// TransactionCanceledException and a reason per item.
func (f *DynamoDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := f.write("TransactWriteItems"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(in.TransactItems) == 0 || len(in.TransactItems) > 100 {
		return nil, validation("a transaction has 1 to 100 items")
	}
	ops := make([]writeOp, len(in.TransactItems))
	reasons := make([]ddbtypes.CancellationReason, len(ops))
	failed := false
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			ops[i] = writeOp{kind: "put", item: ti.Put.Item, cond: ti.Put.ConditionExpression, names: ti.Put.ExpressionAttributeNames, values: ti.Put.ExpressionAttributeValues}
		case ti.Update != nil:
			ops[i] = writeOp{kind: "update", key: ti.Update.Key, update: aws.ToString(ti.Update.UpdateExpression), cond: ti.Update.ConditionExpression, names: ti.Update.ExpressionAttributeNames, values: ti.Update.ExpressionAttributeValues}
		case ti.Delete != nil:
			ops[i] = writeOp{kind: "delete", key: ti.Delete.Key, cond: ti.Delete.ConditionExpression, names: ti.Delete.ExpressionAttributeNames, values: ti.Delete.ExpressionAttributeValues}
		case ti.ConditionCheck != nil:
			ops[i] = writeOp{kind: "check", key: ti.ConditionCheck.Key, cond: ti.ConditionCheck.ConditionExpression, names: ti.ConditionCheck.ExpressionAttributeNames, values: ti.ConditionCheck.ExpressionAttributeValues}
		default:
			return nil, validation("empty transaction item")
		}
		reasons[i].Code = aws.String("None")
		err := f.check(&ops[i])
		if k := ops[i].pk + "\x00" + ops[i].sk; seen[k] {
			return nil, validation("a transaction cannot include more than one operation on one item")
		} else {
			seen[k] = true
		}
		switch err.(type) {
		case nil:
		case *ddbtypes.ConditionalCheckFailedException:
			reasons[i].Code = aws.String("ConditionalCheckFailed")
			failed = true
		default:
			return nil, err
		}
	}
	if failed {
		return nil, &ddbtypes.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
	}
	for _, w := range ops {
		f.apply(w)
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// Query reads a partition in sort-key order, optionally by sort-key prefix, a page at a time.
func (f *DynamoDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := f.enter("Query"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pk, prefix, err := keyCondition(aws.ToString(in.KeyConditionExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	keys := slices.Sorted(maps.Keys(f.items[pk]))
	start := 0
	if in.ExclusiveStartKey != nil {
		_, after, err := keyOf(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		start, _ = slices.BinarySearch(keys, after)
		if start < len(keys) && keys[start] == after {
			start++
		}
	}
	size := f.PageSize
	if size <= 0 {
		size = 1000
	}
	if in.Limit != nil {
		size = min(size, int(*in.Limit))
	}
	out := &dynamodb.QueryOutput{}
	i := start
	for ; i < len(keys) && len(out.Items) < size; i++ {
		if strings.HasPrefix(keys[i], prefix) {
			out.Items = append(out.Items, clone(f.items[pk][keys[i]]))
		}
	}
	if i < len(keys) {
		out.LastEvaluatedKey = Item{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: keys[i-1]}}
	}
	out.Count = int32(len(out.Items))
	return out, nil
}

func (f *DynamoDB) write(op string) error {
	if err := f.enter(op); err != nil {
		return err
	}
	if f.BeforeWrite != nil {
		f.BeforeWrite(op)
	}
	return nil
}

// writeOp is one write, resolved to its item's key.
type writeOp struct {
	kind     string // put, update, delete, check
	item     Item   // put: the item; update: the item after the update
	key      Item
	update   string
	cond     *string
	names    map[string]string
	values   map[string]ddbtypes.AttributeValue
	pk, sk   string
	existing Item // before the write
}

// check resolves the key and evaluates the condition against the current item. The caller holds mu.
func (f *DynamoDB) check(w *writeOp) error {
	key := w.key
	if w.kind == "put" {
		key = w.item
	}
	var err error
	if w.pk, w.sk, err = keyOf(key); err != nil {
		return err
	}
	w.existing = f.get(w.pk, w.sk)
	if w.kind == "update" {
		w.item = Item{"pk": &ddbtypes.AttributeValueMemberS{Value: w.pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: w.sk}}
		if w.existing != nil {
			w.item = clone(w.existing)
		}
		if err := applyUpdate(w.update, w.item, w.names, w.values); err != nil {
			return err
		}
	}
	if w.cond == nil {
		return nil
	}
	ok, err := evalCondition(*w.cond, w.existing, w.names, w.values)
	if err != nil {
		return err
	}
	if !ok {
		return &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	return nil
}

// apply performs a checked write. The caller holds mu.
func (f *DynamoDB) apply(w writeOp) {
	switch w.kind {
	case "put", "update":
		f.put(clone(w.item))
	case "delete":
		f.delete(w.pk, w.sk)
	}
}

// Expressions.

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("(),", rune(c)):
			toks = append(toks, string(c))
			i++
		case c == '<' || c == '>' || c == '=':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n(),<>=", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

type exprParser struct {
	toks   []string
	pos    int
	item   Item
	names  map[string]string
	values map[string]ddbtypes.AttributeValue
	err    error
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *exprParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = validation("invalid expression: " + fmt.Sprintf(format, args...))
	}
}

func (p *exprParser) expect(t string) {
	if got := p.next(); got != t {
		p.fail("expected %q, got %q", t, got)
	}
}

func (p *exprParser) name(t string) string {
	if strings.HasPrefix(t, "#") {
		n, ok := p.names[t]
		if !ok {
			p.fail("undefined name %s", t)
		}
		return n
	}
	if t == "" || strings.HasPrefix(t, ":") {
		p.fail("expected an attribute, got %q", t)
	}
	return t
}

func (p *exprParser) operand(t string) ddbtypes.AttributeValue {
	if strings.HasPrefix(t, ":") {
		v, ok := p.values[t]
		if !ok {
			p.fail("undefined value %s", t)
		}
		return v
	}
	return p.item[p.name(t)]
}

func (p *exprParser) or() bool {
	v := p.and()
	for strings.EqualFold(p.peek(), "OR") {
		p.next()
		v = p.and() || v
	}
	return v
}

func (p *exprParser) and() bool {
	v := p.not()
	for strings.EqualFold(p.peek(), "AND") {
		p.next()
		v = p.not() && v
	}
	return v
}

func (p *exprParser) not() bool {
	if strings.EqualFold(p.peek(), "NOT") {
		p.next()
		return !p.not()
	}
	return p.primary()
}

func (p *exprParser) primary() bool {
	t := p.next()
	switch t {
	case "(":
		v := p.or()
		p.expect(")")
		return v
	case "attribute_exists", "attribute_not_exists":
		p.expect("(")
		_, ok := p.item[p.name(p.next())]
		p.expect(")")
		return ok == (t == "attribute_exists")
	case "begins_with":
		p.expect("(")
		a := p.operand(p.next())
		p.expect(",")
		b := p.operand(p.next())
		p.expect(")")
		as, ok1 := a.(*ddbtypes.AttributeValueMemberS)
		bs, ok2 := b.(*ddbtypes.AttributeValueMemberS)
		return ok1 && ok2 && strings.HasPrefix(as.Value, bs.Value)
	}
	a := p.operand(t)
	op := p.next()
	b := p.operand(p.next())
	c, ok := compare(a, b)
	switch op {
	case "=":
		return ok && c == 0
	case "<>":
		return !ok || c != 0
	case "<":
		return ok && c < 0
	case "<=":
		return ok && c <= 0
	case ">":
		return ok && c > 0
	case ">=":
		return ok && c >= 0
	}
	p.fail("unknown comparison %q", op)
	return false
}

// compare orders two strings or two numbers; ok is false for missing or mismatched values.
func compare(a, b ddbtypes.AttributeValue) (int, bool) {
	switch a := a.(type) {
	case *ddbtypes.AttributeValueMemberS:
		if b, ok := b.(*ddbtypes.AttributeValueMemberS); ok {
			return strings.Compare(a.Value, b.Value), true
		}
	case *ddbtypes.AttributeValueMemberN:
		if b, ok := b.(*ddbtypes.AttributeValueMemberN); ok {
			x, err1 := strconv.ParseFloat(a.Value, 64)
			y, err2 := strconv.ParseFloat(b.Value, 64)
			if err1 != nil || err2 != nil {
				return 0, false
			}
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	return 0, false
}

func evalCondition(expr string, item Item, names map[string]string, values map[string]ddbtypes.AttributeValue) (bool, error) {
	p := &exprParser{toks: tokenize(expr), item: item, names: names, values: values}
	v := p.or()
	if p.pos != len(p.toks) {
		p.fail("unexpected %q", p.peek())
	}
	return v, p.err
}

func applyUpdate(expr string, item Item, names map[string]string, values map[string]ddbtypes.AttributeValue) error {
	p := &exprParser{toks: tokenize(expr), item: item, names: names, values: values}
	for p.pos < len(p.toks) && p.err == nil {
		switch clause := strings.ToUpper(p.next()); clause {
		case "SET", "REMOVE":
			for {
				n := p.name(p.next())
				if clause == "SET" {
					p.expect("=")
					v := p.operand(p.next())
					if v == nil {
						p.fail("SET %s to a missing value", n)
					}
					item[n] = v
				} else {
					delete(item, n)
				}
				if p.peek() != "," {
					break
				}
				p.next()
			}
		default:
			p.fail("unsupported clause %q", clause)
		}
	}
	return p.err
}

func keyCondition(expr string, names map[string]string, values map[string]ddbtypes.AttributeValue) (pk, prefix string, err error) {
	p := &exprParser{toks: tokenize(expr), names: names, values: values}
	str := func(v ddbtypes.AttributeValue) string {
		s, ok := v.(*ddbtypes.AttributeValueMemberS)
		if !ok {
			p.fail("key values are strings")
			return ""
		}
		return s.Value
	}
	if p.name(p.next()) != "pk" {
		p.fail("the key condition starts with pk")
	}
	p.expect("=")
	pk = str(p.operand(p.next()))
	if strings.EqualFold(p.peek(), "AND") {
		p.next()
		p.expect("begins_with")
		p.expect("(")
		if p.name(p.next()) != "sk" {
			p.fail("begins_with applies to sk")
		}
		p.expect(",")
		prefix = str(p.operand(p.next()))
		p.expect(")")
	}
	if p.pos != len(p.toks) {
		p.fail("unexpected %q", p.peek())
	}
	return pk, prefix, p.err
}
