// Package awsevent decodes the EventBridge events the governance functions receive: CloudTrail API
// calls and console sign-ins, AWS Config compliance changes and scheduled events. The shapes follow
// AWS's documented events; fixtures of each are in testdata/.
package awsevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Detail types and sources, as EventBridge writes them.
const (
	DetailAPICall          = "AWS API Call via CloudTrail"
	DetailConsoleSignIn    = "AWS Console Sign In via CloudTrail"
	DetailComplianceChange = "Config Rules Compliance Change"
	DetailScheduled        = "Scheduled Event"
	SourceScheduler        = "aws.events"
	SourceConfig           = "aws.config"
)

// Envelope is the EventBridge event around every detail.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Decode reads an EventBridge event; it needs at least a detail type, a source and a detail object.
func Decode(raw []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, fmt.Errorf("not an EventBridge event: %w", err)
	}
	if e.DetailType == "" || e.Source == "" {
		return e, errors.New("not an EventBridge event: no detail-type or source")
	}
	if len(e.Detail) == 0 || e.Detail[0] != '{' {
		return e, errors.New("not an EventBridge event: detail is not an object")
	}
	return e, nil
}

// UserIdentity is CloudTrail's record of who made a call.
type UserIdentity struct {
	Type           string `json:"type"` // Root, IAMUser, AssumedRole, FederatedUser, AWSService, ...
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId"`
	UserName       string `json:"userName"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext struct {
		SessionIssuer struct {
			Type     string `json:"type"`
			UserName string `json:"userName"`
			ARN      string `json:"arn"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

// Who describes the identity for a person reading an alert.
func (u UserIdentity) Who() string {
	switch u.Type {
	case "Root":
		return fmt.Sprintf("the root user of account %s", u.AccountID)
	case "IAMUser":
		return fmt.Sprintf("IAM user %s (%s)", u.UserName, u.ARN)
	case "AssumedRole":
		if n := u.SessionContext.SessionIssuer.UserName; n != "" {
			session := u.ARN[strings.LastIndex(u.ARN, "/")+1:]
			return fmt.Sprintf("role %s, session %s (%s)", n, session, u.ARN)
		}
		return "assumed role " + u.ARN
	case "AWSService":
		return "AWS service " + u.InvokedBy
	case "":
		return "unknown identity"
	default:
		if u.ARN != "" {
			return u.Type + " " + u.ARN
		}
		return u.Type + " " + u.PrincipalID
	}
}

// APICall is the detail of a CloudTrail API call or console sign-in event.
type APICall struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	EventTime           time.Time       `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode"`
	ErrorMessage        string          `json:"errorMessage"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	EventID             string          `json:"eventID"`
	EventType           string          `json:"eventType"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	// Resources are the resources CloudTrail recorded for the call, where the service records them
	// (KMS lists the key and alias a call touched: the key an alias named before DeleteAlias).
	Resources []Resource `json:"resources"`
}

// Resource is one entry of a CloudTrail record's resources.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// DecodeAPICall reads the detail of a CloudTrail API call or console sign-in.
func DecodeAPICall(e Envelope) (APICall, error) {
	var c APICall
	if e.DetailType != DetailAPICall && e.DetailType != DetailConsoleSignIn {
		return c, fmt.Errorf("detail type %q is not a CloudTrail event", e.DetailType)
	}
	if err := json.Unmarshal(e.Detail, &c); err != nil {
		return c, fmt.Errorf("CloudTrail detail: %w", err)
	}
	if c.EventName == "" || c.EventSource == "" {
		return c, errors.New("CloudTrail detail: no eventName or eventSource")
	}
	return c, nil
}

// Params decodes the call's request parameters into v.
func (c APICall) Params(v any) error {
	if len(c.RequestParameters) == 0 || string(c.RequestParameters) == "null" {
		return fmt.Errorf("%s: no requestParameters", c.EventName)
	}
	if err := json.Unmarshal(c.RequestParameters, v); err != nil {
		return fmt.Errorf("%s requestParameters: %w", c.EventName, err)
	}
	return nil
}

// Response decodes the call's response elements into v; a call without them (null, as for many
// calls) leaves v as it is.
func (c APICall) Response(v any) error {
	if len(c.ResponseElements) == 0 || string(c.ResponseElements) == "null" {
		return nil
	}
	if err := json.Unmarshal(c.ResponseElements, v); err != nil {
		return fmt.Errorf("%s responseElements: %w", c.EventName, err)
	}
	return nil
}

// MFAUsed reports additionalEventData.MFAUsed of a console sign-in ("Yes" or "No").
func (c APICall) MFAUsed() string {
	var d struct {
		MFAUsed string `json:"MFAUsed"`
	}
	_ = json.Unmarshal(c.AdditionalEventData, &d)
	return d.MFAUsed
}

// EvaluationResult is one side of a Config compliance change.
type EvaluationResult struct {
	EvaluationResultIdentifier struct {
		EvaluationResultQualifier struct {
			ConfigRuleName string `json:"configRuleName"`
			ResourceType   string `json:"resourceType"`
			ResourceID     string `json:"resourceId"`
		} `json:"evaluationResultQualifier"`
		OrderingTimestamp time.Time `json:"orderingTimestamp"`
	} `json:"evaluationResultIdentifier"`
	ComplianceType     string    `json:"complianceType"` // COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA
	ResultRecordedTime time.Time `json:"resultRecordedTime"`
	Annotation         string    `json:"annotation"`
}

// ComplianceChange is the detail of a Config Rules Compliance Change event.
type ComplianceChange struct {
	ResourceID               string            `json:"resourceId"`
	ResourceType             string            `json:"resourceType"`
	AWSRegion                string            `json:"awsRegion"`
	AWSAccountID             string            `json:"awsAccountId"`
	ConfigRuleName           string            `json:"configRuleName"`
	ConfigRuleARN            string            `json:"configRuleARN"`
	MessageType              string            `json:"messageType"`
	NewEvaluationResult      EvaluationResult  `json:"newEvaluationResult"`
	OldEvaluationResult      *EvaluationResult `json:"oldEvaluationResult"`
	NotificationCreationTime time.Time         `json:"notificationCreationTime"`
}

// DecodeComplianceChange reads the detail of a Config compliance change.
func DecodeComplianceChange(e Envelope) (ComplianceChange, error) {
	var c ComplianceChange
	if e.DetailType != DetailComplianceChange {
		return c, fmt.Errorf("detail type %q is not a Config compliance change", e.DetailType)
	}
	if err := json.Unmarshal(e.Detail, &c); err != nil {
		return c, fmt.Errorf("compliance change detail: %w", err)
	}
	if c.ResourceID == "" || c.ConfigRuleName == "" {
		return c, errors.New("compliance change detail: no resourceId or configRuleName")
	}
	return c, nil
}
