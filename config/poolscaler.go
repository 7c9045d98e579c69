package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // checkTimezone must not depend on the machine's zone files
)

// Warm states of a pool, as written in the config.
const (
	WarmRunning = "running"
	WarmStopped = "stopped"
)

// Pool scaler modes.
const (
	PoolScalerEnforce = "enforce"
	PoolScalerDryRun  = "dryRun"
)

// Weekdays are the day names of schedules, in time.Weekday order.
var Weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// minPowerDelay keeps a power-plan timer from stopping a workstation between two session events.
const minPowerDelay = time.Minute

// PoolScalerFile is the pools file the stack packages with the pool scaler (POOLS_FILE). The stack
// writes it and the function reads it with this one type, so the two sides cannot drift.
type PoolScalerFile struct {
	Pools []PoolScalerSettings `json:"pools"`
}

// PoolScalerSettings is one pool as the pool scaler sees it. Durations are whole seconds; 0 is off.
type PoolScalerSettings struct {
	Name               string             `json:"name"`
	LaunchTemplateName string             `json:"launchTemplateName"`
	InstanceTypes      []string           `json:"instanceTypes"` // the pool's type, then its fallbacks in order
	MinAvailable       int                `json:"minAvailable"`
	MaxAvailable       int                `json:"maxAvailable"` // 0: no cap
	MaxSize            int                `json:"maxSize"`
	WarmState          string             `json:"warmState"`
	Schedules          []ScheduleSettings `json:"schedules"`

	StopAfterLogoffSeconds       int64 `json:"stopAfterLogoffSeconds"`
	StopAfterIdleSeconds         int64 `json:"stopAfterIdleSeconds"`
	TerminateAfterStoppedSeconds int64 `json:"terminateAfterStoppedSeconds"`
}

// ScheduleSettings is a schedule with its days spelled out (MON, TUE, ...).
type ScheduleSettings struct {
	Days         []string `json:"days"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	Timezone     string   `json:"timezone"`
	MinAvailable int      `json:"minAvailable"`
}

// ScalerSettings returns the pool's settings for the pool scaler. It expects a validated pool.
func (p Pool) ScalerSettings(launchTemplateName string) PoolScalerSettings {
	s := PoolScalerSettings{
		Name:               p.Name,
		LaunchTemplateName: launchTemplateName,
		InstanceTypes:      append([]string{p.InstanceType}, p.FallbackInstanceTypes...),
		MinAvailable:       p.MinAvailable,
		MaxAvailable:       p.MaxAvailable,
		MaxSize:            p.MaxSize,
		WarmState:          p.WarmState,
		Schedules:          []ScheduleSettings{},
	}
	for _, sc := range p.Schedules {
		days, _ := ParseDays(sc.Days)
		s.Schedules = append(s.Schedules, ScheduleSettings{Days: days, Start: sc.Start, End: sc.End, Timezone: sc.Timezone, MinAvailable: sc.MinAvailable})
	}
	seconds := func(d string) int64 {
		v, _ := parsePowerDelay(d)
		return int64(v / time.Second)
	}
	s.StopAfterLogoffSeconds = seconds(p.StopAfterLogoff)
	s.StopAfterIdleSeconds = seconds(p.StopAfterIdle)
	s.TerminateAfterStoppedSeconds = seconds(p.TerminateAfterStopped)
	return s
}

// ParseDays expands cron-style days (MON-FRI, SAT,SUN, FRI-MON) into day names in week order from
// the first day named, each once.
func ParseDays(s string) ([]string, error) {
	var days []string
	for item := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		if !isRange {
			to = from
		}
		i, j := slices.Index(Weekdays, from), slices.Index(Weekdays, to)
		if i < 0 || j < 0 {
			return nil, fmt.Errorf("%q is not a day or range of days (MON-FRI)", item)
		}
		for d := i; ; d = (d + 1) % 7 {
			if !slices.Contains(days, Weekdays[d]) {
				days = append(days, Weekdays[d])
			}
			if d == j {
				break
			}
		}
	}
	return days, nil
}

// checkTimezone loads an IANA time zone as the pool scaler and AppStream's scheduled scaling will.
// The zone database is embedded (time/tzdata), so the answer does not depend on the machine.
func checkTimezone(tz, p string, ps *Problems) {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		ps.add(p, "%q is not an IANA time zone (like Asia/Tokyo)", tz)
	}
}

// parsePowerDelay reads a power-plan duration; "" and "0" are off (0).
func parsePowerDelay(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a Go duration (like 90m or 1h30m)", s)
	case d < minPowerDelay:
		return 0, fmt.Errorf("%q is below the minimum %v (or \"0\" for off)", s, minPowerDelay)
	}
	return d, nil
}

// checkPoolScaling reports the pool-scaler problems of one pool at path p.
func checkPoolScaling(c *Config, pool Pool, p string, ps *Problems) {
	if pool.MaxAvailable > 0 {
		if pool.MaxAvailable < pool.MinAvailable {
			ps.add(p+".maxAvailable", "%d is less than minAvailable (%d)", pool.MaxAvailable, pool.MinAvailable)
		}
		if pool.MaxSize > 0 && pool.MaxAvailable > pool.MaxSize {
			ps.add(p+".maxAvailable", "%d is more than maxSize %d", pool.MaxAvailable, pool.MaxSize)
		}
	}
	seen := map[string]bool{pool.InstanceType: true}
	for i, t := range pool.FallbackInstanceTypes {
		fp := index(p+".fallbackInstanceTypes", i)
		checkInstanceType(t, fp, ps)
		switch {
		case t == pool.InstanceType:
			ps.add(fp, "%q is the pool's own instanceType", t)
		case seen[t]:
			ps.add(fp, "%q is listed twice", t)
		case len(c.AllowedInstanceTypes) > 0 && !slices.Contains(c.AllowedInstanceTypes, t):
			ps.add(fp, "%q is not in allowedInstanceTypes (%s)", t, strings.Join(c.AllowedInstanceTypes, ", "))
		}
		seen[t] = true
	}
	for _, d := range []struct{ key, value string }{
		{"stopAfterLogoff", pool.StopAfterLogoff}, {"stopAfterIdle", pool.StopAfterIdle}, {"terminateAfterStopped", pool.TerminateAfterStopped},
	} {
		if _, err := parsePowerDelay(d.value); err != nil {
			ps.add(p+"."+d.key, "%v", err)
		}
	}
	for i, s := range pool.Schedules {
		sp := index(p+".schedules", i)
		checkTimezone(s.Timezone, sp+".timezone", ps)
		if s.Start != "" && s.Start == s.End {
			ps.add(sp+".end", "%q is the same as start; the window would be empty", s.End)
		}
		if pool.MaxSize > 0 && s.MinAvailable > pool.MaxSize {
			ps.add(sp+".minAvailable", "%d is more than maxSize %d", s.MinAvailable, pool.MaxSize)
		}
		if pool.MaxAvailable > 0 && s.MinAvailable > pool.MaxAvailable {
			ps.add(sp+".minAvailable", "%d is more than maxAvailable %d", s.MinAvailable, pool.MaxAvailable)
		}
	}
}
