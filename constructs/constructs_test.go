package constructs

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
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
		vpc := NewNetwork(stack, "Network", &NetworkProps{Cidr: "10.0.0.0/16", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}}).Vpc
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		NewSecureBucket(stack, "Kept", &SecureBucketProps{EncryptionKey: key, AccessLogs: NewAccessLogBucket(stack, "Logs", nil)})
		image := awsec2.MachineImage_GenericLinux(&map[string]*string{"eu-west-1": jsii.String("ami-0123456789abcdef0")}, nil)
		NewServerGroup(stack, "Servers", &ServerGroupProps{
			Vpc: vpc, VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			InstanceType: "t3.small", MachineImage: image, Notifications: awssns.NewTopic(stack, jsii.String("Topic"), nil),
		})
		NewWorkstations(stack, "Workstations", &WorkstationsProps{
			Vpc: vpc, VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}, NamePrefix: "demo",
			Pools: []WorkstationPool{{Name: "pool", InstanceType: "t3.large", MachineImage: image}},
		})
		AllowCloudWatchLogs(key)
		// The same function twice: a reproducible build gives both the same asset.
		NewGoFunction(stack, "Fn", &GoFunctionProps{Entry: "sg-remediation", EncryptionKey: key})
		NewGoFunction(stack, "Again", &GoFunctionProps{Entry: "sg-remediation", EncryptionKey: key, DryRun: true, ReservedConcurrency: 2, RetainLogs: true})
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

func TestServerGroupDefaults(t *testing.T) {
	defaults.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), &map[string]any{
		"MinSize": "2", "MaxSize": "4", "HealthCheckType": "ELB", "HealthCheckGracePeriod": 300,
	})
	defaults.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), &map[string]any{
		"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{
			"InstanceType":        "t3.small",
			"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda", "Ebs": map[string]any{"DeleteOnTermination": true, "Encrypted": true, "VolumeSize": 30, "VolumeType": "gp3"}}},
			"MetadataOptions":     map[string]any{"HttpPutResponseHopLimit": 1, "HttpTokens": "required"},
		}),
	})
	// A pool's volume defaults to 100 GiB, encrypted with the workstations' key.
	defaults.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), &map[string]any{
		"LaunchTemplateName": "demo-pool",
		"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{
			"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda", "Ebs": assertions.Match_ObjectLike(&map[string]any{"VolumeSize": 100, "KmsKeyId": assertions.Match_AnyValue()})}},
		}),
	})
}

func TestDisplayProtocolPorts(t *testing.T) {
	for proto, want := range map[DisplayProtocol][]ProtocolPort{
		ProtocolDCV:   {{8443, true}},
		ProtocolRDP:   {{3389, false}},
		ProtocolVNC:   {{5900, false}},
		ProtocolSSH:   {{22, false}},
		ProtocolPCoIP: {{443, false}, {4172, true}},
	} {
		if got := proto.Ports(); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", proto, got, want)
		}
	}
}

