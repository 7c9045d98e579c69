// Package fnenv holds what every governance function's main shares: its environment, its JSON
// logger and its metrics writer.
package fnenv

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/editbay/editbay/lambda/internal/emf"
)

// Env reads a required environment variable, exiting the init phase with a clear log line if it is
// missing (a deployment fault, shown as an init error).
func Env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		Logger().Error("missing environment variable", "name", name)
		os.Exit(2)
	}
	return v
}

// DryRun reads DRY_RUN ("true" or "false"; unset is false).
func DryRun() bool {
	v := os.Getenv("DRY_RUN")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		panic(fmt.Sprintf("DRY_RUN=%q is not true or false", v))
	}
	return b
}

// Logger writes structured JSON to standard output, where Lambda sends it to the log group.
func Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stdout, nil)) }

// Metrics writes EMF lines to standard output.
func Metrics() *emf.Logger { return &emf.Logger{W: os.Stdout} }
