package poolscaler

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/editbay/editbay/config"
)

// Pool is one pool's settings, checked and with its schedules parsed.
type Pool struct {
	config.PoolScalerSettings
	schedules             []config.ScheduleWindow
	stopAfterLogoff       time.Duration
	stopAfterIdle         time.Duration
	terminateAfterStopped time.Duration
}

// NewPool checks settings the stack wrote (config validated them; this guards a hand-edited or
// stale file) and parses their schedules.
func NewPool(s config.PoolScalerSettings) (Pool, error) {
	p := Pool{PoolScalerSettings: s,
		stopAfterLogoff:       time.Duration(s.StopAfterLogoffSeconds) * time.Second,
		stopAfterIdle:         time.Duration(s.StopAfterIdleSeconds) * time.Second,
		terminateAfterStopped: time.Duration(s.TerminateAfterStoppedSeconds) * time.Second,
	}
	var errs []error
	if s.Name == "" || s.LaunchTemplateName == "" || len(s.InstanceTypes) == 0 || slices.Contains(s.InstanceTypes, "") {
		errs = append(errs, errors.New("name, launchTemplateName and instanceTypes are required"))
	}
	if s.MaxSize < 1 || s.MinAvailable < 0 || s.MinAvailable > s.MaxSize || s.MaxAvailable < 0 || (s.MaxAvailable > 0 && s.MaxAvailable < s.MinAvailable) {
		errs = append(errs, fmt.Errorf("need 0 <= minAvailable (%d) <= maxAvailable (%d, 0 for none) and minAvailable <= maxSize (%d)", s.MinAvailable, s.MaxAvailable, s.MaxSize))
	}
	if s.WarmState != config.WarmRunning && s.WarmState != config.WarmStopped {
		errs = append(errs, fmt.Errorf("warmState %q is not running or stopped", s.WarmState))
	}
	if s.StopAfterLogoffSeconds < 0 || s.StopAfterIdleSeconds < 0 || s.TerminateAfterStoppedSeconds < 0 {
		errs = append(errs, errors.New("durations cannot be negative"))
	}
	for i, sc := range s.Schedules {
		parsed, err := config.ParseScheduleWindow(sc)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedules[%d]: %w", i, err))
			continue
		}
		p.schedules = append(p.schedules, parsed)
	}
	if err := errors.Join(errs...); err != nil {
		return Pool{}, fmt.Errorf("pool %q: %w", s.Name, err)
	}
	return p, nil
}

// Target is the pool's minAvailable at now: the highest of the open windows' values, or the base
// value when none is open.
func (p Pool) Target(now time.Time) int {
	return config.ReadyTarget(p.schedules, p.MinAvailable, p.MaxSize, now)
}

// LoadPools reads the pools file; a relative path is relative to $LAMBDA_TASK_ROOT (the function's
// package).
func LoadPools(path string) ([]Pool, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(os.Getenv("LAMBDA_TASK_ROOT"), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pools file: %w", err)
	}
	return ParsePools(b)
}

// ParsePools decodes a pools file (config.PoolScalerFile), rejecting unknown keys and duplicate
// pool names.
func ParsePools(b []byte) ([]Pool, error) {
	var f config.PoolScalerFile
	if err := strictJSON(b, &f); err != nil {
		return nil, fmt.Errorf("pools file: %w", err)
	}
	var pools []Pool
	for _, s := range f.Pools {
		if slices.ContainsFunc(pools, func(p Pool) bool { return p.Name == s.Name }) {
			return nil, fmt.Errorf("pools file: pool %q is listed twice", s.Name)
		}
		p, err := NewPool(s)
		if err != nil {
			return nil, fmt.Errorf("pools file: %w", err)
		}
		pools = append(pools, p)
	}
	return pools, nil
}

// ParseSubnets decodes SUBNETS, a JSON object of availability zone to subnet ID.
func ParseSubnets(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("SUBNETS is not a JSON object of zone to subnet ID: %w", err)
	}
	if len(m) == 0 {
		return nil, errors.New("SUBNETS names no zone")
	}
	for z, id := range m {
		if z == "" || id == "" {
			return nil, fmt.Errorf("SUBNETS has an empty zone or subnet (%q: %q)", z, id)
		}
	}
	return m, nil
}
