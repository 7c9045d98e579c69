package tamper

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/editbay/editbay/lambda/internal/awserr"
)

// KMS events, as the AWS KMS developer guide's CloudTrail examples log them (ct-*.md): keyId is the key
// ID, key ARN or alias the caller gave; DeleteAlias and UpdateAlias log aliasName (and targetKeyId),
// with the alias and key in the record's resources.
var keyTitles = map[string]string{
	"ScheduleKeyDeletion": "Deletion of a guarded KMS key scheduled",
	"DisableKey":          "Guarded KMS key disabled",
	"DisableKeyRotation":  "Rotation of a guarded KMS key turned off",
	"PutKeyPolicy":        "Policy of a guarded KMS key replaced",
	"CreateGrant":         "Grant created on a guarded KMS key",
	"DeleteAlias":         "Alias of a guarded KMS key deleted",
	"UpdateAlias":         "Alias of a guarded KMS key moved to another key",
}

func (h *Handler) kmsEvent(ctx context.Context, tr trigger) (Outcome, error) {
	title, ok := keyTitles[tr.name]
	if !ok {
		return h.skip("not a watched KMS event", "event", tr.name), nil
	}
	var p struct {
		KeyID     string `json:"keyId"`
		AliasName string `json:"aliasName"`
	}
	if err := tr.call.Params(&p); err != nil {
		return h.skip("unreadable request parameters", "event", tr.name, "error", err.Error()), nil
	}
	if tr.name == "DeleteAlias" || tr.name == "UpdateAlias" {
		guarded, err := h.aliasGuarded(ctx, p.AliasName, tr)
		if err != nil {
			var out Outcome
			return out, h.failed(ctx, &out, tr, title, "alias "+p.AliasName, nil, fmt.Errorf("checking the alias's key: %w", err))
		}
		if !guarded {
			return h.skip("not a guarded key's alias", "alias", p.AliasName), nil
		}
		return h.alertOnly(ctx, tr, title, "alias "+p.AliasName,
			"an alias cannot be put back safely by the guard: redeploy the stack that owns it (cdk deploy); until then whatever uses the alias reaches another key or none")
	}
	if p.KeyID == "" {
		return h.skip("no keyId", "event", tr.name), nil
	}
	meta, reason, err := h.guardedKey(ctx, p.KeyID)
	if awserr.Is(err, awserr.NotFound) {
		return h.skip("no such key", "key", p.KeyID), nil
	}
	if err != nil {
		var out Outcome
		return out, h.failed(ctx, &out, tr, title, "KMS key "+p.KeyID, nil, fmt.Errorf("checking the key: %w", err))
	}
	if reason == "" {
		return h.skip("not a guarded key", "key", aws.ToString(meta.Arn)), nil
	}
	resource := "KMS key " + aws.ToString(meta.Arn)
	switch tr.name {
	case "ScheduleKeyDeletion", "DisableKey", "DisableKeyRotation":
		// Whatever the event, the key is put back whole: enabled, not pending deletion, rotating. A
		// dropped earlier event (DisableKey before DisableKeyRotation) is caught up too, and rotation can
		// be turned on only on an enabled key.
		return h.restore(ctx, tr, title, resource, "", false, func(ctx context.Context) ([]string, error) { return h.ensureKey(ctx, meta) })
	case "PutKeyPolicy":
		return h.alertOnly(ctx, tr, title, resource, "a key policy cannot be compared with the deployed one: redeploy the stack that owns the key (cdk deploy), and check that the policy still lets the trail, the log group and the guard use the key")
	default: // CreateGrant
		return h.alertOnly(ctx, tr, title, resource, "the grant lets its grantee use the key outside the key policy: retire or revoke it if it is not wanted (aws kms revoke-grant)")
	}
}

// guardedKey describes the key ref names and says why it is guarded ("" when it is not): listed in
// PROTECTED_KEYS (by the ID, ARN or alias the event used, its ID or ARN, or an alias entry resolving to
// it) or tagged with the guard tag.
func (h *Handler) guardedKey(ctx context.Context, ref string) (*kmstypes.KeyMetadata, string, error) {
	d, err := h.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	if err != nil {
		return nil, "", err
	}
	m := d.KeyMetadata
	if m == nil {
		return nil, "", &unfixable{"DescribeKey returned no key"}
	}
	id, arn := aws.ToString(m.KeyId), aws.ToString(m.Arn)
	if slices.ContainsFunc(h.Settings.ProtectedKeys, func(k string) bool { return k == ref || k == id || k == arn }) {
		return m, "listed in PROTECTED_KEYS", nil
	}
	tagged, err := h.keyTagged(ctx, id)
	if err != nil {
		return m, "", err
	}
	if tagged {
		return m, "tagged " + h.Settings.GuardTagKey, nil
	}
	for _, k := range h.Settings.ProtectedKeys {
		if !isAlias(k) {
			continue
		}
		d, err := h.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k)})
		if awserr.Is(err, awserr.NotFound) {
			continue // the sweep reports an alias that resolves to nothing
		}
		if err != nil {
			return m, "", err
		}
		if d.KeyMetadata != nil && aws.ToString(d.KeyMetadata.KeyId) == id {
			return m, "listed in PROTECTED_KEYS as " + k, nil
		}
	}
	return m, "", nil
}

