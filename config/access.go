package config

import "strings"

// Access is an environment's remote-access tier, the Leostream pattern: a connection-broker cluster
// sharing an Aurora PostgreSQL database, a gateway tier in the public subnets, and workstation pools in
// the private subnets that admit only gateway and broker traffic.
type Access struct {
	Broker     Broker     `yaml:"broker" required:"true" doc:"The connection-broker cluster: an Auto Scaling group behind an internet-facing HTTPS load balancer."`
	Database   Database   `yaml:"database" doc:"The Aurora PostgreSQL cluster the brokers share."`
	Gateway    Gateway    `yaml:"gateway" doc:"The gateway tier that relays display protocols from client networks to workstations."`
	Pools      []Pool     `yaml:"pools" required:"true" minItems:"1" doc:"Workstation pools, each with its own launch template."`
	Directory  *Directory `yaml:"directory" doc:"An AWS Managed Microsoft AD the workstations join. Omit it to bring your own directory."`
	PoolScaler PoolScaler `yaml:"poolScaler" doc:"The function that keeps each pool's ready workstations, hands them out and stops idle ones."`
	// AlarmEmails are subscribed to the tier's alarm topic; each address must confirm the subscription.
	AlarmEmails []string `yaml:"alarmEmails" pattern:"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$" doc:"Email addresses subscribed to the tier's alarm topic (each must confirm)."`
}

// Image chooses an AMI: a public or private SSM parameter resolved at deploy time, or an AMI ID per
// region.
type Image struct {
	SsmParameter string            `yaml:"ssmParameter" pattern:"^/[A-Za-z0-9_./-]+$" doc:"SSM parameter holding the AMI ID, resolved at deploy time (e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)."`
	Ids          map[string]string `yaml:"ids" doc:"AMI ID per region (e.g. ap-northeast-1: ami-0123456789abcdef0); must include the environment's region."`
	Os           string            `yaml:"os" enum:"linux,windows" default:"linux" doc:"Operating system of the image; chooses the user-data format."`
}

// Broker is the connection-broker cluster.
type Broker struct {
	InstanceType    string      `yaml:"instanceType" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" default:"t3.medium" doc:"EC2 instance type of the brokers."`
	Image           Image       `yaml:"image" doc:"Broker AMI. Default: the Amazon Linux 2023 x86_64 public parameter; use an image with the broker software installed, or install it with userData."`
	MinCapacity     int         `yaml:"minCapacity" minimum:"2" default:"2" doc:"Fewest brokers; at least 2 so a zone can fail."`
	MaxCapacity     int         `yaml:"maxCapacity" minimum:"2" default:"4" doc:"Most brokers the cluster scales out to."`
	VolumeSizeGiB   int         `yaml:"volumeSizeGiB" minimum:"8" maximum:"16384" default:"30" doc:"Root volume size (encrypted gp3)."`
	Scaling         Scaling     `yaml:"scaling" doc:"Target tracking of the broker group."`
	Certificate     Certificate `yaml:"certificate" required:"true" doc:"The HTTPS certificate of the broker load balancer: an ACM certificate ARN, or a domain to issue one for."`
	AgentPort       int         `yaml:"agentPort" minimum:"1" maximum:"65535" default:"8080" doc:"TCP port of the broker agent on workstations (Leostream Agent: 8080); brokers reach workstations only there."`
	HealthCheckPath string      `yaml:"healthCheckPath" pattern:"^/" default:"/" doc:"HTTPS path the load balancer checks on each broker."`
	UserData        []string    `yaml:"userData" doc:"Shell commands appended to the brokers' user data, e.g. to install the broker software."`
}

// Scaling is a target-tracking policy.
type Scaling struct {
	Metric string `yaml:"metric" enum:"cpu,requestCount" default:"cpu" doc:"cpu: average CPU utilization in percent; requestCount: load-balancer requests per broker per minute."`
	Target int    `yaml:"target" minimum:"1" default:"60" doc:"Target value of the metric (percent for cpu, at most 100)."`
}

