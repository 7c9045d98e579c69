package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// DataActions are the S3 actions that read, write, list or delete a bucket's objects.
var DataActions = []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*", "s3:RestoreObject", "s3:ReplicateObject", "s3:ReplicateDelete"}

// dataKeyUse are the KMS actions that encrypt or decrypt with a key.
var dataKeyUse = []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}

// dataBoundary writes the data bucket's and data key's policies: only the fleet role, the image
// builder role and the data stewards may use either, only through the VPC's S3 endpoints or from the
// secure area, and only a stack update may change either. Everyone else is denied explicitly,
// administrators included, whatever their IAM policies allow: an explicit deny in a resource policy
// wins over any allow. AWS services acting for an admitted principal (S3 calling KMS) pass the
// network check at the service the principal called.
func (w *Workspace) dataBoundary(stack awscdk.Stack, p WorkspaceProps) {
	users := []*string{w.FleetRole.RoleArn()}
	if w.ImageBuilderRole != nil {
		users = append(users, w.ImageBuilderRole.RoleArn())
	}
	for _, arn := range p.DataStewards {
		users = append(users, jsii.String(arn))
	}
	var endpoints []*string
	for _, e := range p.DataEndpoints {
		endpoints = append(endpoints, e.VpcEndpointId())
	}
	deployer := DeploymentRoleArn(w.Construct)
	others := map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": users}}
	// Every condition must hold for the deny: not from the secure area, not through an endpoint, and
	// not an AWS service acting for the caller (whose request was checked where it entered).
	outside := map[string]any{
		"NotIpAddressIfExists":    map[string]any{"aws:SourceIp": p.SecureAreaCidrs},
		"StringNotEqualsIfExists": map[string]any{"aws:SourceVpce": endpoints},
		"BoolIfExists":            map[string]any{"aws:ViaAWSService": "false"},
	}
	if len(endpoints) == 0 {
		delete(outside, "StringNotEqualsIfExists")
	}
	deny := func(sid string, actions []string, resources []*string, conditions map[string]any) awsiam.PolicyStatement {
		return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Effect: awsiam.Effect_DENY, Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions: jsii.Strings(actions...), Resources: &resources, Conditions: &conditions,
		})
	}

	b := w.DataBucket
	data := []*string{b.BucketArn(), b.ArnForObjects(jsii.String("*"))}
	b.AddToResourcePolicy(deny("DenyDataAccessToOthers", DataActions, data, others))
	b.AddToResourcePolicy(deny("DenyDataAccessOutsideApprovedNetworks", DataActions, data, outside))
	b.AddToResourcePolicy(deny("DenyBoundaryChangesOutsideDeployments", BucketAdministration, []*string{b.BucketArn()},
		map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": deployer}}))

	k := w.DataKey
	all := []*string{jsii.String("*")}
	account := awsiam.NewAccountRootPrincipal()
	k.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowDeploymentToAdministerKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(jsii.String(deployer))},
		Actions: jsii.Strings("kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
			"kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
			"kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"),
		Resources: &all,
	}), jsii.Bool(false))
	// IAM may let the account's principals see the key and undo a disable or scheduled deletion (the
	// tamper guard does), nothing that reads or changes what it protects.
	k.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAccountToInspectAndRestore"),
		Principals: &[]awsiam.IPrincipal{account},
		Actions: jsii.Strings("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:ListGrants",
			"kms:ListKeyPolicies", "kms:EnableKey", "kms:CancelKeyDeletion", "kms:EnableKeyRotation"),
		Resources: &all,
	}), jsii.Bool(false))
	k.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowDataUseThroughS3"),
		Principals: &[]awsiam.IPrincipal{account},
		Actions:    jsii.Strings(dataKeyUse...),
		Resources:  &all,
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *stack.Region())},
			"ArnEquals":    map[string]any{"aws:PrincipalArn": users},
		},
	}), jsii.Bool(false))
	k.AddToResourcePolicy(deny("DenyDataUseToOthers", dataKeyUse, all, others), jsii.Bool(false))
	k.AddToResourcePolicy(deny("DenyDataUseOutsideApprovedNetworks", dataKeyUse, all, outside), jsii.Bool(false))

	if len(p.DataStewards) > 0 {
		w.stewardPolicy(stack, p)
	}
}

// stewardPolicy lets the data stewards put, read, list and delete data under the data prefix, and
// is attached to their (existing) roles.
func (w *Workspace) stewardPolicy(stack awscdk.Stack, p WorkspaceProps) {
	var roles []awsiam.IRole
	for i, arn := range p.DataStewards {
		roles = append(roles, awsiam.Role_FromRoleArn(w.Construct, jsii.String(fmt.Sprintf("DataSteward%d", i)), jsii.String(arn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}))
	}
	w.StewardPolicy = w.dataPrefixPolicy(stack, p, "DataStewardPolicy", "Put confidential data into the workspace's data prefix, from the secure area or the VPC", roles,
		"ManageDataPrefix", []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}, "EncryptThroughS3", []string{"kms:GenerateDataKey", "kms:Decrypt"},
		"The only wildcard is the object key under the configured data prefix, which is what a data steward manages.")
}
