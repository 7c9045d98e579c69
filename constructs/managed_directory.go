package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdirectoryservice"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ManagedDirectoryProps configures a ManagedDirectory.
type ManagedDirectoryProps struct {
	// Vpc holds the directory. Required.
	Vpc awsec2.IVpc
	// VpcSubnets hold the two domain controllers; the first two selected subnets (in different zones)
	// are used. Required.
	VpcSubnets *awsec2.SubnetSelection
	// Name is the directory's DNS name, e.g. corp.example.com. Required.
	Name string
	// ShortName is the NetBIOS name. Required.
	ShortName string
	// Edition is Standard or Enterprise.
	// default: Standard
	Edition string
	// EncryptionKey encrypts the admin password's secret. Required.
	EncryptionKey awskms.IKey
}

// ManagedDirectory is an AWS Managed Microsoft AD whose Admin password is generated into Secrets
// Manager (it never appears in a template), and which joins instances through Systems Manager.
type ManagedDirectory struct {
	awsconstructs.Construct
	Directory     awsdirectoryservice.CfnMicrosoftAD
	AdminPassword awssecretsmanager.Secret
	name          string
}

// NewManagedDirectory creates a ManagedDirectory.
func NewManagedDirectory(scope awsconstructs.Construct, id string, props *ManagedDirectoryProps) *ManagedDirectory {
	if props == nil || props.Vpc == nil || props.VpcSubnets == nil || props.Name == "" || props.ShortName == "" || props.EncryptionKey == nil {
		panic("NewManagedDirectory: Vpc, VpcSubnets, Name, ShortName and EncryptionKey are required")
	}
	edition := props.Edition
	if edition == "" {
		edition = "Standard"
	}
	c := awsconstructs.NewConstruct(scope, &id)
	d := &ManagedDirectory{Construct: c, name: props.Name}
	d.AdminPassword = awssecretsmanager.NewSecret(c, jsii.String("AdminPassword"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Admin password of the managed directory " + props.Name),
		EncryptionKey: props.EncryptionKey,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(32),
			// Characters Managed AD rejects or shells mangle.
			ExcludeCharacters:       jsii.String(`"'\/@` + "`"),
			RequireEachIncludedType: jsii.Bool(true),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(d.AdminPassword, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SMG4"), Reason: jsii.String("Directory Service has no rotation integration: rotating this secret would not change the directory's Admin password, which is reset only through ds:ResetUserPassword.")},
		{Id: jsii.String("NIST.800.53.R5-SecretsManagerRotationEnabled"), Reason: jsii.String("Directory Service has no rotation integration: rotating this secret would not change the directory's Admin password, which is reset only through ds:ResetUserPassword.")},
	}, jsii.Bool(false))

	subnets := *props.Vpc.SelectSubnets(props.VpcSubnets).SubnetIds
	if len(subnets) < 2 {
		panic("NewManagedDirectory: VpcSubnets must select subnets in at least two zones")
	}
	d.Directory = awsdirectoryservice.NewCfnMicrosoftAD(c, jsii.String("Directory"), &awsdirectoryservice.CfnMicrosoftADProps{
		Name:      &props.Name,
		ShortName: &props.ShortName,
		Edition:   &edition,
		Password:  d.AdminPassword.SecretValue().UnsafeUnwrap(), // a dynamic reference, resolved by CloudFormation
		VpcSettings: &awsdirectoryservice.CfnMicrosoftAD_VpcSettingsProperty{
			VpcId:     props.Vpc.VpcId(),
			SubnetIds: &[]*string{subnets[0], subnets[1]},
		},
	})
	return d
}

// JoinInstances joins every instance whose tag key has one of values to the directory, through the
// AWS-JoinDirectoryServiceDomain document, and lets role (the instances' role) create their computer
// accounts. associationName names the SSM association; empty, it is <stack name>-<id>.
func (d *ManagedDirectory) JoinInstances(id, associationName string, role awsiam.IRole, tagKey string, values []string) awsssm.CfnAssociation {
	stack := awscdk.Stack_Of(d.Construct)
	if associationName == "" {
		associationName = *stack.StackName() + "-" + id
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("JoinManagedDirectory"),
		Actions: jsii.Strings("ds:CreateComputer"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ds"), Resource: jsii.String("directory"), ResourceName: d.Directory.Ref(),
		})),
	}))
	// ds:DescribeDirectories is authorized on "*" only.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeDirectories"),
		Actions:   jsii.Strings("ds:DescribeDirectories"),
		Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("ds:DescribeDirectories supports no resource-level permissions; the domain-join document needs it to find the directory's DNS addresses."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	return awsssm.NewCfnAssociation(d.Construct, &id, &awsssm.CfnAssociationProps{
		Name:            jsii.String("AWS-JoinDirectoryServiceDomain"),
		AssociationName: &associationName,
		Parameters: map[string]any{
			"directoryId":    []any{d.Directory.Ref()},
			"directoryName":  []string{d.name},
			"dnsIpAddresses": d.Directory.AttrDnsIpAddresses(),
		},
		Targets: []any{&awsssm.CfnAssociation_TargetProperty{Key: jsii.String("tag:" + tagKey), Values: jsii.Strings(values...)}},
		// Instances launched later join within one evaluation; failures are retried.
		ComplianceSeverity: jsii.String("HIGH"),
		MaxConcurrency:     jsii.String("50%"),
		MaxErrors:          jsii.String("100%"),
	})
}
