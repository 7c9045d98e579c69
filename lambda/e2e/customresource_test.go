//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	ds "github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/editbay/editbay/lambda/internal/passwordpolicy"
)

// cfnRequest is a CloudFormation custom-resource request as Lambda receives it, whose ResponseURL is
// the world's recorder.
func (w *world) cfnRequest(t *testing.T, typ cfn.RequestType, physical string, props map[string]any) []byte {
	return jsonOf(t, cfn.Event{
		RequestType: typ, RequestID: "5d4b1a0e-7c3f-4a8e-9d2b-1f6e0c8a7b3d",
		ResponseURL: w.recorder.URL + "/cfn", ResourceType: "Custom::Editbay", LogicalResourceID: "Resource",
		StackID:            "arn:aws:cloudformation:" + region + ":" + account + ":stack/editbay-governance/0b6a9c10-1d2e-11ef-9f3a-0a1b2c3d4e5f",
		PhysicalResourceID: physical, ResourceProperties: props,
	})
}

// cfnResponse is what the function sent CloudFormation last.
func (w *world) cfnResponse(t *testing.T) cfn.Response {
	t.Helper()
	rs := w.recorder.requests("/cfn")
	if len(rs) == 0 {
		t.Fatal("no response sent to CloudFormation")
	}
	var r cfn.Response
	if err := json.Unmarshal(rs[len(rs)-1].Body, &r); err != nil || rs[len(rs)-1].Method != "PUT" {
		t.Fatalf("response %s %s: %v", rs[len(rs)-1].Method, rs[len(rs)-1].Body, err)
	}
	return r
}

func policyProps(length string) map[string]any {
	// As CloudFormation delivers them: every scalar a string.
	return map[string]any{"ServiceToken": "arn:aws:lambda:" + region + ":" + account + ":function:password-policy", "MinimumLength": length, "ReusePrevention": "24", "MaxAgeDays": "90"}
}

func TestPasswordPolicyLifecycle(t *testing.T) {
	w := newWorld(t)
	client := iam.NewFromConfig(w.cfg)
	policy := func() *int32 {
		out, err := client.GetAccountPasswordPolicy(context.Background(), &iam.GetAccountPasswordPolicyInput{})
		if err != nil {
			return nil
		}
		return out.PasswordPolicy.MinimumPasswordLength
	}
	f := start(t, "password-policy", map[string]string{"DRY_RUN": "false"})
	for _, step := range []struct {
		typ    cfn.RequestType
		length string
		want   int32 // the policy's minimum length after, 0 for none
	}{
		{cfn.RequestCreate, "14", 14},
		{cfn.RequestCreate, "14", 14}, // CloudFormation retried the create
		{cfn.RequestUpdate, "20", 20},
		{cfn.RequestDelete, "20", 0},
		{cfn.RequestDelete, "20", 0}, // and the delete
	} {
		physical := passwordpolicy.PhysicalID
		if step.typ == cfn.RequestCreate {
			physical = ""
		}
		f.ok(t, w.cfnRequest(t, step.typ, physical, policyProps(step.length)), nil)
		r := w.cfnResponse(t)
		if r.Status != cfn.StatusSuccess || r.PhysicalResourceID != passwordpolicy.PhysicalID {
			t.Fatalf("%s %s: %+v", step.typ, step.length, r)
		}
		if got := policy(); step.want == 0 && got != nil || step.want != 0 && (got == nil || *got != step.want) {
			t.Fatalf("%s %s: policy minimum length %v, want %d", step.typ, step.length, got, step.want)
		}
	}
}

func TestPasswordPolicyDryRunAndBadInput(t *testing.T) {
	w := newWorld(t)
	client := iam.NewFromConfig(w.cfg)
	f := start(t, "password-policy", map[string]string{"DRY_RUN": "true"})
	f.ok(t, w.cfnRequest(t, cfn.RequestCreate, "", policyProps("14")), nil)
	if r := w.cfnResponse(t); r.Status != cfn.StatusSuccess {
		t.Fatalf("dry run: %+v", r)
	}
	if _, err := client.GetAccountPasswordPolicy(context.Background(), &iam.GetAccountPasswordPolicyInput{}); err == nil {
		t.Fatal("dry run set a password policy")
	}
	// Properties out of range fail the request with the reason, for the stack's events.
	f.ok(t, w.cfnRequest(t, cfn.RequestCreate, "", policyProps("3")), nil)
	if r := w.cfnResponse(t); r.Status != cfn.StatusFailed || !strings.Contains(r.Reason, "MinimumLength") {
		t.Fatalf("bad properties: %+v", r)
	}
	// Not JSON: no ResponseURL to answer; the invocation fails and the function lives on.
	n := len(w.recorder.requests("/cfn"))
	if r := f.invoke(t, malformed); !r.failed() || len(w.recorder.requests("/cfn")) != n {
		t.Fatalf("malformed request answered %s", r.Body)
	}
}

