package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"
)

type recorder struct{ in []*sns.PublishInput }

func (r *recorder) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	r.in = append(r.in, in)
	return &sns.PublishOutput{}, nil
}

func TestSend(t *testing.T) {
	r := &recorder{}
	a := Alert{Title: "Security group opened to the internet — ünicode", Who: "IAM user alice", What: "AuthorizeSecurityGroupIngress on sg-1",
		Account: "111122223333", Region: "eu-west-1", Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Action: "revoked sgr-1", DryRun: true}
	if err := (Sender{Client: r, TopicArn: "arn:t"}).Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	in := r.in[0]
	if *in.TopicArn != "arn:t" || len(*in.Subject) > 100 || strings.ContainsAny(*in.Subject, "—ü") || !strings.HasPrefix(*in.Subject, "[dry run]") {
		t.Errorf("subject %q", *in.Subject)
	}
	for _, want := range []string{"who:   IAM user alice", "where: account 111122223333 region eu-west-1", "when:  2024-01-02T03:04:05Z", "done:  nothing (dry run); would have: revoked sgr-1"} {
		if !strings.Contains(*in.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, *in.Message)
		}
	}
}
