package constructs

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/editbay/editbay/lambda/lambdabuild"
)

// GoFunctionProps configures a GoFunction.
type GoFunctionProps struct {
	// Entry is the function's directory under lambda/, e.g. "sg-remediation"; its package main is
	// built. Required.
	Entry string
	// Description of the function.
	// default: none
	Description string
	// EncryptionKey encrypts the log group, the dead-letter queue and the environment variables. It
	// must let CloudWatch Logs use it (see AllowCloudWatchLogs).
	// Required.
	EncryptionKey awskms.IKey
	// Environment variables; DRY_RUN is always set from DryRun.
	// default: none besides DRY_RUN
	Environment map[string]string
	// Files are written beside the binary in the function's package (name to content), e.g. settings
	// too large for environment variables; the function finds them under $LAMBDA_TASK_ROOT.
	// default: none
	Files map[string][]byte
	// DryRun sets DRY_RUN=true: the handler decides, logs and alerts, but changes nothing.
	// default: false
	DryRun bool
	// Timeout of one invocation.
	// default: 30 seconds
	Timeout awscdk.Duration
	// MemorySize in MiB.
	// default: 128
	MemorySize int
	// ReservedConcurrency caps (and reserves) concurrent executions, so an event storm cannot starve
	// the account's other functions nor run the function without bound; 0 leaves it unreserved.
	// default: 0
	ReservedConcurrency int
	// LogRetentionDays keeps the function's logs this long (a CloudWatch Logs retention value).
	// default: 365
	LogRetentionDays int
	// RetainLogs keeps the log group when the stack is deleted.
	// default: false
	RetainLogs bool
	// AlarmActions are notified when an alarm fires or recovers (e.g. an SNS action).
	// default: none
	AlarmActions []awscloudwatch.IAlarmAction
}

// GoFunction is a Go Lambda function built from lambda/<Entry> at synth time with the Go toolchain
// (no Docker): linux/arm64, static, stripped and reproducible, on the provided.al2023 runtime. It
// comes with its own role (no managed policies), an encrypted log group with retention, an encrypted
// dead-letter queue for failed asynchronous events with an alarm, and an error alarm.
type GoFunction struct {
	awsconstructs.Construct
	Function        awslambda.Function
	Role            awsiam.Role
	LogGroup        awslogs.LogGroup
	DeadLetterQueue awssqs.Queue
	ErrorAlarm      awscloudwatch.Alarm
	DeadLetterAlarm awscloudwatch.Alarm
	// ThrottleAlarm fires when invocations are throttled: an event storm beyond the reserved
	// concurrency, or a concurrency set to 0, which silences the function (and which, for the tamper
	// guard itself, no function can undo). nil without ReservedConcurrency.
	ThrottleAlarm awscloudwatch.Alarm
}

