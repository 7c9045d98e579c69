package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// AuditStackProps configures an AuditStack.
type AuditStackProps struct {
	awscdk.StackProps
	// Trail is the config's trail settings. Required.
	Trail config.Trail
	// Names are the account's governance names. Required.
	Names GovernanceNames
}

// AuditStack is an account's audit trail, in its home region.
type AuditStack struct {
	awscdk.Stack
	Trail *ebc.AuditTrail
}

// NewAuditStack creates the audit trail of an account.
func NewAuditStack(scope awsconstructs.Construct, id string, props *AuditStackProps) *AuditStack {
	s := &AuditStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	n := props.Names
	s.Trail = ebc.NewAuditTrail(s.Stack, "AuditTrail", &ebc.AuditTrailProps{
		TrailName:            n.Trail,
		BucketName:           n.Bucket,
		LogGroupName:         n.LogGroup,
		KeyAlias:             n.KeyAlias,
		LogRetentionDays:     props.Trail.LogRetentionDays,
		ColdStorageAfterDays: props.Trail.ColdStorageAfterDays,
		ExpireAfterDays:      props.Trail.ExpireAfterDays,
		ObjectLockMode:       props.Trail.ObjectLock.Mode,
		ObjectLockDays:       props.Trail.ObjectLock.RetentionDays,
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String("TrailArn"), &awscdk.CfnOutputProps{Value: s.Trail.Trail.TrailArn()})
	awscdk.NewCfnOutput(s.Stack, jsii.String("AuditBucket"), &awscdk.CfnOutputProps{Value: s.Trail.Bucket.BucketName()})
	return s
}
