// Package sgfix revokes world-open ingress (0.0.0.0/0 and ::/0) from security groups, by rule ID,
// leaving every other rule alone. It runs on CloudTrail's ingress-changing API calls and on AWS
// Config compliance changes of the security-group rules.
package sgfix

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/editbay/editbay/lambda/internal/alert"
	"github.com/editbay/editbay/lambda/internal/awserr"
	"github.com/editbay/editbay/lambda/internal/awsevent"
	"github.com/editbay/editbay/lambda/internal/emf"
)

// EC2 is the part of the EC2 API the fix calls; *ec2.Client satisfies it.
type EC2 interface {
	DescribeSecurityGroupRules(ctx context.Context, in *ec2.DescribeSecurityGroupRulesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error)
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, optFns ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
}

// Handler handles one event.
type Handler struct {
	EC2     EC2
	Alerts  alert.Sender
	Metrics *emf.Logger
	Log     *slog.Logger
	// DryRun decides and alerts but changes nothing.
	DryRun bool
}

// Outcome is what one invocation did.
type Outcome struct {
	GroupID  string
	Revoked  []string // rule IDs revoked (or that would be, in a dry run)
	Exempted []string // world-open rule IDs kept because the group declares them
}

// trigger is what the event says happened.
type trigger struct {
	groupID, who, what, account, region, eventID string
	groupName                                    string // set when the event names the group only by name
	when                                         time.Time
}

// Handle decodes an EventBridge event and fixes the group it names.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Outcome, error) {
	tr, err := decode(raw)
	if err != nil {
		// A malformed event is not retried: it would fail the same way. Log it for the record.
		h.Log.Error("ignoring event", "error", err.Error())
		return Outcome{}, nil
	}
	if tr.groupID == "" {
		found, err := h.groupByName(ctx, tr.groupName)
		if err != nil {
			return Outcome{}, h.failed(ctx, tr, h.Log.With("groupName", tr.groupName, "eventId", tr.eventID), "finding the group by name", err)
		}
		if found == "" {
			h.Log.Info("group deleted meanwhile; nothing to fix", "groupName", tr.groupName, "eventId", tr.eventID)
			return Outcome{}, nil
		}
		tr.groupID = found
	}
	return h.Fix(ctx, tr)
}

// groupByName returns the ID of the region's default-VPC group of that name (the only groups a call
// can name without an ID), or "" if it is gone.
func (h *Handler) groupByName(ctx context.Context, name string) (string, error) {
	g, err := h.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{name}})
	if awserr.Is(err, awserr.NotFound) || err == nil && len(g.SecurityGroups) == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(g.SecurityGroups[0].GroupId), nil
}

func decode(raw []byte) (trigger, error) {
	e, err := awsevent.Decode(raw)
	if err != nil {
		return trigger{}, err
	}
	tr := trigger{account: e.Account, region: e.Region, eventID: e.ID, when: e.Time}
	switch e.DetailType {
	case awsevent.DetailAPICall:
		c, err := awsevent.DecodeAPICall(e)
		if err != nil {
			return tr, err
		}
		tr.who, tr.when, tr.eventID = c.UserIdentity.Who(), c.EventTime, c.EventID
		// The group is named by ID in the request (groupId, or GroupId of a ModifySecurityGroupRules);
		// a call by group name (allowed in a default VPC) has its ID only in the response's rule set,
		// and its older top-level form (cidrIp, fromPort, toPort, ipProtocol with empty
		// ipPermissions) may come without one: then the name is resolved (groupByName).
		var p struct {
			GroupID   string `json:"groupId"`
			GroupName string `json:"groupName"`
			Modify    struct {
				GroupID string `json:"GroupId"`
			} `json:"ModifySecurityGroupRulesRequest"`
		}
		var r struct {
			RuleSet struct {
				Items []struct {
					GroupID string `json:"groupId"`
				} `json:"items"`
			} `json:"securityGroupRuleSet"`
		}
		if err := c.Params(&p); err != nil {
			return tr, err
		}
		if err := c.Response(&r); err != nil {
			return tr, err
		}
		tr.groupID = cmp.Or(p.GroupID, p.Modify.GroupID)
		if tr.groupID == "" && len(r.RuleSet.Items) > 0 {
			tr.groupID = r.RuleSet.Items[0].GroupID
		}
		target := tr.groupID
		if tr.groupID == "" && p.GroupName != "" {
			tr.groupName = p.GroupName
			target = fmt.Sprintf("group %q", p.GroupName)
		}
		tr.what = fmt.Sprintf("%s on %s", c.EventName, target)
	case awsevent.DetailComplianceChange:
		c, err := awsevent.DecodeComplianceChange(e)
		if err != nil {
			return tr, err
		}
		tr.groupID = c.ResourceID
		tr.who = "AWS Config rule " + c.ConfigRuleName
		tr.what = fmt.Sprintf("%s became %s under %s", c.ResourceID, c.NewEvaluationResult.ComplianceType, c.ConfigRuleName)
		tr.when = c.NewEvaluationResult.ResultRecordedTime
	default:
		return tr, fmt.Errorf("unexpected detail type %q", e.DetailType)
	}
	if !strings.HasPrefix(tr.groupID, "sg-") && tr.groupName == "" {
		return tr, fmt.Errorf("no security group ID or name in the event (got %q)", tr.groupID)
	}
	return tr, nil
}

