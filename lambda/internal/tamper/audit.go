package tamper

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
)

const redeployAudit = "redeploy the governance audit stack (cdk deploy)"

// S3 events on the audit bucket, by the names CloudTrail logs (Amazon S3 user guide, "Amazon S3
// CloudTrail events"): PutBucketLifecycleConfiguration and DeleteBucketLifecycle are logged as
// PutBucketLifecycle and DeleteBucketLifecycle; the other names are the API's. Request parameters carry
// bucketName and the request's XML body as JSON (PutBucketVersioning: VersioningConfiguration.Status).
var bucketTitles = map[string]string{
	"PutBucketVersioning":        "Versioning of the audit bucket suspended",
	"PutBucketPolicy":            "Policy of the audit bucket replaced",
	"DeleteBucketPolicy":         "Policy of the audit bucket deleted",
	"PutBucketLifecycle":         "Lifecycle of the audit bucket changed",
	"DeleteBucketLifecycle":      "Lifecycle of the audit bucket deleted",
	"PutBucketOwnershipControls": "Ownership controls of the audit bucket changed",
	"PutObjectLockConfiguration": "Object Lock configuration of the audit bucket changed",
}

func (h *Handler) bucketEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := bucketTitles[tr.name]
	if !ok {
		return h.skip("not a watched S3 event", "event", tr.name), nil
	}
	var p struct {
		BucketName string `json:"bucketName"`
		Versioning struct {
			Status string `json:"Status"`
		} `json:"VersioningConfiguration"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	if h.Settings.AuditBucket == "" || p.BucketName != h.Settings.AuditBucket {
		return h.skip("not the audit bucket", "bucket", p.BucketName), nil
	}
	resource := "S3 bucket " + p.BucketName
	if tr.name == "PutBucketVersioning" {
		if p.Versioning.Status != string(s3types.BucketVersioningStatusSuspended) {
			return h.skip("versioning not suspended", "status", p.Versioning.Status), nil
		}
		return h.restore(ctx, tr, title, resource, "", false, func(ctx context.Context) ([]string, error) { return h.ensureVersioning(ctx, tr.account) })
	}
	return h.alertOnly(ctx, tr, title, resource, "the guard cannot compare the bucket's settings with the deployed ones: "+redeployAudit+", and check that no audit log files were removed")
}

// ensureVersioning turns the audit bucket's versioning back on. MFA delete is left as it is (changing it
// needs the root user's MFA device).
func (h *Handler) ensureVersioning(ctx context.Context, account string) ([]string, error) {
	b := aws.String(h.Settings.AuditBucket)
	var owner *string
	if account != "" {
		owner = aws.String(account)
	}
	v, err := h.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b, ExpectedBucketOwner: owner})
	if awserr.Is(err, awserr.NotFound) {
		return nil, &unfixable{"the bucket no longer exists: " + redeployAudit}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the bucket's versioning: %w", err)
	}
	if v.Status == s3types.BucketVersioningStatusEnabled {
		return nil, nil
	}
	if !h.DryRun {
		if _, err := h.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, ExpectedBucketOwner: owner,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			return nil, fmt.Errorf("enabling the bucket's versioning: %w", err)
		}
	}
	return []string{"enabled versioning again"}, nil
}

// CloudWatch Logs events on the audit log group: request parameters are the API's members
// (logGroupName; DisassociateKmsKey may name the group by resourceIdentifier, an ARN).
var logGroupTitles = map[string]string{
	"DeleteLogGroup":           "Audit log group deleted",
	"DeleteSubscriptionFilter": "Subscription filter of the audit log group deleted",
	"PutRetentionPolicy":       "Retention of the audit log group changed",
	"DeleteRetentionPolicy":    "Retention of the audit log group removed",
	"DisassociateKmsKey":       "Encryption key of the audit log group removed",
}

func (h *Handler) logGroupEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := logGroupTitles[tr.name]
	if !ok {
		return h.skip("not a watched CloudWatch Logs event", "event", tr.name), nil
	}
	var p struct {
		LogGroupName       string `json:"logGroupName"`
		LogGroupIdentifier string `json:"logGroupIdentifier"`
		ResourceIdentifier string `json:"resourceIdentifier"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	group := h.Settings.AuditLogGroup
	named := func(id string) bool {
		return id != "" && (id == group || strings.HasSuffix(strings.TrimSuffix(id, ":*"), ":log-group:"+group))
	}
	if group == "" || !named(p.LogGroupName) && !named(p.LogGroupIdentifier) && !named(p.ResourceIdentifier) {
		return h.skip("not the audit log group", "event", tr.name), nil
	}
	return h.alertOnly(ctx, tr, title, "log group "+group, "the trail's copy in CloudWatch Logs and the outside-regions alerts depend on the group as deployed: "+redeployAudit)
}

// SNS events on the alert topic: request parameters are the API's members in lower camel case (Amazon
// SNS developer guide, "Logging Amazon SNS API calls using CloudTrail": DeleteTopic logs topicArn). When
// the topic is gone the alert cannot be delivered: it is logged and counted (send).
var topicTitles = map[string]string{
	"DeleteTopic":        "Alert topic deleted",
	"SetTopicAttributes": "Alert topic attributes changed",
	"AddPermission":      "Alert topic permissions changed",
	"RemovePermission":   "Alert topic permissions changed",
}

func (h *Handler) topicEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := topicTitles[tr.name]
	if !ok {
		return h.skip("not a watched SNS event", "event", tr.name), nil
	}
	var p struct {
		TopicArn string `json:"topicArn"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	if p.TopicArn == "" || p.TopicArn != h.Settings.AlertTopicArn {
		return h.skip("not the alert topic", "topic", p.TopicArn), nil
	}
	return h.alertOnly(ctx, tr, title, "SNS topic "+p.TopicArn, "guardrail alerts reach their readers only through the topic as deployed: "+redeployGuardrails)
}

// AWS Config events on editbay's rules: request parameters in lower camel case, as for the recorder
// (DeleteConfigRule and DeleteEvaluationResults log configRuleName, PutConfigRule configRule).
var configRuleTitles = map[string]string{
	"DeleteConfigRule":        "editbay AWS Config rule deleted",
	"PutConfigRule":           "editbay AWS Config rule changed",
	"DeleteEvaluationResults": "Evaluations of an editbay AWS Config rule deleted",
}

func (h *Handler) configRuleEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := configRuleTitles[tr.name]
	if !ok {
		return h.skip("not a watched AWS Config event", "event", tr.name), nil
	}
	var p struct {
		ConfigRuleName string `json:"configRuleName"`
		ConfigRule     struct {
			ConfigRuleName string `json:"configRuleName"`
		} `json:"configRule"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	name := first(p.ConfigRuleName, p.ConfigRule.ConfigRuleName)
	if prefix := h.Settings.ConfigRulePrefix; prefix == "" || !strings.HasPrefix(name, prefix) {
		return h.skip("not an editbay Config rule", "rule", name), nil
	}
	return h.alertOnly(ctx, tr, title, "AWS Config rule "+name, "the rule's findings are editbay's compliance record: "+redeployGuardrails)
}
