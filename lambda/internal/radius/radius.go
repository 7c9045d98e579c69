// Package radius is the CloudFormation custom resource that turns on RADIUS multi-factor
// authentication of an AWS Managed Microsoft AD. CloudFormation cannot pass a Secrets Manager value to
// a custom resource, and the directory has no RADIUS property, so this reads the shared secret itself
// and calls Directory Service: EnableRadius or UpdateRadius on create and update, DisableRadius on
// delete. Every request is idempotent: it reads the directory first and converges on the settings.
package radius

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	ds "github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/cfnprops"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// Directory is the part of the Directory Service API the resource calls.
type Directory interface {
	DescribeDirectories(ctx context.Context, in *ds.DescribeDirectoriesInput, opts ...func(*ds.Options)) (*ds.DescribeDirectoriesOutput, error)
	EnableRadius(ctx context.Context, in *ds.EnableRadiusInput, opts ...func(*ds.Options)) (*ds.EnableRadiusOutput, error)
	UpdateRadius(ctx context.Context, in *ds.UpdateRadiusInput, opts ...func(*ds.Options)) (*ds.UpdateRadiusOutput, error)
	DisableRadius(ctx context.Context, in *ds.DisableRadiusInput, opts ...func(*ds.Options)) (*ds.DisableRadiusOutput, error)
}

// Secrets is the part of the Secrets Manager API the resource calls.
type Secrets interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Settings are the resource's properties.
type Settings struct {
	DirectoryID      string
	Servers          []string
	Port             int32
	TimeoutSeconds   int32
	Retries          int32
	Protocol         string
	DisplayLabel     string
	SharedSecretName string
}

// physicalPrefix starts the physical ID of every resource this handler created, so a delete of
// anything else (a create that failed before it had an ID) is a no-op.
const physicalPrefix = "radius:"

// Handler serves the custom resource's requests.
type Handler struct {
	Directory Directory
	Secrets   Secrets
	Metrics   *emf.Logger
	Log       *slog.Logger
	// DryRun logs what would change and changes nothing.
	DryRun bool
}

// Handle serves one CloudFormation request; wrap it with cfn.LambdaWrap.
func (h *Handler) Handle(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	log := h.Log.With("requestType", e.RequestType, "logicalResourceId", e.LogicalResourceID, "dryRun", h.DryRun)
	if e.RequestType == cfn.RequestDelete {
		id, ok := strings.CutPrefix(e.PhysicalResourceID, physicalPrefix)
		if !ok {
			log.Info("nothing to delete: the resource was never created", "physicalResourceId", e.PhysicalResourceID)
			return e.PhysicalResourceID, nil, nil
		}
		return e.PhysicalResourceID, nil, h.disable(ctx, log, id)
	}
	s, err := ParseSettings(e.ResourceProperties)
	if err != nil {
		return "", nil, err
	}
	physical := physicalPrefix + s.DirectoryID
	log = log.With("directoryId", s.DirectoryID)
	enabled, err := h.radiusEnabled(ctx, s.DirectoryID)
	if err != nil {
		return "", nil, err
	}
	secret, err := h.sharedSecret(ctx, s.SharedSecretName)
	if err != nil {
		return "", nil, err
	}
	op := "enable"
	if enabled {
		op = "update"
	}
	log.Info("RADIUS settings", "operation", op, "servers", s.Servers, "port", s.Port, "protocol", s.Protocol)
	if h.DryRun {
		return physical, nil, nil
	}
	settings := &types.RadiusSettings{
		RadiusServers:          s.Servers,
		RadiusPort:             &s.Port,
		RadiusTimeout:          &s.TimeoutSeconds,
		RadiusRetries:          s.Retries,
		SharedSecret:           &secret,
		AuthenticationProtocol: types.RadiusAuthenticationProtocol(s.Protocol),
		DisplayLabel:           &s.DisplayLabel,
		UseSameUsername:        true, // users sign in to the MFA server with their directory name
	}
	if enabled {
		_, err = h.Directory.UpdateRadius(ctx, &ds.UpdateRadiusInput{DirectoryId: &s.DirectoryID, RadiusSettings: settings})
	} else {
		_, err = h.Directory.EnableRadius(ctx, &ds.EnableRadiusInput{DirectoryId: &s.DirectoryID, RadiusSettings: settings})
	}
	if err != nil {
		return "", nil, fmt.Errorf("%s RADIUS of %s (%s): %w", op, s.DirectoryID, awserr.Classify(err), err)
	}
	h.count(op)
	return physical, nil, nil
}

