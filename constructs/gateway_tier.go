package constructs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elb "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DisplayProtocol is a remote-display protocol the gateway tier relays.
type DisplayProtocol string

// The display protocols a gateway tier can relay.
const (
	ProtocolDCV   DisplayProtocol = "dcv"   // NICE DCV: 8443 TCP and UDP (QUIC)
	ProtocolRDP   DisplayProtocol = "rdp"   // 3389 TCP
	ProtocolVNC   DisplayProtocol = "vnc"   // 5900 TCP
	ProtocolSSH   DisplayProtocol = "ssh"   // 22 TCP
	ProtocolPCoIP DisplayProtocol = "pcoip" // Teradici PCoIP: 443 TCP, 4172 TCP and UDP
)

// ProtocolPort is a port a display protocol uses, and whether it also uses UDP on it.
type ProtocolPort struct {
	Port int
	UDP  bool // TCP and UDP; false: TCP only
}

// Ports returns the ports protocol uses.
func (p DisplayProtocol) Ports() []ProtocolPort {
	switch p {
	case ProtocolDCV:
		return []ProtocolPort{{8443, true}}
	case ProtocolRDP:
		return []ProtocolPort{{3389, false}}
	case ProtocolVNC:
		return []ProtocolPort{{5900, false}}
	case ProtocolSSH:
		return []ProtocolPort{{22, false}}
	case ProtocolPCoIP:
		return []ProtocolPort{{443, false}, {4172, true}}
	}
	panic(fmt.Sprintf("unknown display protocol %q", string(p)))
}

// PublicListenerTagKey declares on a security group the ports it serves to the whole internet on
// purpose ("tcp/443,udp/4172"); the security-group guardrail keeps world-open ingress on exactly
// those ports and revokes any other.
const PublicListenerTagKey = "editbay:public-listener"

// listenerPorts is the PublicListenerTagKey value of protocols' ports.
func listenerPorts(protocols []DisplayProtocol) string {
	var ports []string
	for _, proto := range protocols {
		for _, port := range proto.Ports() {
			ports = append(ports, fmt.Sprintf("tcp/%d", port.Port))
			if port.UDP {
				ports = append(ports, fmt.Sprintf("udp/%d", port.Port))
			}
		}
	}
	return strings.Join(ports, ",")
}

// AllowProtocols admits from peer every port of protocols on connections (TCP, and UDP where used).
func AllowProtocols(connections awsec2.Connections, peer awsec2.IPeer, protocols []DisplayProtocol, from string) {
	for _, proto := range protocols {
		for _, port := range proto.Ports() {
			n := jsii.Number(float64(port.Port))
			connections.AllowFrom(peer, awsec2.Port_Tcp(n), jsii.String(fmt.Sprintf("%s (%d/tcp) from %s", proto, port.Port, from)))
			if port.UDP {
				connections.AllowFrom(peer, awsec2.Port_Udp(n), jsii.String(fmt.Sprintf("%s (%d/udp) from %s", proto, port.Port, from)))
			}
		}
	}
}

// GatewayTierProps configures a GatewayTier.
type GatewayTierProps struct {
	// Vpc holds the tier. Required.
	Vpc awsec2.IVpc
	// VpcSubnets are the public subnets, one per zone, of the load balancer and the gateways. Required.
	VpcSubnets *awsec2.SubnetSelection
	// ClientCidrs may connect. Required.
	ClientCidrs []string
	// Protocols are relayed; each opens its ports on the load balancer. Required.
	Protocols []DisplayProtocol
	// InstanceType, MachineImage, UserData, MinCapacity, MaxCapacity, VolumeSizeGiB: see ServerGroupProps.
	InstanceType             string
	MachineImage             awsec2.IMachineImage
	UserData                 awsec2.UserData
	MinCapacity, MaxCapacity int
	VolumeSizeGiB            int
	// CpuTarget is the average CPU utilization the group tracks.
	// default: 60
	CpuTarget int
	// AccessLogs receives the load balancer's access logs. Required.
	AccessLogs awss3.IBucket
	// Notifications receives the group's scaling events. Required.
	Notifications awssns.ITopic
	// DeletionProtection keeps the load balancer from being deleted until it is turned off.
	// default: false
	DeletionProtection bool
}

// GatewayTier relays display protocols from client networks to workstations: gateways in an Auto
// Scaling group over every zone's public subnet (without public addresses) behind an internet-facing
// Network Load Balancer. The load balancer's security group admits only the client networks on the
// enabled protocols' ports, and the gateways admit only the load balancer, so nothing reaches a gateway
// that a client network did not send.
type GatewayTier struct {
	awsconstructs.Construct
	Servers      *ServerGroup
	LoadBalancer elb.NetworkLoadBalancer
	TargetGroups []elb.NetworkTargetGroup
	Protocols    []DisplayProtocol
}

