package constructs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ProductTagKey tags what a catalog product creates with the product's name, so that its launch role
// may manage only resources of its own product.
const ProductTagKey = "editbay:catalog-product"

// ProjectBucketProductProps configures a ProjectBucketProduct.
type ProjectBucketProductProps struct {
	// BucketPrefix starts every bucket's name, <BucketPrefix>-<project>-<account ID>, e.g.
	// "northlight-render". Required.
	BucketPrefix string
	// Owner is the product's owner shown to users, e.g. "platform team". Required.
	Owner string
	// Version is the current version's name; PreviousVersions stay deployable from their snapshots in
	// SnapshotDirectory. Version is required.
	Version          string
	PreviousVersions []string
	// SnapshotDirectory holds the versions' templates (CDK's ProductStackHistory).
	// default: product-stack-snapshots
	SnapshotDirectory string
	// NoncurrentVersionDays are the users' choices of how long old object versions are kept, the
	// first the default. Required.
	NoncurrentVersionDays []int
	// AccessLogsParameter names the SSM parameter holding the access log bucket's name, read by the
	// template with a dynamic reference. Required.
	AccessLogsParameter string
}

// ProjectBucketProduct is a Service Catalog product: one secure bucket for one project, from
// editbay's secure-bucket design (its own KMS key, TLS only, no public access, ACLs off, versioned,
// server access logs, expiry of old versions), tagged with its project and owner, whose data only
// the roles named at launch may read or write. LaunchRole may create and delete exactly that.
type ProjectBucketProduct struct {
	awsconstructs.Construct
	Product    awsservicecatalog.CloudFormationProduct
	LaunchRole awsiam.Role
	// Template is the current version's product stack.
	Template awsservicecatalog.ProductStack
}

// Project bucket product parameters, as users see them.
const (
	ProjectNameParameter           = "ProjectName"
	OwnerParameter                 = "Owner"
	AccessRoleArnsParameter        = "AccessRoleArns"
	NoncurrentVersionDaysParameter = "NoncurrentVersionDays"
)

// NewProjectBucketProduct creates the product, its versions and its launch role.
func NewProjectBucketProduct(scope awsconstructs.Construct, id string, props *ProjectBucketProductProps) *ProjectBucketProduct {
	if props == nil || props.BucketPrefix == "" || props.Owner == "" || props.Version == "" || len(props.NoncurrentVersionDays) == 0 || props.AccessLogsParameter == "" {
		panic("NewProjectBucketProduct: BucketPrefix, Owner, Version, NoncurrentVersionDays and AccessLogsParameter are required")
	}
	p := *props
	if p.SnapshotDirectory == "" {
		p.SnapshotDirectory = "product-stack-snapshots"
	}
	b := &ProjectBucketProduct{Construct: awsconstructs.NewConstruct(scope, &id)}
	b.Template = awsservicecatalog.NewProductStack(b.Construct, jsii.String("Template"), &awsservicecatalog.ProductStackProps{
		Description: jsii.String("editbay project data bucket"),
	})
	projectBucketTemplate(b.Template, p)

	b.Product = newVersionedProduct(b.Construct, b.Template, productInfo{
		Name:        "Project data bucket",
		Description: "A secure S3 bucket for one project: its own KMS key, TLS only, versioned, access-logged; only the roles you name may read or write its data.",
		Owner:       p.Owner, Version: p.Version, PreviousVersions: p.PreviousVersions, SnapshotDirectory: p.SnapshotDirectory,
	})
	b.LaunchRole = projectBucketLaunchRole(b.Construct, p)
	return b
}

// productInfo is what a product shows users, and where its versions come from.
type productInfo struct {
	Name, Description, Owner string
	Version                  string
	PreviousVersions         []string
	SnapshotDirectory        string
}