// Certificate names the broker load balancer's certificate.
type Certificate struct {
	Arn          string `yaml:"arn" pattern:"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$" doc:"ARN of an ACM certificate in the environment's region."`
	Domain       string `yaml:"domain" pattern:"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$" doc:"Domain name to issue an ACM certificate for, validated through DNS."`
	HostedZoneId string `yaml:"hostedZoneId" pattern:"^Z[A-Z0-9]{1,31}$" doc:"Route 53 public hosted zone of domain's parent. Set: validation records and an alias to the load balancer are created there. Unset: add the validation record shown in the ACM console by hand during the first deployment, and point the domain at the load balancer yourself."`
	HostedZone   string `yaml:"hostedZone" pattern:"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$" doc:"Name of the hosted zone hostedZoneId identifies (e.g. example.com); required with hostedZoneId."`
}

// Database is the brokers' Aurora PostgreSQL cluster.
type Database struct {
	Mode                string  `yaml:"mode" enum:"provisioned,serverless" default:"provisioned" doc:"provisioned: a writer and a reader instance of instanceClass; serverless: Aurora Serverless v2 writer and reader scaling between minCapacity and maxCapacity."`
	EngineVersion       string  `yaml:"engineVersion" pattern:"^[0-9]+\\.[0-9]+$" default:"16.11" doc:"Aurora PostgreSQL engine version (major.minor) AWS offers for new clusters; see the README for how to list them."`
	InstanceClass       string  `yaml:"instanceClass" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" default:"r6g.large" doc:"Instance class of provisioned instances, without the db. prefix."`
	MinCapacity         float64 `yaml:"minCapacity" default:"0.5" doc:"Serverless v2 minimum in Aurora capacity units (0.5 steps, 0 to 256)."`
	MaxCapacity         float64 `yaml:"maxCapacity" default:"4" doc:"Serverless v2 maximum in Aurora capacity units (0.5 steps, 1 to 256)."`
	BackupRetentionDays int     `yaml:"backupRetentionDays" minimum:"7" maximum:"35" default:"7" doc:"Days automated backups are kept."`
	LogRetentionDays    int     `yaml:"logRetentionDays" minimum:"1" default:"365" doc:"Days the exported PostgreSQL logs are kept in CloudWatch Logs (a CloudWatch retention value)."`
}

// Gateway is the gateway tier.
type Gateway struct {
	InstanceType string   `yaml:"instanceType" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" default:"t3.medium" doc:"EC2 instance type of the gateways."`
	Image        Image    `yaml:"image" doc:"Gateway AMI. Default: the Amazon Linux 2023 x86_64 public parameter."`
	MinCapacity  int      `yaml:"minCapacity" minimum:"2" default:"2" doc:"Fewest gateways; at least 2 so a zone can fail."`
	MaxCapacity  int      `yaml:"maxCapacity" minimum:"2" default:"4" doc:"Most gateways the tier scales out to."`
	CpuTarget    int      `yaml:"cpuTarget" minimum:"1" maximum:"100" default:"60" doc:"Average CPU utilization (percent) the gateway group tracks."`
	Protocols    []string `yaml:"protocols" enum:"dcv,rdp,vnc,ssh,pcoip" doc:"Display protocols clients may use: dcv (NICE DCV, 8443 TCP and UDP), rdp (3389), vnc (5900), ssh (22), or pcoip (Teradici PCoIP, 443 and 4172 TCP and UDP) alone. Default: [dcv]."`
	UserData     []string `yaml:"userData" doc:"Shell commands appended to the gateways' user data, e.g. to install the gateway software."`
}

