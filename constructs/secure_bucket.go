package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BucketAdministration are the S3 actions that would let a principal weaken or remove a bucket: its
// policy, lifecycle, versioning, ownership, encryption, Object Lock, logging, public access block,
// replication and tags. The audit and data buckets deny them to all but the deployment role.
var BucketAdministration = []string{
	"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
	"s3:PutBucketOwnershipControls", "s3:PutBucketAcl", "s3:PutEncryptionConfiguration", "s3:PutBucketObjectLockConfiguration",
	"s3:PutBucketLogging", "s3:PutBucketPublicAccessBlock", "s3:PutReplicationConfiguration", "s3:PutBucketTagging", "s3:DeleteBucket",
}

// SecureBucketProps configures a SecureBucket.
type SecureBucketProps struct {
	// EncryptionKey encrypts the objects (SSE-KMS with an S3 bucket key, to keep KMS requests cheap).
	// Required.
	EncryptionKey awskms.IKey
	// AccessLogs receives the bucket's server access logs. Required.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix is the key prefix of this bucket's access logs.
	// default: the construct ID followed by a slash
	AccessLogsPrefix string
	// ExpireAfterDays deletes objects this many days after creation; 0 keeps them.
	// default: 0
	ExpireAfterDays int
	// RemovalPolicy applies when the bucket leaves the stack.
	// default: RETAIN, since a non-empty bucket cannot be deleted by CloudFormation anyway
	RemovalPolicy awscdk.RemovalPolicy
}

// NewSecureBucket creates a bucket that meets editbay's data rules: customer-managed KMS encryption,
// TLS only, all public access blocked, ACLs disabled, versioned, server access logs, and expiry of
// current and noncurrent versions.
func NewSecureBucket(scope awsconstructs.Construct, id string, props *SecureBucketProps) awss3.Bucket {
	if props == nil || props.EncryptionKey == nil || props.AccessLogs == nil {
		panic("NewSecureBucket: EncryptionKey and AccessLogs are required")
	}
	p := *props
	if p.AccessLogsPrefix == "" {
		p.AccessLogsPrefix = id + "/"
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	rule := &awss3.LifecycleRule{
		Id:                                  jsii.String("tidy"),
		NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
	}
	if p.ExpireAfterDays > 0 {
		rule.Expiration = awscdk.Duration_Days(jsii.Number(float64(p.ExpireAfterDays)))
	} else {
		rule.ExpiredObjectDeleteMarker = jsii.Bool(true)
	}
	return awss3.NewBucket(scope, &id, &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          p.EncryptionKey,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: p.AccessLogs,
		ServerAccessLogsPrefix: jsii.String(p.AccessLogsPrefix),
		RemovalPolicy:          p.RemovalPolicy,
		LifecycleRules:         &[]*awss3.LifecycleRule{rule},
	})
}
