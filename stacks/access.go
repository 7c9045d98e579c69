package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// AccessStackProps configures an AccessStack.
type AccessStackProps struct {
	awscdk.StackProps
	// Config is the validated installation, which names the resources that need a fixed name. Required.
	Config *config.Config
	// Environment is the one of Config.Environments this stack serves; its Access must be set. Required.
	Environment config.Environment
	// Vpc is the environment's network. Required.
	Vpc awsec2.IVpc
}

// AccessStack is an environment's remote-access tier, the Leostream pattern: a broker cluster behind an
// HTTPS load balancer sharing an Aurora PostgreSQL database, a gateway tier behind a network load
// balancer, workstation pools that admit only gateways and brokers, an optional managed directory, and
// the tier's alarms and dashboard.
type AccessStack struct {
	awscdk.Stack
	Brokers      *ebc.BrokerCluster
	Database     *ebc.BrokerDatabase
	Gateways     *ebc.GatewayTier
	Workstations *ebc.Workstations
	Directory    *ebc.ManagedDirectory // nil without access.directory
	Alarms       *ebc.AlarmTopic
	Monitoring   *ebc.AccessMonitoring
	PoolScaler   *ebc.PoolScaler
}

// NewAccessStack creates the access tier of one environment from its config.
func NewAccessStack(scope awsconstructs.Construct, id string, props *AccessStackProps) *AccessStack {
	cfg, e, a := props.Config, props.Environment, props.Environment.Access
	s := &AccessStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	public := &awsec2.SubnetSelection{SubnetGroupName: jsii.String(ebc.SubnetGroupPublic)}
	private := &awsec2.SubnetSelection{SubnetGroupName: jsii.String(ebc.SubnetGroupPrivate)}
	isolated := &awsec2.SubnetSelection{SubnetGroupName: jsii.String(ebc.SubnetGroupIsolated)}
	keep := awscdk.RemovalPolicy_DESTROY
	if e.Production {
		keep = awscdk.RemovalPolicy_RETAIN
	}

	opsKey := ebc.NewKey(s.Stack, "OperationsKey", &ebc.KeyProps{Description: "Encrypts the access tier's alarm topic, directory password, web ACL and function logs", RemovalPolicy: keep})
	ebc.AllowCloudWatchLogs(opsKey)
	s.Alarms = ebc.NewAlarmTopic(s.Stack, "Alarms", &ebc.AlarmTopicProps{EncryptionKey: opsKey, Emails: a.AlarmEmails})
	lbLogs := ebc.NewAccessLogBucket(s.Stack, "LoadBalancerLogs", nil)

	s.Database = ebc.NewBrokerDatabase(s.Stack, "Database", &ebc.BrokerDatabaseProps{
		Vpc:                 props.Vpc,
		VpcSubnets:          isolated,
		RotationSubnets:     private,
		AvailabilityZones:   e.AvailabilityZones,
		ClusterIdentifier:   cfg.DatabaseClusterIdentifier(e),
		ParameterName:       cfg.DatabaseParameterName(e),
		LogGroupName:        cfg.DatabaseLogGroupName(e),
		SecretName:          cfg.DatabaseSecretName(e),
		EngineVersion:       a.Database.EngineVersion,
		Serverless:          a.Database.Mode == config.DatabaseServerless,
		InstanceClass:       a.Database.InstanceClass,
		MinCapacity:         a.Database.MinCapacity,
		MaxCapacity:         a.Database.MaxCapacity,
		BackupRetentionDays: a.Database.BackupRetentionDays,
		LogRetentionDays:    a.Database.LogRetentionDays,
		Production:          e.Production,
	})

	pools := make([]ebc.WorkstationPool, len(a.Pools))
	launchTemplates := map[string]string{}
	for i, p := range a.Pools {
		launchTemplates[p.Name] = cfg.LaunchTemplateName(e, p.Name)
		pools[i] = ebc.WorkstationPool{
			Name:           p.Name,
			InstanceType:   p.InstanceType,
			MachineImage:   machineImage(p.Image),
			VolumeSizeGiB:  p.VolumeSizeGiB,
			Windows:        p.Image.Os == config.OsWindows,
			DirectoryGroup: p.DirectoryGroup,
			// The pool scaler launches these when the pool's own type has no capacity.
			FallbackInstanceTypes: p.FallbackInstanceTypes,
		}
	}
	s.Workstations = ebc.NewWorkstations(s.Stack, "Workstations", &ebc.WorkstationsProps{
		Vpc:                 props.Vpc,
		VpcSubnets:          private,
		Pools:               pools,
		NamePrefix:          cfg.EnvPrefix(e),
		LaunchTemplateNames: launchTemplates,
		Retain:              e.Production,
	})
	s.PoolScaler = ebc.NewPoolScaler(s.Stack, "PoolScaler", &ebc.PoolScalerProps{
		Workstations:    s.Workstations,
		PoolsFile:       poolsFile(cfg, e),
		EncryptionKey:   opsKey,
		IntervalMinutes: a.PoolScaler.IntervalMinutes,
		DryRun:          a.PoolScaler.Mode == config.PoolScalerDryRun,
		Retain:          e.Production,
		AlarmActions:    []awscloudwatch.IAlarmAction{awscloudwatchactions.NewSnsAction(s.Alarms.Topic)},
	})

	b := a.Broker
	var zone awsroute53.IHostedZone
	if b.Certificate.HostedZoneId != "" {
		zone = awsroute53.HostedZone_FromHostedZoneAttributes(s.Stack, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(b.Certificate.HostedZoneId),
			ZoneName:     jsii.String(b.Certificate.HostedZone),
		})
	}
	s.Brokers = ebc.NewBrokerCluster(s.Stack, "Brokers", &ebc.BrokerClusterProps{
		Vpc:                     props.Vpc,
		LoadBalancerSubnets:     public,
		ServerSubnets:           private,
		ClientCidrs:             e.ClientCidrs,
		CertificateArn:          b.Certificate.Arn,
		Domain:                  b.Certificate.Domain,
		HostedZone:              zone,
		InstanceType:            b.InstanceType,
		MachineImage:            machineImage(b.Image),
		UserData:                s.brokerUserData(e),
		MinCapacity:             b.MinCapacity,
		MaxCapacity:             b.MaxCapacity,
		VolumeSizeGiB:           b.VolumeSizeGiB,
		ScaleOn:                 ebc.BrokerScaling(b.Scaling.Metric),
		ScaleTarget:             b.Scaling.Target,
		HealthCheckPath:         b.HealthCheckPath,
		AccessLogs:              lbLogs,
		Notifications:           s.Alarms.Topic,
		WebAclLogsKey:           opsKey,
		WebAclLogsRetentionDays: 365,
		WebAclLogGroupName:      cfg.WebACLLogGroupName(e),
		DeletionProtection:      e.Production,
	})

	protocols := make([]ebc.DisplayProtocol, len(a.Gateway.Protocols))
	for i, p := range a.Gateway.Protocols {
		protocols[i] = ebc.DisplayProtocol(p)
	}
	g := a.Gateway
	s.Gateways = ebc.NewGatewayTier(s.Stack, "Gateways", &ebc.GatewayTierProps{
		Vpc:                props.Vpc,
		VpcSubnets:         public,
		ClientCidrs:        e.ClientCidrs,
		Protocols:          protocols,
		InstanceType:       g.InstanceType,
		MachineImage:       machineImage(g.Image),
		UserData:           userData(g.Image, config.GatewayUserData(e)),
		MinCapacity:        g.MinCapacity,
		MaxCapacity:        g.MaxCapacity,
		CpuTarget:          g.CpuTarget,
		AccessLogs:         lbLogs,
		Notifications:      s.Alarms.Topic,
		DeletionProtection: e.Production,
	})

	// Both load balancers' access-log statements are in place: log delivery writes for this account's
	// load balancers only.
	ebc.NameServiceSources(lbLogs, map[string]string{"delivery.logs.amazonaws.com": *s.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})})

	// The tier's only paths: gateways relay display protocols to workstations, brokers reach the
	// workstation agent and the database. Each rule is an ingress on the target and an egress on the
	// source.
	ebc.AllowProtocols(s.Workstations.Connections(), s.Gateways.Servers.SecurityGroup, protocols, "gateways")
	s.Workstations.Connections().AllowFrom(s.Brokers.Servers.SecurityGroup, awsec2.Port_Tcp(jsii.Number(float64(b.AgentPort))), jsii.String("Broker agent from brokers"))
	s.Database.AllowFrom(s.Brokers.Servers.SecurityGroup, "PostgreSQL from brokers")
	s.Workstations.GrantManage(s.Brokers.Servers.Role)
	s.Database.GrantConnect(s.Brokers.Servers.Role)
	// Brokers claim and release workstations for their users through the pool scaler.
	s.PoolScaler.GrantInvoke(s.Brokers.Servers.Role)
	cdknag.NagSuppressions_AddResourceSuppressions(s.Brokers.Servers.Role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
		Reason: jsii.String("The brokers' inline policy holds only CDK's grants to the database's connection parameter, secret and IAM user and to invoking the pool scaler, each scoped to that one resource; the workstation permissions are a managed policy."),
	}}, jsii.Bool(true))

	if d := a.Directory; d != nil {
		s.Directory = ebc.NewManagedDirectory(s.Stack, "Directory", &ebc.ManagedDirectoryProps{
			Vpc:           props.Vpc,
			VpcSubnets:    private,
			Name:          d.Name,
			ShortName:     d.ShortName,
			Edition:       d.Edition,
			EncryptionKey: opsKey,
		})
		s.Directory.JoinInstances("JoinWorkstations", cfg.DirectoryJoinAssociationName(e), s.Workstations.Role, ebc.PoolTagKey, s.Workstations.PoolNames())
		if r := d.Radius; r != nil {
			ebc.NewDirectoryRadius(s.Stack, "DirectoryRadius", &ebc.DirectoryRadiusProps{
				Directory:        s.Directory,
				Servers:          r.Servers,
				SharedSecretName: r.SharedSecretName,
				Port:             r.Port,
				TimeoutSeconds:   r.TimeoutSeconds,
				Retries:          r.Retries,
				Protocol:         r.Protocol,
				DisplayLabel:     r.DisplayLabel,
				EncryptionKey:    opsKey,
				AlarmActions:     []awscloudwatch.IAlarmAction{awscloudwatchactions.NewSnsAction(s.Alarms.Topic)},
			})
		}
	}

	s.Monitoring = ebc.NewAccessMonitoring(s.Stack, "Monitoring", &ebc.AccessMonitoringProps{
		Topic:         s.Alarms,
		Brokers:       s.Brokers,
		Gateways:      s.Gateways,
		Database:      s.Database,
		DashboardName: cfg.AccessDashboardName(e),
	})
	s.outputs(e, b)
	return s
}

