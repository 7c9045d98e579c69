package poolscaler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/editbay/editbay/lambda/internal/awsevent"
)

// Actions of a direct invoke.
const (
	ActionReconcile = "reconcile"
	ActionClaim     = "claim"
	ActionRelease   = "release"
	ActionSession   = "session"
)

// Request is a decoded invocation.
type Request struct {
	Action     string `json:"action"`
	Pool       string `json:"pool,omitempty"`
	User       string `json:"user,omitempty"`
	InstanceID string `json:"instanceId,omitempty"`
	Event      string `json:"event,omitempty"`
	// Cycle keys a reconcile's launch tokens: the scheduled event's minute, so EventBridge's
	// redelivery of one event is one cycle.
	Cycle string `json:"-"`
}

var (
	instanceID = regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)
	poolName   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	userName   = regexp.MustCompile(`^[^\x00-\x1f]{1,256}$`)
)

// DecodeRequest reads an invocation: an EventBridge Scheduled Event (a reconcile keyed by its minute)
// or a direct invoke. requestID keys a direct reconcile. Malformed input is an error, never a panic.
func DecodeRequest(raw []byte, requestID string) (Request, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Request{}, fmt.Errorf("event is not a JSON object: %w", err)
	}
	if _, ok := probe["detail-type"]; ok {
		e, err := awsevent.Decode(raw)
		if err != nil {
			return Request{}, err
		}
		if e.DetailType != awsevent.DetailScheduled || e.Source != awsevent.SourceScheduler || e.Time.IsZero() {
			return Request{}, fmt.Errorf("unexpected EventBridge event %q from %q", e.DetailType, e.Source)
		}
		return Request{Action: ActionReconcile, Cycle: e.Time.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z")}, nil
	}
	var r Request
	if err := strictJSON(raw, &r); err != nil {
		return Request{}, fmt.Errorf("malformed request: %w", err)
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	switch r.Action {
	case ActionReconcile:
		check(r.Pool == "" && r.User == "" && r.InstanceID == "" && r.Event == "", "reconcile takes no other fields")
		check(requestID != "", "a direct reconcile needs a request ID")
		r.Cycle = "request/" + requestID
	case ActionClaim:
		check(poolName.MatchString(r.Pool), "pool %q is not a pool name", r.Pool)
		check(userName.MatchString(r.User), "user %q is not a user name (1 to 256 printable characters)", r.User)
		check(r.InstanceID == "" && r.Event == "", "claim takes pool and user only")
	case ActionRelease:
		check(poolName.MatchString(r.Pool), "pool %q is not a pool name", r.Pool)
		check((r.User == "") != (r.InstanceID == ""), "release takes user or instanceId")
		check(r.User == "" || userName.MatchString(r.User), "user %q is not a user name", r.User)
		check(r.InstanceID == "" || instanceID.MatchString(r.InstanceID), "instanceId %q is not an instance ID", r.InstanceID)
		check(r.Event == "", "release takes no event")
	case ActionSession:
		check(instanceID.MatchString(r.InstanceID), "instanceId %q is not an instance ID", r.InstanceID)
		check(r.Event == SessionConnected || r.Event == SessionDisconnected || r.Event == SessionLoggedOff,
			"event %q is not connected, disconnected or loggedoff", r.Event)
		check(r.User == "" || userName.MatchString(r.User), "user %q is not a user name", r.User)
		check(r.Pool == "" || poolName.MatchString(r.Pool), "pool %q is not a pool name", r.Pool)
	default:
		check(false, "action %q is not reconcile, claim, release or session", r.Action)
	}
	if err := errors.Join(errs...); err != nil {
		return Request{}, fmt.Errorf("malformed %s request: %w", r.Action, err)
	}
	return r, nil
}

// strictJSON decodes exactly one JSON value with no unknown fields.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