// errNoDirectory is a directory that does not exist (any more).
var errNoDirectory = errors.New("no such directory")

// radiusEnabled reports whether the directory has RADIUS settings already.
func (h *Handler) radiusEnabled(ctx context.Context, id string) (bool, error) {
	out, err := h.Directory.DescribeDirectories(ctx, &ds.DescribeDirectoriesInput{DirectoryIds: []string{id}})
	if awserr.Is(err, awserr.NotFound) || (err == nil && len(out.DirectoryDescriptions) == 0) {
		return false, fmt.Errorf("%w: %s", errNoDirectory, id)
	}
	if err != nil {
		return false, fmt.Errorf("describe directory %s (%s): %w", id, awserr.Classify(err), err)
	}
	d := out.DirectoryDescriptions[0]
	return d.RadiusSettings != nil || d.RadiusStatus != "", nil
}

func (h *Handler) sharedSecret(ctx context.Context, name string) (string, error) {
	out, err := h.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &name})
	switch awserr.Classify(err) {
	case awserr.None:
	case awserr.NotFound:
		return "", fmt.Errorf("the RADIUS shared secret %q does not exist; create it in Secrets Manager first", name)
	case awserr.AccessDenied:
		return "", fmt.Errorf("may not read the RADIUS shared secret %q (its KMS key must allow this function through Secrets Manager): %w", name, err)
	default:
		return "", fmt.Errorf("read the RADIUS shared secret %q: %w", name, err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", fmt.Errorf("the RADIUS shared secret %q has no string value", name)
	}
	return *out.SecretString, nil
}

// disable turns RADIUS off; a directory without RADIUS, or without itself, is already done.
func (h *Handler) disable(ctx context.Context, log *slog.Logger, id string) error {
	log = log.With("directoryId", id)
	enabled, err := h.radiusEnabled(ctx, id)
	if errors.Is(err, errNoDirectory) || (err == nil && !enabled) {
		log.Info("RADIUS already off")
		return nil
	}
	if err != nil {
		return err
	}
	log.Info("RADIUS settings", "operation", "disable")
	if h.DryRun {
		return nil
	}
	if _, err := h.Directory.DisableRadius(ctx, &ds.DisableRadiusInput{DirectoryId: &id}); err != nil && !awserr.Is(err, awserr.NotFound) {
		return fmt.Errorf("disable RADIUS of %s (%s): %w", id, awserr.Classify(err), err)
	}
	h.count("disable")
	return nil
}

func (h *Handler) count(op string) {
	if err := h.Metrics.Count(map[string]string{"Operation": op}, map[string]float64{"RadiusChanges": 1}); err != nil {
		h.Log.Error("metrics", "error", err)
	}
}

// ParseSettings reads the resource properties.
func ParseSettings(p map[string]any) (Settings, error) {
	r := &cfnprops.Reader{Props: p}
	s := Settings{
		DirectoryID:      r.String("DirectoryId"),
		Port:             r.Int32("Port", 0, math.MaxInt32),
		TimeoutSeconds:   r.Int32("TimeoutSeconds", 0, math.MaxInt32),
		Retries:          r.Int32("Retries", 0, math.MaxInt32),
		Protocol:         r.String("Protocol"),
		DisplayLabel:     r.String("DisplayLabel"),
		SharedSecretName: r.String("SharedSecretName"),
	}
	servers, _ := p["Servers"].([]any)
	for _, v := range servers {
		if sv, ok := v.(string); ok && sv != "" {
			s.Servers = append(s.Servers, sv)
		}
	}
	if len(s.Servers) == 0 || len(s.Servers) != len(servers) {
		r.Fail("Servers", "want a list of addresses, got %v", p["Servers"])
	}
	return s, r.Err()
}
