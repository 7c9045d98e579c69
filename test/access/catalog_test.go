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

// The personal workstation product's launch role may launch instances only with the product's tag,
// in the environment's private subnets, with the workstation security group, and pass only the
// workstation role; it may stop and terminate only its product's instances.
func TestWorkstationLaunchRole(t *testing.T) {
	w := world(t)
	role := w.Role("prod/Catalog/Workstation/LaunchRole")
	const acct, region = "111122223333", "ap-northeast-1"
	ec2 := func(resource string, tags map[string]string) Target {
		return Target{Name: resource, ARN: "arn:aws:ec2:" + region + ":" + acct + ":" + resource, Account: acct, Region: region, Tags: tags}
	}
	product := map[string]string{"editbay:catalog-product": "workstation"}
	tagged := map[string]any{"aws:RequestTag/editbay:catalog-product": "workstation", "aws:TagKeys": []string{"editbay:catalog-product"}}
	req := func(action string, target Target, ctx map[string]any) Request {
		return Request{Principal: role, Action: action, Resource: target, Context: ctx}
	}
	workstationRole := w.RoleTarget("prod/Access/Workstations/Role")
	brokerRole := w.RoleTarget("prod/Access/Brokers/Brokers/Role")
	passToEC2 := map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}
	check(t, w, []row{
		{req("ec2:RunInstances", ec2("instance/*", nil), tagged), Allowed},
		{req("ec2:RunInstances", ec2("instance/*", nil), nil), ImplicitlyDenied},
		{req("ec2:RunInstances", ec2("volume/*", nil), tagged), Allowed},
		{req("ec2:RunInstances", w.SecurityGroup("prod/Access/Workstations/SecurityGroup"), nil), Allowed},
		{req("ec2:RunInstances", w.SecurityGroup("prod/Access/Brokers/Brokers/SecurityGroup"), nil), ImplicitlyDenied},
		{req("ec2:RunInstances", w.Subnet("prod/Network/Network/Vpc/privateSubnet1"), nil), Allowed},
		{req("ec2:RunInstances", w.Subnet("prod/Network/Network/Vpc/publicSubnet1"), nil), ImplicitlyDenied},
		{req("ec2:RunInstances", ec2("launch-template/lt-0123456789abcdef0", product), nil), Allowed},
		{req("ec2:RunInstances", ec2("launch-template/lt-0123456789abcdef0", nil), nil), ImplicitlyDenied},
		{req("iam:PassRole", workstationRole, passToEC2), Allowed},
		{req("iam:PassRole", brokerRole, passToEC2), ImplicitlyDenied},
		{req("ec2:StopInstances", ec2("instance/i-0123456789abcdef0", product), nil), Allowed},
		{req("ec2:TerminateInstances", ec2("instance/i-0123456789abcdef0", product), nil), Allowed},
		{req("ec2:TerminateInstances", ec2("instance/i-0123456789abcdef0", map[string]string{"editbay:pool": "editors"}), nil), ImplicitlyDenied},
		{req("kms:CreateGrant", w.Key("prod/Access/Workstations/VolumeKey"), map[string]any{"kms:ViaService": "ec2." + region + ".amazonaws.com", "kms:GrantIsForAWSResource": "true"}), Allowed},
		{req("kms:Decrypt", w.Key("prod/Access/Workstations/VolumeKey"), nil), ImplicitlyDenied},
		{req("s3:CreateBucket", Target{Name: "a bucket", ARN: "arn:aws:s3:::editbay-prod-alpha-" + acct, Account: acct, Region: region}, nil), ImplicitlyDenied},
		{req("iam:CreateRole", Target{Name: "a role", ARN: "arn:aws:iam::" + acct + ":role/anything", Account: acct}, nil), ImplicitlyDenied},
	})
}