// radiusWorld is a managed directory and the RADIUS shared secret. moto has no EnableRadius,
// UpdateRadius or DisableRadius, so changing RADIUS is left to the in-process tests
// (lambda/internal/radius); here the function reads the real-shaped directory and secret.
type radiusWorld struct {
	*world
	directory string
}

func newRadiusWorld(t *testing.T) *radiusWorld {
	w := &radiusWorld{world: newWorld(t)}
	ctx := context.Background()
	subnets, err := ec2.NewFromConfig(w.cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %v", err)
	}
	d, err := ds.NewFromConfig(w.cfg).CreateMicrosoftAD(ctx, &ds.CreateMicrosoftADInput{Name: aws.String("corp.editbay.example"), Password: aws.String("Str0ng-Passw0rd!"),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: subnets.Subnets[0].VpcId, SubnetIds: []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}}})
	if err != nil {
		t.Fatal(err)
	}
	w.directory = aws.ToString(d.DirectoryId)
	if _, err := secretsmanager.NewFromConfig(w.cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("editbay/radius"), SecretString: aws.String("s3cret")}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *radiusWorld) props(directory string) map[string]any {
	return map[string]any{"DirectoryId": directory, "Servers": []any{"10.0.1.10", "10.0.2.10"}, "Port": "1812", "TimeoutSeconds": "5",
		"Retries": "4", "Protocol": "PAP", "DisplayLabel": "MFA", "SharedSecretName": "editbay/radius"}
}

func TestDirectoryRadius(t *testing.T) {
	w := newRadiusWorld(t)
	dry := start(t, "directory-radius", map[string]string{"DRY_RUN": "true"})
	// A dry-run create reads the directory and the secret and answers with the resource's ID; twice,
	// as CloudFormation may retry.
	for range 2 {
		dry.ok(t, w.cfnRequest(t, cfn.RequestCreate, "", w.props(w.directory)), nil)
		if r := w.cfnResponse(t); r.Status != cfn.StatusSuccess || r.PhysicalResourceID != "radius:"+w.directory {
			t.Fatalf("dry-run create: %+v", r)
		}
	}
	f := start(t, "directory-radius", map[string]string{"DRY_RUN": "false"})
	// A directory that does not exist fails the create with the reason.
	f.ok(t, w.cfnRequest(t, cfn.RequestCreate, "", w.props("d-0123456789")), nil)
	if r := w.cfnResponse(t); r.Status != cfn.StatusFailed || !strings.Contains(r.Reason, "d-0123456789") {
		t.Fatalf("missing directory: %+v", r)
	}
	// A missing secret too, with the hint to create it.
	p := w.props(w.directory)
	p["SharedSecretName"] = "editbay/missing"
	f.ok(t, w.cfnRequest(t, cfn.RequestCreate, "", p), nil)
	if r := w.cfnResponse(t); r.Status != cfn.StatusFailed || !strings.Contains(r.Reason, "does not exist") {
		t.Fatalf("missing secret: %+v", r)
	}
	// Deleting a resource whose create failed before it had an ID, or of a directory without RADIUS
	// (repeatedly), succeeds without a change.
	for _, physical := range []string{"5d4b1a0e-7c3f-4a8e-9d2b-1f6e0c8a7b3d", "radius:" + w.directory, "radius:" + w.directory, "radius:d-0123456789"} {
		f.ok(t, w.cfnRequest(t, cfn.RequestDelete, physical, w.props(w.directory)), nil)
		if r := w.cfnResponse(t); r.Status != cfn.StatusSuccess || r.PhysicalResourceID != physical {
			t.Fatalf("delete %s: %+v", physical, r)
		}
	}
	n := len(w.recorder.requests("/cfn"))
	if r := f.invoke(t, malformed); !r.failed() || len(w.recorder.requests("/cfn")) != n {
		t.Fatalf("malformed request answered %s", r.Body)
	}
}
