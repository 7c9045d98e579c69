// Package emf writes CloudWatch embedded metric format (EMF) lines: JSON log lines that CloudWatch
// Logs turns into metrics, so a Lambda publishes metrics without a PutMetricData call.
package emf

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every editbay governance metric.
const Namespace = "editbay/Governance"

// AccessNamespace is the CloudWatch namespace of the access tier's metrics.
const AccessNamespace = "editbay/Access"

// PoolsNamespace is the CloudWatch namespace of the pool scaler's per-pool metrics.
const PoolsNamespace = "editbay/Pools"

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

// Metric is one value of a line and its CloudWatch unit.
type Metric struct {
	Name  string
	Unit  string // Count, Milliseconds, None, ...
	Value float64
}

// Units of the metrics editbay publishes.
const (
	UnitCount        = "Count"
	UnitMilliseconds = "Milliseconds"
)

// Count emits one line with each of counts as a Count metric, under the given dimensions (all of
// them form one dimension set).
func (l *Logger) Count(dims map[string]string, counts map[string]float64) error {
	ms := make([]Metric, 0, len(counts))
	for n, v := range counts {
		ms = append(ms, Metric{Name: n, Unit: UnitCount, Value: v})
	}
	return l.Emit(dims, ms...)
}

// Emit emits one line with metrics under the given dimensions (all of them form one dimension set).
func (l *Logger) Emit(dims map[string]string, metrics ...Metric) error {
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
	sorted := slices.SortedFunc(slices.Values(metrics), func(a, b Metric) int { return strings.Compare(a.Name, b.Name) })
	declared := make([]metric, len(sorted))
	for i, m := range sorted {
		declared[i] = metric{Name: m.Name, Unit: m.Unit}
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  ns,
				"Dimensions": [][]string{slices.Sorted(maps.Keys(dims))},
				"Metrics":    declared,
			}},
		},
	}
	for k, v := range dims {
		line[k] = v
	}
	for _, m := range metrics {
		line[m.Name] = m.Value
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
