package constructs

import (
	"fmt"
	"net/netip"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elb "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// BrokerScaling chooses what the broker group's target tracking follows.
type BrokerScaling string

// Scaling metrics of a BrokerCluster.
const (
	BrokerScalingCPU      BrokerScaling = "cpu"          // average CPU utilization, percent
	BrokerScalingRequests BrokerScaling = "requestCount" // load-balancer requests per broker per minute
)

// BrokerClusterProps configures a BrokerCluster.
type BrokerClusterProps struct {
	// Vpc holds the cluster. Required.
	Vpc awsec2.IVpc
	// LoadBalancerSubnets are public subnets for the internet-facing load balancer. Required.
	LoadBalancerSubnets *awsec2.SubnetSelection
	// ServerSubnets are private subnets, one per zone, for the brokers. Required.
	ServerSubnets *awsec2.SubnetSelection
	// ClientCidrs may reach the load balancer (HTTPS, and HTTP only to be redirected). Required.
	ClientCidrs []string
	// CertificateArn is an ACM certificate for the HTTPS listener. Set it or Domain.
	CertificateArn string
	// Domain gets a new ACM certificate validated through DNS (in HostedZone when set).
	Domain string
	// HostedZone, with Domain, holds the validation records and an alias record to the load balancer.
	// default: none; validation records and the alias are added by hand
	HostedZone awsroute53.IHostedZone
	// InstanceType, MachineImage, UserData, MinCapacity, MaxCapacity, VolumeSizeGiB: see ServerGroupProps.
	InstanceType             string
	MachineImage             awsec2.IMachineImage
	UserData                 awsec2.UserData
	MinCapacity, MaxCapacity int
	VolumeSizeGiB            int
	ScaleOn                  BrokerScaling // default: BrokerScalingCPU
	ScaleTarget              int           // default: 60 (percent CPU) or 1000 (requests per minute)
	HealthCheckPath          string        // default: /
	AccessLogs               awss3.IBucket // receives the load balancer's access logs. Required.
	Notifications            awssns.ITopic // receives the group's scaling events. Required.
	WebAclLogsKey            awskms.IKey   // encrypts the web ACL's logs. Required.
	WebAclLogsRetentionDays  int           // default: 365
	// WebAclLogGroupName names the web ACL's log group; WAF writes only to groups named aws-waf-logs-*.
	// default: aws-waf-logs-<stack name>-<construct ID>
	WebAclLogGroupName          string
	RequestsPerFiveMinutesPerIP int // rate limit per client address; default: 2000
	// DeletionProtection keeps the load balancer from being deleted until it is turned off.
	// default: false
	DeletionProtection bool
}

// BrokerCluster is the connection-broker cluster: brokers in an Auto Scaling group over every zone's
// private subnet, behind an internet-facing Application Load Balancer that speaks HTTPS only (HTTP is
// redirected), drops invalid headers, logs access, admits only the client networks and is guarded by a
// WAF web ACL of AWS managed rules and a per-address rate limit.
type BrokerCluster struct {
	awsconstructs.Construct
	Servers      *ServerGroup
	LoadBalancer elb.ApplicationLoadBalancer
	TargetGroup  elb.ApplicationTargetGroup
}

// NewBrokerCluster creates a BrokerCluster.
func NewBrokerCluster(scope awsconstructs.Construct, id string, props *BrokerClusterProps) *BrokerCluster {
	if props == nil || props.Vpc == nil || props.LoadBalancerSubnets == nil || props.ServerSubnets == nil || len(props.ClientCidrs) == 0 ||
		props.AccessLogs == nil || props.Notifications == nil || props.WebAclLogsKey == nil || (props.CertificateArn == "") == (props.Domain == "") {
		panic("NewBrokerCluster: Vpc, subnets, ClientCidrs, AccessLogs, Notifications, WebAclLogsKey and one of CertificateArn or Domain are required")
	}
	p := *props
	if p.ScaleOn == "" {
		p.ScaleOn = BrokerScalingCPU
	}
	if p.ScaleTarget == 0 {
		p.ScaleTarget = map[BrokerScaling]int{BrokerScalingCPU: 60, BrokerScalingRequests: 1000}[p.ScaleOn]
	}
	if p.HealthCheckPath == "" {
		p.HealthCheckPath = "/"
	}
	p.WebAclLogsRetentionDays = orDefault(p.WebAclLogsRetentionDays, 365)
	p.RequestsPerFiveMinutesPerIP = orDefault(p.RequestsPerFiveMinutesPerIP, 2000)

	c := awsconstructs.NewConstruct(scope, &id)
	b := &BrokerCluster{Construct: c}
	b.Servers = NewServerGroup(c, "Brokers", &ServerGroupProps{
		Vpc: p.Vpc, VpcSubnets: p.ServerSubnets,
		InstanceType: p.InstanceType, MachineImage: p.MachineImage, UserData: p.UserData,
		MinCapacity: p.MinCapacity, MaxCapacity: p.MaxCapacity, VolumeSizeGiB: p.VolumeSizeGiB,
		Notifications: p.Notifications,
	})
	// Brokers call AWS APIs (EC2, Secrets Manager, SSM) over HTTPS through the NAT or the endpoints.
	b.Servers.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs"), nil)

	lbGroup := awsec2.NewSecurityGroup(c, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(id + " load balancer: HTTPS and HTTP from client networks only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, cidr := range p.ClientCidrs {
		peer := peerOf(cidr)
		lbGroup.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from "+cidr), nil)
		lbGroup.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP from "+cidr+", redirected to HTTPS"), nil)
	}
	// Declared listeners: the guardrails keep these ports open even when clientCidrs is the world.
	awscdk.Tags_Of(lbGroup).Add(jsii.String(PublicListenerTagKey), jsii.String("tcp/443,tcp/80"), nil)
	b.LoadBalancer = elb.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &elb.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		VpcSubnets:              p.LoadBalancerSubnets,
		InternetFacing:          jsii.Bool(true),
		SecurityGroup:           lbGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		DesyncMitigationMode:    elb.DesyncMitigationMode_STRICTEST,
		DeletionProtection:      jsii.Bool(p.DeletionProtection),
	})
	if !p.DeletionProtection {
		suppressDeletionProtection(b.LoadBalancer)
	}
	b.LoadBalancer.LogAccessLogs(p.AccessLogs, jsii.String(id))

	https := b.LoadBalancer.AddListener(jsii.String("Https"), &elb.BaseApplicationListenerProps{
		Port:         jsii.Number(443),
		Protocol:     elb.ApplicationProtocol_HTTPS,
		Certificates: &[]elb.IListenerCertificate{b.certificate(p)},
		SslPolicy:    elb.SslPolicy_RECOMMENDED_TLS, // TLS 1.3 and 1.2 with forward secrecy only
		Open:         jsii.Bool(false),
	})
	redirect := b.LoadBalancer.AddListener(jsii.String("HttpRedirect"), &elb.BaseApplicationListenerProps{
		Port:     jsii.Number(80),
		Protocol: elb.ApplicationProtocol_HTTP,
		Open:     jsii.Bool(false),
		DefaultAction: elb.ListenerAction_Redirect(&elb.RedirectOptions{
			Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), Permanent: jsii.Bool(true),
		}),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(redirect, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("NIST.800.53.R5-ELBv2ACMCertificateRequired"),
		Reason: jsii.String("This HTTP listener only answers with a permanent redirect to the HTTPS listener; no content is served over it."),
	}}, jsii.Bool(false))
	b.TargetGroup = https.AddTargets(jsii.String("Brokers"), &elb.AddApplicationTargetsProps{
		Port:     jsii.Number(443),
		Protocol: elb.ApplicationProtocol_HTTPS,
		Targets:  &[]elb.IApplicationLoadBalancerTarget{b.Servers.Group},
		HealthCheck: &elb.HealthCheck{
			Path:                    &p.HealthCheckPath,
			Protocol:                elb.Protocol_HTTPS,
			HealthyHttpCodes:        jsii.String("200-399"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
			HealthyThresholdCount:   jsii.Number(3),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		// A broker keeps a user's web session; moving it mid-session would sign the user out.
		StickinessCookieDuration: awscdk.Duration_Hours(jsii.Number(8)),
		DeregistrationDelay:      awscdk.Duration_Seconds(jsii.Number(60)),
	})

	switch p.ScaleOn {
	case BrokerScalingRequests:
		b.Servers.Group.ScaleOnRequestCount(jsii.String("RequestScaling"), &awsautoscaling.RequestCountScalingProps{
			TargetRequestsPerMinute: jsii.Number(float64(p.ScaleTarget)),
		})
	default:
		b.Servers.Group.ScaleOnCpuUtilization(jsii.String("CpuScaling"), &awsautoscaling.CpuUtilizationScalingProps{
			TargetUtilizationPercent: jsii.Number(float64(p.ScaleTarget)),
		})
	}

	b.webAcl(p)
	if p.Domain != "" && p.HostedZone != nil {
		awsroute53.NewARecord(c, jsii.String("Alias"), &awsroute53.ARecordProps{
			Zone:       p.HostedZone,
			RecordName: jsii.String(p.Domain),
			Target:     awsroute53.RecordTarget_FromAlias(awsroute53targets.NewLoadBalancerTarget(b.LoadBalancer, nil)),
		})
	}
	return b
}

func (b *BrokerCluster) certificate(p BrokerClusterProps) elb.IListenerCertificate {
	if p.CertificateArn != "" {
		return elb.ListenerCertificate_FromArn(&p.CertificateArn)
	}
	cert := awscertificatemanager.NewCertificate(b.Construct, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
		DomainName: &p.Domain,
		Validation: awscertificatemanager.CertificateValidation_FromDns(p.HostedZone),
	})
	return elb.ListenerCertificate_FromCertificateManager(cert)
}

