// Package alert publishes guardrail alerts to the SNS topic: who changed what, where and when, and
// what the guardrail did about it, so whoever made the change learns why it was undone.
package alert

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Publisher is the SNS API the alerts need; *sns.Client satisfies it.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Alert is one message.
type Alert struct {
	Title   string    // one line, e.g. "Security group opened to the internet"
	Who     string    // the CloudTrail user identity, or the service that noticed
	What    string    // the change, e.g. "AuthorizeSecurityGroupIngress on sg-0123"
	Account string    // where
	Region  string    // where
	Time    time.Time // when the change happened
	Action  string    // what was done, e.g. "revoked sgr-1 (0.0.0.0/0 tcp 22)"
	Why     string    // the rule that applies, and how to get an exemption
	EventID string    // the triggering event, for the audit trail
	DryRun  bool      // nothing was changed; Action says what would have been done
}

// Sender publishes alerts to one topic.
type Sender struct {
	Client   Publisher
	TopicArn string
}

// Subject is SNS's e-mail subject: at most 100 printable ASCII characters.
func (a Alert) Subject() string {
	s := "editbay guardrail: " + a.Title
	if a.DryRun {
		s = "[dry run] " + s
	}
	b := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b = append(b, r)
	}
	if len(b) > 100 {
		b = b[:100]
	}
	return string(b)
}

// Body is the message text.
func (a Alert) Body() string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-6s %s\n", k+":", v)
		}
	}
	b.WriteString(a.Title + "\n\n")
	line("who", a.Who)
	line("what", a.What)
	line("where", strings.TrimSpace("account "+a.Account+" region "+a.Region))
	if !a.Time.IsZero() {
		line("when", a.Time.UTC().Format(time.RFC3339))
	}
	done := a.Action
	if a.DryRun {
		done = "nothing (dry run); would have: " + a.Action
	}
	line("done", done)
	line("why", a.Why)
	line("event", a.EventID)
	return b.String()
}

// Send publishes a.
func (s Sender) Send(ctx context.Context, a Alert) error {
	_, err := s.Client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.TopicArn),
		Subject:  aws.String(a.Subject()),
		Message:  aws.String(a.Body()),
	})
	if err != nil {
		return fmt.Errorf("publishing alert %q: %w", a.Title, err)
	}
	return nil
}
