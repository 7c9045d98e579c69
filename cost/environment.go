package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/editbay/editbay/config"
)

// gatewayVolumeGiB is the gateways' root volume: the server group's default, as the gateway tier
// sets none.
const gatewayVolumeGiB = 30

// daysPerMonth turns retention days into months of stored data.
const daysPerMonth = HoursPerMonth / 24

// environment adds one environment's lines, and its pools' savings to savings.
func (e *estimator) environment(env config.Environment, savings *[]PoolSavings) {
	m := e.cfg.Cost
	zones := float64(len(env.AvailabilityZones))
	if a := env.Access; a != nil {
		users := 0
		for _, p := range a.Pools {
			s := e.pool(env, p)
			users += s.Users
			*savings = append(*savings, s)
		}
		// Display traffic leaves AWS from the gateways' load balancer to the clients.
		gb := float64(m.DisplayMbps) / 8 * 3600 / 1000 * float64(users*m.HoursPerDay*m.DaysPerWeek) * weeksPerMonth
		e.add(DataOut, fmt.Sprintf("remote display to %d users at %d Mbit/s while they work", users, m.DisplayMbps), "ec2:data-transfer-out", gb, "GB")
		e.server("brokers", a.Broker.InstanceType, a.Broker.Image.Os, a.Broker.MinCapacity, a.Broker.VolumeSizeGiB)
		e.server("gateways", a.Gateway.InstanceType, a.Gateway.Image.Os, a.Gateway.MinCapacity, gatewayVolumeGiB)
		lcu := float64(m.CapacityUnits) * HoursPerMonth
		e.add(LoadBalancers, "broker Application Load Balancer", "elb:alb", HoursPerMonth, "hour")
		e.add(LoadBalancers, fmt.Sprintf("its load: %d LCU on average", m.CapacityUnits), "elb:alb-lcu", lcu, "LCU-hour")
		e.add(LoadBalancers, "gateway Network Load Balancer", "elb:nlb", HoursPerMonth, "hour")
		e.add(LoadBalancers, fmt.Sprintf("its load: %d NLCU on average", m.CapacityUnits), "elb:nlb-nlcu", lcu, "NLCU-hour")
		e.add(PublicIPv4, "the two internet-facing load balancers' addresses, one per zone each", "vpc:public-ipv4", 2*zones*HoursPerMonth, "hour")
		e.database(a.Database)
		if d := a.Directory; d != nil {
			e.add(Directory, fmt.Sprintf("AWS Managed Microsoft AD, %s edition (two domain controllers)", d.Edition),
				"ds:managed-ad-"+strings.ToLower(d.Edition), HoursPerMonth, "hour")
		}
	}
	e.network(env)
	e.add(DataOut, "half the internet traffic, the half that leaves AWS", "ec2:data-transfer-out", float64(m.InternetGBPerMonth)/2, "GB")
	if env.Workspace.Enabled {
		e.workspace(env)
	}
	e.keysAndSecrets(env)
	e.small(env)
}

// server prices an always-running group of count instances and their root volumes.
func (e *estimator) server(what, instanceType, os string, count, volumeGiB int) {
	e.add(BrokersGateways, fmt.Sprintf("%d %s: %s %s", count, what, instanceType, osName(os)), ec2Item(instanceType, os), float64(count)*HoursPerMonth, "hour")
	e.add(BrokersGateways, fmt.Sprintf("their %d GiB gp3 root volumes", volumeGiB), "ebs:gp3", float64(count*volumeGiB), "GB-month")
}

func ec2Item(instanceType, os string) string { return "ec2:" + instanceType + ":" + osName(os) }

func osName(os string) string {
	if os == "" {
		return "linux"
	}
	return os
}

