// Package emf writes CloudWatch embedded metric format (EMF) lines: JSON log lines that CloudWatch
// Logs turns into metrics, so a Lambda publishes metrics without a PutMetricData call.
package emf

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every editbay governance metric.
const Namespace = "editbay/Governance"

// AccessNamespace is the CloudWatch namespace of the access tier's metrics.
const AccessNamespace = "editbay/Access"

// Metric names the governance functions publish, and the dashboard reads.
const (
	Remediations     = "Remediations"     // changes undone
	Alerts           = "Alerts"           // alerts published
	Exempted         = "Exempted"         // world-open rules kept because the group declares them
	ComplianceChange = "ComplianceChange" // Config compliance changes seen
	Failures         = "Failures"         // remediations that failed
)

// Logger writes EMF lines to W (in a Lambda, standard output).
type Logger struct {
	W         io.Writer
	Namespace string
	Now       func() time.Time // default: time.Now

	mu sync.Mutex
}

// Count emits one line with each of counts as a Count metric, under the given dimensions (all of
// them form one dimension set).
func (l *Logger) Count(dims map[string]string, counts map[string]float64) error {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	ns := l.Namespace
	if ns == "" {
		ns = Namespace
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	names := slices.Sorted(maps.Keys(counts))
	metrics := make([]metric, len(names))
	for i, n := range names {
		metrics[i] = metric{Name: n, Unit: "Count"}
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  ns,
				"Dimensions": [][]string{slices.Sorted(maps.Keys(dims))},
				"Metrics":    metrics,
			}},
		},
	}
	for k, v := range dims {
		line[k] = v
	}
	for k, v := range counts {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.W.Write(append(b, '\n'))
	return err
}
