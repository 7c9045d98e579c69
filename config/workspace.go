package config

import (
	"regexp"
	"strings"
)

// Workspace is an environment's AppStream 2.0 confidential workspace: a fleet in the private subnets
// (egress only through the firewall), a locked-down stack, a data bucket and SAML access.
type Workspace struct {
	Enabled                      bool          `yaml:"enabled" doc:"Create the Workspace stack. Needs egress.enabled, so the fleet reaches the internet only through the allow-lists."`
	Image                        string        `yaml:"image" doc:"AppStream image name (e.g. AppStream-WinServer2022-06-17-2025) or image ARN. Required when enabled."`
	InstanceType                 string        `yaml:"instanceType" pattern:"^stream\\.[a-z0-9-]+\\.[a-z0-9]+$" default:"stream.standard.medium" doc:"Streaming instance type."`
	FleetType                    string        `yaml:"fleetType" enum:"ON_DEMAND,ALWAYS_ON" default:"ON_DEMAND" doc:"ON_DEMAND: instances start when users connect (cheaper, 1-2 minutes to start); ALWAYS_ON: instant, billed while running."`
	StreamView                   string        `yaml:"streamView" enum:"APP,DESKTOP" default:"DESKTOP" doc:"What users see: the applications only, or the instance's desktop."`
	MinCapacity                  int           `yaml:"minCapacity" minimum:"0" maximum:"500" doc:"Fewest instances Application Auto Scaling keeps (0 lets an on-demand fleet scale to none)."`
	MaxCapacity                  int           `yaml:"maxCapacity" minimum:"1" maximum:"500" default:"5" doc:"Most instances, so the cost is bounded."`
	TargetUtilization            int           `yaml:"targetUtilizationPercent" minimum:"10" maximum:"95" default:"75" doc:"Target capacity utilization (sessions in use / instances) for target-tracking scaling."`
	BusinessHours                BusinessHours `yaml:"businessHours" doc:"Optional scheduled scaling: a higher minimum during working hours."`
	MaxSessionMinutes            int           `yaml:"maxSessionMinutes" minimum:"10" maximum:"7200" default:"480" doc:"Longest streaming session."`
	DisconnectTimeoutMinutes     int           `yaml:"disconnectTimeoutMinutes" minimum:"1" maximum:"6000" default:"15" doc:"How long a disconnected session is kept for the user to reconnect."`
	IdleDisconnectTimeoutMinutes int           `yaml:"idleDisconnectTimeoutMinutes" minimum:"1" maximum:"60" default:"15" doc:"Idle time before the user is disconnected."`
	FileUpload                   bool          `yaml:"fileUpload" doc:"Allow uploading files into sessions (default: disabled)."`
	Printing                     bool          `yaml:"printing" doc:"Allow printing to the local device (default: disabled)."`
	AccessFromVpcOnly            bool          `yaml:"accessFromVpcOnly" doc:"Stream only through an interface VPC endpoint (users reach it over VPN or Direct Connect), never over the internet."`
	EndpointClientCidrs          []string      `yaml:"endpointClientCidrs" doc:"With accessFromVpcOnly: the secure area's networks as the streaming endpoint sees them (over VPN or Direct Connect, often private addresses). Default: secureAreaCidrs."`
	DataPrefix                   string        `yaml:"dataPrefix" pattern:"^[a-zA-Z0-9][a-zA-Z0-9_./-]*/$" default:"data/" doc:"Prefix of the data bucket that sessions copy in at start; the fleet role can read only this prefix."`
	DataExpirationDays           int           `yaml:"dataExpirationDays" minimum:"1" maximum:"3650" default:"30" doc:"Days after which data-bucket objects expire."`
	SamlProviderName             string        `yaml:"samlProviderName" pattern:"^[a-zA-Z0-9._-]{1,128}$" doc:"IAM SAML identity provider (IAM Identity Center application) users federate through. Required when enabled."`
	SecureAreaCidrs              []string      `yaml:"secureAreaCidrs" doc:"Public source networks (aws:SourceIp at sign-in) from which users may start streaming sessions. Required when enabled."`
	FederationSessionHours       int           `yaml:"federationSessionHours" minimum:"1" maximum:"12" default:"1" doc:"Longest federated console session of the streaming role."`
	DataStewards                 []string      `yaml:"dataStewards" doc:"IAM role ARNs (in the environment's account) of the people or pipelines who put confidential data into the data bucket. Besides the fleet and the image builder they are the only principals the data bucket and key admit, and only from secureAreaCidrs or through the VPC; editbay attaches the data-steward policy to these roles."`
	ImageBuilder                 ImageBuilder  `yaml:"imageBuilder" doc:"Optional image builder in the private subnets, to bake the session scripts into an image."`
}

