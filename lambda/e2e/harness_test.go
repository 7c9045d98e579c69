//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/lambdabuild"
)

// region is where moto keeps the test's resources; the account is moto's default.
const (
	region  = "us-east-1"
	account = "123456789012"
)

var (
	// bin holds the bootstraps (one per function, named after it), hello and aws-lambda-rie.
	bin string
	// moto is the emulator's endpoint, e.g. http://127.0.0.1:41234.
	moto string
	// skipReason is set when moto is missing and the suite was run by hand: every test skips with it.
	skipReason string
	// root is the module's directory.
	root string
)

// TestMain builds the functions, the hello-world baseline and the emulator once, starts moto on a
// free loopback port and stops it by its PID when the tests are done.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if root, err = lambdabuild.ModuleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	motoServer, err := exec.LookPath("moto_server")
	if err != nil {
		const hint = "moto_server is not installed: pip install 'moto[server]'"
		if os.Getenv("CI") != "" || os.Getenv("E2E_REQUIRE_MOTO") != "" {
			fmt.Fprintln(os.Stderr, "e2e: FAIL:", hint)
			return 1
		}
		skipReason = "skipped: " + hint + " (make e2e and CI fail instead of skipping)"
		fmt.Fprintln(os.Stderr, "e2e:", skipReason)
		return m.Run()
	}
	if bin, err = os.MkdirTemp("", "editbay-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	if err := buildAll(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		return 1
	}
	stop, err := startMoto(motoServer)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: moto:", err)
		return 1
	}
	defer stop()
	// The test's own clients and every function reach moto the same way: AWS_ENDPOINT_URL, dummy
	// credentials, a region, and no shared config or instance metadata of the machine.
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_REGION": region, "AWS_DEFAULT_REGION": region,
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_SESSION_TOKEN")
	os.Unsetenv("AWS_PROFILE")
	return m.Run()
}

