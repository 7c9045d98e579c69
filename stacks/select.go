package stacks

import (
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/editbay/editbay/config"
)

// StageIDs are the IDs of every stage cfg makes, environments first, in the order the app adds them:
// the environments' names, then account-<id> for each governed account.
func StageIDs(cfg *config.Config) []string {
	var ids []string
	for _, e := range cfg.Environments {
		ids = append(ids, e.Name)
	}
	for _, a := range cfg.GovernedAccounts() {
		ids = append(ids, a.StageName())
	}
	if cfg.EgressHub != nil {
		ids = append(ids, config.HubStageName)
	}
	return ids
}

// ParseStageSelection reads the `stages` context value: stage IDs or shell patterns (path.Match),
// separated by commas, e.g. "prod" or "stg,account-*". Empty selects every stage. A pattern that
// matches no stage of cfg is an error naming the stages there are, so a typo never synthesizes nothing.
func ParseStageSelection(value string, cfg *config.Config) ([]string, error) {
	var patterns []string
	for p := range strings.SplitSeq(value, ",") {
		if p = strings.TrimSpace(p); p != "" {
			patterns = append(patterns, p)
		}
	}
	ids := StageIDs(cfg)
	var bad []string
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			bad = append(bad, fmt.Sprintf("%q is not a valid pattern", p))
		} else if !matchesAny(p, ids) {
			bad = append(bad, fmt.Sprintf("%q matches no stage", p))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("context stages: %s (the stages are %s)", strings.Join(bad, "; "), strings.Join(ids, ", "))
	}
	return patterns, nil
}

func matchesAny(pattern string, ids []string) bool {
	for _, id := range ids {
		if ok, _ := path.Match(pattern, id); ok {
			return true
		}
	}
	return false
}

// selected reports whether the stage id is chosen by patterns; no patterns choose every stage.
func selected(id string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// BuildSelected adds the stages of cfg that patterns select (see ParseStageSelection; none selects
// every stage) to app: a stage per environment, then a stage per governed account (none when
// governance is disabled, and none for governance.excludedAccounts), then the egress hub's
// (config.HubStageName). Unselected stages are not constructed at all, so synthesizing one
// environment costs only that environment's stacks and checks.
func BuildSelected(app awscdk.App, cfg *config.Config, patterns []string) ([]*EnvironmentStage, []*AccountStage) {
	var envs []*EnvironmentStage
	for _, env := range cfg.Environments {
		if selected(env.Name, patterns) {
			envs = append(envs, NewEnvironmentStage(app, env.Name, &EnvironmentStageProps{Config: cfg, Environment: env}))
		}
	}
	var accounts []*AccountStage
	for _, a := range cfg.GovernedAccounts() {
		if selected(a.StageName(), patterns) {
			accounts = append(accounts, NewAccountStage(app, a.StageName(), &AccountStageProps{Config: cfg, Account: a}))
		}
	}
	if cfg.EgressHub != nil && selected(config.HubStageName, patterns) {
		NewEgressHubStage(app, config.HubStageName, cfg)
	}
	return envs, accounts
}
