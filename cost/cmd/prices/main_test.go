package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunWithoutCredentials(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	in := filepath.Join(dir, "prices.json")
	out := filepath.Join(dir, "out.json")
	want := filepath.Join(dir, "want")
	if err := os.WriteFile(in, []byte(`{"currency":"USD","prices":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("us-east-1 kms:key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	err := run(ctx, log, []string{"-in", in, "-out", out, "-want", want})
	if err == nil {
		t.Fatal("no error without credentials")
	}
	for _, s := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("wrote %s without credentials", out)
	}

	if err := os.WriteFile(want, []byte("kms:key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, log, []string{"-in", in, "-want", want}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a bad -want file: %v", err)
	}
	if err := run(ctx, log, []string{"-in", filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("a missing -in file")
	}
}