// newVersionedProduct makes the product of a product stack (children "History" and "Product" of
// scope): its current version, locked to its snapshot so a changed template needs a new version
// name, and its earlier versions from their snapshots.
func newVersionedProduct(scope awsconstructs.Construct, template awsservicecatalog.ProductStack, info productInfo) awsservicecatalog.CloudFormationProduct {
	history := awsservicecatalog.NewProductStackHistory(scope, jsii.String("History"), &awsservicecatalog.ProductStackHistoryProps{
		ProductStack:         template,
		CurrentVersionName:   jsii.String(info.Version),
		CurrentVersionLocked: jsii.Bool(true),
		Directory:            jsii.String(info.SnapshotDirectory),
	})
	versions := []*awsservicecatalog.CloudFormationProductVersion{history.CurrentVersion()}
	for _, v := range info.PreviousVersions {
		versions = append(versions, history.VersionFromSnapshot(jsii.String(v)))
	}
	return awsservicecatalog.NewCloudFormationProduct(scope, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName:     jsii.String(info.Name),
		Owner:           jsii.String(info.Owner),
		Description:     jsii.String(info.Description),
		ProductVersions: &versions,
	})
}

// projectBucketTemplate fills the product stack: the users' parameters, the key, the bucket and its
// policy.
func projectBucketTemplate(ps awsservicecatalog.ProductStack, p ProjectBucketProductProps) {
	var stack awscdk.Stack = ps
	// A bucket name has at most 63 characters: <prefix>-<project>-<12-digit account>.
	maxProject := 63 - len(p.BucketPrefix) - 1 - 1 - 12
	project := awscdk.NewCfnParameter(stack, jsii.String(ProjectNameParameter), &awscdk.CfnParameterProps{
		Type:                  jsii.String("String"),
		Description:           jsii.String(fmt.Sprintf("Short project name: lower-case letters, digits and hyphens, at most %d characters; part of the bucket's name.", maxProject)),
		AllowedPattern:        jsii.String(fmt.Sprintf("^[a-z0-9][a-z0-9-]{0,%d}[a-z0-9]$", maxProject-2)),
		ConstraintDescription: jsii.String(fmt.Sprintf("lower-case letters, digits and inner hyphens, 2 to %d characters", maxProject)),
	})
	owner := awscdk.NewCfnParameter(stack, jsii.String(OwnerParameter), &awscdk.CfnParameterProps{
		Type:                  jsii.String("String"),
		Description:           jsii.String("Who owns the project's data (user name or e-mail); tags the bucket."),
		AllowedPattern:        jsii.String(`^[A-Za-z0-9._%+@-]{1,128}$`),
		ConstraintDescription: jsii.String("a user name or e-mail address"),
	})
	readers := awscdk.NewCfnParameter(stack, jsii.String(AccessRoleArnsParameter), &awscdk.CfnParameterProps{
		Type:        jsii.String("CommaDelimitedList"),
		Description: jsii.String("ARNs of the IAM roles (of this account) that may read and write the bucket's data; nobody else may."),
	})
	var choices []string
	for _, d := range p.NoncurrentVersionDays {
		choices = append(choices, strconv.Itoa(d))
	}
	keep := awscdk.NewCfnParameter(stack, jsii.String(NoncurrentVersionDaysParameter), &awscdk.CfnParameterProps{
		Type:          jsii.String("Number"),
		Description:   jsii.String("Days an overwritten or deleted object's old version is kept before it expires."),
		AllowedValues: jsii.Strings(choices...),
		Default:       jsii.String(choices[0]),
	})

	productTag := []*awscdk.CfnTag{{Key: jsii.String(ProductTagKey), Value: jsii.String("project-bucket")}}
	key := awskms.NewCfnKey(stack, jsii.String("Key"), &awskms.CfnKeyProps{
		Description:         awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("Encrypts the project bucket of "), project.ValueAsString()}),
		EnableKeyRotation:   jsii.Bool(true),
		PendingWindowInDays: jsii.Number(30),
		// The account administers the key through IAM (the launch role, within its product's tag); the
		// bucket policy keeps its data to the named roles.
		KeyPolicy: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Sid": "AdministerThroughIAM", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
				"Principal": map[string]any{"AWS": awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":iam::"), stack.Account(), jsii.String(":root")})},
			}},
		},
		Tags: &productTag,
	})
	key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)

	name := awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(p.BucketPrefix), project.ValueAsString(), stack.Account()})
	bucket := awss3.NewCfnBucket(stack, jsii.String("Bucket"), &awss3.CfnBucketProps{
		BucketName: name,
		BucketEncryption: &awss3.CfnBucket_BucketEncryptionProperty{ServerSideEncryptionConfiguration: &[]any{&awss3.CfnBucket_ServerSideEncryptionRuleProperty{
			BucketKeyEnabled: jsii.Bool(true),
			ServerSideEncryptionByDefault: &awss3.CfnBucket_ServerSideEncryptionByDefaultProperty{
				SseAlgorithm: jsii.String("aws:kms"), KmsMasterKeyId: key.AttrArn(),
			},
		}}},
		VersioningConfiguration: &awss3.CfnBucket_VersioningConfigurationProperty{Status: jsii.String("Enabled")},
		PublicAccessBlockConfiguration: &awss3.CfnBucket_PublicAccessBlockConfigurationProperty{
			BlockPublicAcls: jsii.Bool(true), BlockPublicPolicy: jsii.Bool(true), IgnorePublicAcls: jsii.Bool(true), RestrictPublicBuckets: jsii.Bool(true),
		},
		OwnershipControls: &awss3.CfnBucket_OwnershipControlsProperty{Rules: &[]any{&awss3.CfnBucket_OwnershipControlsRuleProperty{ObjectOwnership: jsii.String("BucketOwnerEnforced")}}},
		LoggingConfiguration: &awss3.CfnBucket_LoggingConfigurationProperty{
			DestinationBucketName: jsii.String("{{resolve:ssm:" + p.AccessLogsParameter + "}}"),
			LogFilePrefix:         awscdk.Fn_Join(jsii.String(""), &[]*string{name, jsii.String("/")}),
		},
		LifecycleConfiguration: &awss3.CfnBucket_LifecycleConfigurationProperty{Rules: &[]any{&awss3.CfnBucket_RuleProperty{
			Id: jsii.String("tidy"), Status: jsii.String("Enabled"),
			NoncurrentVersionExpiration:    &awss3.CfnBucket_NoncurrentVersionExpirationProperty{NoncurrentDays: keep.ValueAsNumber()},
			AbortIncompleteMultipartUpload: &awss3.CfnBucket_AbortIncompleteMultipartUploadProperty{DaysAfterInitiation: jsii.Number(1)},
			ExpiredObjectDeleteMarker:      jsii.Bool(true),
		}}},
		Tags: &[]*awscdk.CfnTag{
			productTag[0],
			{Key: jsii.String("editbay:project"), Value: project.ValueAsString()},
			{Key: jsii.String("editbay:owner"), Value: owner.ValueAsString()},
		},
	})
	bucket.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("A project bucket is a working area: versioning and the kept old versions recover overwrites and deletions; cross-region replication would double the cost of every project.")},
	}, jsii.Bool(false))

	bucketArn := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":s3:::"), bucket.Ref()})
	objects := awscdk.Fn_Join(jsii.String(""), &[]*string{bucketArn, jsii.String("/*")})
	dataActions := []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ListBucket*", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
	awss3.NewCfnBucketPolicy(stack, jsii.String("Policy"), &awss3.CfnBucketPolicyProps{
		Bucket: bucket.Ref(),
		PolicyDocument: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []any{bucketArn, objects},
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
				map[string]any{"Sid": "NamedRolesOnly", "Effect": "Deny", "Principal": "*", "Action": dataActions, "Resource": []any{bucketArn, objects},
					"Condition": map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": readers.ValueAsList()}}},
				map[string]any{"Sid": "NamedRolesUseData", "Effect": "Allow", "Principal": map[string]any{"AWS": readers.ValueAsList()}, "Action": dataActions, "Resource": []any{bucketArn, objects}},
			},
		},
	})
	awscdk.NewCfnOutput(stack, jsii.String("BucketName"), &awscdk.CfnOutputProps{Value: bucket.Ref(), Description: jsii.String("The project's bucket")})
	awscdk.NewCfnOutput(stack, jsii.String("KeyArn"), &awscdk.CfnOutputProps{Value: key.AttrArn(), Description: jsii.String("The bucket's KMS key")})
}

