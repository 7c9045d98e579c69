package stacks

import (
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

// The governance switch: governance.enabled false makes no account stage, and
// governance.excludedAccounts makes none for those accounts; the selectable stages follow.
func TestStageIDsFollowGovernanceSwitch(t *testing.T) {
	for _, c := range []struct {
		name, governance string
		want             []string
	}{
		{"governed", "governance: {homeRegion: eu-west-1}\n", []string{"dev", "qa", "prod", "account-111122223333", "account-444455556666"}},
		{"excluded", "governance: {homeRegion: eu-west-1, excludedAccounts: [\"444455556666\"]}\n", []string{"dev", "qa", "prod", "account-111122223333"}},
		{"disabled", "governance: {enabled: false}\n", []string{"dev", "qa", "prod"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			i := strings.Index(governanceConfig, "governance:")
			cfg, err := config.Parse([]byte(governanceConfig[:i] + c.governance))
			if err != nil {
				t.Fatal(err)
			}
			if got := StageIDs(cfg); !slices.Equal(got, c.want) {
				t.Errorf("StageIDs = %v, want %v", got, c.want)
			}
			if _, err := ParseStageSelection("account-444455556666", cfg); (err == nil) != slices.Contains(c.want, "account-444455556666") {
				t.Errorf("selecting account-444455556666: err %v", err)
			}
		})
	}
}

// An egress hub is a stage of its own after the accounts, and its account is governed like the
// environments' (with the hub and the spokes' hub-routes stacks among its protected stacks).
func TestStageIDsWithEgressHub(t *testing.T) {
	cfg, err := config.Load("../examples/central-egress.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := StageIDs(cfg), []string{"render", "edit", "prod", config.HubStageName}; !slices.Equal(got, want) {
		t.Errorf("StageIDs = %v, want %v (governance is off in the example)", got, want)
	}
	cfg.Governance.Enabled = true
	want := []string{"render", "edit", "prod", "account-111111111111", "account-222222222222", "account-999988887777", config.HubStageName}
	if got := StageIDs(cfg); !slices.Equal(got, want) {
		t.Errorf("StageIDs = %v, want %v", got, want)
	}
	hubAccount := cfg.GovernedAccounts()[2]
	if got := protectedStacks(cfg, hubAccount); !slices.Equal(got, []string{"northlight-account-999988887777-*", "northlight-egress-hub", "northlight-render-hub-routes", "northlight-edit-hub-routes", "northlight-prod-hub-routes"}) {
		t.Errorf("protected stacks of the hub's account: %v", got)
	}
	if got := protectedStacks(cfg, cfg.GovernedAccounts()[0]); !slices.Equal(got, []string{"northlight-account-111111111111-*"}) {
		t.Errorf("protected stacks of a spoke account: %v", got)
	}
}