// pool adds a workstation pool's compute and volumes, and returns its power plan's savings.
func (e *estimator) pool(env config.Environment, p config.Pool) PoolSavings {
	m := e.cfg.Cost
	users := -1
	if n, ok := m.Users[config.PoolKey(env.Name, p.Name)]; ok {
		users = n
	}
	h, err := PlanPoolHours(p, m, users)
	if err != nil { // validation loads every time zone first; this is a broken config object
		panic(err)
	}
	item := ec2Item(p.InstanceType, p.Image.Os)
	planHours := h.RunningHoursPerWeek() * weeksPerMonth
	compute := e.add(Workstations, fmt.Sprintf("%s: %d assigned and %.1f ready (average) %s %s, running %.0f instance-hours under the power plan",
		p.Name, h.Users, h.ReadyAverage, p.InstanceType, osName(p.Image.Os), planHours), item, planHours, "hour")
	e.add(Workstations, fmt.Sprintf("%s: %.1f root volumes of %d GiB (gp3)", p.Name, h.Machines(), p.VolumeSizeGiB), "ebs:gp3",
		h.Machines()*float64(p.VolumeSizeGiB), "GB-month")

	s := PoolSavings{Environment: env.Name, Pool: p.Name, InstanceType: p.InstanceType, Users: h.Users,
		Machines: round(h.Machines(), 2), PlanHours: round(planHours, 1), AlwaysOnHrs: round(h.Machines()*HoursPerMonth, 1)}
	if price, ok := e.price(item); ok {
		s.PlanUSD = compute
		s.AlwaysOnUSD = cents(s.AlwaysOnHrs * price.USD)
		s.SavedUSD = cents(s.AlwaysOnUSD - s.PlanUSD)
		if s.AlwaysOnUSD > 0 {
			s.SavedPercent = round(100*s.SavedUSD/s.AlwaysOnUSD, 1)
		}
	} else {
		s.Unknown = true
	}
	s.Assumptions = poolAssumptions(p, h, m, users < 0)
	return s
}

func poolAssumptions(p config.Pool, h PoolHours, m config.CostModel, defaultUsers bool) []string {
	who := fmt.Sprintf("%d assigned users", h.Users)
	if defaultUsers {
		who += fmt.Sprintf(" (the default: maxSize %d less %g ready at peak)", p.MaxSize, h.ReadyPeak)
	}
	plan := []string{who, fmt.Sprintf("each workstation runs %.1f h a week (%d h × %d days, then stopAfterLogoff %s / stopAfterIdle %s)",
		h.UserHours, m.HoursPerDay, m.DaysPerWeek, orOff(p.StopAfterLogoff), orOff(p.StopAfterIdle))}
	switch p.WarmState {
	case config.WarmStopped:
		plan = append(plan, fmt.Sprintf("%.1f ready workstations on average, kept stopped (warmState stopped)", h.ReadyAverage))
	default:
		plan = append(plan, fmt.Sprintf("%.1f ready workstations on average, running (%.0f h a week)", h.ReadyAverage, h.ReadyHours))
	}
	return append(plan, "always-on: the same workstations running 730 h a month")
}

func orOff(d string) string {
	if d == "" || d == "0" {
		return "off"
	}
	return d
}

// database adds the brokers' Aurora cluster: a writer and a reader, its storage and I/O.
func (e *estimator) database(d config.Database) {
	m := e.cfg.Cost
	const instances = 2 // a writer and a reader
	switch d.Mode {
	case "serverless":
		acuHours := instances * d.MinCapacity * HoursPerMonth
		what := fmt.Sprintf("Serverless v2 writer and reader at %g ACU", d.MinCapacity)
		if d.MinCapacity == 0 {
			acuHours = instances * 0.5 * float64(m.HoursPerDay*m.DaysPerWeek) * weeksPerMonth
			what = "Serverless v2 writer and reader, paused but for the working hours at 0.5 ACU"
		}
		e.add(Database, what, "rds:aurora-serverless-v2", acuHours, "ACU-hour")
	default:
		e.add(Database, fmt.Sprintf("writer and reader: db.%s", d.InstanceClass), "rds:aurora-postgresql:db."+d.InstanceClass, instances*HoursPerMonth, "hour")
	}
	e.add(Database, "storage", "rds:aurora-storage", float64(m.DatabaseStorageGB), "GB-month")
	e.add(Database, "I/O", "rds:aurora-io", float64(m.DatabaseIOMillions), "million-requests")
}

