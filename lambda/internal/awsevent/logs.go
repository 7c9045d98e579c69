package awsevent

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// LogsBatch is a CloudWatch Logs subscription delivery of CloudTrail records: the trail's log group
// sends the records a subscription filter matched, each a CloudTrail event as JSON.
type LogsBatch struct {
	Owner     string    `json:"owner"`
	LogGroup  string    `json:"logGroup"`
	LogStream string    `json:"logStream"`
	Type      string    `json:"messageType"` // DATA_MESSAGE, or CONTROL_MESSAGE when Logs checks the destination
	Records   []APICall `json:"-"`
}

// maxLogsBatch bounds the decompressed size of a delivery: Lambda's 6 MB payload, inflated; a gzip bomb
// stops here rather than exhausting memory.
const maxLogsBatch = 64 << 20

// IsLogsBatch reports whether raw is a CloudWatch Logs subscription delivery ({"awslogs":{"data":...}}).
func IsLogsBatch(raw []byte) bool {
	var probe struct {
		AWSLogs *struct{} `json:"awslogs"`
	}
	return json.Unmarshal(raw, &probe) == nil && probe.AWSLogs != nil
}

// DecodeLogsBatch reads a subscription delivery: base64 of gzip of JSON with the log events, each
// message a CloudTrail record. A record that is not a CloudTrail event is an error: the trail's log
// group holds nothing else.
func DecodeLogsBatch(raw []byte) (LogsBatch, error) {
	var outer struct {
		AWSLogs struct {
			Data string `json:"data"`
		} `json:"awslogs"`
	}
	var b LogsBatch
	if err := json.Unmarshal(raw, &outer); err != nil {
		return b, fmt.Errorf("not a CloudWatch Logs delivery: %w", err)
	}
	z, err := base64.StdEncoding.DecodeString(outer.AWSLogs.Data)
	if err != nil {
		return b, fmt.Errorf("CloudWatch Logs delivery: data is not base64: %w", err)
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return b, fmt.Errorf("CloudWatch Logs delivery: data is not gzip: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxLogsBatch+1))
	if err != nil {
		return b, fmt.Errorf("CloudWatch Logs delivery: %w", err)
	}
	if len(plain) > maxLogsBatch {
		return b, errors.New("CloudWatch Logs delivery: larger than 64 MiB decompressed")
	}
	var inner struct {
		LogsBatch
		LogEvents []struct {
			ID        string `json:"id"`
			Timestamp int64  `json:"timestamp"`
			Message   string `json:"message"`
		} `json:"logEvents"`
	}
	if err := json.Unmarshal(plain, &inner); err != nil {
		return b, fmt.Errorf("CloudWatch Logs delivery: %w", err)
	}
	b = inner.LogsBatch
	if b.Type == "CONTROL_MESSAGE" {
		return b, nil
	}
	for i, e := range inner.LogEvents {
		var c APICall
		if err := json.Unmarshal([]byte(e.Message), &c); err != nil {
			return b, fmt.Errorf("log event %d (%s): not a CloudTrail record: %w", i, e.ID, err)
		}
		if c.EventName == "" || c.EventSource == "" {
			return b, fmt.Errorf("log event %d (%s): CloudTrail record without eventName or eventSource", i, e.ID)
		}
		b.Records = append(b.Records, c)
	}
	return b, nil
}
