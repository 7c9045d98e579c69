package constructs

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/test/testapp"
)

// One stack built from the constructs' defaults, synthesized once for the package.
var defaults assertions.Template

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		dir, err := os.MkdirTemp("", "editbay-constructs-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		app, err := testapp.New(dir)
		if err != nil {
			panic(err)
		}
		stack := awscdk.NewStack(app, jsii.String("Defaults"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
		NewNetwork(stack, "Network", &NetworkProps{Cidr: "10.0.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}})
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		NewSecureBucket(stack, "Kept", &SecureBucketProps{EncryptionKey: key, AccessLogs: NewAccessLogBucket(stack, "Logs", nil)})
		defaults = assertions.Template_FromStack(stack, nil)
		return m.Run()
	}()
	os.Exit(code)
}

func TestNetworkDefaults(t *testing.T) {
	defaults.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(3))  // one per zone
	defaults.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(9))      // firewall space only reserved
	for _, cidr := range []string{"10.0.0.0/24", "10.0.16.0/20", "10.0.64.0/24"} { // first of each group
		defaults.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), &map[string]any{"CidrBlock": cidr, "MapPublicIpOnLaunch": false})
	}
	defaults.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(4)) // S3 + ssm, ssmmessages, ec2messages
	defaults.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), &map[string]any{
		"LogDestinationType": "cloud-watch-logs", "TrafficType": "ALL", "MaxAggregationInterval": 60,
	})
	defaults.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
		"Properties":     map[string]any{"RetentionInDays": 365},
		"DeletionPolicy": "Delete",
	})
}

func TestBucketDefaults(t *testing.T) {
	// Without ExpireAfterDays objects are kept, but stray delete markers and old versions are not.
	defaults.HasResource(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
				"Id": "tidy", "Status": "Enabled", "ExpiredObjectDeleteMarker": true,
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 30},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1},
			}}},
			"LoggingConfiguration": map[string]any{"LogFilePrefix": "Kept/"},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled": true, "ServerSideEncryptionByDefault": assertions.Match_ObjectLike(&map[string]any{"SSEAlgorithm": "aws:kms"}),
			}}},
		},
	})
	// The access-log bucket expires logs after a year by default.
	defaults.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": 365})}},
	})
}

func TestRequiredProps(t *testing.T) {
	for name, build := range map[string]func(){
		"network with one zone": func() {
			NewNetwork(awscdk.NewStack(nil, jsii.String("A"), nil), "N", &NetworkProps{Cidr: "10.0.0.0/16", AvailabilityZones: []string{"eu-west-1a"}})
		},
		"bucket without key":    func() { NewSecureBucket(awscdk.NewStack(nil, jsii.String("B"), nil), "B", &SecureBucketProps{}) },
		"flow logs without VPC": func() { NewFlowLogs(awscdk.NewStack(nil, jsii.String("C"), nil), "F", &FlowLogsProps{}) },
		"workspace without SAML provider": func() {
			NewWorkspace(awscdk.NewStack(nil, jsii.String("W"), nil), "W", &WorkspaceProps{Name: "x", Image: "i"})
		},
		"firewall without subnets": func() {
			NewEgressFirewall(awscdk.NewStack(nil, jsii.String("D"), nil), "E", &EgressFirewallProps{Name: "x"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			build()
		})
	}
}
