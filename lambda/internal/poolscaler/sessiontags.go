package poolscaler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session tags are how a workstation reports its own session. It is not allowed to invoke the
// function: an invoke cannot prove which instance sent it, so one workstation could report a false
// loggedoff for another and get it stopped in use. Its role may only create and delete tags whose key
// starts with editbay:session, on its own instance, so a tag's instance is its sender. On every
// change the workstation writes, in one CreateTags call:
//
//	editbay:session-state  connected, disconnected or loggedoff
//	editbay:session-user   the user name; optional (if set, it must be the assigned user, if any)
//	editbay:session-at     the time of the change, RFC 3339 in UTC, e.g. 2026-12-02T08:00:00Z
//	                       (fractional seconds are kept to the millisecond)
//
// Every reconcile already describes each pool instance with its tags, so reading them costs no call.
// Tags not older than the recorded session and the claim are recorded before planning, as the
// equivalent session event with the tags' time (Store.Session, on the condition that the recorded
// session and claim are still not newer); the pool is the instance's editbay:pool tag. Tags seen
// again (the recorded session has their state and time) cost nothing.
//
// A tag's time is as precise as it is written, while the table keeps milliseconds: a whole-second
// time stands for any instant of its second. So tags are older than a recorded event or claim only
// when the whole of their second (or 100 ms, ... for fractional seconds) is before it; from the same
// second the order is unknown, and the workstation's own report wins the tie. Tags with a bad time, and newer ones with a bad state or user name,
// a time more than sessionTagSkew ahead or another user than the assigned one, are ignored with a
// warning, every cycle until the workstation replaces them. A release clears the recorded session,
// so the workstation's last report counts again: a user still connected keeps it from other claims.
//
// Times are compared across sources (the tags, the function's clock for session actions), so the
// workstations' clocks must be synchronized.
const (
	TagSessionState = "editbay:session-state"
	TagSessionUser  = "editbay:session-user"
	TagSessionAt    = "editbay:session-at"
)

// sessionTagSkew is how far ahead of the function's clock a tag's time may be: clocks drift a
// little, but a time far ahead would outrank every later report until it passed.
const sessionTagSkew = 5 * time.Minute

// SessionTags are an instance's session tags as described, unchecked.
type SessionTags struct {
	State, User, At string
}

// sessionChange returns the session event the instance's tags report, if they are newer than its
// item; an error means tags to ignore.
func sessionChange(in Instance, it Item, now time.Time) (SessionEvent, bool, error) {
	t := in.SessionTags
	if t == (SessionTags{}) {
		return SessionEvent{}, false, nil
	}
	at, span, err := tagTime(t.At)
	if err != nil {
		return SessionEvent{}, false, fmt.Errorf("%s %q is not an RFC 3339 time", TagSessionAt, t.At)
	}
	end := at.Add(span)
	if at.Equal(it.SessionAt) && t.State == it.Session {
		return SessionEvent{}, false, nil // recorded already
	}
	if !end.After(it.SessionAt) || !end.After(it.AssignedAt) {
		return SessionEvent{}, false, nil // older than a recorded event or the claim
	}
	switch {
	case at.After(now.Add(sessionTagSkew)):
		return SessionEvent{}, false, fmt.Errorf("%s %s is more than %s ahead", TagSessionAt, t.At, sessionTagSkew)
	case t.State != SessionConnected && t.State != SessionDisconnected && t.State != SessionLoggedOff:
		return SessionEvent{}, false, fmt.Errorf("%s %q is not connected, disconnected or loggedoff", TagSessionState, t.State)
	case t.User != "" && !userName.MatchString(t.User):
		return SessionEvent{}, false, fmt.Errorf("%s %q is not a user name", TagSessionUser, t.User)
	case t.User != "" && it.User != "" && t.User != it.User:
		// Checked here too, not only by the write's condition, so a standing mismatch costs no write.
		return SessionEvent{}, false, fmt.Errorf("%s %q is not the assigned user %q", TagSessionUser, t.User, it.User)
	}
	return SessionEvent{InstanceID: in.ID, Event: t.State, User: t.User, At: at, Span: span, IfNewer: true}, true, nil
}

// tagTime reads a session-at tag: its time, kept to the table's millisecond, and the span of time it
// stands for at the precision it was written with: a second for a whole-second time (the README's
// hook), 100 ms for one decimal, and so on down to a millisecond.
func tagTime(v string) (time.Time, time.Duration, error) {
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return at, 0, err
	}
	span := time.Second
	if i := strings.IndexByte(v, '.'); i >= 0 {
		for j := i + 1; j < len(v) && v[j] >= '0' && v[j] <= '9' && span > time.Millisecond; j++ {
			span /= 10
		}
	}
	// The table keeps milliseconds; a finer time would look newer than its own record every cycle.
	return at.Truncate(time.Millisecond), span, nil
}

// applySessionTags records the changes the pool's instances reported in their tags, and updates
// items to match, so the plan sees them. A dry run only updates items.
func (h *Handler) applySessionTags(ctx context.Context, pool string, instances []Instance, items map[string]Item, now time.Time) error {
	for _, in := range instances {
		it := items[in.ID]
		ev, ok, err := sessionChange(in, it, now)
		if err != nil {
			h.Log.Warn("session tags ignored", "pool", pool, "instanceId", in.ID, "error", err)
			continue
		}
		if !ok {
			continue
		}
		if !h.DryRun {
			err := h.recordSession(ctx, pool, ev, "tags")
			if errors.Is(err, ErrTaken) {
				// A newer event, a claim or another user's assignment came first; the next cycle
				// reads the item again.
				h.Log.Info("session tags skipped: the workstation changed meanwhile", "pool", pool, "instanceId", in.ID, "error", err)
				continue
			}
			if err != nil {
				// Planning without a reported change could stop a connected workstation.
				return err
			}
		}
		it.InstanceID, it.Session, it.SessionAt = in.ID, ev.Event, ev.At
		items[in.ID] = it
	}
	return nil
}
