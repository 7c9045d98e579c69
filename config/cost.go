package config

import (
	"slices"
	"sort"
	"strings"
)

// CostModel is the usage the cost estimate (`make cost`) assumes where the config cannot say:
// how people work, and how much data and logs an installation moves. Nothing is deployed from it.
// Every field has a default, so an estimate always states the assumptions it rests on.
type CostModel struct {
	HoursPerDay         int            `yaml:"hoursPerDay" minimum:"1" maximum:"24" default:"8" doc:"Hours a day each assigned user works at their workstation (or streams)."`
	DaysPerWeek         int            `yaml:"daysPerWeek" minimum:"1" maximum:"7" default:"5" doc:"Days a week each assigned user works."`
	DisconnectPercent   int            `yaml:"disconnectPercent" minimum:"0" maximum:"100" default:"20" doc:"Percent of working days that end with a disconnected session rather than a logoff, so the pool's stopAfterIdle (not stopAfterLogoff) stops the workstation."`
	Users               map[string]int `yaml:"users" doc:"Assigned users per pool, by <environment>.<pool> (e.g. prod.editors: 6). Default: the pool's maxSize less its largest number of ready workstations."`
	WorkspaceUsers      map[string]int `yaml:"workspaceUsers" doc:"AppStream users per environment, by environment name. Default: the workspace's maxCapacity."`
	DisplayMbps         int            `yaml:"displayMbps" minimum:"0" default:"5" doc:"Average bandwidth (Mbit/s) of a connected remote-display session from the gateways to the client: data transfer out to the internet for every working hour of every assigned user."`
	InternetGBPerMonth  int            `yaml:"internetGBPerMonth" minimum:"0" default:"100" doc:"GB a month each environment sends to and from the internet through its NAT gateways (and firewall or hub)."`
	LogsGBPerMonth      int            `yaml:"logsGBPerMonth" minimum:"0" default:"20" doc:"GB a month of flow logs, firewall logs and application logs each environment writes."`
	TrailGBPerMonth     int            `yaml:"trailGBPerMonth" minimum:"0" default:"5" doc:"GB a month of CloudTrail events each governed account copies to CloudWatch Logs."`
	ConfigItemsPerMonth int            `yaml:"configItemsPerMonth" minimum:"0" default:"3000" doc:"AWS Config configuration items each governed account records a month."`
	EvaluationsPerRule  int            `yaml:"evaluationsPerRule" minimum:"0" default:"1000" doc:"AWS Config rule evaluations per rule a month."`
	CapacityUnits       int            `yaml:"loadBalancerCapacityUnits" minimum:"0" default:"1" doc:"Average LCUs (ALB) or NLCUs (NLB) each load balancer uses."`
	DatabaseStorageGB   int            `yaml:"databaseStorageGB" minimum:"0" default:"20" doc:"GB the brokers' Aurora cluster stores."`
	DatabaseIOMillions  int            `yaml:"databaseIOMillions" minimum:"0" default:"5" doc:"Millions of Aurora I/O requests a month."`
	ImageBuilderHours   int            `yaml:"imageBuilderHoursPerMonth" minimum:"0" default:"20" doc:"Hours a month an image builder runs (it is billed only while running)."`
}

// PoolKey names a pool in cost.users: <environment>.<pool>.
func PoolKey(env, pool string) string { return env + "." + pool }

// checkCost reports cost.users and cost.workspaceUsers entries that name no pool or workspace, or
// more users than a pool can hold.
func checkCost(c *Config, ps *Problems) {
	keys := make([]string, 0, len(c.Cost.Users))
	for k := range c.Cost.Users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := "cost.users." + k
		n := c.Cost.Users[k]
		env, name, _ := strings.Cut(k, ".")
		i := slices.IndexFunc(c.Environments, func(e Environment) bool { return e.Name == env })
		if i < 0 || c.Environments[i].Access == nil {
			ps.add(p, "%q names no environment with an access tier; use <environment>.<pool>", k)
			continue
		}
		j := slices.IndexFunc(c.Environments[i].Access.Pools, func(pl Pool) bool { return pl.Name == name })
		switch {
		case j < 0:
			ps.add(p, "%q names no pool of environment %s", k, env)
		case n < 0:
			ps.add(p, "%d users: must be 0 or more", n)
		case n > c.Environments[i].Access.Pools[j].MaxSize:
			ps.add(p, "%d users is more than the pool's maxSize %d: each assigned user keeps a workstation", n, c.Environments[i].Access.Pools[j].MaxSize)
		}
	}
	keys = keys[:0]
	for k := range c.Cost.WorkspaceUsers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := "cost.workspaceUsers." + k
		i := slices.IndexFunc(c.Environments, func(e Environment) bool { return e.Name == k })
		switch {
		case i < 0 || !c.Environments[i].Workspace.Enabled:
			ps.add(p, "%q names no environment with an enabled workspace", k)
		case c.Cost.WorkspaceUsers[k] < 0:
			ps.add(p, "%d users: must be 0 or more", c.Cost.WorkspaceUsers[k])
		}
	}
}