// projectBucketLaunchRole may run the product's CloudFormation stacks and create, change and delete
// exactly what the template does: buckets named <prefix>-*, KMS keys tagged as this product's, and
// nothing else. Service Catalog assumes it, so users need no permissions of their own.
func projectBucketLaunchRole(scope awsconstructs.Construct, p ProjectBucketProductProps) awsiam.Role {
	stack := awscdk.Stack_Of(scope)
	partition := nagPseudo(stack.Partition(), "<AWS::Partition>")
	buckets := fmt.Sprintf("arn:%s:s3:::%s-*", *stack.Partition(), p.BucketPrefix)
	keys := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("kms"), Resource: jsii.String("key"), ResourceName: jsii.String("*")})
	statements := append(ServiceCatalogLaunchStatements(stack),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ManageProjectBuckets"),
			// The bucket configuration CloudFormation's bucket handler reads back, by name: s3:Get* would
			// match the buckets' objects too, as a * in an S3 ARN spans the slash (the IAM evaluator in
			// test/access showed it).
			Actions: jsii.Strings("s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucket*", "s3:GetEncryptionConfiguration",
				"s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetAccelerateConfiguration", "s3:GetAnalyticsConfiguration",
				"s3:GetInventoryConfiguration", "s3:GetMetricsConfiguration", "s3:GetIntelligentTieringConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
				"s3:PutEncryptionConfiguration", "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls",
				"s3:PutBucketLogging", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging"),
			Resources: jsii.Strings(buckets),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CreateProductKeys"),
			Actions:    jsii.Strings("kms:CreateKey", "kms:TagResource"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:RequestTag/" + ProductTagKey: "project-bucket"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ManageProductKeys"),
			Actions: jsii.Strings("kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
				"kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"),
			Resources:  &[]*string{keys},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + ProductTagKey: "project-bucket"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadAccessLogBucketName"),
			Actions:   jsii.Strings("ssm:GetParameters", "ssm:GetParameter"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(p.AccessLogsParameter, "/"))})},
		}),
	)
	return newLaunchRole(scope, "project data bucket", "its stacks, its buckets, its keys", statements,
		"Each wildcard is the narrowest AWS allows: CloudFormation reads back a bucket's whole configuration (s3:GetBucket*, bucket-level actions only, on the product's bucket names); KMS CreateKey, GetTemplateSummary, ValidateTemplate and the template read have no resource of their own (held by the product tag and the servicecatalog:provisioning object tag); Service Catalog names its stacks SC-<account>-pp-*; key IDs and project bucket names exist only after launch (held by the product tag and the environment's name prefix).",
		[]any{
			"Action::s3:GetBucket*", "Resource::*",
			fmt.Sprintf("Resource::arn:%s:s3:::%s-*", partition, p.BucketPrefix),
			scStacksAppliesTo,
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:kms:[^:]+:(\d{12}|<AWS::AccountId>):key\/\*$/`)},
		})
}

// scStacksAppliesTo matches the IAM5 finding of ServiceCatalogLaunchStatements' stack wildcard.
var scStacksAppliesTo = &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:cloudformation:[^:]+:(\d{12}|<AWS::AccountId>):stack\/SC-(\d{12}|<AWS::AccountId>)-pp-\*$/`)}