// NewGatewayTier creates a GatewayTier.
func NewGatewayTier(scope awsconstructs.Construct, id string, props *GatewayTierProps) *GatewayTier {
	if props == nil || props.Vpc == nil || props.VpcSubnets == nil || len(props.ClientCidrs) == 0 || len(props.Protocols) == 0 || props.AccessLogs == nil || props.Notifications == nil {
		panic("NewGatewayTier: Vpc, VpcSubnets, ClientCidrs, Protocols, AccessLogs and Notifications are required")
	}
	p := *props
	p.CpuTarget = orDefault(p.CpuTarget, 60)
	c := awsconstructs.NewConstruct(scope, &id)
	g := &GatewayTier{Construct: c, Protocols: slices.Clone(p.Protocols)}
	g.Servers = NewServerGroup(c, "Gateways", &ServerGroupProps{
		Vpc: p.Vpc, VpcSubnets: p.VpcSubnets,
		InstanceType: p.InstanceType, MachineImage: p.MachineImage, UserData: p.UserData,
		MinCapacity: p.MinCapacity, MaxCapacity: p.MaxCapacity, VolumeSizeGiB: p.VolumeSizeGiB,
		Notifications: p.Notifications,
	})
	// Gateways reach AWS APIs (Systems Manager) over HTTPS through the VPC's interface endpoints.
	g.Servers.SecurityGroup.AddEgressRule(awsec2.Peer_Ipv4(p.Vpc.VpcCidrBlock()), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to the VPC's interface endpoints"), nil)
	g.Servers.Group.ScaleOnCpuUtilization(jsii.String("CpuScaling"), &awsautoscaling.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(float64(p.CpuTarget)),
	})

	lbGroup := awsec2.NewSecurityGroup(c, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(id + " load balancer: display protocols from client networks only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, cidr := range p.ClientCidrs {
		AllowProtocols(lbGroup.Connections(), peerOf(cidr), p.Protocols, cidr)
	}
	// Declared listeners: the guardrails keep these ports open even when clientCidrs is the world.
	awscdk.Tags_Of(lbGroup).Add(jsii.String(PublicListenerTagKey), jsii.String(listenerPorts(p.Protocols)), nil)
	g.LoadBalancer = elb.NewNetworkLoadBalancer(c, jsii.String("LoadBalancer"), &elb.NetworkLoadBalancerProps{
		Vpc:                p.Vpc,
		VpcSubnets:         p.VpcSubnets,
		InternetFacing:     jsii.Bool(true),
		SecurityGroups:     &[]awsec2.ISecurityGroup{lbGroup},
		CrossZoneEnabled:   jsii.Bool(true),
		DeletionProtection: jsii.Bool(p.DeletionProtection),
	})
	if !p.DeletionProtection {
		suppressDeletionProtection(g.LoadBalancer)
	}
	g.LoadBalancer.LogAccessLogs(p.AccessLogs, jsii.String(id))
	// The load balancer forwards and health-checks on the same ports it listens on.
	AllowProtocols(g.Servers.Connections(), lbGroup, p.Protocols, id+" load balancer")

	for _, proto := range p.Protocols {
		for _, port := range proto.Ports() {
			protocol := elb.Protocol_TCP
			if port.UDP {
				protocol = elb.Protocol_TCP_UDP
			}
			name := fmt.Sprintf("%s%d", proto, port.Port)
			listener := g.LoadBalancer.AddListener(jsii.String(name), &elb.BaseNetworkListenerProps{
				Port:     jsii.Number(float64(port.Port)),
				Protocol: protocol,
			})
			cdknag.NagSuppressions_AddResourceSuppressions(listener, &[]*cdknag.NagPackSuppression{{
				Id:     jsii.String("NIST.800.53.R5-ELBv2ACMCertificateRequired"),
				Reason: jsii.String("Display protocols are passed through unterminated: DCV, RDP, SSH and PCoIP encrypt end to end between client and gateway, and a TLS listener cannot carry their UDP or their own handshakes."),
			}}, jsii.Bool(false))
			tg := listener.AddTargets(jsii.String(name), &elb.AddNetworkTargetsProps{
				Port:     jsii.Number(float64(port.Port)),
				Protocol: protocol,
				Targets:  &[]elb.INetworkLoadBalancerTarget{g.Servers.Group},
				HealthCheck: &elb.HealthCheck{
					Protocol: elb.Protocol_TCP,
					Interval: awscdk.Duration_Seconds(jsii.Number(10)),
				},
				DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(30)),
			})
			g.TargetGroups = append(g.TargetGroups, tg)
		}
	}
	return g
}

// Connections is the gateways' security group: grant their traffic to workstations here.
func (g *GatewayTier) Connections() awsec2.Connections { return g.Servers.Connections() }
