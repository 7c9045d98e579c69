package awserr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestClassify(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	for _, c := range []struct {
		err  error
		want Class
	}{
		{nil, None},
		{api("RequestLimitExceeded"), Throttled},
		{api("ThrottlingException"), Throttled},
		{fmt.Errorf("revoke: %w", api("InvalidSecurityGroupRuleId.NotFound")), NotFound},
		{api("InvalidGroup.NotFound"), NotFound},
		{api("NoSuchDeliveryChannelException"), NotFound},
		{api("TrailNotFoundException"), NotFound},
		{api("UnauthorizedOperation"), AccessDenied},
		{api("AccessDeniedException"), AccessDenied},
		{api("InvalidParameterValue"), Other},
		{api("InsufficientInstanceCapacity"), Capacity},
		{api("Unsupported"), Capacity},
		{api("IncorrectInstanceState"), Conflict},
		{fmt.Errorf("claim: %w", api("TransactionCanceledException")), Conflict},
		{api("ProvisionedThroughputExceededException"), Throttled},
		{api("InvalidInstanceID.NotFound"), NotFound},
		{api("NoSuchBucket"), NotFound},
		{api("NotFound"), NotFound}, // SNS: the topic was deleted
		{api("KMSInvalidStateException"), Conflict},
		{api("ResourceConflictException"), Conflict},
		{api("ConcurrentModificationException"), Conflict},
		{context.DeadlineExceeded, Canceled},
		{errors.New("plain"), Other},
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if Code(api("X")) != "X" || Code(errors.New("y")) != "" {
		t.Error("Code")
	}
}
