package cli

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCLISynth synthesizes the default app and the one-bucket yardstick (testdata/bareapp) with
// the pinned CLI, alternately, as `make synth` does, and reports the CPU time each costs, the CLI's
// and every process under it (Node.js, go run, the app, jsii's Node.js). The ratio of the two is what
// editbay's own work costs over what any CDK app costs.
//
//	go test ./test/cli -run '^$' -bench CLISynth -benchtime 3x
func BenchmarkCLISynth(b *testing.B) {
	apps := []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"bare", []string{"--app", "go run ./test/cli/testdata/bareapp"}},
	}
	for _, app := range apps {
		// One unmeasured run builds what go run caches.
		if out, err := cdk(append([]string{"synth", "--quiet", "-o", filepath.Join(b.TempDir(), "out")}, app.args...)...); err != nil {
			b.Fatalf("%s: %v\n%s", app.name, err, out)
		}
	}
	for _, app := range apps {
		b.Run(app.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := command("npx", append([]string{"--no", "--", "cdk", "synth", "--quiet", "-o", filepath.Join(b.TempDir(), "out")}, app.args...)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