// network adds NAT gateways, the firewall or the hub attachment, endpoints and logs.
func (e *estimator) network(env config.Environment) {
	m := e.cfg.Cost
	zones := len(env.AvailabilityZones)
	internet := float64(m.InternetGBPerMonth)
	if env.Egress.ViaHub() {
		e.add(TransitGateway, "attachment to the egress hub", "tgw:attachment", HoursPerMonth, "hour")
		e.add(TransitGateway, "internet traffic through the attachment", "tgw:gb", internet, "GB")
	} else {
		nat := env.NatGateways()
		e.add(NatGateways, fmt.Sprintf("%d NAT gateway(s)", nat), "vpc:nat-gateway", float64(nat)*HoursPerMonth, "hour")
		e.add(NatGateways, "internet traffic processed", "vpc:nat-gateway-gb", internet, "GB")
		e.add(PublicIPv4, "the NAT gateways' Elastic IPs", "vpc:public-ipv4", float64(nat)*HoursPerMonth, "hour")
		if env.Egress.Local() {
			e.firewall(zones, internet)
			e.natWaiver(nat, zones, internet)
		}
	}
	endpoints := len(config.BuiltinInterfaceEndpoints()) + len(env.Network.AdditionalInterfaceEndpoints)
	if env.Workspace.Enabled && env.Workspace.AccessFromVpcOnly {
		endpoints++ // the AppStream streaming endpoint
	}
	e.add(Endpoints, fmt.Sprintf("%d interface endpoints in %d zones", endpoints, zones), "vpc:interface-endpoint", float64(endpoints*zones)*HoursPerMonth, "hour")
	e.logs(float64(m.LogsGBPerMonth), env.Network.FlowLogs.Destination == config.FlowLogsToS3, env.Network.FlowLogs.RetentionDays)
}

// firewall adds Network Firewall endpoints, one per zone, and the traffic they inspect.
func (e *estimator) firewall(zones int, gb float64) {
	e.add(Firewall, fmt.Sprintf("%d firewall endpoints", zones), "network-firewall:endpoint", float64(zones)*HoursPerMonth, "hour")
	e.add(Firewall, "traffic inspected", "network-firewall:gb", gb, "GB")
}

// natWaiver takes off the NAT gateway charges AWS waives for traffic Network Firewall inspects: a
// NAT gateway hour for each firewall endpoint hour and a processed GB for each GB the firewall
// processed, one to one (AWS Network Firewall pricing). The NAT lines stay, so the waiver shows.
func (e *estimator) natWaiver(natGateways, endpoints int, gb float64) {
	hours := float64(min(natGateways, endpoints)) * HoursPerMonth
	e.add(NatGateways, "NAT gateway hours waived, one for each firewall endpoint hour", "vpc:nat-gateway", -hours, "hour")
	e.add(NatGateways, "NAT data processing waived, one GB for each GB the firewall processed", "vpc:nat-gateway-gb", -gb, "GB")
}

// logs adds gb a month of vended logs (flow and firewall logs) kept retentionDays, in CloudWatch
// Logs or, toS3, in S3.
func (e *estimator) logs(gb float64, toS3 bool, retentionDays int) {
	stored := gb * months(retentionDays)
	if toS3 {
		e.add(AuditLogs, fmt.Sprintf("%g GB of logs a month delivered to S3", gb), "s3:vended-logs-delivery", gb, "GB")
		e.add(AuditLogs, fmt.Sprintf("kept %d days in S3", retentionDays), "s3:standard", stored, "GB-month")
		return
	}
	e.add(AuditLogs, fmt.Sprintf("%g GB of logs a month into CloudWatch Logs", gb), "cloudwatch:logs-vended-ingest", gb, "GB")
	e.add(AuditLogs, fmt.Sprintf("kept %d days", retentionDays), "cloudwatch:logs-storage", stored, "GB-month")
}

