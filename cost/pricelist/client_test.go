package pricelist

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withoutCredentials leaves the default credential chain nothing to find: no environment
// credentials, no config or credentials file, no container or instance metadata.
func withoutCredentials(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestNewClientWithoutCredentials(t *testing.T) {
	withoutCredentials(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := NewClient(ctx)
	if err == nil {
		t.Fatal("no error without credentials")
	}
	for _, s := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "pricing:GetProducts"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}

	t.Setenv("AWS_PROFILE", "no-such-profile")
	if _, err := NewClient(ctx); err == nil || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Errorf("an unknown profile: %v", err)
	}
}

func TestNewClientWithCredentials(t *testing.T) {
	withoutCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "eu-west-1")
	client, err := NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := client.Options().Region; got != Endpoint {
		t.Errorf("region %q, want the Price List endpoint %s", got, Endpoint)
	}
}
