package access

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A small world of hand-written templates, with no synthesis: a producer stack that exports and
// outputs, and a consumer in the same account and region that imports.
func smallWorld(t *testing.T) *World {
	t.Helper()
	producer := `{
	  "Parameters": {
	    "Env": {"Type": "String", "Default": "stg"},
	    "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/service/ami"}
	  },
	  "Mappings": {"Sizes": {"stg": {"Instance": "t3.large"}}},
	  "Conditions": {
	    "IsStg": {"Fn::Equals": [{"Ref": "Env"}, "stg"]},
	    "IsProd": {"Fn::Not": [{"Condition": "IsStg"}]},
	    "Either": {"Fn::Or": [{"Condition": "IsStg"}, {"Condition": "IsProd"}]}
	  },
	  "Resources": {
	    "DataBucketE3889A50": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": [{"Key": "Owner", "Value": "data-team"}]},
	      "Metadata": {"aws:cdk:path": "stg/Producer/DataBucket/Resource"}},
	    "NamedBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "named-${AWS::AccountId}-${AWS::Region}"}}},
	    "Key961B73FD": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}}},
	    "ProdOnly": {"Type": "AWS::SNS::Topic", "Condition": "IsProd"},
	    "RoleABC12345": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/service/"}}
	  },
	  "Outputs": {
	    "BucketArn": {"Value": {"Fn::GetAtt": ["DataBucketE3889A50", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}:BucketArn"}}},
	    "KeyArn": {"Value": {"Fn::GetAtt": ["Key961B73FD", "Arn"]}}
	  }
	}`
	consumer := `{"Resources": {}}`
	var w World
	if err := w.AddTemplate(StackInfo{Stage: "stg", ID: "Producer", Name: "editbay-stg-producer", Region: "ap-northeast-1",
		Tags: map[string]string{"Project": "editbay"}}, []byte(producer)); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTemplate(StackInfo{Stage: "stg", ID: "Consumer", Name: "editbay-stg-consumer", Region: "ap-northeast-1"}, []byte(consumer)); err != nil {
		t.Fatal(err)
	}
	return &w
}

