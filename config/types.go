// Package config reads, defaults and validates an editbay installation file.
//
// The struct tags are the single source of truth for the file format: `yaml` names the key, `doc`
// describes it, and `required`, `enum`, `pattern`, `minItems`, `minimum`, `maximum` and `default`
// drive defaulting, validation and the published JSON Schema alike.
package config

// Config describes one editbay installation: its name, its cost tags and its environments.
type Config struct {
	Project      string            `yaml:"project" required:"true" pattern:"^[a-z][a-z0-9-]{1,19}$" doc:"Short installation name; prefixes every stack name (lower case, 2-20 characters)."`
	Tags         map[string]string `yaml:"tags" doc:"Cost tags every taggable resource of every environment gets. Project, CostCenter and Owner are required here or per environment; Environment is set from the environment name."`
	Environments []Environment     `yaml:"environments" required:"true" minItems:"1" doc:"The environments of the installation (e.g. stg, prod); each becomes a CDK stage."`
	// AllowedInstanceTypes keeps oversized (costly) types out of workstation pools installation-wide.
	AllowedInstanceTypes []string   `yaml:"allowedInstanceTypes" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" doc:"EC2 instance types workstation pools may use; a pool of any other type fails validation. Required when an environment has an access tier."`
	Governance           Governance `yaml:"governance" doc:"Account-wide guardrails, deployed once per account of the environments (see config/governance.go)."`
	EgressHub            *EgressHub `yaml:"egressHub" doc:"One egress for many accounts: an inspection VPC behind a Transit Gateway, for the environments with egress.mode hub (see config/hub.go)."`
	Cost                 CostModel  `yaml:"cost" doc:"The usage the cost estimate (make cost) assumes: working hours, users, data and logs (see config/cost.go). Nothing is deployed from it."`
}

// Environment is one deployment of the platform: an account, a region and a network.
type Environment struct {
	Name              string            `yaml:"name" required:"true" pattern:"^[a-z][a-z0-9]{0,9}$" doc:"Environment name (lower case letters and digits, at most 10); becomes the stage name, the Environment tag and part of every stack name."`
	Account           string            `yaml:"account" pattern:"^[0-9]{12}$" doc:"AWS account ID. Unset: the account of the deploying credentials (environment-agnostic templates)."`
	Region            string            `yaml:"region" required:"true" pattern:"^[a-z]{2}(-[a-z]+)+-[0-9]$" doc:"AWS region, e.g. ap-northeast-1."`
	AvailabilityZones []string          `yaml:"availabilityZones" required:"true" minItems:"2" doc:"Availability zone names of the region to spread over (at least 2); never looked up at synth time."`
	Production        bool              `yaml:"production" doc:"Production environments retain logs and data on stack deletion and enable termination protection."`
	ClientCidrs       []string          `yaml:"clientCidrs" required:"true" minItems:"1" doc:"IPv4 or IPv6 CIDRs of the client networks allowed to reach the platform's public endpoints."`
	Tags              map[string]string `yaml:"tags" doc:"Cost tags for this environment; override or extend the installation-wide tags."`
	Network           Network           `yaml:"network" required:"true" doc:"The environment's VPC."`
	Access            *Access           `yaml:"access" doc:"The remote-access tier: brokers, gateways and workstation pools. Omit it for an environment without one."`
	Egress            Egress            `yaml:"egress" doc:"Outbound allow-lists enforced by AWS Network Firewall."`
	Workspace         Workspace         `yaml:"workspace" doc:"AppStream 2.0 confidential workspace."`
	Catalog           Catalog           `yaml:"catalog" doc:"Self-service: an AWS Service Catalog portfolio of approved products (see config/catalog.go)."`
}

// Network describes an environment's VPC.
type Network struct {
	VpcCidr                      string      `yaml:"vpcCidr" required:"true" doc:"IPv4 CIDR of the VPC, /16 to /24, not overlapping other environments or client networks."`
	NatMode                      string      `yaml:"natMode" enum:"perAz,single" default:"perAz" doc:"perAz: one NAT gateway per availability zone (zone-independent egress); single: one NAT gateway for the VPC (cheaper, egress fails with its zone)."`
	Subnets                      SubnetMasks `yaml:"subnets" doc:"Prefix lengths of each subnet group's per-zone subnets."`
	FlowLogs                     FlowLogs    `yaml:"flowLogs" doc:"VPC flow logs of all traffic."`
	AdditionalInterfaceEndpoints []string    `yaml:"additionalInterfaceEndpoints" pattern:"^[a-z0-9][a-z0-9.-]*[a-z0-9]$" doc:"Interface endpoints beyond ssm, ssmmessages and ec2messages, by AWS service short name (e.g. logs, kms, secretsmanager)."`
}

// SubnetMasks sets the size of each subnet group's subnets; zero means the default.
// Groups are allocated in this order (public, private, isolated, firewall) from the start of the VPC CIDR.
type SubnetMasks struct {
	Public   int `yaml:"public" minimum:"16" maximum:"28" default:"24" doc:"Public subnets: NAT gateways, load balancers, remote-access gateways."`
	Private  int `yaml:"private" minimum:"16" maximum:"28" default:"20" doc:"Private subnets with egress: brokers, workstations, AppStream fleets."`
	Isolated int `yaml:"isolated" minimum:"16" maximum:"28" default:"24" doc:"Isolated subnets without a route out: databases."`
	Firewall int `yaml:"firewall" minimum:"16" maximum:"28" default:"28" doc:"Address space reserved for the egress firewall's per-zone subnets."`
}

// FlowLogs says where the VPC's flow logs go and how long they are kept.
type FlowLogs struct {
	Destination   string `yaml:"destination" enum:"cloudWatchLogs,s3" default:"cloudWatchLogs" doc:"cloudWatchLogs: a KMS-encrypted log group (searchable, pricier); s3: a KMS-encrypted bucket (cheap, for long retention)."`
	RetentionDays int    `yaml:"retentionDays" minimum:"1" default:"365" doc:"Days flow logs are kept. For cloudWatchLogs one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653); for s3 any number of days before objects expire."`
}

// Mandatory cost tags: every environment must end up with each of these.
const (
	TagProject     = "Project"
	TagEnvironment = "Environment"
	TagCostCenter  = "CostCenter"
	TagOwner       = "Owner"
)

// NatGateways is how many NAT gateways the environment's network runs: one per zone, or one in all
// for natMode single. The network stack, the cost estimate and the diagram all count them here.
func (e Environment) NatGateways() int {
	if e.Network.NatMode == NatSingle {
		return 1
	}
	return len(e.AvailabilityZones)
}

// Flow-log destinations and NAT modes, as written in the config.
const (
	FlowLogsToCloudWatch = "cloudWatchLogs"
	FlowLogsToS3         = "s3"
	NatPerAz             = "perAz"
	NatSingle            = "single"
)
