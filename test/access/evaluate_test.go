package access

import (
	"os"
	"strings"
	"testing"
)

// The evaluator's own checks surface as a row's error: an unknown action, a resource ARN the action
// does not take, an invalid policy, and a context key of the row that does not apply to the action.
func TestEvaluatorRejects(t *testing.T) {
	if err := CLIInstalled(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	var w World
	template := `{"Resources": {
	  "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "team-bucket"}},
	  "ReadersGroup": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "Readers",
	    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}},
	  "WritePolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "write", "Groups": [{"Ref": "ReadersGroup"}],
	    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
	      {"Sid": "WriteOwnPrefix", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::team-bucket/${aws:username}/*"}]}}},
	  "BrokenGroup": {"Type": "AWS::IAM::Group", "Properties": {"Policies": [{"PolicyName": "broken",
	    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}]}}]}}
	}}`
	if err := w.AddTemplate(StackInfo{Stage: "stg", ID: "Team", Name: "team", Region: "eu-west-1"}, []byte(template)); err != nil {
		t.Fatal(err)
	}
	readers, bucket := w.Group("stg", "ReadersGroup"), w.Bucket("stg", "Bucket")
	own := bucket.Object("member-of-Readers/notes.txt")
	reqs := []Request{
		{Principal: readers, Action: "s3:GetObject", Resource: own},
		{Principal: readers, Action: "s3:PutObject", Resource: own},
		{Principal: readers, Action: "s3:PutObject", Resource: bucket.Object("someone-else/notes.txt")},
		{Principal: readers, Action: "s3:GetObjekt", Resource: own},
		{Principal: readers, Action: "s3:GetObject", Resource: bucket},
		{Principal: readers, Action: "s3:GetObject", Resource: own, Context: map[string]any{"s3:prefix": "x/"}},
		{Principal: w.Group("stg", "BrokenGroup"), Action: "s3:GetObject", Resource: own},
		{Principal: w.Group("stg", "Nobody"), Action: "s3:GetObject", Resource: own},
	}
	results, err := w.Evaluate(reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		decision Decision
		err      string
		explains string
	}{
		{decision: Allowed, explains: "identity policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		{decision: Allowed, explains: "Sid WriteOwnPrefix of identity policy stg/Team/WritePolicy"},
		{decision: ImplicitlyDenied, explains: "no statement allows it"},
		{err: "invalid.action"},
		{err: "no.resource.types"},
		{err: "s3:prefix do not apply to s3:GetObject"},
		{err: "Effect"},
		{err: `no AWS::IAM::Group matches "stg/Nobody"`},
	} {
		got := results[i]
		t.Logf("request %d: %s %s %v", i+1, got.Decision, got.Explanation, got.Err)
		switch {
		case want.err != "" && (got.Err == nil || !strings.Contains(got.Err.Error(), want.err)):
			t.Errorf("request %d (%s): %s %v, want an error with %q", i+1, reqs[i], got.Decision, got.Err, want.err)
		case want.err == "" && (got.Err != nil || got.Decision != want.decision || !strings.Contains(got.Explanation, want.explains)):
			t.Errorf("request %d (%s): %s: %s (%v), want %s: %q", i+1, reqs[i], got.Decision, got.Explanation, got.Err, want.decision, want.explains)
		}
	}
}