func TestRequiredProps(t *testing.T) {
	for name, build := range map[string]func(){
		"network with one zone": func() {
			NewNetwork(awscdk.NewStack(nil, jsii.String("A"), nil), "N", &NetworkProps{Cidr: "10.0.0.0/16", AvailabilityZones: []string{"eu-west-1a"}})
		},
		"bucket without key":    func() { NewSecureBucket(awscdk.NewStack(nil, jsii.String("B"), nil), "B", &SecureBucketProps{}) },
		"flow logs without VPC": func() { NewFlowLogs(awscdk.NewStack(nil, jsii.String("C"), nil), "F", &FlowLogsProps{}) },
		"servers without image": func() {
			NewServerGroup(awscdk.NewStack(nil, jsii.String("D"), nil), "S", &ServerGroupProps{InstanceType: "t3.small"})
		},
		"brokers with two certificates": func() {
			NewBrokerCluster(awscdk.NewStack(nil, jsii.String("E"), nil), "B", &BrokerClusterProps{CertificateArn: "arn", Domain: "example.com"})
		},
		"workstations without pools": func() {
			NewWorkstations(awscdk.NewStack(nil, jsii.String("F"), nil), "W", &WorkstationsProps{NamePrefix: "x"})
		},
		"database with one zone": func() {
			NewBrokerDatabase(awscdk.NewStack(nil, jsii.String("G"), nil), "D", &BrokerDatabaseProps{AvailabilityZones: []string{"a"}, ClusterIdentifier: "x"})
		},
		"function without key": func() {
			NewGoFunction(awscdk.NewStack(nil, jsii.String("D"), nil), "F", &GoFunctionProps{Entry: "sg-remediation"})
		},
		"function that does not exist": func() {
			key := awskms.NewKey(awscdk.NewStack(nil, jsii.String("E"), nil), jsii.String("K"), nil)
			NewGoFunction(awscdk.Stack_Of(key), "F", &GoFunctionProps{Entry: "no-such-function", EncryptionKey: key})
		},
		"workspace without SAML provider": func() {
			NewWorkspace(awscdk.NewStack(nil, jsii.String("W"), nil), "W", &WorkspaceProps{Name: "x", Image: "i"})
		},
		"function with a file in a folder": func() {
			key := awskms.NewKey(awscdk.NewStack(nil, jsii.String("E"), nil), jsii.String("K"), nil)
			NewGoFunction(awscdk.Stack_Of(key), "F", &GoFunctionProps{Entry: "sg-remediation", EncryptionKey: key, Files: map[string][]byte{"../x": nil}})
		},
		"audit trail without names": func() {
			NewAuditTrail(awscdk.NewStack(nil, jsii.String("T"), nil), "T", &AuditTrailProps{TrailName: "t"})
		},
		"audit trail expiring before cold storage": func() {
			NewAuditTrail(awscdk.NewStack(nil, jsii.String("T"), nil), "T", &AuditTrailProps{TrailName: "t", BucketName: "b", LogGroupName: "/g", KeyAlias: "alias/k", ColdStorageAfterDays: 90, ExpireAfterDays: 30})
		},
		"config recorder without bucket": func() {
			NewConfigRecorder(awscdk.NewStack(nil, jsii.String("C"), nil), "C", &ConfigRecorderProps{RecorderName: "r", ChannelName: "c"})
		},
		"guardrails without recorder": func() {
			NewGuardrailFunctions(awscdk.NewStack(nil, jsii.String("G"), nil), "G", &GuardrailFunctionsProps{NamePrefix: "x"})
		},
		"groups with an unknown membership": func() {
			NewAccountGroups(awscdk.NewStack(nil, jsii.String("I"), nil), "G", &AccountGroupsProps{Members: map[string][]string{"alice": {"root"}}})
		},
		"password policy without key": func() {
			NewAccountPasswordPolicy(awscdk.NewStack(nil, jsii.String("P"), nil), "P", &AccountPasswordPolicyProps{})
		},
		"pool scaler without pools file": func() {
			NewPoolScaler(awscdk.NewStack(nil, jsii.String("S"), nil), "S", &PoolScalerProps{})
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

func TestGoFunctionDefaults(t *testing.T) {
	defaults.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap", "MemorySize": 128, "Timeout": 30,
		"Environment":                  map[string]any{"Variables": map[string]any{"DRY_RUN": "false"}},
		"KmsKeyArn":                    assertions.Match_AnyValue(),
		"DeadLetterConfig":             map[string]any{"TargetArn": assertions.Match_AnyValue()},
		"LoggingConfig":                assertions.Match_ObjectLike(&map[string]any{"LogFormat": "JSON"}),
		"ReservedConcurrentExecutions": assertions.Match_Absent(),
	})
	defaults.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"DRY_RUN": "true"}}, "ReservedConcurrentExecutions": 2,
	})
	defaults.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{"MaximumRetryAttempts": 2})
	defaults.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
		"Properties": map[string]any{"RetentionInDays": 365, "KmsKeyId": assertions.Match_AnyValue()}, "DeletionPolicy": "Delete",
	})
	defaults.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
		"Properties": map[string]any{"RetentionInDays": 365, "KmsKeyId": assertions.Match_AnyValue()}, "DeletionPolicy": "Retain",
	})
	defaults.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"KmsMasterKeyId": assertions.Match_AnyValue(), "MessageRetentionPeriod": 1209600})
	defaults.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1})
	defaults.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS", "Threshold": 1})
	// No AWS managed policy on the role: its permissions are grants.
	defaults.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{"Principal": map[string]any{"Service": "lambda.amazonaws.com"}})}}),
		"ManagedPolicyArns":        assertions.Match_Absent(),
	})

	// Both functions were built separately, yet share one asset: the build is reproducible.
	keys := map[string]bool{}
	for _, fn := range *defaults.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
		props := (*fn)["Properties"].(map[string]any)
		if props["Runtime"] == "provided.al2023" { // not CDK's own provider of the network stack
			keys[props["Code"].(map[string]any)["S3Key"].(string)] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("the same function built twice has %d different assets: %v", len(keys), keys)
	}
}

// Two builds give the same bytes: no paths, times, build IDs or VCS stamps in the binary.
func TestGoLambdaBuildIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var bins [][]byte
	for _, name := range []string{"a", "b"} {
		out := filepath.Join(dir, name)
		if err := BuildGoLambda("trail-triage", out); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		bins = append(bins, b)
	}
	if !bytes.Equal(bins[0], bins[1]) {
		t.Fatal("two builds differ")
	}
	// The build of every function at once, which synthesis uses, gives the same bytes.
	if all, err := goLambdaBinary("trail-triage"); err != nil || !bytes.Equal(all, bins[0]) {
		t.Fatalf("the build of all functions differs from the single build (%v)", err)
	}
	if len(bins[0]) < 4 || string(bins[0][1:4]) != "ELF" || bins[0][18] != 0xb7 { // e_machine 0xb7: AArch64
		t.Errorf("not a linux/arm64 ELF binary")
	}
	if bytes.Contains(bins[0], []byte(dir)) || bytes.Contains(bins[0], []byte(os.Getenv("HOME")+"/")) && os.Getenv("HOME") != "" {
		t.Error("the binary holds a build path")
	}
}

// Guardrails exempt the execution role of the bootstrap qualifier the app deploys with.
func TestDeploymentRoleArnFollowsTheQualifier(t *testing.T) {
	env := &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String("eu-west-1")}
	for qualifier, want := range map[string]string{
		"":        "arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-eu-west-1",
		"studio1": "arn:aws:iam::111122223333:role/cdk-studio1-cfn-exec-role-111122223333-eu-west-1",
	} {
		props := &awscdk.AppProps{}
		if qualifier != "" {
			props.Context = &map[string]any{"@aws-cdk/core:bootstrapQualifier": qualifier}
		}
		stack := awscdk.NewStack(awscdk.NewApp(props), jsii.String("Q"), &awscdk.StackProps{Env: env})
		// The partition stays the deploy-time pseudo parameter (aws, aws-cn, aws-us-gov).
		if got := strings.Replace(DeploymentRoleArn(stack), *stack.Partition(), "aws", 1); got != want {
			t.Errorf("qualifier %q: %s, want %s", qualifier, got, want)
		}
	}
}