// workspace adds the AppStream fleet's streaming and stopped instance hours, user fees and the
// image builder.
func (e *estimator) workspace(env config.Environment) {
	m := e.cfg.Cost
	w := env.Workspace
	users := w.MaxCapacity
	if n, ok := m.WorkspaceUsers[env.Name]; ok {
		users = n
	}
	// AppStream prices Linux instances apart from Windows ones, which also pay a user fee.
	windows := !isLinuxAppStreamImage(w.Image)
	appstreamItem := func(instanceType string) string {
		if windows {
			return "appstream:" + instanceType
		}
		return "appstream:" + instanceType + ":linux"
	}
	work := float64(m.HoursPerDay*m.DaysPerWeek) * weeksPerMonth
	streaming := float64(min(users, w.MaxCapacity)) * work
	provisioned := float64(w.MinCapacity) * HoursPerMonth
	if b := w.BusinessHours; b.MinCapacity > w.MinCapacity {
		days, _ := config.ParseDays(b.Days)
		provisioned += float64(b.MinCapacity-w.MinCapacity) * float64(len(days)*(b.EndHour-b.StartHour)) * weeksPerMonth
	}
	item := appstreamItem(w.InstanceType)
	if w.FleetType == "ALWAYS_ON" {
		e.add(AppStream, fmt.Sprintf("always-on fleet: %s instances running", w.InstanceType), item, math.Max(streaming, provisioned), "hour")
	} else {
		e.add(AppStream, fmt.Sprintf("on-demand fleet: %d users streaming on %s", min(users, w.MaxCapacity), w.InstanceType), item, streaming, "hour")
		e.add(AppStream, "provisioned instances waiting unused (stopped-instance fee)", item+":stopped", math.Max(provisioned-streaming, 0), "hour")
	}
	if windows {
		e.add(AppStream, fmt.Sprintf("Windows user fee (Microsoft RDS SAL), %d users", users), "appstream:user-windows", float64(users), "user-month")
	}
	if w.ImageBuilder.Enabled {
		e.add(AppStream, "image builder, "+w.ImageBuilder.InstanceType, appstreamItem(w.ImageBuilder.InstanceType), float64(m.ImageBuilderHours), "hour")
	}
}

// isLinuxAppStreamImage tells AWS's Linux base images (AppStream-AmazonLinux2-..., AppStream-RHEL8-...)
// from the Windows ones by name; an image ARN or custom name counts as Windows, the common case.
func isLinuxAppStreamImage(image string) bool {
	return strings.Contains(image, "AmazonLinux") || strings.Contains(image, "RHEL") || strings.Contains(image, "Rocky")
}

// keysAndSecrets adds the environment's customer managed keys and secrets, as its stacks make them.
func (e *estimator) keysAndSecrets(env config.Environment) {
	keys, secrets := 1, 0 // the network's (flow logs) key
	if env.Egress.Local() {
		keys++ // the firewall's
	}
	if a := env.Access; a != nil {
		keys += 3 // database, workstation volumes, operations
		secrets++ // the database's credentials
		if a.Directory != nil {
			secrets++ // the directory's admin password
		}
	}
	if env.Workspace.Enabled {
		keys += 2 // data and assets
	}
	e.add(KeysSecrets, fmt.Sprintf("%d KMS keys", keys), "kms:key", float64(keys), "key-month")
	e.add(KeysSecrets, fmt.Sprintf("%d secrets", secrets), "secretsmanager:secret", float64(secrets), "secret-month")
}

// small adds the functions, tables, topics and alarms at their stated usage.
func (e *estimator) small(env config.Environment) {
	alarms := 0
	if env.Egress.Local() {
		alarms++ // the firewall's drops
	}
	if a := env.Access; a != nil {
		ports := 0
		for _, p := range a.Gateway.Protocols {
			ports++
			if p == config.ProtocolPCoIP {
				ports++ // 443 and 4172
			}
		}
		alarms += 7 + ports + len(a.Pools) + 3 // tier alarms, gateway groups, pools, the scaler's function
		runs := HoursPerMonth * 60 / float64(a.PoolScaler.IntervalMinutes)
		e.add(Small, fmt.Sprintf("pool scaler: %.0f runs a month", runs), "lambda:requests", runs, "requests")
		e.add(Small, "pool scaler: 2 s at 512 MB a run (arm64)", "lambda:arm-gb-second", runs*2*0.5, "GB-second")
		e.add(Small, fmt.Sprintf("pool state: %d writes a run", 2*len(a.Pools)), "dynamodb:on-demand-write", runs*float64(2*len(a.Pools)), "requests")
	}
	e.add(Small, fmt.Sprintf("%d CloudWatch alarms", alarms), "cloudwatch:alarm", float64(alarms), "alarm-month")
}