// webAcl guards the load balancer with AWS managed rule groups (common exploits, known bad inputs,
// addresses with a bad reputation) and a per-address rate limit, logging blocked requests.
func (b *BrokerCluster) webAcl(p BrokerClusterProps) {
	managed := func(priority int, name string) *awswafv2.CfnWebACL_RuleProperty {
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:           &name,
			Priority:       jsii.Number(float64(priority)),
			OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: &name},
			},
			VisibilityConfig: visibility(name),
		}
	}
	acl := awswafv2.NewCfnWebACL(b.Construct, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility("brokers"),
		Rules: &[]any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerAddress"),
				Priority: jsii.Number(0),
				Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						Limit:            jsii.Number(float64(p.RequestsPerFiveMinutesPerIP)),
						AggregateKeyType: jsii.String("IP"),
					},
				},
				VisibilityConfig: visibility("RateLimitPerAddress"),
			},
			managed(1, "AWSManagedRulesAmazonIpReputationList"),
			managed(2, "AWSManagedRulesCommonRuleSet"),
			managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
		},
	})
	awswafv2.NewCfnWebACLAssociation(b.Construct, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: b.LoadBalancer.LoadBalancerArn(),
		WebAclArn:   acl.AttrArn(),
	})
	// WAF writes only to log groups whose name starts with aws-waf-logs-.
	stack := awscdk.Stack_Of(b.Construct)
	name := p.WebAclLogGroupName
	if name == "" {
		name = fmt.Sprintf("aws-waf-logs-%s-%s", *stack.StackName(), *b.Node().Id())
	}
	logs := NewLogGroup(b.Construct, "WebAclLogs", &LogGroupProps{
		EncryptionKey: p.WebAclLogsKey,
		RetentionDays: p.WebAclLogsRetentionDays,
		LogGroupName:  name,
	})
	logging := awswafv2.NewCfnLoggingConfiguration(b.Construct, jsii.String("WebAclLogging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: acl.AttrArn(),
		// The log group's ARN without the ":*" suffix its Arn attribute carries; WAF wants the bare one.
		LogDestinationConfigs: &[]any{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: &name,
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	})
	logging.Node().AddDependency(logs)
}

func visibility(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               &name,
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}

// Connections is the brokers' security group.
func (b *BrokerCluster) Connections() awsec2.Connections { return b.Servers.Connections() }

// suppressDeletionProtection accepts a load balancer without deletion protection, which callers choose
// for environments meant to be torn down.
func suppressDeletionProtection(lb awsconstructs.IConstruct) {
	cdknag.NagSuppressions_AddResourceSuppressions(lb, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("NIST.800.53.R5-ELBDeletionProtectionEnabled"),
		Reason: jsii.String("Deletion protection is off by the caller's choice (DeletionProtection: false), which editbay makes only for non-production environments that are torn down with their stacks."),
	}}, jsii.Bool(false))
}

// peerOf turns a validated IPv4 or IPv6 CIDR into a security-group peer.
func peerOf(cidr string) awsec2.IPeer {
	if netip.MustParsePrefix(cidr).Addr().Is4() {
		return awsec2.Peer_Ipv4(&cidr)
	}
	return awsec2.Peer_Ipv6(&cidr)
}