func isAlias(ref string) bool {
	return strings.HasPrefix(ref, "alias/") || strings.HasPrefix(ref, "arn:") && strings.Contains(ref, ":alias/")
}

// keyTagged reports whether the key (ID or key ARN) carries the guard tag.
func (h *Handler) keyTagged(ctx context.Context, key string) (bool, error) {
	in := &kms.ListResourceTagsInput{KeyId: aws.String(key)}
	for {
		out, err := h.KMS.ListResourceTags(ctx, in)
		if err != nil {
			return false, err
		}
		for _, t := range out.Tags {
			if h.guarded(aws.ToString(t.TagKey), aws.ToString(t.TagValue)) {
				return true, nil
			}
		}
		if !out.Truncated || aws.ToString(out.NextMarker) == "" {
			return false, nil
		}
		in.Marker = out.NextMarker
	}
}

// aliasGuarded reports whether an alias event concerns a guarded key: the alias is listed in
// PROTECTED_KEYS, or, for DeleteAlias, the key it named (the record's resources) is guarded. The key an
// UpdateAlias moved the alias away from is not in the record, so only a listed alias is recognised.
func (h *Handler) aliasGuarded(ctx context.Context, alias string, tr trigger) (bool, error) {
	if alias == "" {
		return false, nil
	}
	for _, k := range h.Settings.ProtectedKeys {
		if k == alias || strings.HasPrefix(k, "arn:") && strings.HasSuffix(k, ":"+alias) {
			return true, nil
		}
	}
	if tr.name != "DeleteAlias" {
		return false, nil
	}
	for _, r := range tr.call.Resources {
		if !strings.Contains(r.ARN, ":key/") {
			continue
		}
		id := r.ARN[strings.LastIndex(r.ARN, "/")+1:]
		if slices.ContainsFunc(h.Settings.ProtectedKeys, func(k string) bool { return k == r.ARN || k == id }) {
			return true, nil
		}
		tagged, err := h.keyTagged(ctx, r.ARN)
		if awserr.Is(err, awserr.NotFound) {
			continue
		}
		if err != nil || tagged {
			return tagged, err
		}
	}
	return false, nil
}

// ensureKey puts a key back to enabled, not pending deletion, with automatic rotation on. KMS's key
// states (developer guide, "Key states of AWS KMS keys"): CancelKeyDeletion leaves a key Disabled, so
// EnableKey follows; EnableKeyRotation needs an enabled key.
func (h *Handler) ensureKey(ctx context.Context, m *kmstypes.KeyMetadata) ([]string, error) {
	id := aws.String(aws.ToString(m.KeyId))
	var done []string
	switch m.KeyState {
	case kmstypes.KeyStateEnabled:
	case kmstypes.KeyStatePendingDeletion, kmstypes.KeyStatePendingReplicaDeletion:
		if !h.DryRun {
			if _, err := h.KMS.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: id}); err != nil {
				return done, fmt.Errorf("cancelling the key's deletion: %w", err)
			}
		}
		done = append(done, "cancelled the key's scheduled deletion")
		fallthrough
	case kmstypes.KeyStateDisabled:
		if !h.DryRun {
			if _, err := h.KMS.EnableKey(ctx, &kms.EnableKeyInput{KeyId: id}); err != nil {
				return done, fmt.Errorf("enabling the key: %w", err)
			}
		}
		done = append(done, "enabled the key")
	default:
		return done, &unfixable{fmt.Sprintf("the key is %s, a state the guard does not change: check it in the KMS console", m.KeyState)}
	}
	// Automatic rotation exists only for symmetric encryption keys with KMS key material that the
	// customer manages (AWS managed keys rotate by themselves).
	if m.KeySpec != kmstypes.KeySpecSymmetricDefault || m.KeyManager == kmstypes.KeyManagerTypeAws || (m.Origin != "" && m.Origin != kmstypes.OriginTypeAwsKms) {
		return done, nil
	}
	st, err := h.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id})
	if err != nil {
		return done, fmt.Errorf("reading the key's rotation: %w", err)
	}
	if !st.KeyRotationEnabled {
		if !h.DryRun {
			if _, err := h.KMS.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); err != nil {
				return done, fmt.Errorf("turning the key's rotation on: %w", err)
			}
		}
		done = append(done, "turned automatic rotation back on")
	}
	return done, nil
}