func stack(w *World, id string) *Stack {
	for _, s := range w.Stacks {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func parse(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestResolve(t *testing.T) {
	w := smallWorld(t)
	producer, consumer := stack(w, "Producer"), stack(w, "Consumer")
	bucket := "editbay-stg-producer-databuckete3889a50-" + strings.ToLower(producer.Resources["DataBucketE3889A50"].hash(12))
	key := producer.Resources["Key961B73FD"].uuid()
	for _, c := range []struct {
		stack *Stack
		in    string
		want  any
	}{
		{producer, `{"Ref": "AWS::AccountId"}`, FakeAccount},
		{producer, `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "DataBucketE3889A50"}, "/*"]]}`, "arn:aws:s3:::" + bucket + "/*"},
		{producer, `{"Fn::GetAtt": ["NamedBucket", "Arn"]}`, "arn:aws:s3:::named-111122223333-ap-northeast-1"},
		{producer, `{"Fn::GetAtt": "Key961B73FD.Arn"}`, "arn:aws:kms:ap-northeast-1:111122223333:key/" + key},
		{producer, `{"Fn::Sub": "${Key961B73FD.Arn}|${AWS::URLSuffix}|${!Literal}"}`, "arn:aws:kms:ap-northeast-1:111122223333:key/" + key + "|amazonaws.com|${Literal}"},
		{producer, `{"Fn::Sub": ["${Name}-${AWS::Region}", {"Name": {"Ref": "Env"}}]}`, "stg-ap-northeast-1"},
		{producer, `{"Fn::Select": [1, {"Fn::Split": [":", "a:b:c"]}]}`, "b"},
		{producer, `{"Fn::If": ["IsStg", "yes", "no"]}`, "yes"},
		{producer, `{"Fn::If": ["Either", "yes", "no"]}`, "yes"},
		{producer, `{"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Instance"]}`, "t3.large"},
		{producer, `{"Fn::GetAtt": ["RoleABC12345", "Arn"]}`, "arn:aws:iam::111122223333:role/service/editbay-stg-producer-RoleABC12345-" + strings.ToUpper(producer.Resources["RoleABC12345"].hash(12))},
		{producer, `["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}]`, []any{"a"}},
		{producer, `{"Base": 1, "Gone": {"Ref": "AWS::NoValue"}}`, map[string]any{"Base": 1.0}},
		{consumer, `{"Fn::ImportValue": "editbay-stg-producer:BucketArn"}`, "arn:aws:s3:::" + bucket},
		{consumer, `{"Fn::GetStackOutput": {"StackName": "editbay-stg-producer", "OutputName": "KeyArn"}}`, "arn:aws:kms:ap-northeast-1:111122223333:key/" + key},
		{consumer, `{"Fn::GetStackOutput": {"StackName": "editbay-stg-producer", "OutputName": "KeyArn", "Region": "ap-northeast-1",
			"RoleArn": "arn:aws:iam::111122223333:role/reader"}}`, "arn:aws:kms:ap-northeast-1:111122223333:key/" + key},
	} {
		got, err := c.stack.Resolve(parse(t, c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
		} else if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.in, got, c.want)
		}
	}
}

// An intrinsic that is not modelled fails, saying which, never resolving to a placeholder.
func TestResolveRefuses(t *testing.T) {
	w := smallWorld(t)
	producer, consumer := stack(w, "Producer"), stack(w, "Consumer")
	for _, c := range []struct {
		stack *Stack
		in    string
		want  string
	}{
		{producer, `{"Fn::GetAZs": ""}`, "Fn::GetAZs is not resolved"},
		{producer, `{"Fn::Cidr": ["10.0.0.0/16", 4, 8]}`, "Fn::Cidr is not resolved"},
		{producer, `{"Fn::Frobnicate": []}`, "unknown intrinsic function Fn::Frobnicate"},
		{producer, `{"Ref": "Ami"}`, "read from Systems Manager at deploy time"},
		{producer, `{"Ref": "Missing"}`, "no resource or parameter Missing"},
		{producer, `{"Ref": "AWS::Bogus"}`, "unknown pseudo parameter"},
		{producer, `{"Ref": "ProdOnly"}`, "not created: its condition IsProd is false"},
		{producer, `{"Fn::GetAtt": ["DataBucketE3889A50", "WebsiteURL"]}`, "DataBucketE3889A50.WebsiteURL (AWS::S3::Bucket) is not modelled"},
		{producer, `{"Fn::Sub": "${aws:username}"}`, "no resource or parameter aws:username"},
		{consumer, `{"Fn::ImportValue": "nobody:exports:this"}`, `exports "nobody:exports:this"`},
		{consumer, `{"Fn::GetStackOutput": {"StackName": "editbay-stg-producer", "OutputName": "KeyArn", "Region": "eu-west-1"}}`, "no stack editbay-stg-producer in 111122223333/eu-west-1"},
	} {
		got, err := c.stack.Resolve(parse(t, c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %v, %v; want an error with %q", c.in, got, err, c.want)
		}
	}
}

func TestFindAndTags(t *testing.T) {
	w := smallWorld(t)
	b := w.Bucket("stg", "DataBucket")
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	want := map[string]string{
		"Project": "editbay", "Owner": "data-team", "aws:cloudformation:stack-name": "editbay-stg-producer",
		"aws:cloudformation:logical-id": "DataBucketE3889A50", "aws:cloudformation:stack-id": stack(w, "Producer").stackID(),
	}
	if !reflect.DeepEqual(b.Tags, want) {
		t.Errorf("tags %v, want %v", b.Tags, want)
	}
	if o := b.Object("data/x"); !strings.HasSuffix(o.ARN, "/data/x") || o.Account != FakeAccount {
		t.Errorf("object %+v", o)
	}
	if b := w.Bucket("stg", "Bucket"); b.Err == nil || !strings.Contains(b.Err.Error(), "no AWS::S3::Bucket matches") {
		t.Errorf("a fragment that is no whole path segment matched: %+v", b)
	}
	if b := w.Bucket("stg"); b.Err == nil || !strings.Contains(b.Err.Error(), "2 resources") {
		t.Errorf("an ambiguous fragment matched one: %+v", b)
	}
	if b := w.Bucket("NamedBucket"); b.Err != nil || b.ARN != "arn:aws:s3:::named-111122223333-ap-northeast-1" {
		t.Errorf("by logical ID: %+v", b)
	}
}

// An existing user has the policies of the groups the templates add it to; an existing role has only
// the policies the templates attach to it by name.
func TestExistingPrincipals(t *testing.T) {
	var w World
	template := `{"Resources": {
	  "Devs": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "Developers",
	    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess", {"Ref": "Boundary"}]}},
	  "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": ["BreakGlass"],
	    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}},
	    "Metadata": {"aws:cdk:path": "account-1/Identity/Boundary/Resource"}},
	  "Membership": {"Type": "AWS::IAM::UserToGroupAddition", "Properties": {"GroupName": {"Ref": "Devs"}, "Users": ["alice"]}}
	}}`
	if err := w.AddTemplate(StackInfo{Stage: "account-1", ID: "Identity", Name: "identity", Account: "444455556666"}, []byte(template)); err != nil {
		t.Fatal(err)
	}
	alice := w.ExistingUser("account-1", "alice")
	if alice.Err != nil {
		t.Fatal(alice.Err)
	}
	if alice.ARN != "arn:aws:iam::444455556666:user/alice" || alice.Context["aws:username"] != "alice" ||
		len(alice.Policies) != 1 || alice.Policies[0].Name != "account-1/Identity/Boundary" ||
		!reflect.DeepEqual(alice.ManagedARNs, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("alice: %+v", alice)
	}
	role := w.ExistingRole("account-1", "BreakGlass")
	if role.Err != nil || role.ARN != "arn:aws:sts::444455556666:assumed-role/BreakGlass/access-test" ||
		role.Context["aws:PrincipalArn"] != "arn:aws:iam::444455556666:role/BreakGlass" || len(role.Policies) != 1 || len(role.ManagedARNs) != 0 {
		t.Errorf("role: %+v", role)
	}
	if bob := w.ExistingUser("account-1", "bob"); bob.Err != nil || len(bob.Policies)+len(bob.ManagedARNs) != 0 {
		t.Errorf("bob, in no group: %+v", bob)
	}
}
