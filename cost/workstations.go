package cost

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/editbay/editbay/config"
)

// step is the resolution at which a week of schedules is walked.
const step = 5 * time.Minute

// referenceWeek starts on a Monday at 00:00 UTC, outside daylight saving time in both hemispheres'
// common zones' transitions; schedules are evaluated in their own zones over it.
var referenceWeek = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

// PoolHours is a pool's week under its power plan.
type PoolHours struct {
	Users int
	// UserHours is the running hours a week of one assigned user's workstation.
	UserHours float64
	// ReadyHours is the running instance-hours a week of the ready (unassigned) workstations.
	ReadyHours float64
	// ReadyAverage and ReadyPeak are how many ready workstations exist on average and at most.
	ReadyAverage, ReadyPeak float64
}

// RunningHoursPerWeek is every workstation's running instance-hours in a week.
func (h PoolHours) RunningHoursPerWeek() float64 { return float64(h.Users)*h.UserHours + h.ReadyHours }

// Machines is how many workstations exist on average (each has a volume).
func (h PoolHours) Machines() float64 { return float64(h.Users) + h.ReadyAverage }

// PlanPoolHours models a validated pool for the usage profile m. users < 0 means the default:
// the pool's maxSize less its peak of ready workstations.
func PlanPoolHours(p config.Pool, m config.CostModel, users int) (PoolHours, error) {
	s := p.ScalerSettings("")
	ready, err := readyWeek(s)
	if err != nil {
		return PoolHours{}, err
	}
	h := PoolHours{ReadyPeak: float64(slices.Max(ready))}
	var sum float64
	for _, r := range ready {
		sum += float64(r)
	}
	h.ReadyAverage = sum / float64(len(ready))
	if s.WarmState == config.WarmRunning {
		h.ReadyHours = sum * step.Hours()
	}
	if users < 0 {
		users = max(p.MaxSize-int(h.ReadyPeak), 0)
	}
	h.Users = users
	h.UserHours = userHours(m, seconds(s.StopAfterLogoffSeconds), seconds(s.StopAfterIdleSeconds))
	return h, nil
}

// seconds is a power-plan delay in hours; 0 (off) never stops, so it is infinite.
func seconds(s int64) float64 {
	if s == 0 {
		return math.Inf(1)
	}
	return float64(s) / 3600
}

// userHours is how long an assigned workstation runs in a week: the working hours, and after each
// working day the time until the power plan stops it (at most until the next working day starts).
// The week's last working day is followed by the days off.
func userHours(m config.CostModel, afterLogoff, afterIdle float64) float64 {
	h, d := float64(m.HoursPerDay), m.DaysPerWeek
	disconnect := float64(m.DisconnectPercent) / 100
	total := float64(d) * h
	for day := range d {
		gap := 24 - h
		if day == d-1 {
			gap += float64(24 * (7 - d))
		}
		total += (1-disconnect)*math.Min(afterLogoff, gap) + disconnect*math.Min(afterIdle, gap)
	}
	return total
}

// readyWeek walks two weeks of the pool scaler's ready target at step resolution and returns the
// second week's count of ready workstations per step (the first settles the count carried over a
// weekend). The rules are the pool scaler's: its target (config.ReadyTarget, the highest open
// schedule's minAvailable, else minAvailable, never above maxSize); ready workstations above the
// target stay until maxAvailable terminates them.
func readyWeek(s config.PoolScalerSettings) ([]int, error) {
	var windows []config.ScheduleWindow
	for i, sc := range s.Schedules {
		w, err := config.ParseScheduleWindow(sc)
		if err != nil {
			return nil, fmt.Errorf("pool %s: schedules[%d]: %w", s.Name, i, err)
		}
		windows = append(windows, w)
	}
	target := func(now time.Time) int { return config.ReadyTarget(windows, s.MinAvailable, s.MaxSize, now) }
	perWeek := int((168 * time.Hour) / step)
	out := make([]int, perWeek)
	ready := 0
	for i := range 2 * perWeek {
		t := target(referenceWeek.Add(time.Duration(i) * step))
		if s.MaxAvailable > 0 {
			ready = min(ready, s.MaxAvailable)
		}
		ready = max(ready, t)
		if i >= perWeek {
			out[i-perWeek] = ready
		}
	}
	return out, nil
}
