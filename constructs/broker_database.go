package constructs

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// BrokerDatabaseProps configures a BrokerDatabase.
type BrokerDatabaseProps struct {
	// Vpc holds the cluster. Required.
	Vpc awsec2.IVpc
	// VpcSubnets hold the instances; isolated subnets, so the database has no route out. Required.
	VpcSubnets *awsec2.SubnetSelection
	// RotationSubnets run the credential-rotation function, which must reach Secrets Manager. Required.
	RotationSubnets *awsec2.SubnetSelection
	// AvailabilityZones places the writer in the first zone and the reader in the second. Required (2+).
	AvailabilityZones []string
	// ClusterIdentifier names the cluster, and by default its log group, secret and parameter. Required.
	ClusterIdentifier string
	// EngineVersion is the Aurora PostgreSQL version, "major.minor".
	// default: 16.11 (config.Database has the same default)
	EngineVersion string
	// Serverless uses Aurora Serverless v2 instances between MinCapacity and MaxCapacity ACUs instead
	// of provisioned InstanceClass ones.
	// default: false
	Serverless bool
	// InstanceClass of provisioned instances, without the db. prefix.
	// default: r6g.large
	InstanceClass string
	// MinCapacity and MaxCapacity bound Serverless v2 capacity.
	// default: 0.5 and 4
	MinCapacity, MaxCapacity float64
	// BackupRetentionDays keeps automated backups.
	// default: 7
	BackupRetentionDays int
	// LogRetentionDays keeps the exported PostgreSQL logs (a CloudWatch Logs retention value).
	// default: 365
	LogRetentionDays int
	// Production turns on deletion protection, snapshots the cluster and retains its key and logs when
	// they leave the stack.
	// default: false (deleted with the stack, for short-lived environments)
	Production bool
	// ParameterName is the SSM parameter that tells clients where the database is.
	// default: /<ClusterIdentifier>/connection
	ParameterName string
	// LogGroupName is the log group RDS exports the PostgreSQL log to; RDS fixes it by the cluster
	// identifier, so it is created first to get encryption and retention.
	// default: /aws/rds/cluster/<ClusterIdentifier>/postgresql
	LogGroupName string
	// SecretName names the master user's secret.
	// default: <ClusterIdentifier>/master
	SecretName string
}

// BrokerDatabase is an Aurora PostgreSQL cluster for the connection brokers: a writer and a reader in
// another zone, isolated subnets, storage, Performance Insights, logs and credentials encrypted with its
// own key, IAM authentication, TLS required, credentials rotated every 30 days. Clients learn where it
// is from an SSM parameter and reach it only through Connections() and GrantConnect.
type BrokerDatabase struct {
	awsconstructs.Construct
	Cluster    awsrds.DatabaseCluster
	Key        awskms.Key
	Connection awsssm.StringParameter
}

// Database name and master user of the broker database.
const (
	brokerDatabaseName = "leostream"
	brokerDatabaseUser = "leostream"
)

