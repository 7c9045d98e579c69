package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AuditTrailProps configures AuditTrail.
type AuditTrailProps struct {
	// TrailName names the trail, so guardrails in other regions and stacks can find it. Required.
	TrailName string
	// BucketName names the log bucket (globally unique; guardrails deliver AWS Config there too). Required.
	BucketName string
	// LogGroupName names the trail's CloudWatch Logs group. Required.
	LogGroupName string
	// KeyAlias names the trail's KMS key (e.g. alias/editbay-audit). Required.
	KeyAlias string
	// LogRetentionDays keeps the CloudWatch Logs copy this long (a CloudWatch Logs retention value).
	// default: 365
	LogRetentionDays int
	// ColdStorageAfterDays moves log files to S3 Glacier Flexible Retrieval.
	// default: 90
	ColdStorageAfterDays int
	// ExpireAfterDays deletes log files; it must be later than ColdStorageAfterDays.
	// default: 2557 (about seven years)
	ExpireAfterDays int
	// ObjectLockMode is GOVERNANCE or COMPLIANCE, or "off" for no S3 Object Lock.
	// default: GOVERNANCE
	ObjectLockMode string
	// ObjectLockDays locks each log file version this long; at most ExpireAfterDays.
	// default: 365
	ObjectLockDays int
}

// AuditObjectDeletion are the S3 actions that remove or unlock a log file.
var AuditObjectDeletion = []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold"}

// AuditTrail is the account's multi-region CloudTrail trail with global service events and log-file
// validation, encrypted with its own customer-managed key, into a dedicated TLS-only bucket with
// server access logs and a lifecycle to cold storage, and copied to an encrypted CloudWatch Logs group.
// The bucket, its access logs, the log group and the key are retained when the stack is deleted: they
// are audit evidence.
type AuditTrail struct {
	awsconstructs.Construct
	Trail      awscloudtrail.Trail
	Bucket     awss3.Bucket
	AccessLogs awss3.Bucket
	Key        awskms.Key
	LogGroup   awslogs.LogGroup
}

// NewAuditTrail creates AuditTrail.
func NewAuditTrail(scope awsconstructs.Construct, id string, props *AuditTrailProps) *AuditTrail {
	if props == nil || props.TrailName == "" || props.BucketName == "" || props.LogGroupName == "" || props.KeyAlias == "" {
		panic("NewAuditTrail: TrailName, BucketName, LogGroupName and KeyAlias are required")
	}
	p := *props
	p.LogRetentionDays = orDefault(p.LogRetentionDays, 365)
	p.ColdStorageAfterDays = orDefault(p.ColdStorageAfterDays, 90)
	p.ExpireAfterDays = orDefault(p.ExpireAfterDays, 2557)
	p.ObjectLockMode = orDefaultString(p.ObjectLockMode, "GOVERNANCE")
	p.ObjectLockDays = orDefault(p.ObjectLockDays, 365)
	if p.ExpireAfterDays <= p.ColdStorageAfterDays {
		panic(fmt.Sprintf("NewAuditTrail: ExpireAfterDays (%d) must be later than ColdStorageAfterDays (%d)", p.ExpireAfterDays, p.ColdStorageAfterDays))
	}
	c := awsconstructs.NewConstruct(scope, &id)
	a := &AuditTrail{Construct: c}
	stack := awscdk.Stack_Of(c)
	trailArn := fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", *stack.Partition(), *stack.Region(), *stack.Account(), p.TrailName)

	a.Key = NewKey(c, "Key", &KeyProps{Description: "Encrypts the audit trail's log files and its CloudWatch Logs copy", Alias: p.KeyAlias, RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	AllowCloudWatchLogs(a.Key)
	cloudtrail := awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)
	// CloudTrail encrypts for this trail only (its ARN as source and in the encryption context).
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudTrailEncrypt"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceArn": trailArn},
			"StringLike":   map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", *stack.Partition(), *stack.Account())},
		},
	}), jsii.Bool(false))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudTrailDescribeKey"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailArn}},
	}), jsii.Bool(false))

	a.AccessLogs = NewAccessLogBucket(c, "AccessLogs", &AccessLogBucketProps{ExpireAfterDays: p.ExpireAfterDays})
	a.Bucket = awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BucketName:             jsii.String(p.BucketName),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          a.Key,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: a.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("audit/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("cold-storage"),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_GLACIER(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(float64(p.ColdStorageAfterDays))),
			}},
			NoncurrentVersionTransitions: &[]*awss3.NoncurrentVersionTransition{{
				StorageClass:    awss3.StorageClass_GLACIER(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(30)),
			}},
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(p.ExpireAfterDays))),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(p.ExpireAfterDays))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	if p.ObjectLockMode != "off" {
		// Write once: no principal, not even the root user in COMPLIANCE mode, can overwrite or delete a
		// log file version before its retention ends (the lifecycle expires it afterwards).
		a.Bucket.Node().DefaultChild().(awss3.CfnBucket).SetObjectLockEnabled(jsii.Bool(true))
		a.Bucket.Node().DefaultChild().(awss3.CfnBucket).SetObjectLockConfiguration(&awss3.CfnBucket_ObjectLockConfigurationProperty{
			ObjectLockEnabled: jsii.String("Enabled"),
			Rule: &awss3.CfnBucket_ObjectLockRuleProperty{DefaultRetention: &awss3.CfnBucket_DefaultRetentionProperty{
				Mode: jsii.String(p.ObjectLockMode), Days: jsii.Number(float64(p.ObjectLockDays)),
			}},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(a.Bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("The trail's files are versioned, validated by CloudTrail's digest files and retained; replicating them to a second region is an installation's choice, not a default.")},
	}, jsii.Bool(false))

	a.LogGroup = NewLogGroup(c, "LogGroup", &LogGroupProps{
		EncryptionKey: a.Key, RetentionDays: p.LogRetentionDays, LogGroupName: p.LogGroupName, Retain: true,
	})
	a.Trail = awscloudtrail.NewTrail(c, jsii.String("Trail"), &awscloudtrail.TrailProps{
		TrailName:                  jsii.String(p.TrailName),
		Bucket:                     a.Bucket,
		EncryptionKey:              a.Key,
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableFileValidation:       jsii.Bool(true),
		ManagementEvents:           awscloudtrail.ReadWriteType_ALL,
		SendToCloudWatchLogs:       jsii.Bool(true),
		CloudWatchLogGroup:         a.LogGroup,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(a.Trail.Node().FindChild(jsii.String("LogsRole")), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String("CloudTrail's delivery role has one inline statement, writing to this trail's log group only; it lives and dies with the trail.")},
	}, jsii.Bool(true))
	// The trail must not start before CloudTrail may use the key.
	a.Trail.Node().AddDependency(a.Key)
	// CDK's Trail adds CloudTrail's bucket statements without confused-deputy conditions: CloudTrail
	// may write here for this account's trail only.
	NameServiceSources(a.Bucket, map[string]string{"cloudtrail.amazonaws.com": trailArn})
	deployer := DeploymentRoleArn(c)
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyAuditBucketChangesOutsideDeployments"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(BucketAdministration...),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": deployer}},
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyLogFileDeletion"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(AuditObjectDeletion...),
		Resources:  &[]*string{a.Bucket.ArnForObjects(jsii.String("*"))},
	}))
	return a
}
