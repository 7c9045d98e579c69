package access

import "testing"

// The project data bucket product's launch role may run Service Catalog's stacks and create, change
// and delete its own product's buckets and keys, and nothing else: not other buckets, not objects,
// not other keys, not instances, roles or passing roles.
func TestCatalogLaunchRoles(t *testing.T) {
	w := world(t)
	role := w.Role("prod/Catalog/ProjectBucket/LaunchRole")
	const acct, region = "111122223333", "ap-northeast-1"
	at := func(name, arn string, tags map[string]string) Target {
		return Target{Name: name, ARN: arn, Account: acct, Region: region, Tags: tags}
	}
	ours := at("a project bucket", "arn:aws:s3:::editbay-prod-alpha-"+acct, nil)
	other := at("another bucket", "arn:aws:s3:::editbay-stg-alpha-"+acct, nil)
	object := at("an object of a project bucket", "arn:aws:s3:::editbay-prod-alpha-"+acct+"/cut.mov", nil)
	template := at("a provisioning template", "arn:aws:s3:::cf-templates-servicecatalog/template.json", nil)
	productKey := at("a key of the product", "arn:aws:kms:"+region+":"+acct+":key/1234abcd-12ab-34cd-56ef-1234567890ab", map[string]string{"editbay:catalog-product": "project-bucket"})
	// The product template's key policy (test/catalog checks the template holds it): the account
	// administers the key through IAM.
	productKey.Policy = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "AdministerThroughIAM", "Effect": "Allow", "Action": "kms:*", "Resource": "*", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
	}}}
	productKey.PolicyName = "the product template's key policy"
	anyKey := at("a key", "*", nil)
	stack := at("a provisioned product's stack", "arn:aws:cloudformation:"+region+":"+acct+":stack/SC-"+acct+"-pp-abcdefghijklm/1b2c3d4e", nil)
	otherStack := at("another stack", "arn:aws:cloudformation:"+region+":"+acct+":stack/editbay-prod-network/1b2c3d4e", nil)
	logsParameter := at("the access-log bucket parameter", "arn:aws:ssm:"+region+":"+acct+":parameter/editbay/prod/catalog/access-log-bucket", nil)
	otherParameter := at("the database parameter", "arn:aws:ssm:"+region+":"+acct+":parameter/editbay/prod/brokers/database", nil)
	instances := at("instances", "arn:aws:ec2:"+region+":"+acct+":instance/*", nil)
	roles := at("a role", "arn:aws:iam::"+acct+":role/anything", nil)
	productTag := map[string]any{"aws:RequestTag/editbay:catalog-product": "project-bucket", "aws:TagKeys": []string{"editbay:catalog-product"}}
	req := func(action string, target Target, ctx map[string]any) Request {
		return Request{Principal: role, Action: action, Resource: target, Context: ctx}
	}
	check(t, w, []row{
		{req("s3:CreateBucket", ours, nil), Allowed},
		{req("s3:PutBucketPolicy", ours, nil), Allowed},
		{req("s3:DeleteBucket", ours, nil), Allowed},
		{req("s3:CreateBucket", other, nil), ImplicitlyDenied},
		{req("s3:GetObject", object, nil), ImplicitlyDenied},
		{req("s3:GetObjectVersion", object, nil), ImplicitlyDenied},
		{req("s3:GetBucketPolicy", ours, nil), Allowed},
		{req("s3:PutObject", object, nil), ImplicitlyDenied},
		{req("s3:GetObject", template, map[string]any{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}), Allowed},
		{req("s3:GetObject", template, nil), ImplicitlyDenied},
		{req("kms:CreateKey", anyKey, productTag), Allowed},
		{req("kms:CreateKey", anyKey, nil), ImplicitlyDenied},
		{req("kms:ScheduleKeyDeletion", productKey, nil), Allowed},
		{req("kms:ScheduleKeyDeletion", w.Key("prod/Access/Workstations/VolumeKey"), nil), ExplicitlyDenied},
		{req("kms:Decrypt", productKey, nil), ImplicitlyDenied},
		{req("cloudformation:CreateStack", stack, nil), Allowed},
		{req("cloudformation:DeleteStack", stack, nil), Allowed},
		{req("cloudformation:DeleteStack", otherStack, nil), ImplicitlyDenied},
		{req("ssm:GetParameters", logsParameter, nil), Allowed},
		{req("ssm:GetParameters", otherParameter, nil), ImplicitlyDenied},
		{req("ec2:RunInstances", instances, nil), ImplicitlyDenied},
		{req("iam:CreateRole", roles, nil), ImplicitlyDenied},
		{req("iam:PassRole", roles, nil), ImplicitlyDenied},
	})
}