// worldOpen reports whether an ingress rule admits the whole internet.
func worldOpen(r types.SecurityGroupRule) bool {
	return !aws.ToBool(r.IsEgress) && (aws.ToString(r.CidrIpv4) == "0.0.0.0/0" || aws.ToString(r.CidrIpv6) == "::/0")
}

// Decide splits a group's rules into the world-open ingress rules to revoke and those the group's
// public-listener declaration keeps. It is pure, so it is what the benchmark measures.
func Decide(rules []types.SecurityGroupRule, listeners []Listener) (revoke, exempt []types.SecurityGroupRule) {
	for _, r := range rules {
		if !worldOpen(r) {
			continue
		}
		if covers(listeners, aws.ToString(r.IpProtocol), aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort)) {
			exempt = append(exempt, r)
		} else {
			revoke = append(revoke, r)
		}
	}
	return revoke, exempt
}

// Fix makes the group's world-open ingress match its declaration. Calls: one rules describe; when a
// world-open rule exists, one read of the group's tags (a rule describe does not return them) and
// one revoke by rule ID. A group or rule already gone is success.
func (h *Handler) Fix(ctx context.Context, tr trigger) (Outcome, error) {
	out := Outcome{GroupID: tr.groupID}
	log := h.Log.With("groupId", tr.groupID, "eventId", tr.eventID)
	rules, err := h.rules(ctx, tr.groupID)
	if err != nil {
		return out, h.failed(ctx, tr, log, "describing the rules", err)
	}
	revoke, _ := Decide(rules, nil)
	if len(revoke) == 0 {
		log.Info("no world-open ingress", "rules", len(rules))
		return out, nil
	}
	listeners, found, err := h.listeners(ctx, tr.groupID, log)
	if err != nil {
		return out, h.failed(ctx, tr, log, "reading the group's tags", err)
	}
	if !found {
		log.Info("group deleted meanwhile; nothing to fix")
		return out, nil
	}
	revoke, exempt := Decide(rules, listeners)
	for _, r := range exempt {
		out.Exempted = append(out.Exempted, aws.ToString(r.SecurityGroupRuleId))
	}
	if len(exempt) > 0 {
		log.Info("kept declared public listeners", "rules", out.Exempted)
	}
	if len(revoke) == 0 {
		h.count(map[string]float64{emf.Exempted: float64(len(exempt))})
		return out, nil
	}
	ids := make([]string, len(revoke))
	descs := make([]string, len(revoke))
	for i, r := range revoke {
		ids[i] = aws.ToString(r.SecurityGroupRuleId)
		descs[i] = describe(r)
	}
	out.Revoked = ids
	action := fmt.Sprintf("revoked %s from %s", strings.Join(descs, ", "), tr.groupID)
	if !h.DryRun {
		_, err := h.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(tr.groupID), SecurityGroupRuleIds: ids})
		switch awserr.Classify(err) {
		case awserr.None:
		case awserr.NotFound:
			// EC2 revokes all or nothing: one rule already gone (someone, or a concurrent invocation,
			// revoked it) fails the whole call. Already-revoked is success, so revoke the rest one by one.
			log.Info("a rule was already revoked", "rules", ids, "code", awserr.Code(err))
			if action, err = h.revokeEach(ctx, tr.groupID, ids, descs); err != nil {
				return out, h.failed(ctx, tr, log, "revoking "+strings.Join(ids, ", "), err)
			}
		default:
			return out, h.failed(ctx, tr, log, "revoking "+strings.Join(ids, ", "), err)
		}
	}
	log.Info("remediated", "revoked", ids, "dryRun", h.DryRun)
	h.count(map[string]float64{emf.Remediations: 1, emf.Exempted: float64(len(exempt))})
	return out, h.send(ctx, tr, "Security group opened to the internet", action)
}

