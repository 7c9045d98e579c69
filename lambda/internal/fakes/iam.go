package fakes

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM is a stateful fake of the account password policy: none until one is set, and NoSuchEntity
// when reading or deleting a policy that does not exist, as IAM answers.
type IAM struct {
	calls
	mu     sync.Mutex
	policy *types.PasswordPolicy
}

// Policy returns the current password policy, nil for none.
func (f *IAM) Policy() *types.PasswordPolicy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy
}

func (f *IAM) GetAccountPasswordPolicy(_ context.Context, _ *iam.GetAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error) {
	if err := f.enter("GetAccountPasswordPolicy"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.policy == nil {
		return nil, APIError("NoSuchEntity")
	}
	p := *f.policy
	return &iam.GetAccountPasswordPolicyOutput{PasswordPolicy: &p}, nil
}

func (f *IAM) UpdateAccountPasswordPolicy(_ context.Context, in *iam.UpdateAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.UpdateAccountPasswordPolicyOutput, error) {
	if err := f.enter("UpdateAccountPasswordPolicy"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Unset fields take IAM's defaults, as the real API resets them.
	f.policy = &types.PasswordPolicy{
		MinimumPasswordLength:      aws.Int32(max(aws.ToInt32(in.MinimumPasswordLength), 6)),
		PasswordReusePrevention:    in.PasswordReusePrevention,
		MaxPasswordAge:             in.MaxPasswordAge,
		ExpirePasswords:            aws.ToInt32(in.MaxPasswordAge) > 0,
		RequireSymbols:             in.RequireSymbols,
		RequireNumbers:             in.RequireNumbers,
		RequireUppercaseCharacters: in.RequireUppercaseCharacters,
		RequireLowercaseCharacters: in.RequireLowercaseCharacters,
		AllowUsersToChangePassword: in.AllowUsersToChangePassword,
		HardExpiry:                 in.HardExpiry,
	}
	return &iam.UpdateAccountPasswordPolicyOutput{}, nil
}

func (f *IAM) DeleteAccountPasswordPolicy(_ context.Context, _ *iam.DeleteAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.DeleteAccountPasswordPolicyOutput, error) {
	if err := f.enter("DeleteAccountPasswordPolicy"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.policy == nil {
		return nil, APIError("NoSuchEntity")
	}
	f.policy = nil
	return &iam.DeleteAccountPasswordPolicyOutput{}, nil
}