// Pool is a set of interchangeable workstations.
type Pool struct {
	Name           string `yaml:"name" required:"true" pattern:"^[a-z][a-z0-9-]{0,19}$" doc:"Pool name (lower case, at most 20 characters); tags its workstations."`
	InstanceType   string `yaml:"instanceType" required:"true" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" doc:"EC2 instance type; must be in allowedInstanceTypes."`
	Image          Image  `yaml:"image" required:"true" doc:"Workstation AMI."`
	VolumeSizeGiB  int    `yaml:"volumeSizeGiB" minimum:"8" maximum:"16384" default:"100" doc:"Root volume size (gp3, encrypted with the workstations' key)."`
	DirectoryGroup string `yaml:"directoryGroup" required:"true" doc:"Directory group whose members may use the pool."`
	MinAvailable   int    `yaml:"minAvailable" minimum:"0" doc:"Idle, unassigned workstations kept ready."`
	MaxSize        int    `yaml:"maxSize" required:"true" minimum:"1" doc:"Most workstations the pool may hold."`
	// The fields below drive the pool scaler (config/poolscaler.go).
	MaxAvailable          int            `yaml:"maxAvailable" minimum:"0" doc:"Most idle, unassigned workstations kept; the oldest beyond it are terminated. 0 (default): no cap."`
	WarmState             string         `yaml:"warmState" enum:"running,stopped" default:"running" doc:"running: ready workstations run (instant claims); stopped: they are kept stopped (cheaper) and started on claim."`
	Schedules             []PoolSchedule `yaml:"schedules" doc:"Windows of the week with another minAvailable (e.g. more ready workstations during working hours); the highest active one applies."`
	FallbackInstanceTypes []string       `yaml:"fallbackInstanceTypes" pattern:"^[a-z][a-z0-9-]*\\.[a-z0-9]+$" doc:"Instance types launched, in order, when no zone has capacity for instanceType; each must be in allowedInstanceTypes."`
	StopAfterLogoff       string         `yaml:"stopAfterLogoff" default:"1h" doc:"Go duration after which an assigned workstation whose user logged off is stopped (it stays assigned); \"0\" turns it off. At least 1m."`
	StopAfterIdle         string         `yaml:"stopAfterIdle" doc:"Go duration after which an assigned workstation whose session is disconnected (the user left without logging off) is stopped. Unset or \"0\": off. At least 1m."`
	TerminateAfterStopped string         `yaml:"terminateAfterStopped" doc:"Go duration after which an assigned workstation stopped that long is released and terminated. Unset or \"0\": off. At least 1m."`
}

// PoolSchedule raises (or lowers) a pool's minAvailable during a window of the week.
type PoolSchedule struct {
	Days         string `yaml:"days" pattern:"^(MON|TUE|WED|THU|FRI|SAT|SUN)(-(MON|TUE|WED|THU|FRI|SAT|SUN))?(,(MON|TUE|WED|THU|FRI|SAT|SUN)(-(MON|TUE|WED|THU|FRI|SAT|SUN))?)*$" default:"MON-FRI" doc:"Days the window starts, cron style: ranges and lists (MON-FRI, SAT,SUN, FRI-MON)."`
	Start        string `yaml:"start" required:"true" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" doc:"Local time the window starts (HH:MM)."`
	End          string `yaml:"end" required:"true" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" doc:"Local time the window ends (HH:MM); before start, the window runs past midnight into the next day."`
	Timezone     string `yaml:"timezone" default:"UTC" doc:"IANA time zone of start and end (e.g. Asia/Tokyo); daylight saving time is followed."`
	MinAvailable int    `yaml:"minAvailable" minimum:"0" doc:"minAvailable while the window is open."`
}

// PoolScaler configures the pool scaler function.
type PoolScaler struct {
	IntervalMinutes int    `yaml:"intervalMinutes" minimum:"1" maximum:"60" default:"1" doc:"Minutes between reconciles of the pools."`
	Mode            string `yaml:"mode" enum:"enforce,dryRun" default:"enforce" doc:"enforce: launch, start, stop and terminate workstations; dryRun: log the plan, change nothing (claims still work)."`
}

