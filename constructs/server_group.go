package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServerGroupProps configures a ServerGroup.
type ServerGroupProps struct {
	// Vpc holds the group. Required.
	Vpc awsec2.IVpc
	// VpcSubnets are where instances run; give one subnet per availability zone to spread over all.
	// Required.
	VpcSubnets *awsec2.SubnetSelection
	// InstanceType of the servers, e.g. "t3.medium". Required.
	InstanceType string
	// MachineImage of the servers. Required.
	MachineImage awsec2.IMachineImage
	// UserData runs at first boot.
	// default: the image's own user data for its OS, empty
	UserData awsec2.UserData
	// MinCapacity and MaxCapacity bound the group; MinCapacity is also the desired count at creation.
	// MaxCapacity must exceed MinCapacity: rolling updates keep MinCapacity in service.
	// default: 2 and 4
	MinCapacity, MaxCapacity int
	// VolumeSizeGiB is the encrypted gp3 root volume's size.
	// default: 30
	VolumeSizeGiB int
	// RootDeviceName is the image's root device.
	// default: /dev/xvda (Amazon Linux); Windows images use /dev/sda1
	RootDeviceName string
	// Notifications receives every launch, termination and failure of the group. Required, so a failing
	// group is never silent.
	Notifications awssns.ITopic
	// HealthCheckGrace is how long a new server may fail load-balancer health checks while it boots.
	// default: 5 minutes
	HealthCheckGrace awscdk.Duration
}

// ServerGroup is a managed Auto Scaling group of servers: a launch template with IMDSv2 only, an
// encrypted gp3 root volume, detailed monitoring, no key pair and no public IP; an instance role that
// Systems Manager can manage (Session Manager replaces SSH); load-balancer health checks; rolling
// updates that keep MinCapacity in service; group metrics and notifications. Its security group has
// no rules until callers grant them through Connections().
type ServerGroup struct {
	awsconstructs.Construct
	Group         awsautoscaling.AutoScalingGroup
	Role          awsiam.Role
	SecurityGroup awsec2.ISecurityGroup
	MinCapacity   int
}

// NewServerGroup creates a ServerGroup.
func NewServerGroup(scope awsconstructs.Construct, id string, props *ServerGroupProps) *ServerGroup {
	if props == nil || props.Vpc == nil || props.VpcSubnets == nil || props.InstanceType == "" || props.MachineImage == nil || props.Notifications == nil {
		panic("NewServerGroup: Vpc, VpcSubnets, InstanceType, MachineImage and Notifications are required")
	}
	p := *props
	p.MinCapacity = orDefault(p.MinCapacity, 2)
	p.MaxCapacity = orDefault(p.MaxCapacity, 4)
	p.VolumeSizeGiB = orDefault(p.VolumeSizeGiB, 30)
	if p.MaxCapacity <= p.MinCapacity {
		panic(fmt.Sprintf("NewServerGroup %s: MaxCapacity %d must exceed MinCapacity %d for rolling updates", id, p.MaxCapacity, p.MinCapacity))
	}
	if p.RootDeviceName == "" {
		p.RootDeviceName = "/dev/xvda"
	}
	if p.HealthCheckGrace == nil {
		p.HealthCheckGrace = awscdk.Duration_Minutes(jsii.Number(5))
	}

	c := awsconstructs.NewConstruct(scope, &id)
	g := &ServerGroup{Construct: c, MinCapacity: p.MinCapacity}
	g.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(id + ": only the rules its callers grant"),
		AllowAllOutbound: jsii.Bool(false),
	})
	g.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String(id + " instances"),
	})
	grantSsmManaged(g.Role)

	template := awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:             awsec2.NewInstanceType(&p.InstanceType),
		MachineImage:             p.MachineImage,
		UserData:                 p.UserData,
		Role:                     g.Role,
		SecurityGroup:            g.SecurityGroup,
		RequireImdsv2:            jsii.Bool(true),
		HttpPutResponseHopLimit:  jsii.Number(1),
		DetailedMonitoring:       jsii.Bool(true),
		AssociatePublicIpAddress: jsii.Bool(false),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: &p.RootDeviceName,
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(p.VolumeSizeGiB)), &awsec2.EbsDeviceOptions{
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:           jsii.Bool(true),
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
	g.Group = awsautoscaling.NewAutoScalingGroup(c, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            p.Vpc,
		VpcSubnets:     p.VpcSubnets,
		LaunchTemplate: template,
		MinCapacity:    jsii.Number(float64(p.MinCapacity)),
		MaxCapacity:    jsii.Number(float64(p.MaxCapacity)),
		HealthChecks: awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     p.HealthCheckGrace,
		}),
		// One server at a time, never below MinCapacity in service.
		UpdatePolicy: awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(float64(p.MinCapacity)),
			PauseTime:             p.HealthCheckGrace,
		}),
		GroupMetrics:  &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		Notifications: &[]*awsautoscaling.NotificationConfiguration{{Topic: p.Notifications}},
	})
	return g
}

// MetricInService is the number of servers in service, the group's own count of healthy capacity.
func (g *ServerGroup) MetricInService() awscloudwatch.Metric {
	return g.metric("AWS/AutoScaling", "GroupInServiceInstances", "Minimum")
}

// MetricCPU is the group's average CPU utilization.
func (g *ServerGroup) MetricCPU() awscloudwatch.Metric {
	return g.metric("AWS/EC2", "CPUUtilization", "Average")
}

// metric is a one-minute metric of the group, by its name.
func (g *ServerGroup) metric(namespace, name, statistic string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     &namespace,
		MetricName:    &name,
		DimensionsMap: &map[string]*string{"AutoScalingGroupName": g.Group.AutoScalingGroupName()},
		Statistic:     &statistic,
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
	})
}

// Connections is the group's security group: grant traffic to and from the servers here.
func (g *ServerGroup) Connections() awsec2.Connections { return g.Group.Connections() }
