//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/editbay/editbay/lambda/lambdabuild"
)

// benchFunctions are every function and hello, the smallest Go function built the same way, the
// baseline of init and invoke times.
func benchFunctions(b *testing.B) []string {
	if skipReason != "" {
		b.Skip(skipReason)
	}
	packages, err := lambdabuild.Functions(root)
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"hello"}
	for _, p := range packages {
		names = append(names, filepath.Base(p))
	}
	return names
}

// noop is an event every function takes without an AWS call: the governance functions log and drop
// it, the pool scaler and the custom resources refuse it. Its round trip is the runtime's and the
// emulator's own cost.
var noop = []byte(`{}`)

// BenchmarkInit starts each bootstrap under the emulator and invokes it once: init-ms is the
// emulator's init report (process start, the SDK's config, the handler's setup, up to the first
// request for an event), bytes the bootstrap's size.
func BenchmarkInit(b *testing.B) {
	for _, name := range benchFunctions(b) {
		b.Run(name, func(b *testing.B) {
			st, err := os.Stat(filepath.Join(bin, name))
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			for b.Loop() {
				f := start(b, name, benchEnv(b))
				f.invoke(b, noop)
				d, err := f.initDuration()
				f.stop()
				if err != nil {
					b.Fatalf("%v:\n%s", err, f.logs.String())
				}
				total += d
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "init-ms")
			b.ReportMetric(float64(st.Size()), "bytes")
		})
	}
}

// BenchmarkWarmInvoke invokes each function, already initialized, over the emulator's HTTP API.
func BenchmarkWarmInvoke(b *testing.B) {
	for _, name := range benchFunctions(b) {
		b.Run(name, func(b *testing.B) {
			f := start(b, name, benchEnv(b))
			f.invoke(b, noop)
			for b.Loop() {
				f.invoke(b, noop)
			}
		})
	}
}

// benchEnv is enough environment for every function's init (they exit without their required
// variables); the values name nothing that exists, as the no-op event calls nothing.
func benchEnv(b *testing.B) map[string]string {
	pools := filepath.Join(b.TempDir(), "pools.json")
	if err := os.WriteFile(pools, []byte(`{"pools":[{"name":"editors","launchTemplateName":"lt","instanceTypes":["g4dn.xlarge"],"minAvailable":0,"maxSize":1,"warmState":"running"}]}`), 0o644); err != nil {
		b.Fatal(err)
	}
	return map[string]string{"DRY_RUN": "false", "ALERT_TOPIC_ARN": "arn:aws:sns:" + region + ":" + account + ":none",
		"RECORDER_NAME": "default", "CHANNEL_NAME": "default", "CHANNEL_BUCKET": "none",
		"TRAIL_NAME": "none", "TRAIL_ARN": "none", "TRAIL_BUCKET": "none", "TRAIL_KMS_KEY": "none", "TRAIL_REGION": region,
		"POOLS_FILE": pools, "SUBNETS": `{"us-east-1a":"subnet-none"}`, "TABLE_NAME": "none", "ENVIRONMENT": "bench",
		"GUARD_TAG_KEY": "editbay:guardrail"}
}
