package config

import (
	"strings"
	"testing"
)

// The cost section's defaults, and an explicit zero that stays zero.
func TestCostDefaults(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	m := c.Cost
	if m.HoursPerDay != 8 || m.DaysPerWeek != 5 || m.DisconnectPercent != 20 || m.DisplayMbps != 5 || m.InternetGBPerMonth != 100 ||
		m.LogsGBPerMonth != 20 || m.CapacityUnits != 1 || m.ImageBuilderHours != 20 {
		t.Errorf("defaults not applied: %+v", m)
	}
	c, err = Parse([]byte(string(DefaultYAML) + "cost: {disconnectPercent: 0, displayMbps: 0, users: {prod.editors: 0}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cost.DisconnectPercent != 0 || c.Cost.DisplayMbps != 0 || c.Cost.HoursPerDay != 8 {
		t.Errorf("zero is not unset: %+v", c.Cost)
	}
	if n, ok := c.Cost.Users["prod.editors"]; !ok || n != 0 {
		t.Errorf("users %v", c.Cost.Users)
	}
}

// Each cost problem is reported with its path and value, all at once.
func TestCostValidation(t *testing.T) {
	cases := []struct {
		name, section, want string
	}{
		{"unknown key", "cost: {hoursPerWeek: 40}", "cost.hoursPerWeek"},
		{"hours above a day", "cost: {hoursPerDay: 25}", "cost.hoursPerDay"},
		{"no hours", "cost: {hoursPerDay: 0}", "cost.hoursPerDay"},
		{"eight days", "cost: {daysPerWeek: 8}", "cost.daysPerWeek"},
		{"percent", "cost: {disconnectPercent: 101}", "cost.disconnectPercent"},
		{"negative traffic", "cost: {internetGBPerMonth: -1}", "cost.internetGBPerMonth"},
		{"unknown environment", "cost: {users: {dev.editors: 3}}", `cost.users.dev.editors: "dev.editors" names no environment with an access tier`},
		{"unknown pool", "cost: {users: {prod.colorists: 3}}", `cost.users.prod.colorists: "prod.colorists" names no pool of environment prod`},
		{"no pool named", "cost: {users: {prod: 3}}", `cost.users.prod: "prod" names no pool of environment prod`},
		{"negative users", "cost: {users: {prod.editors: -1}}", "cost.users.prod.editors: -1 users: must be 0 or more"},
		{"more users than seats", "cost: {users: {stg.editors: 11}}", "cost.users.stg.editors: 11 users is more than the pool's maxSize 10"},
		{"workspace unknown", "cost: {workspaceUsers: {dev: 3}}", `cost.workspaceUsers.dev: "dev" names no environment with an enabled workspace`},
		{"workspace negative", "cost: {workspaceUsers: {prod: -2}}", "cost.workspaceUsers.prod: -2 users: must be 0 or more"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(string(DefaultYAML) + c.section + "\n"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	// All at once.
	_, err := Parse([]byte(string(DefaultYAML) + "cost: {hoursPerDay: 30, users: {prod.x: 1, stg.editors: 99}}\n"))
	if err == nil || strings.Count(err.Error(), "\n  cost.") != 3 {
		t.Errorf("want three problems, got %v", err)
	}
}