// revokeEach revokes rules one at a time, counting a rule already gone as revoked.
func (h *Handler) revokeEach(ctx context.Context, groupID string, ids, descs []string) (string, error) {
	var done, gone []string
	for i, id := range ids {
		_, err := h.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(groupID), SecurityGroupRuleIds: []string{id}})
		switch awserr.Classify(err) {
		case awserr.None:
			done = append(done, descs[i])
		case awserr.NotFound:
			gone = append(gone, id)
		default:
			return "", err
		}
	}
	action := fmt.Sprintf("found %s already revoked", strings.Join(gone, ", "))
	if len(done) > 0 {
		action = fmt.Sprintf("revoked %s from %s; %s", strings.Join(done, ", "), groupID, action)
	}
	return action, nil
}

func (h *Handler) rules(ctx context.Context, groupID string) ([]types.SecurityGroupRule, error) {
	in := &ec2.DescribeSecurityGroupRulesInput{
		Filters:    []types.Filter{{Name: aws.String("group-id"), Values: []string{groupID}}},
		MaxResults: aws.Int32(1000), // a group holds at most 1000 rules by quota: one page in practice
	}
	var rules []types.SecurityGroupRule
	for {
		page, err := h.EC2.DescribeSecurityGroupRules(ctx, in)
		if err != nil {
			return nil, err
		}
		rules = append(rules, page.SecurityGroupRules...)
		if aws.ToString(page.NextToken) == "" {
			return rules, nil
		}
		in.NextToken = page.NextToken
	}
}

func (h *Handler) listeners(ctx context.Context, groupID string, log *slog.Logger) ([]Listener, bool, error) {
	g, err := h.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}})
	if awserr.Is(err, awserr.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(g.SecurityGroups) == 0 {
		return nil, false, nil
	}
	for _, t := range g.SecurityGroups[0].Tags {
		if aws.ToString(t.Key) == PublicListenerTag {
			ls, err := ParseListeners(aws.ToString(t.Value))
			if err != nil {
				log.Warn("malformed public-listener tag; its bad entries exempt nothing", "error", err.Error())
			}
			return ls, true, nil
		}
	}
	return nil, true, nil
}

func describe(r types.SecurityGroupRule) string {
	cidr := aws.ToString(r.CidrIpv4)
	if cidr == "" {
		cidr = aws.ToString(r.CidrIpv6)
	}
	proto := aws.ToString(r.IpProtocol)
	if proto == "-1" {
		return fmt.Sprintf("%s (%s, all traffic)", aws.ToString(r.SecurityGroupRuleId), cidr)
	}
	ports := fmt.Sprint(aws.ToInt32(r.FromPort))
	if aws.ToInt32(r.ToPort) != aws.ToInt32(r.FromPort) {
		ports += fmt.Sprintf("-%d", aws.ToInt32(r.ToPort))
	}
	return fmt.Sprintf("%s (%s %s/%s)", aws.ToString(r.SecurityGroupRuleId), cidr, proto, ports)
}

const why = "Security groups may not admit 0.0.0.0/0 or ::/0 (editbay governance). To serve a port to the internet on purpose, tag the group " +
	PublicListenerTag + " with its ports, e.g. \"tcp/443\"; see the README's governance section."

func (h *Handler) send(ctx context.Context, tr trigger, title, action string) error {
	err := h.Alerts.Send(ctx, alert.Alert{
		Title: title, Who: tr.who, What: tr.what, Account: tr.account, Region: tr.region, Time: tr.when,
		Action: action, Why: why, EventID: tr.eventID, DryRun: h.DryRun,
	})
	if err == nil {
		h.count(map[string]float64{emf.Alerts: 1})
	}
	return err
}

// failed alerts about a remediation that could not be done and returns the error, so the invocation
// fails: throttling is retried by Lambda's asynchronous retries, then the dead-letter queue keeps the
// event; access denied and other faults raise the error alarm.
func (h *Handler) failed(ctx context.Context, tr trigger, log *slog.Logger, doing string, err error) error {
	class := awserr.Classify(err)
	log.Error("remediation failed", "doing", doing, "class", class.String(), "code", awserr.Code(err), "error", err.Error())
	h.count(map[string]float64{emf.Failures: 1})
	if class != awserr.Throttled && class != awserr.Canceled {
		if aerr := h.send(ctx, tr, "Security group NOT fixed", fmt.Sprintf("failed %s: %v", doing, err)); aerr != nil {
			log.Error("alert failed", "error", aerr.Error())
		}
	}
	return fmt.Errorf("%s for %s (%s): %w", doing, cmp.Or(tr.groupID, tr.groupName), class, err)
}

func (h *Handler) count(m map[string]float64) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.Count(map[string]string{"Function": "sg-remediation"}, m); err != nil {
		h.Log.Warn("metrics", "error", err.Error())
	}
}
