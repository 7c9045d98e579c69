package config

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ScheduleWindow is a pool schedule parsed: the days it opens on, its start and end as minutes after
// local midnight in its zone, and the minAvailable it holds while open. The pool scaler and the cost
// estimate both read schedules through it, so they agree on when a window is open.
type ScheduleWindow struct {
	days         [7]bool // by time.Weekday
	start, end   int     // minutes after local midnight
	loc          *time.Location
	MinAvailable int
}

// ParseScheduleWindow checks and parses a schedule as the stack wrote it (validation has checked
// the config; this guards a hand-edited or stale pools file).
func ParseScheduleWindow(s ScheduleSettings) (ScheduleWindow, error) {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil || s.Timezone == "" {
		return ScheduleWindow{}, fmt.Errorf("timezone %q is not an IANA time zone", s.Timezone)
	}
	w := ScheduleWindow{loc: loc, MinAvailable: s.MinAvailable}
	for _, d := range s.Days {
		i := slices.Index(Weekdays, d)
		if i < 0 {
			return ScheduleWindow{}, fmt.Errorf("day %q is not one of %v", d, Weekdays)
		}
		w.days[i] = true
	}
	for _, t := range []struct {
		s   string
		dst *int
	}{{s.Start, &w.start}, {s.End, &w.end}} {
		hm, err := time.Parse("15:04", t.s)
		if err != nil {
			return ScheduleWindow{}, fmt.Errorf("time %q is not HH:MM", t.s)
		}
		*t.dst = hm.Hour()*60 + hm.Minute()
	}
	if w.start == w.end || s.MinAvailable < 0 {
		return ScheduleWindow{}, errors.New("start equals end, or minAvailable is negative")
	}
	return w, nil
}

// Open says whether the window is open at now. Times are wall-clock times in the schedule's zone,
// so a window follows daylight saving time; a window ending before it starts runs past midnight and
// belongs to the day it starts.
func (w ScheduleWindow) Open(now time.Time) bool {
	local := now.In(w.loc)
	m := local.Hour()*60 + local.Minute()
	day := local.Weekday()
	if w.start < w.end {
		return w.days[day] && m >= w.start && m < w.end
	}
	return (w.days[day] && m >= w.start) || (w.days[(day+6)%7] && m < w.end)
}

// ReadyTarget is a pool's minAvailable at now: the highest of the open windows' values (never above
// maxSize), or minAvailable when none is open.
func ReadyTarget(windows []ScheduleWindow, minAvailable, maxSize int, now time.Time) int {
	target, open := 0, false
	for _, w := range windows {
		if w.Open(now) {
			target, open = max(target, w.MinAvailable), true
		}
	}
	if !open {
		return minAvailable
	}
	return min(target, maxSize)
}