// brokerUserData tells each broker where its database settings and workstation pools are, then runs
// the configured commands (e.g. the broker software's installer); config composes the script.
func (s *AccessStack) brokerUserData(e config.Environment) awsec2.UserData {
	templates := map[string]string{}
	for pool, lt := range s.Workstations.LaunchTemplates {
		templates[pool] = *lt.LaunchTemplateId()
	}
	return userData(e.Access.Broker.Image, config.BrokerUserData(e, config.BrokerDeployValues{
		DatabaseParameter:        *s.Database.Connection.ParameterName(),
		WorkstationSecurityGroup: *s.Workstations.SecurityGroup.SecurityGroupId(),
		PoolScalerFunction:       *s.PoolScaler.Function.Function.FunctionName(),
		LaunchTemplates:          templates,
	}))
}

func (s *AccessStack) outputs(e config.Environment, b config.Broker) {
	url := "https://" + *s.Brokers.LoadBalancer.LoadBalancerDnsName()
	if b.Certificate.Domain != "" {
		url = "https://" + b.Certificate.Domain
	}
	for _, o := range []struct{ id, value, description string }{
		{"BrokerUrl", url, "Where users sign in to the connection broker"},
		{"BrokerLoadBalancerDns", *s.Brokers.LoadBalancer.LoadBalancerDnsName(), "Point the broker domain here (CNAME or alias)"},
		{"GatewayAddress", *s.Gateways.LoadBalancer.LoadBalancerDnsName(), "Address clients' display protocols connect to"},
		{"DatabaseParameter", *s.Database.Connection.ParameterName(), "SSM parameter with the broker database's endpoints and secret"},
		{"AlarmTopicArn", *s.Alarms.Topic.TopicArn(), "Subscribe on-call tools here"},
		{"WorkstationRoleArn", *s.Workstations.Role.RoleArn(), "Role the workstations run as"},
		{"PoolScalerFunction", *s.PoolScaler.Function.Function.FunctionName(), "Invoke with claim, release and session requests"},
	} {
		awscdk.NewCfnOutput(s.Stack, jsii.String(o.id), &awscdk.CfnOutputProps{Value: jsii.String(o.value), Description: jsii.String(fmt.Sprintf("%s (%s)", o.description, e.Name))})
	}
}

