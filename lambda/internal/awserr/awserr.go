// Package awserr classifies AWS API errors by their error code, in one place, so every handler
// treats throttling, missing resources and missing permissions the same way.
package awserr

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
)

// Class is what an error means to a handler.
type Class int

// Error classes.
const (
	// Other is any error not classified below: a bug, a validation error, a service fault.
	Other Class = iota
	// None is no error.
	None
	// Throttled means retry later: the Lambda service retries the asynchronous event, then the
	// dead-letter queue keeps it.
	Throttled
	// NotFound means the resource is gone, which for a remediation means there is nothing left to
	// fix: already revoked, already deleted.
	NotFound
	// AccessDenied means the function's role lacks a permission: a deployment fault to alert on.
	AccessDenied
	// Canceled means the invocation ran out of time.
	Canceled
	// Capacity means EC2 has no capacity (or quota) for the request where it was made: try another
	// zone or instance type, or later.
	Capacity
	// Conflict means the resource is not in a state that allows the change, or a condition of a
	// write did not hold (another writer came first): re-read and decide again.
	Conflict
)

func (c Class) String() string {
	return [...]string{"other", "none", "throttled", "not-found", "access-denied", "canceled", "capacity", "conflict"}[c]
}

// Error codes by class, as the APIs the handlers call return them (EC2's query codes, Config's and
// CloudTrail's JSON exception names, SNS's codes, DynamoDB's exception names, and KMS's, EventBridge's,
// Lambda's and S3's).
var codes = map[string]Class{
	"Throttling":                                Throttled,
	"ThrottlingException":                       Throttled,
	"ThrottledException":                        Throttled,
	"RequestLimitExceeded":                      Throttled,
	"RequestThrottled":                          Throttled,
	"RequestThrottledException":                 Throttled,
	"TooManyRequestsException":                  Throttled,
	"SlowDown":                                  Throttled,
	"InvalidGroup.NotFound":                     NotFound,
	"InvalidGroupId.NotFound":                   NotFound,
	"InvalidSecurityGroupRuleId.NotFound":       NotFound,
	"InvalidPermission.NotFound":                NotFound,
	"NoSuchConfigurationRecorderException":      NotFound,
	"NoSuchDeliveryChannelException":            NotFound,
	"TrailNotFoundException":                    NotFound,
	"ResourceNotFoundException":                 NotFound,
	"EntityDoesNotExistException":               NotFound,
	"NoSuchEntity":                              NotFound, // IAM
	"NotFound":                                  NotFound,
	"NotFoundException":                         NotFound,
	"AccessDenied":                              AccessDenied,
	"AccessDeniedException":                     AccessDenied,
	"UnauthorizedOperation":                     AccessDenied,
	"AuthorizationError":                        AccessDenied,
	"AuthFailure":                               AccessDenied,
	"InsufficientDeliveryPolicyException":       AccessDenied,
	"InsufficientS3BucketPolicyException":       AccessDenied,
	"InsufficientEncryptionPolicyException":     AccessDenied,
	"KMSAccessDeniedException":                  AccessDenied,
	"UnauthorizedOperationException":            AccessDenied,
	"NotAuthorizedException":                    AccessDenied,
	"AccessDeniedForDependencyException":        AccessDenied,
	"OperationNotPermittedException":            AccessDenied,
	"CloudTrailAccessNotEnabledException":       AccessDenied,
	"InsufficientSnsTopicPolicyException":       AccessDenied,
	"InvalidParameterCombinationException":      Other,
	"NoAvailableConfigurationRecorderException": NotFound,
	"ProvisionedThroughputExceededException":    Throttled,
	"InvalidInstanceID.NotFound":                NotFound,
	"InsufficientInstanceCapacity":              Capacity,
	"InsufficientCapacity":                      Capacity,
	"InstanceLimitExceeded":                     Capacity,
	"Unsupported":                               Capacity, // the instance type is not offered in the zone
	"IncorrectInstanceState":                    Conflict,
	"IdempotentParameterMismatch":               Conflict, // a ClientToken reused with other parameters
	"ConditionalCheckFailedException":           Conflict,
	"TransactionCanceledException":              Conflict,
	"NoSuchBucket":                              NotFound, // S3
	"KMSInvalidStateException":                  Conflict, // a KMS key in a state that does not allow the call
	"ResourceConflictException":                 Conflict, // Lambda: another update of the function is in progress
	"ConcurrentModificationException":           Conflict, // EventBridge
}

// Classify returns the class of err by its API error code, or of a context error.
func Classify(err error) Class {
	if err == nil {
		return None
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if c, ok := codes[api.ErrorCode()]; ok {
			return c
		}
		return Other
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Canceled
	}
	return Other
}

// Code returns err's API error code, or "" for an error that is not an API error.
func Code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// Is reports whether err is of class c.
func Is(err error, c Class) bool { return Classify(err) == c }