// Directory is an AWS Managed Microsoft AD.
type Directory struct {
	Name      string  `yaml:"name" required:"true" pattern:"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$" doc:"Fully qualified domain name, e.g. corp.example.com."`
	ShortName string  `yaml:"shortName" pattern:"^[A-Z0-9][A-Z0-9-]{0,14}$" doc:"NetBIOS name (upper case, at most 15 characters). Default: the first label of name, upper case."`
	Edition   string  `yaml:"edition" enum:"Standard,Enterprise" default:"Standard" doc:"Standard (up to about 30,000 objects) or Enterprise."`
	Radius    *Radius `yaml:"radius" doc:"RADIUS multi-factor authentication for the directory. Omit it to leave MFA off."`
}

// Radius configures multi-factor authentication of directory users through RADIUS servers.
type Radius struct {
	Servers          []string `yaml:"servers" required:"true" minItems:"1" doc:"IPv4 addresses of the RADIUS servers (reachable from the directory's subnets)."`
	Port             int      `yaml:"port" minimum:"1025" maximum:"65535" default:"1812" doc:"UDP port of the RADIUS servers."`
	TimeoutSeconds   int      `yaml:"timeoutSeconds" minimum:"1" maximum:"50" default:"5" doc:"Seconds to wait for a RADIUS answer."`
	Retries          int      `yaml:"retries" minimum:"1" maximum:"10" default:"4" doc:"Retries of an unanswered RADIUS request."`
	Protocol         string   `yaml:"protocol" enum:"PAP,CHAP,MS-CHAPv1,MS-CHAPv2" default:"PAP" doc:"RADIUS authentication protocol."`
	DisplayLabel     string   `yaml:"displayLabel" pattern:"^[A-Za-z0-9 ]{1,64}$" default:"MFA" doc:"Label users see for the MFA code field."`
	SharedSecretName string   `yaml:"sharedSecretName" required:"true" pattern:"^[A-Za-z0-9/_+=.@-]{1,512}$" doc:"Name of the Secrets Manager secret (created by you) whose value is the RADIUS shared secret; it never appears in a template."`
}

// Display protocols of the gateway tier.
const (
	ProtocolDCV   = "dcv"
	ProtocolRDP   = "rdp"
	ProtocolVNC   = "vnc"
	ProtocolSSH   = "ssh"
	ProtocolPCoIP = "pcoip"
)

// Database modes and scaling metrics, as written in the config.
const (
	DatabaseProvisioned = "provisioned"
	DatabaseServerless  = "serverless"
	ScaleOnCPU          = "cpu"
	ScaleOnRequests     = "requestCount"
	OsLinux             = "linux"
	OsWindows           = "windows"
)

// DefaultLinuxImage is the public SSM parameter of the latest Amazon Linux 2023 x86_64 AMI.
const DefaultLinuxImage = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// fillDefaults sets the defaults struct tags cannot express: images and protocol lists. An image
// without ssmParameter or ids gets the default parameter; a protocol list the file gives, even an
// empty one, is kept (and an empty one refused by validation).
func (a *Access) fillDefaults(given func(string) bool) {
	for _, img := range []*Image{&a.Broker.Image, &a.Gateway.Image} {
		if img.SsmParameter == "" && len(img.Ids) == 0 {
			img.SsmParameter = DefaultLinuxImage
		}
	}
	if !given("gateway.protocols") {
		a.Gateway.Protocols = []string{ProtocolDCV}
	}
}

// fillDefaults derives the NetBIOS name from the domain name.
func (d *Directory) fillDefaults(given func(string) bool) {
	if !given("shortName") && d.Name != "" {
		label, _, _ := strings.Cut(d.Name, ".")
		d.ShortName = strings.ToUpper(label[:min(len(label), 15)])
	}
}
