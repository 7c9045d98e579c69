// Package fakes holds stateful, in-memory fakes of the AWS APIs editbay's functions call (EC2
// security groups, AWS Config, CloudTrail, SNS, Directory Service, Secrets Manager, KMS keys, EventBridge
// rules, Lambda concurrency, S3 versioning), with the SDK's own
// method signatures, call counts and error injection, in the manner of Karpenter's EC2 fakes.
package fakes

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/aws/smithy-go"
)

// APIError builds an error as the SDK returns it for an API error code.
func APIError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " (injected)", Fault: smithy.FaultClient}
}

// page is one page of items after the token (a decimal offset, as these fakes issue them; nil starts
// at 0), at most size items (0: all the rest), and the token of the next page, nil on the last. A
// token the fake did not issue is InvalidParameterValue, as AWS answers.
func page[T any](items []T, token *string, size int) ([]T, *string, error) {
	start := 0
	if token != nil {
		var err error
		if start, err = strconv.Atoi(*token); err != nil || start < 0 || start > len(items) {
			return nil, nil, APIError("InvalidParameterValue")
		}
	}
	end := len(items)
	if size > 0 {
		end = min(end, start+size)
	}
	var next *string
	if end < len(items) {
		next = strPtr(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

func strPtr(s string) *string { return &s }

// Common injected errors.
var (
	Throttling   = func() error { return APIError("RequestLimitExceeded") }
	AccessDenied = func() error { return APIError("UnauthorizedOperation") }
)

// calls counts calls per operation and hands out injected errors.
type calls struct {
	mu     sync.Mutex
	counts map[string]int
	errs   map[string][]error
}

// Fail makes the next len(errs) calls of op fail with errs, in order.
func (c *calls) Fail(op string, errs ...error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errs == nil {
		c.errs = map[string][]error{}
	}
	c.errs[op] = append(c.errs[op], errs...)
}

// Calls returns how many times op was called (failed calls included).
func (c *calls) Calls(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op]
}

// Total returns the number of calls of every operation.
func (c *calls) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// enter records a call of op and returns its injected error, if any. The caller holds no lock.
func (c *calls) enter(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[op]++
	if q := c.errs[op]; len(q) > 0 {
		c.errs[op] = q[1:]
		if q[0] != nil {
			return fmt.Errorf("operation error %s: %w", op, q[0])
		}
	}
	return nil
}