// machineImage resolves an image at deploy time from its SSM parameter, or picks the region's AMI ID.
func machineImage(img config.Image) awsec2.IMachineImage {
	os := awsec2.OperatingSystemType_LINUX
	if img.Os == config.OsWindows {
		os = awsec2.OperatingSystemType_WINDOWS
	}
	if img.SsmParameter != "" {
		return awsec2.MachineImage_FromSsmParameter(jsii.String(img.SsmParameter), &awsec2.SsmParameterImageOptions{Os: os})
	}
	ids := map[string]*string{}
	for region, id := range img.Ids {
		ids[region] = jsii.String(id)
	}
	if os == awsec2.OperatingSystemType_WINDOWS {
		return awsec2.MachineImage_GenericWindows(&ids, nil)
	}
	return awsec2.MachineImage_GenericLinux(&ids, nil)
}

// userData runs commands at first boot in the image's shell.
func userData(img config.Image, commands []string) awsec2.UserData {
	var ud awsec2.UserData
	if img.Os == config.OsWindows {
		ud = awsec2.UserData_ForWindows(nil)
	} else {
		ud = awsec2.UserData_ForLinux(nil)
	}
	if len(commands) > 0 {
		ud.AddCommands(*jsii.Strings(commands...)...)
	}
	return ud
}

// poolsFile is the pool scaler's settings file: every pool with its launch template's name.
func poolsFile(cfg *config.Config, e config.Environment) []byte {
	f := config.PoolScalerFile{}
	for _, p := range e.Access.Pools {
		f.Pools = append(f.Pools, p.ScalerSettings(cfg.LaunchTemplateName(e, p.Name)))
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return b
}
