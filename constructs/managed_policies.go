package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// attachManagedPolicy attaches the AWS managed policy name to role and accepts, on that role and for
// that policy only, cdk-nag's rule against managed policies: reason says why AWS's policy is the
// right one (AWS keeps it current as its service changes).
func attachManagedPolicy(role awsiam.Role, name, reason string) {
	role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(&name))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    &reason,
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/" + name},
	}}, jsii.Bool(false))
}

// grantSsmManaged lets Systems Manager manage the instances of role: Session Manager instead of SSH,
// patching, inventory and the associations that join a directory.
func grantSsmManaged(role awsiam.Role) {
	attachManagedPolicy(role, "AmazonSSMManagedInstanceCore", "AmazonSSMManagedInstanceCore is the minimal policy AWS publishes and maintains for the SSM agent (Session Manager, Run Command, patching); writing it by hand would drift from the agent's needs.")
}

// nagArn is how cdk-nag prints, in its findings, the ARN of resource (e.g. "instance/*") of service in
// stack's region: account and partition appear as written when the stack knows them, else as
// CloudFormation pseudo parameters.
func nagArn(stack awscdk.Stack, service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", nagPseudo(stack.Partition(), "<AWS::Partition>"), service, *stack.Region(), nagPseudo(stack.Account(), "<AWS::AccountId>"), resource)
}

// nagPseudo prints a stack value as cdk-nag does: as written when known, else as a pseudo parameter.
func nagPseudo(v *string, pseudo string) string {
	if *awscdk.Token_IsUnresolved(v) {
		return pseudo
	}
	return *v
}