// newLaunchRole is a product's launch role: trusted by Service Catalog, with one managed policy of
// statements (may says what they allow), whose wildcards cdk-nag's IAM5 accepts for reason where
// appliesTo matches.
func newLaunchRole(scope awsconstructs.Construct, product, may string, statements []awsiam.PolicyStatement, reason string, appliesTo []any) awsiam.Role {
	policy := awsiam.NewManagedPolicy(scope, jsii.String("LaunchPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("What the " + product + " product's launch role may do: " + may),
		Statements:  &statements,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(reason), AppliesTo: &appliesTo,
	}}, jsii.Bool(false))
	return awsiam.NewRole(scope, jsii.String("LaunchRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), nil),
		Description:     jsii.String("Service Catalog launch role of the " + product + " product"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{policy},
	})
}

// ServiceCatalogLaunchStatements let a launch role run the CloudFormation stacks Service Catalog
// creates for provisioned products (named SC-<account>-pp-...) and read their templates, which
// Service Catalog stores tagged servicecatalog:provisioning.
func ServiceCatalogLaunchStatements(stack awscdk.Stack) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RunProvisionedProductStacks"),
			Actions: jsii.Strings("cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks",
				"cloudformation:SetStackPolicy", "cloudformation:UpdateStack", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
				"cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:ListStackResources"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudformation"), Resource: jsii.String("stack"),
				ResourceName: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("SC-"), stack.Account(), jsii.String("-pp-*")})})},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadTemplates"),
			Actions:   jsii.Strings("cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ReadProductTemplates"),
			Actions:    jsii.Strings("s3:GetObject"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}},
		}),
	}
}
