package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DirectoryRadiusProps configures DirectoryRadius.
type DirectoryRadiusProps struct {
	// Directory gets RADIUS multi-factor authentication. Required.
	Directory *ManagedDirectory
	// Servers are the RADIUS servers' IPv4 addresses. Required.
	Servers []string
	// SharedSecretName is the Secrets Manager secret (created outside the stack) holding the shared
	// secret. Its value never enters a template. Required.
	SharedSecretName string
	// Port of the RADIUS servers.
	// default: 1812
	Port int
	// TimeoutSeconds to wait for an answer, and Retries of an unanswered request (at least 1).
	// default: 5 and 4
	TimeoutSeconds, Retries int
	// Protocol is PAP, CHAP, MS-CHAPv1 or MS-CHAPv2.
	// default: PAP
	Protocol string
	// DisplayLabel names the MFA code field users see.
	// default: MFA
	DisplayLabel string
	// EncryptionKey encrypts the function's logs, queue and environment. Required.
	EncryptionKey awskms.IKey
	// AlarmActions are notified when the function fails.
	// default: none
	AlarmActions []awscloudwatch.IAlarmAction
}

// DirectoryRadius turns on RADIUS multi-factor authentication of a managed directory through a
// custom resource backed by the directory-radius Go function: CloudFormation cannot hand a Secrets
// Manager value to a custom resource, so the function reads the shared secret itself. Changing a
// setting updates the directory; deleting the resource turns RADIUS off.
type DirectoryRadius struct {
	awsconstructs.Construct
	Function *GoFunction
}

// NewDirectoryRadius creates DirectoryRadius.
func NewDirectoryRadius(scope awsconstructs.Construct, id string, props *DirectoryRadiusProps) *DirectoryRadius {
	if props == nil || props.Directory == nil || len(props.Servers) == 0 || props.SharedSecretName == "" || props.EncryptionKey == nil {
		panic("NewDirectoryRadius: Directory, Servers, SharedSecretName and EncryptionKey are required")
	}
	p := *props
	p.Port = orDefault(p.Port, 1812)
	p.TimeoutSeconds = orDefault(p.TimeoutSeconds, 5)
	p.Retries = orDefault(p.Retries, 4)
	if p.Protocol == "" {
		p.Protocol = "PAP"
	}
	if p.DisplayLabel == "" {
		p.DisplayLabel = "MFA"
	}
	c := awsconstructs.NewConstruct(scope, &id)
	r := &DirectoryRadius{Construct: c}
	r.Function = NewGoFunction(c, "Function", &GoFunctionProps{
		Entry:         "directory-radius",
		Description:   "Turns on RADIUS MFA of the managed directory (CloudFormation custom resource)",
		EncryptionKey: p.EncryptionKey,
		Timeout:       awscdk.Duration_Minutes(jsii.Number(2)),
		// One directory's settings: requests are serialized rather than raced.
		ReservedConcurrency: 1,
		AlarmActions:        p.AlarmActions,
	})
	stack := awscdk.Stack_Of(c)
	directoryArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ds"), Resource: jsii.String("directory"), ResourceName: p.Directory.Directory.Ref()})
	r.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ConfigureRadius"),
		Actions:   jsii.Strings("ds:EnableRadius", "ds:UpdateRadius", "ds:DisableRadius"),
		Resources: &[]*string{directoryArn},
	}))
	r.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeDirectories"),
		Actions:   jsii.Strings("ds:DescribeDirectories"),
		Resources: jsii.Strings("*"),
	}))
	// Secrets Manager appends six random characters to a secret's name in its ARN.
	secretArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"), ResourceName: jsii.String(p.SharedSecretName + "-??????"),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	r.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadSharedSecret"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: &[]*string{secretArn},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(r.Function.Role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("ds:DescribeDirectories supports no resource-level permissions; the shared secret's ARN ends in six characters Secrets Manager chooses, matched by ??????."),
		AppliesTo: &[]any{"Resource::*", "Resource::" + nagArn(stack, "secretsmanager", "secret:"+p.SharedSecretName+"-??????")},
	}}, jsii.Bool(true))

	servers := make([]any, len(p.Servers))
	for i, s := range p.Servers {
		servers[i] = s
	}
	resource := awscdk.NewCustomResource(c, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: r.Function.Function.FunctionArn(),
		ResourceType: jsii.String("Custom::DirectoryRadius"),
		Properties: &map[string]any{
			"DirectoryId": p.Directory.Directory.Ref(), "Servers": servers,
			"Port": p.Port, "TimeoutSeconds": p.TimeoutSeconds, "Retries": p.Retries,
			"Protocol": p.Protocol, "DisplayLabel": p.DisplayLabel, "SharedSecretName": p.SharedSecretName,
		},
	})
	// The function's permissions must exist before CloudFormation asks it to act, and until it has
	// turned RADIUS off on delete.
	resource.Node().AddDependency(r.Function.Construct)
	return r
}
