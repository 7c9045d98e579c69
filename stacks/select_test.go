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