// BusinessHours raises the fleet's minimum during working hours.
type BusinessHours struct {
	MinCapacity int    `yaml:"minCapacity" minimum:"0" maximum:"500" doc:"Minimum during working hours; 0 (default) turns scheduled scaling off."`
	Days        string `yaml:"days" pattern:"^(MON|TUE|WED|THU|FRI|SAT|SUN)(-(MON|TUE|WED|THU|FRI|SAT|SUN))?(,(MON|TUE|WED|THU|FRI|SAT|SUN))*$" default:"MON-FRI" doc:"Days of week, cron style (MON-FRI)."`
	StartHour   int    `yaml:"startHour" minimum:"0" maximum:"23" default:"8" doc:"Hour the working-hours minimum starts."`
	EndHour     int    `yaml:"endHour" minimum:"1" maximum:"23" default:"20" doc:"Hour the minimum drops back."`
	Timezone    string `yaml:"timezone" pattern:"^[A-Za-z_]+(/[A-Za-z_+-]+)*$" default:"UTC" doc:"IANA time zone of the hours (e.g. Asia/Tokyo)."`
}

// ImageBuilder is an optional AppStream image builder.
type ImageBuilder struct {
	Enabled      bool   `yaml:"enabled" doc:"Create an image builder."`
	Image        string `yaml:"image" doc:"Base image name or ARN (default: the fleet's image)."`
	InstanceType string `yaml:"instanceType" pattern:"^stream\\.[a-z0-9-]+\\.[a-z0-9]+$" default:"stream.standard.medium" doc:"Image builder instance type."`
}

// ImageIsArn says whether an image reference is an ARN rather than a name.
func ImageIsArn(image string) bool { return strings.HasPrefix(image, "arn:") }

