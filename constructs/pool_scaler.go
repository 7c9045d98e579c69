package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// PoolScalerProps configures PoolScaler.
type PoolScalerProps struct {
	// Workstations are the pools the scaler manages, through their launch templates and tags. Required.
	Workstations *Workstations
	// PoolsFile is the pools' settings as the function reads them (config.PoolScalerFile, JSON). Required.
	PoolsFile []byte
	// EncryptionKey encrypts the assignment table, the function's logs, queue and environment. Required.
	EncryptionKey awskms.IKey
	// IntervalMinutes between reconciles.
	// default: 1
	IntervalMinutes int
	// DryRun plans and logs without acting.
	// default: false
	DryRun bool
	// Retain keeps the assignment table and the logs when the stack is deleted.
	// default: false
	Retain bool
	// LogRetentionDays of the function's logs.
	// default: 365
	LogRetentionDays int
	// AlarmActions are notified by the function's alarms and when a pool stays below its minimum.
	// default: none
	AlarmActions []awscloudwatch.IAlarmAction
}

// PoolScaler keeps each workstation pool's ready workstations (the poolscaler Go function, run by an
// EventBridge schedule), hands them to users on claim and stops idle ones by their power plans.
// Assignments live in a DynamoDB table where conditional writes decide, so two claims never get one
// workstation. The function runs one at a time (reserved concurrency 1), and launches carry client
// tokens, so even a duplicated schedule event never launches twice.
type PoolScaler struct {
	awsconstructs.Construct
	Function *GoFunction
	Table    awsdynamodb.Table
	Schedule awsevents.Rule
	// BelowMinimum are the alarms of pools below minAvailable for 15 minutes, by pool name.
	BelowMinimum map[string]awscloudwatch.Alarm
}

// PoolsNamespace is the CloudWatch namespace of the pool scaler's metrics (per pool: Available,
// Assigned, Launching, Stopped, BelowMinAvailable, ClaimLatency).
const PoolsNamespace = "editbay/Pools"

// NewPoolScaler creates PoolScaler.
func NewPoolScaler(scope awsconstructs.Construct, id string, props *PoolScalerProps) *PoolScaler {
	if props == nil || props.Workstations == nil || len(props.PoolsFile) == 0 || props.EncryptionKey == nil {
		panic("NewPoolScaler: Workstations, PoolsFile and EncryptionKey are required")
	}
	p := *props
	p.IntervalMinutes = orDefault(p.IntervalMinutes, 1)
	c := awsconstructs.NewConstruct(scope, &id)
	s := &PoolScaler{Construct: c, BelowMinimum: map[string]awscloudwatch.Alarm{}}
	stack := awscdk.Stack_Of(c)
	w := p.Workstations
	removal := awscdk.RemovalPolicy_DESTROY
	if p.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}

	s.Table = awsdynamodb.NewTable(c, jsii.String("Assignments"), &awsdynamodb.TableProps{
		PartitionKey:  &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:       &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: p.EncryptionKey,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(p.Retain),
		RemovalPolicy:      removal,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.Table, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("NIST.800.53.R5-DynamoDBInBackupPlan"),
		Reason: jsii.String("Point-in-time recovery keeps 35 days of the assignment table; it holds who uses which workstation now, which a backup plan's daily copies would not restore usefully."),
	}}, jsii.Bool(false))

	subnets := map[string]*string{}
	for i, zone := range *w.subnets.AvailabilityZones {
		subnets[*zone] = (*w.subnets.SubnetIds)[i]
	}
	s.Function = NewGoFunction(c, "Function", &GoFunctionProps{
		Entry:         "poolscaler",
		Description:   "Keeps the workstation pools ready, hands workstations to users and stops idle ones",
		EncryptionKey: p.EncryptionKey,
		Files:         map[string][]byte{"pools.json": p.PoolsFile},
		Environment: map[string]string{
			"POOLS_FILE":  "pools.json",
			"SUBNETS":     *stack.ToJsonString(subnets, nil),
			"TABLE_NAME":  *s.Table.TableName(),
			"ENVIRONMENT": w.namePrefix,
		},
		DryRun: p.DryRun,
		// Below the function's five-minute pool lease, so a timed-out run never outlives its lease.
		Timeout:    awscdk.Duration_Minutes(jsii.Number(2)),
		MemorySize: 512,
		// One reconcile at a time: with idempotent launches this keeps a pool from exceeding maxSize.
		ReservedConcurrency: 1,
		LogRetentionDays:    p.LogRetentionDays,
		RetainLogs:          p.Retain,
		AlarmActions:        p.AlarmActions,
	})
	w.GrantManage(s.Function.Role)
	s.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("Assignments"),
		Actions:   jsii.Strings("dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:TransactWriteItems"),
		Resources: &[]*string{s.Table.TableArn()},
	}))
	s.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AssignmentsKey"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
		Resources:  &[]*string{p.EncryptionKey.KeyArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("dynamodb.%s.amazonaws.com", *stack.Region())}},
	}))

	s.Schedule = awsevents.NewRule(c, jsii.String("Schedule"), &awsevents.RuleProps{
		Description: jsii.String("Reconciles the workstation pools"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(float64(p.IntervalMinutes)))),
	})
	// No retries: the next tick reconciles again, and a retry would only queue behind it.
	s.Schedule.AddTarget(awseventstargets.NewLambdaFunction(s.Function.Function, &awseventstargets.LambdaFunctionProps{RetryAttempts: jsii.Number(0)}))

	for _, pool := range w.pools {
		alarm := awscloudwatch.NewAlarm(c, jsii.String("BelowMinimum-"+pool), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(fmt.Sprintf("Pool %s has had fewer ready workstations than minAvailable for 15 minutes: capacity, quota or launch failures; see the pool scaler's log", pool)),
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(PoolsNamespace), MetricName: jsii.String("BelowMinAvailable"),
				DimensionsMap: &map[string]*string{"Environment": &w.namePrefix, "Pool": jsii.String(pool)},
				Statistic:     jsii.String("Minimum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
			}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(15),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			// A silent scaler is the error alarm's to report.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		for _, a := range p.AlarmActions {
			alarm.AddAlarmAction(a)
			alarm.AddOkAction(a)
		}
		s.BelowMinimum[pool] = alarm
	}
	return s
}

// GrantInvoke lets role claim and release workstations and report sessions (a direct invoke of the
// unqualified function only; CDK's own grant would add every version and alias too).
func (s *PoolScaler) GrantInvoke(role awsiam.IRole) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("InvokePoolScaler"),
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{s.Function.Function.FunctionArn()},
	}))
}
