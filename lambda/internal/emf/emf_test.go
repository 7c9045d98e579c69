package emf

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// A line carries the _aws metadata CloudWatch requires, and the values at the top level under the
// names the metadata declares.
func TestCount(t *testing.T) {
	var buf bytes.Buffer
	l := &Logger{W: &buf, Now: func() time.Time { return time.UnixMilli(1700000000123) }}
	if err := l.Count(map[string]string{"Function": "sg"}, map[string]float64{Remediations: 2, Alerts: 1}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function     string
		Remediations float64
		Alerts       float64
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	m := got.AWS.CloudWatchMetrics[0]
	if got.AWS.Timestamp != 1700000000123 || m.Namespace != Namespace || m.Dimensions[0][0] != "Function" ||
		len(m.Metrics) != 2 || m.Metrics[0].Name != Alerts || m.Metrics[0].Unit != "Count" ||
		got.Function != "sg" || got.Remediations != 2 || got.Alerts != 1 {
		t.Errorf("line %s", buf.String())
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Error("not one line")
	}
}

// Emit declares each metric's own unit, so gauges and latencies share a line with counts.
func TestEmitUnits(t *testing.T) {
	var buf bytes.Buffer
	l := &Logger{W: &buf, Namespace: PoolsNamespace}
	if err := l.Emit(map[string]string{"Pool": "editors", "Environment": "e"},
		Metric{Name: "ClaimLatency", Unit: UnitMilliseconds, Value: 12.5}, Metric{Name: "Available", Unit: UnitCount, Value: 3}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		ClaimLatency, Available float64
		Pool                    string
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	m := got.AWS.CloudWatchMetrics[0]
	if m.Namespace != PoolsNamespace || len(m.Dimensions[0]) != 2 || m.Dimensions[0][0] != "Environment" ||
		m.Metrics[0] != (struct{ Name, Unit string }{"Available", UnitCount}) || m.Metrics[1].Unit != UnitMilliseconds ||
		got.ClaimLatency != 12.5 || got.Available != 3 || got.Pool != "editors" {
		t.Errorf("line %s", buf.String())
	}
}
