// Package passwordpolicy is the CloudFormation custom resource that sets the account password policy
// of IAM users, which CloudFormation has no resource type for. Create and update converge the policy
// on the properties (reading it first, so a retried request changes nothing); delete removes it.
package passwordpolicy

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/cfnprops"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// IAM is the part of the IAM API the resource calls; *iam.Client satisfies it.
type IAM interface {
	GetAccountPasswordPolicy(ctx context.Context, in *iam.GetAccountPasswordPolicyInput, opts ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error)
	UpdateAccountPasswordPolicy(ctx context.Context, in *iam.UpdateAccountPasswordPolicyInput, opts ...func(*iam.Options)) (*iam.UpdateAccountPasswordPolicyOutput, error)
	DeleteAccountPasswordPolicy(ctx context.Context, in *iam.DeleteAccountPasswordPolicyInput, opts ...func(*iam.Options)) (*iam.DeleteAccountPasswordPolicyOutput, error)
}

// Settings are the resource's properties. Every character class is always required and users may
// always change their own password: those are not knobs.
type Settings struct {
	MinimumLength   int32
	ReusePrevention int32
	MaxAgeDays      int32
}

// PhysicalID names the resource: an account has one password policy.
const PhysicalID = "account-password-policy"

// Handler serves the custom resource's requests.
type Handler struct {
	IAM     IAM
	Metrics *emf.Logger
	Log     *slog.Logger
	// DryRun logs what would change and changes nothing.
	DryRun bool
}

// Handle serves one CloudFormation request; wrap it with cfn.LambdaWrap.
func (h *Handler) Handle(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	log := h.Log.With("requestType", e.RequestType, "logicalResourceId", e.LogicalResourceID, "dryRun", h.DryRun)
	if e.RequestType == cfn.RequestDelete {
		if e.PhysicalResourceID != PhysicalID {
			log.Info("nothing to delete: the resource was never created", "physicalResourceId", e.PhysicalResourceID)
			return e.PhysicalResourceID, nil, nil
		}
		return PhysicalID, nil, h.delete(ctx, log)
	}
	s, err := ParseSettings(e.ResourceProperties)
	if err != nil {
		return "", nil, err
	}
	want := s.input()
	current, err := h.IAM.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil && !awserr.Is(err, awserr.NotFound) {
		return "", nil, fmt.Errorf("read the password policy (%s): %w", awserr.Classify(err), err)
	}
	if err == nil && matches(current.PasswordPolicy, want) {
		log.Info("password policy already as configured")
		return PhysicalID, nil, nil
	}
	log.Info("setting the password policy", "minimumLength", s.MinimumLength, "reusePrevention", s.ReusePrevention, "maxAgeDays", s.MaxAgeDays)
	if h.DryRun {
		return PhysicalID, nil, nil
	}
	if _, err := h.IAM.UpdateAccountPasswordPolicy(ctx, want); err != nil {
		return "", nil, fmt.Errorf("set the password policy (%s): %w", awserr.Classify(err), err)
	}
	h.count("update")
	return PhysicalID, nil, nil
}

// delete removes the policy; an account without one is already done.
func (h *Handler) delete(ctx context.Context, log *slog.Logger) error {
	log.Info("deleting the password policy")
	if h.DryRun {
		return nil
	}
	_, err := h.IAM.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	if err != nil && !awserr.Is(err, awserr.NotFound) {
		return fmt.Errorf("delete the password policy (%s): %w", awserr.Classify(err), err)
	}
	h.count("delete")
	return nil
}

func (s Settings) input() *iam.UpdateAccountPasswordPolicyInput {
	return &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength:      aws.Int32(s.MinimumLength),
		PasswordReusePrevention:    aws.Int32(s.ReusePrevention),
		MaxPasswordAge:             aws.Int32(s.MaxAgeDays),
		RequireSymbols:             true,
		RequireNumbers:             true,
		RequireUppercaseCharacters: true,
		RequireLowercaseCharacters: true,
		AllowUsersToChangePassword: true,
		// Expired passwords are changed at sign-in, not reset by an administrator.
		HardExpiry: aws.Bool(false),
	}
}

func matches(p *types.PasswordPolicy, want *iam.UpdateAccountPasswordPolicyInput) bool {
	return p != nil &&
		aws.ToInt32(p.MinimumPasswordLength) == aws.ToInt32(want.MinimumPasswordLength) &&
		aws.ToInt32(p.PasswordReusePrevention) == aws.ToInt32(want.PasswordReusePrevention) &&
		aws.ToInt32(p.MaxPasswordAge) == aws.ToInt32(want.MaxPasswordAge) &&
		p.RequireSymbols == want.RequireSymbols && p.RequireNumbers == want.RequireNumbers &&
		p.RequireUppercaseCharacters == want.RequireUppercaseCharacters &&
		p.RequireLowercaseCharacters == want.RequireLowercaseCharacters &&
		p.AllowUsersToChangePassword == want.AllowUsersToChangePassword &&
		aws.ToBool(p.HardExpiry) == aws.ToBool(want.HardExpiry)
}

func (h *Handler) count(op string) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.Count(map[string]string{"Function": "password-policy", "Operation": op}, map[string]float64{emf.Remediations: 1}); err != nil {
		h.Log.Error("metrics", "error", err)
	}
}

// ParseSettings reads the resource properties, within the limits IAM accepts.
func ParseSettings(p map[string]any) (Settings, error) {
	r := &cfnprops.Reader{Props: p}
	s := Settings{
		MinimumLength:   r.Int32("MinimumLength", 6, 128),
		ReusePrevention: r.Int32("ReusePrevention", 1, 24),
		MaxAgeDays:      r.Int32("MaxAgeDays", 1, 1095),
	}
	return s, r.Err()
}