func checkWorkspace(e Environment, p string, ps *Problems) {
	w := e.Workspace
	if !w.Enabled {
		return
	}
	if !e.Egress.Enabled {
		ps.add(p+".enabled", "the fleet must egress only through the firewall; set egress.enabled: true")
	}
	if w.Image == "" {
		ps.add(p+".image", "is required when the workspace is enabled")
	} else {
		checkAppStreamImage(w.Image, p+".image", ps)
	}
	checkListed(w.InstanceType, awsFacts().AppStreamInstanceTypes, "AppStream instance type", p+".instanceType", ps)
	if w.ImageBuilder.Enabled {
		checkListed(w.ImageBuilder.InstanceType, awsFacts().AppStreamInstanceTypes, "AppStream instance type", p+".imageBuilder.instanceType", ps)
	}
	if w.ImageBuilder.Image != "" {
		checkAppStreamImage(w.ImageBuilder.Image, p+".imageBuilder.image", ps)
	}
	if w.SamlProviderName == "" {
		ps.add(p+".samlProviderName", "is required when the workspace is enabled")
	}
	if len(w.SecureAreaCidrs) == 0 {
		ps.add(p+".secureAreaCidrs", "need at least 1 when the workspace is enabled: streaming opens only from these networks")
	}
	for j, s := range w.SecureAreaCidrs {
		if pfx, ok := parseCIDR(s, index(p+".secureAreaCidrs", j), ps); ok && pfx.Bits() == 0 {
			ps.add(index(p+".secureAreaCidrs", j), "%q is the whole internet; name the secure area's networks", s)
		}
	}
	for j, s := range w.EndpointClientCidrs {
		if pfx, ok := parseCIDR(s, index(p+".endpointClientCidrs", j), ps); ok && pfx.Bits() == 0 {
			ps.add(index(p+".endpointClientCidrs", j), "%q is the whole internet; name the secure area's networks", s)
		}
	}
	if len(w.EndpointClientCidrs) > 0 && !w.AccessFromVpcOnly {
		ps.add(p+".endpointClientCidrs", "is set but accessFromVpcOnly is false, so there is no streaming endpoint")
	}
	dupIn(w.DataStewards, p+".dataStewards", ps)
	for j, arn := range w.DataStewards {
		checkRoleArn(arn, e.Account, index(p+".dataStewards", j), ps)
	}
	if w.MinCapacity > w.MaxCapacity {
		ps.add(p+".minCapacity", "%d is above maxCapacity %d", w.MinCapacity, w.MaxCapacity)
	}
	if w.FleetType == "ALWAYS_ON" && w.MinCapacity == 0 {
		ps.add(p+".minCapacity", "an ALWAYS_ON fleet needs at least 1 instance")
	}
	bh := w.BusinessHours
	checkTimezone(bh.Timezone, p+".businessHours.timezone", ps)
	if bh.MinCapacity > 0 {
		if bh.MinCapacity > w.MaxCapacity {
			ps.add(p+".businessHours.minCapacity", "%d is above maxCapacity %d", bh.MinCapacity, w.MaxCapacity)
		}
		if bh.StartHour >= bh.EndHour {
			ps.add(p+".businessHours.endHour", "%d is not after startHour %d", bh.EndHour, bh.StartHour)
		}
	}
	if w.IdleDisconnectTimeoutMinutes > w.MaxSessionMinutes {
		ps.add(p+".idleDisconnectTimeoutMinutes", "%d is longer than maxSessionMinutes %d", w.IdleDisconnectTimeoutMinutes, w.MaxSessionMinutes)
	}
}

func checkAppStreamImage(image, p string, ps *Problems) {
	if ImageIsArn(image) {
		if !strings.Contains(image, ":appstream:") || !strings.Contains(image, ":image/") {
			ps.add(p, "%q is not an AppStream image ARN (arn:aws:appstream:<region>:<account>:image/<name>)", image)
		}
		return
	}
	for _, r := range image {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			ps.add(p, "%q is not an AppStream image name (letters, digits, . _ -)", image)
			return
		}
	}
}

// checkRoleArn reports a value that is not an IAM role ARN AWS accepts (role names are 1-64 of
// letters, digits and +=,.@_-; paths start and end with a slash and may not exceed 512 characters),
// or one outside account when the environment names its account.
func checkRoleArn(arn, account, p string, ps *Problems) {
	m := roleArnPattern.FindStringSubmatch(arn)
	if m == nil {
		ps.add(p, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
		return
	}
	partition, acct, path, name := m[1], m[2], m[3], m[4]
	if partition != "aws" && partition != "aws-cn" && partition != "aws-us-gov" {
		ps.add(p, "%q: unknown partition %q", arn, partition)
	}
	if len(name) > 64 {
		ps.add(p, "%q: a role name has at most 64 characters, this has %d", arn, len(name))
	}
	if len(path) > 512 {
		ps.add(p, "%q: a role path has at most 512 characters, this has %d", arn, len(path))
	}
	if account != "" && acct != account {
		ps.add(p, "%q is in account %s, not the environment's account %s; the data key admits roles of its own account only", arn, acct, account)
	}
}

var roleArnPattern = regexp.MustCompile(`^arn:([a-z-]+):iam::([0-9]{12}):role(/|/[\x21-\x7e]*/)([\w+=,.@-]+)$`)