// buildAll builds every function and hello with lambdabuild (the deployed asset's flags, the host's
// architecture) and the emulator, the version go.mod pins.
func buildAll() error {
	start := time.Now()
	packages, err := lambdabuild.Functions(root)
	if err != nil {
		return err
	}
	packages = append(packages, "./lambda/e2e/testdata/hello")
	if err := lambdabuild.Build(root, runtime.GOARCH, bin+string(filepath.Separator), packages...); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "aws-lambda-rie"), "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build aws-lambda-rie: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "e2e: built %d bootstraps and aws-lambda-rie in %s\n", len(packages), time.Since(start).Round(time.Millisecond))
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startMoto starts moto_server on a free loopback port and waits until it answers; stop ends it by
// its PID.
func startMoto(motoServer string) (stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var logs lockedBuffer
	cmd := exec.Command(motoServer, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	moto = "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("moto_server exited (%v); is moto[server] installed? pip install 'moto[server]'\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(moto + "/moto-api/"); err == nil {
			resp.Body.Close()
			fmt.Fprintf(os.Stderr, "e2e: moto_server (pid %d) on %s\n", cmd.Process.Pid, moto)
			return stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("moto_server did not answer on %s within a minute\n%s", moto, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// world is one test's emulated AWS: moto, reset to empty, a recorder for what functions send out
// (custom-resource responses, alerts delivered by SNS over HTTP) and the SDK config to read state.
type world struct {
	t        testing.TB
	cfg      aws.Config
	recorder *recorder
	topicARN string
}

// newWorld resets moto and creates the alert topic, subscribed to the recorder. Tests share the one
// moto server, so none runs in parallel.
func newWorld(t testing.TB) *world {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	resp, err := http.Post(moto+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, cfg: cfg, recorder: newRecorder(t)}
	topic, err := sns.NewFromConfig(cfg).CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String("editbay-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	w.topicARN = aws.ToString(topic.TopicArn)
	if _, err := sns.NewFromConfig(cfg).Subscribe(context.Background(), &sns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(w.recorder.URL + "/alerts"),
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// alerts returns the subjects of the alerts published so far (moto delivers them to the recorder
// before Publish returns).
func (w *world) alerts() []string {
	var subjects []string
	for _, r := range w.recorder.requests("/alerts") {
		var n struct{ Type, Subject, Message string }
		if err := json.Unmarshal(r.Body, &n); err != nil {
			w.t.Fatalf("alert delivery %q: %v", r.Body, err)
		}
		if n.Type == "Notification" {
			subjects = append(subjects, n.Subject)
		}
	}
	return subjects
}

// createBucket makes an S3 bucket with a plain path-style PUT (moto does not check signatures), so
// the suite needs no S3 client.
func (w *world) createBucket(name string) {
	req, _ := http.NewRequest(http.MethodPut, moto+"/"+name, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("create bucket %s: %s", name, resp.Status)
	}
}

// recorder is an HTTP server on loopback that keeps every request: CloudFormation's ResponseURL and
// SNS's HTTP subscription point at it.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path string
	Body         []byte
}

func newRecorder(t testing.TB) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, body})
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests(path string) []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recorded
	for _, q := range r.reqs {
		if q.Path == path {
			out = append(out, q)
		}
	}
	return out
}

// function is one function running under aws-lambda-rie.
type function struct {
	name string
	url  string
	logs *lockedBuffer
	stop func() // ends the emulator and the bootstrap; the test's cleanup calls it too
}

// start runs the named function's bootstrap under the emulator with env added to the suite's (the
// moto endpoint and credentials), on free loopback ports; the test's cleanup stops it by its PID.
func start(t testing.TB, name string, env map[string]string) *function {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	apiPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	f := &function{name: name, url: "http://" + addr + "/2015-03-31/functions/function/invocations", logs: &lockedBuffer{}}
	cmd := exec.Command(filepath.Join(bin, "aws-lambda-rie"),
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		filepath.Join(bin, name))
	cmd.Dir = bin
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_FUNCTION_NAME="+name, "AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "LAMBDA_TASK_ROOT="+bin)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = f.logs, f.logs
	// Its own process group, so the bootstrap the emulator started is ended with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		f.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, f.logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie for %s did not listen on %s:\n%s", name, addr, f.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// result is an invocation's answer: the function's JSON result, or its error.
type result struct {
	Body      []byte
	ErrorType string // set when the function failed
	ErrorMsg  string
	Took      time.Duration
}

func (r result) failed() bool { return r.ErrorType != "" || r.ErrorMsg != "" }

// invoke sends an event as Lambda's Invoke API would and returns the answer.
func (f *function) invoke(t testing.TB, event []byte) result {
	t.Helper()
	begin := time.Now()
	resp, err := http.Post(f.url, "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke %s: %v", f.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{Body: body, Took: time.Since(begin)}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke %s: %s %s\n%s", f.name, resp.Status, body, f.logs.String())
	}
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &e) == nil {
		r.ErrorType, r.ErrorMsg = e.ErrorType, e.ErrorMessage
	}
	return r
}

// ok invokes and fails the test if the function failed; it decodes the result into out, if given.
func (f *function) ok(t testing.TB, event []byte, out any) result {
	t.Helper()
	r := f.invoke(t, event)
	if r.failed() {
		t.Fatalf("%s failed: %s: %s\n%s", f.name, r.ErrorType, r.ErrorMsg, f.logs.String())
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("%s result %s: %v", f.name, r.Body, err)
		}
	}
	return r
}

// initDuration is the emulator's init report of the function's first invocation: from starting the
// bootstrap to its first request for an event (the REPORT line's "Init Duration" of this emulator
// version is not that).
var initDurationRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

func (f *function) initDuration() (time.Duration, error) {
	m := f.waitFor(initDurationRE)
	if m == nil {
		return 0, errors.New("no init report")
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond)), err
}

// waitFor returns the first match of re in the function's output. The emulator and the function
// write before the invocation is answered, but their output reaches the buffer through a pipe, a
// little later on a busy machine: it waits up to 5 s.
func (f *function) waitFor(re *regexp.Regexp) []string {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(f.logs.String()); m != nil || time.Now().After(deadline) {
			return m
		}
	}
}

// malformed is not JSON: the runtime cannot decode it into the handler's argument.
var malformed = []byte(`{"detail-type": "AWS API Call via CloudTrail", "detail": {`)

// fixture reads a testdata file of a package under lambda/internal, so the suite sends the events
// the in-process tests decode, and applies edits: dotted paths into the JSON ("detail.eventTime") to
// new values.
func fixture(t testing.TB, path string, edits map[string]any) []byte {
	t.Helper()
	out, err := awsevent.Edit(fixtureFile(t, path), edits)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fixtureFile reads a testdata file of a package under lambda/internal as it is.
func fixtureFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "lambda", "internal", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonOf marshals v or fails the test.
func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func boolString(b bool) string { return strconv.FormatBool(b) }