// NewBrokerDatabase creates a BrokerDatabase.
func NewBrokerDatabase(scope awsconstructs.Construct, id string, props *BrokerDatabaseProps) *BrokerDatabase {
	if props == nil || props.Vpc == nil || props.VpcSubnets == nil || props.RotationSubnets == nil || len(props.AvailabilityZones) < 2 || props.ClusterIdentifier == "" {
		panic("NewBrokerDatabase: Vpc, VpcSubnets, RotationSubnets, two AvailabilityZones and ClusterIdentifier are required")
	}
	p := *props
	if p.EngineVersion == "" {
		p.EngineVersion = "16.11"
	}
	if p.InstanceClass == "" {
		p.InstanceClass = "r6g.large"
	}
	if p.MinCapacity == 0 && p.MaxCapacity == 0 {
		p.MinCapacity, p.MaxCapacity = 0.5, 4
	}
	p.BackupRetentionDays = orDefault(p.BackupRetentionDays, 7)
	p.LogRetentionDays = orDefault(p.LogRetentionDays, 365)
	if p.ParameterName == "" {
		p.ParameterName = "/" + p.ClusterIdentifier + "/connection"
	}
	if p.LogGroupName == "" {
		p.LogGroupName = "/aws/rds/cluster/" + p.ClusterIdentifier + "/postgresql"
	}
	if p.SecretName == "" {
		p.SecretName = p.ClusterIdentifier + "/master"
	}
	removal, keep := awscdk.RemovalPolicy_DESTROY, awscdk.RemovalPolicy_DESTROY
	if p.Production {
		removal, keep = awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_RETAIN
	}

	c := awsconstructs.NewConstruct(scope, &id)
	d := &BrokerDatabase{Construct: c}
	d.Key = NewKey(c, "Key", &KeyProps{Description: "Encrypts the broker database, its credentials, Performance Insights and logs", RemovalPolicy: keep})
	AllowCloudWatchLogs(d.Key)
	// RDS exports to this fixed name; creating the group first gives it encryption and retention.
	logs := NewLogGroup(c, "PostgresqlLogs", &LogGroupProps{
		EncryptionKey: d.Key,
		RetentionDays: p.LogRetentionDays,
		LogGroupName:  p.LogGroupName,
		Retain:        p.Production,
	})

	major, _, _ := strings.Cut(p.EngineVersion, ".")
	engine := awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
		Version: awsrds.AuroraPostgresEngineVersion_Of(&p.EngineVersion, &major, nil),
	})
	instance := func(name, zone string, writer bool) awsrds.IClusterInstance {
		if p.Serverless {
			return awsrds.ClusterInstance_ServerlessV2(&name, &awsrds.ServerlessV2ClusterInstanceProps{
				AvailabilityZone:                &zone,
				EnablePerformanceInsights:       jsii.Bool(true),
				PerformanceInsightEncryptionKey: d.Key,
				ScaleWithWriter:                 jsii.Bool(!writer), // the reader is the failover target
			})
		}
		return awsrds.ClusterInstance_Provisioned(&name, &awsrds.ProvisionedClusterInstanceProps{
			InstanceType:                    awsec2.NewInstanceType(&p.InstanceClass),
			AvailabilityZone:                &zone,
			EnablePerformanceInsights:       jsii.Bool(true),
			PerformanceInsightEncryptionKey: d.Key,
		})
	}
	clusterProps := &awsrds.DatabaseClusterProps{
		Engine:            engine,
		ClusterIdentifier: &p.ClusterIdentifier,
		Vpc:               p.Vpc,
		VpcSubnets:        p.VpcSubnets,
		Writer:            instance("Writer", p.AvailabilityZones[0], true),
		Readers:           &[]awsrds.IClusterInstance{instance("Reader", p.AvailabilityZones[1], false)},
		Credentials: awsrds.Credentials_FromGeneratedSecret(jsii.String(brokerDatabaseUser), &awsrds.CredentialsBaseOptions{
			EncryptionKey: d.Key,
			SecretName:    &p.SecretName,
		}),
		DefaultDatabaseName:             jsii.String(brokerDatabaseName),
		Port:                            jsii.Number(brokerDatabasePort),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            d.Key,
		IamAuthentication:               jsii.Bool(true),
		Parameters:                      &map[string]*string{"rds.force_ssl": jsii.String("1")},
		Backup:                          &awsrds.BackupProps{Retention: awscdk.Duration_Days(jsii.Number(float64(p.BackupRetentionDays)))},
		CloudwatchLogsExports:           jsii.Strings("postgresql"),
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: d.Key,
		CopyTagsToSnapshot:              jsii.Bool(true),
		DeletionProtection:              jsii.Bool(p.Production),
		RemovalPolicy:                   removal,
		MonitoringInterval:              awscdk.Duration_Seconds(jsii.Number(60)),
		MonitoringRole:                  d.monitoringRole(),
	}
	if p.Serverless {
		clusterProps.ServerlessV2MinCapacity = jsii.Number(p.MinCapacity)
		clusterProps.ServerlessV2MaxCapacity = jsii.Number(p.MaxCapacity)
	}
	d.Cluster = awsrds.NewDatabaseCluster(c, jsii.String("Cluster"), clusterProps)
	d.Cluster.Node().AddDependency(logs)

	d.Cluster.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(30)),
		VpcSubnets:         p.RotationSubnets,
	})

	endpoint, reader := d.Cluster.ClusterEndpoint(), d.Cluster.ClusterReadEndpoint()
	d.Connection = awsssm.NewStringParameter(c, jsii.String("Connection"), &awsssm.StringParameterProps{
		ParameterName: &p.ParameterName,
		Description:   jsii.String("Where the broker database is: endpoints, port, database and the credentials' secret"),
		StringValue: awscdk.Fn_ToJsonString(map[string]any{
			"host":       endpoint.Hostname(),
			"readerHost": reader.Hostname(),
			"port":       endpoint.Port(),
			"database":   brokerDatabaseName,
			"username":   brokerDatabaseUser,
			"secretArn":  d.Cluster.Secret().SecretArn(),
		}),
	})

	if !p.Production {
		cdknag.NagSuppressions_AddResourceSuppressions(d.Cluster, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-RDS10"), Reason: jsii.String("Deletion protection is on in production environments only; this non-production database is meant to be torn down with its stack.")},
			{Id: jsii.String("NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled"), Reason: jsii.String("Deletion protection is on in production environments only; this non-production database is meant to be torn down with its stack.")},
		}, jsii.Bool(false))
	}
	for _, instance := range []string{"Writer", "Reader"} {
		cdknag.NagSuppressions_AddResourceSuppressions(d.Cluster.Node().FindChild(&instance), &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("NIST.800.53.R5-RDSInBackupPlan"),
			Reason: jsii.String("Aurora backs up the cluster, not its instances: automated continuous backups with point-in-time restore cover the whole cluster volume for BackupRetentionDays."),
		}}, jsii.Bool(true))
	}
	// CDK writes the rotation function's ingress rule with the cluster's port attribute, which cdk-nag
	// cannot read; the rule admits only the rotation function's security group.
	for _, rule := range *d.Cluster.Connections().SecurityGroups() {
		for _, child := range *rule.Node().Children() {
			if strings.Contains(*child.Node().Id(), "RotationSingleUser") {
				cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{{
					Id:     jsii.String("CdkNagValidationFailure"),
					Reason: jsii.String("The rule's port is the cluster's Endpoint.Port attribute (5432), which cdk-nag cannot resolve; its source is only the rotation function's security group."),
				}}, jsii.Bool(false))
			}
		}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(d.Cluster, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-RDS11"), Reason: jsii.String("The connection broker expects PostgreSQL's standard port 5432; the security group admits only the brokers, so a different port would hide nothing.")},
	}, jsii.Bool(false))
	return d
}

