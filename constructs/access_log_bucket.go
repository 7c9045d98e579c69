package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AccessLogBucketProps configures an AccessLogBucket.
type AccessLogBucketProps struct {
	// ExpireAfterDays deletes access logs this many days after delivery.
	// default: 365
	ExpireAfterDays int
}

// NewAccessLogBucket creates the target of other buckets' S3 server access logs: TLS only, no public
// access, versioned, SSE-S3 (the only encryption S3 log delivery supports), expiring, and retained when
// its stack is deleted because it holds audit evidence.
func NewAccessLogBucket(scope awsconstructs.Construct, id string, props *AccessLogBucketProps) awss3.Bucket {
	p := AccessLogBucketProps{}
	if props != nil {
		p = *props
	}
	if p.ExpireAfterDays == 0 {
		p.ExpireAfterDays = 365
	}
	b := awss3.NewBucket(scope, &id, &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-access-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(p.ExpireAfterDays))),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(7)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(b, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("This bucket is the server access log target; logging it into itself would loop.")},
		{Id: jsii.String("NIST.800.53.R5-S3BucketLoggingEnabled"), Reason: jsii.String("This bucket is the server access log target; logging it into itself would loop.")},
		{Id: jsii.String("NIST.800.53.R5-S3DefaultEncryptionKMS"), Reason: jsii.String("S3 server access log delivery supports only SSE-S3 on the target bucket, not SSE-KMS.")},
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("Access logs are kept in the region they describe; cross-region replication would double their cost for little recovery value.")},
	}, jsii.Bool(false))
	return b
}