// NewGoFunction builds the function's binary and creates it.
func NewGoFunction(scope awsconstructs.Construct, id string, props *GoFunctionProps) *GoFunction {
	if props == nil || props.Entry == "" || props.EncryptionKey == nil {
		panic("NewGoFunction: Entry and EncryptionKey are required")
	}
	p := *props
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(30))
	}
	if p.MemorySize == 0 {
		p.MemorySize = 128
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = 365
	}
	f := &GoFunction{Construct: awsconstructs.NewConstruct(scope, &id)}

	dir, err := os.MkdirTemp("", "editbay-lambda-")
	if err != nil {
		panic(err)
	}
	// CDK copies the asset into the cloud assembly when the function is created; the build directory
	// is not needed after that.
	defer os.RemoveAll(dir)
	binary, err := goLambdaBinary(p.Entry)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "bootstrap"), binary, 0o755)
	}
	if err != nil {
		panic(fmt.Sprintf("NewGoFunction %s: %v", id, err))
	}
	for name, content := range p.Files {
		if name != filepath.Base(name) || name == "bootstrap" {
			panic(fmt.Sprintf("NewGoFunction %s: file name %q must be a plain name other than bootstrap", id, name))
		}
		// Fixed permissions and content keep the asset hash reproducible.
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			panic(err)
		}
	}

	removal := awscdk.RemovalPolicy_DESTROY
	if p.RetainLogs {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	f.LogGroup = awslogs.NewLogGroup(f.Construct, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: p.EncryptionKey,
		RemovalPolicy: removal,
	})
	f.LogGroup.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(p.LogRetentionDays)))

	f.DeadLetterQueue = awssqs.NewQueue(f.Construct, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: p.EncryptionKey,
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.DeadLetterQueue, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SQS3"), Reason: jsii.String("This queue is the function's dead-letter queue (Lambda's DeadLetterConfig, which cdk-nag does not recognise as a redrive source); a dead-letter queue of its own would never be used.")},
	}, jsii.Bool(false))

	f.Role = awsiam.NewRole(f.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("Runs the %s function", p.Entry)),
	})

	env := map[string]*string{"DRY_RUN": jsii.String(fmt.Sprint(p.DryRun))}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	fnProps := &awslambda.FunctionProps{
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(dir), nil),
		Description:           jsii.String(p.Description),
		Role:                  f.Role,
		Timeout:               p.Timeout,
		MemorySize:            jsii.Number(float64(p.MemorySize)),
		Environment:           &env,
		EnvironmentEncryption: p.EncryptionKey,
		LogGroup:              f.LogGroup,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		DeadLetterQueue:       f.DeadLetterQueue,
		// Two retries of a failed asynchronous event, then the dead-letter queue.
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
	}
	if p.Description == "" {
		fnProps.Description = nil
	}
	if p.ReservedConcurrency > 0 {
		fnProps.ReservedConcurrentExecutions = jsii.Number(float64(p.ReservedConcurrency))
	}
	f.Function = awslambda.NewFunction(f.Construct, jsii.String("Function"), fnProps)

	// Each alarm fires on one occurrence in five minutes, and is quiet while nothing happens.
	var alarms []awscloudwatch.Alarm
	alarm := func(id, description string, metric awscloudwatch.IMetric) awscloudwatch.Alarm {
		a := awscloudwatch.NewAlarm(f.Construct, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("%s %s", p.Entry, description)),
			Metric:             metric,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarms = append(alarms, a)
		return a
	}
	every5 := func(statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String(statistic)}
	}
	f.ErrorAlarm = alarm("Errors", "failed: a change may not have been undone; see its log group", f.Function.MetricErrors(every5("Sum")))
	f.DeadLetterAlarm = alarm("DeadLetters", "gave up on an event after its retries; it is in the dead-letter queue",
		f.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(every5("Maximum")))
	if p.ReservedConcurrency > 0 {
		f.ThrottleAlarm = alarm("Throttles", "was throttled: events wait for retries, or its concurrency was set to 0 and it does not run",
			f.Function.MetricThrottles(every5("Sum")))
	}
	for _, a := range p.AlarmActions {
		for _, alarm := range alarms {
			alarm.AddAlarmAction(a)
			alarm.AddOkAction(a)
		}
	}

	cdknag.NagSuppressions_AddResourceSuppressions(f.Role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"), Reason: jsii.String("The role's one inline policy holds CDK's grants to this function's own log group, queue and key plus the function's narrow API permissions; it is created and deleted with the role.")},
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(f.Function, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-LambdaInsideVPC"), Reason: jsii.String("editbay's Go functions call only AWS APIs and reach no resource inside a VPC; outside a VPC they keep working when the network they guard or configure is misconfigured.")},
	}, jsii.Bool(false))
	return f
}

// AddToRolePolicy grants the function's role a statement.
func (f *GoFunction) AddToRolePolicy(s awsiam.PolicyStatement) { f.Role.AddToPolicy(s) }

// BuildGoLambda builds lambda/<entry> of the module in the working directory (or a parent) into out,
// as Lambda's provided.al2023 arm64 runtime runs it, with lambdabuild's reproducible flags.
func BuildGoLambda(entry, out string) error {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "lambda", entry, "main.go")); err != nil {
		return fmt.Errorf("no function lambda/%s: %w", entry, err)
	}
	return lambdabuild.Build(root, lambdaArch, out, "./lambda/"+entry)
}

// lambdaArch is the GOARCH of every function: Architecture_ARM_64 above.
const lambdaArch = "arm64"

// built holds every function of lambda/ as built once per process: one go command links them all on
// every core, where a build per function would link one at a time, and an app with several stages
// uses the same binary many times.
var built struct {
	once     sync.Once
	binaries map[string][]byte
	err      error
}

// goLambdaBinary returns the built binary of lambda/<entry>.
func goLambdaBinary(entry string) ([]byte, error) {
	built.once.Do(func() { built.binaries, built.err = buildAllGoLambdas() })
	if built.err != nil {
		return nil, built.err
	}
	b, ok := built.binaries[entry]
	if !ok {
		return nil, fmt.Errorf("no function lambda/%s (lambda/%s/main.go does not exist)", entry, entry)
	}
	return b, nil
}

func buildAllGoLambdas() (map[string][]byte, error) {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		return nil, err
	}
	packages, err := lambdabuild.Functions(root)
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "editbay-lambdas-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	if err := lambdabuild.Build(root, lambdaArch, out+string(filepath.Separator), packages...); err != nil {
		return nil, err
	}
	binaries := map[string][]byte{}
	for _, pkg := range packages {
		name := filepath.Base(pkg)
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return nil, err
		}
		binaries[name] = b
	}
	return binaries, nil
}