// monitoringRole is the Enhanced Monitoring role, with AWS's policy for it.
func (d *BrokerDatabase) monitoringRole() awsiam.Role {
	role := awsiam.NewRole(d.Construct, jsii.String("MonitoringRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("monitoring.rds.amazonaws.com"), nil),
		Description: jsii.String("Publishes Enhanced Monitoring metrics of the broker database"),
	})
	attachManagedPolicy(role, "service-role/AmazonRDSEnhancedMonitoringRole", "AmazonRDSEnhancedMonitoringRole is the policy AWS publishes for Enhanced Monitoring; it only lets RDS write the RDSOSMetrics log group.")
	return role
}

// Port is the database's TCP port.
const brokerDatabasePort = 5432

// AllowFrom admits other to the database port.
func (d *BrokerDatabase) AllowFrom(other awsec2.IConnectable, description string) {
	d.Cluster.Connections().AllowFrom(other, awsec2.Port_Tcp(jsii.Number(brokerDatabasePort)), &description)
}

// Connections admits clients to the database port.
func (d *BrokerDatabase) Connections() awsec2.Connections { return d.Cluster.Connections() }

// GrantConnect lets grantee read the connection parameter and the credentials, and connect as the
// master user through IAM authentication.
func (d *BrokerDatabase) GrantConnect(grantee awsiam.IGrantable) {
	d.Connection.GrantRead(grantee)
	d.Cluster.Secret().GrantRead(grantee, nil)
	d.Cluster.GrantConnect(grantee, jsii.String(brokerDatabaseUser))
}
