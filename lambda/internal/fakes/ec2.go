package fakes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 is a fake of the EC2 security-group API: groups with tags and rules.
type EC2 struct {
	calls
	mu     sync.Mutex
	groups map[string]*group
	nextID int
	// BeforeRevoke, if set, runs at the start of each RevokeSecurityGroupIngress with its rule IDs, e.g.
	// to play a concurrent revoke with RemoveRule.
	BeforeRevoke func(ids []string)
}

// RemoveRule deletes a rule behind the caller's back (a concurrent change).
func (f *EC2) RemoveRule(groupID, ruleID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.groups[groupID]; ok {
		g.rules = slices.DeleteFunc(g.rules, func(r types.SecurityGroupRule) bool { return aws.ToString(r.SecurityGroupRuleId) == ruleID })
	}
}

type group struct {
	name  string // a default-VPC group's name, by which calls may name it
	tags  []types.Tag
	rules []types.SecurityGroupRule
}

// NewEC2 returns an EC2 fake with no groups.
func NewEC2() *EC2 { return &EC2{groups: map[string]*group{}} }

// AddGroup creates a group with the given tags (key, value, key, value, ...).
func (f *EC2) AddGroup(id string, tags ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &group{}
	for i := 0; i+1 < len(tags); i += 2 {
		g.tags = append(g.tags, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	f.groups[id] = g
}

// NameGroup gives a group a name that calls may use instead of its ID, as in a default VPC.
func (f *EC2) NameGroup(id, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.groups[id]; ok {
		g.name = name
	}
}

// DeleteGroup removes a group, as someone deleting it between the event and the fix.
func (f *EC2) DeleteGroup(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, id)
}

// AddIngress adds an ingress rule and returns its ID. cidr is IPv4 or IPv6; protocol "-1" is all.
func (f *EC2) AddIngress(groupID, protocol string, from, to int32, cidr string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("sgr-%017x", f.nextID)
	r := types.SecurityGroupRule{
		SecurityGroupRuleId: aws.String(id), GroupId: aws.String(groupID), IsEgress: aws.Bool(false),
		IpProtocol: aws.String(protocol), FromPort: aws.Int32(from), ToPort: aws.Int32(to),
	}
	if strings.Contains(cidr, ":") {
		r.CidrIpv6 = aws.String(cidr)
	} else {
		r.CidrIpv4 = aws.String(cidr)
	}
	f.groups[groupID].rules = append(f.groups[groupID].rules, r)
	return id
}

// AddEgress adds an egress rule (never touched by remediation).
func (f *EC2) AddEgress(groupID, cidr string) string {
	id := f.AddIngress(groupID, "-1", -1, -1, cidr)
	f.mu.Lock()
	defer f.mu.Unlock()
	rs := f.groups[groupID].rules
	rs[len(rs)-1].IsEgress = aws.Bool(true)
	return id
}

// Rules returns a copy of a group's rules.
func (f *EC2) Rules(groupID string) []types.SecurityGroupRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.groups[groupID]; ok {
		return slices.Clone(g.rules)
	}
	return nil
}

// DescribeSecurityGroupRules supports the group-id filter and MaxResults paging.
func (f *EC2) DescribeSecurityGroupRules(_ context.Context, in *ec2.DescribeSecurityGroupRulesInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	if err := f.enter("DescribeSecurityGroupRules"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, flt := range in.Filters {
		if aws.ToString(flt.Name) == "group-id" {
			ids = append(ids, flt.Values...)
		}
	}
	var all []types.SecurityGroupRule
	for _, id := range ids {
		if g, ok := f.groups[id]; ok {
			all = append(all, g.rules...)
		}
	}
	rules, next, err := page(all, in.NextToken, int(aws.ToInt32(in.MaxResults)))
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupRulesOutput{SecurityGroupRules: slices.Clone(rules), NextToken: next}, nil
}

// DescribeSecurityGroups returns the groups' IDs and tags, named by ID or by name; an unknown ID or
// name is InvalidGroup.NotFound, as in EC2.
func (f *EC2) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if err := f.enter("DescribeSecurityGroups"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ec2.DescribeSecurityGroupsOutput{}
	for _, id := range in.GroupIds {
		g, ok := f.groups[id]
		if !ok {
			return nil, APIError("InvalidGroup.NotFound")
		}
		out.SecurityGroups = append(out.SecurityGroups, types.SecurityGroup{GroupId: aws.String(id), Tags: slices.Clone(g.tags)})
	}
	for _, name := range in.GroupNames {
		found := false
		for id, g := range f.groups {
			if g.name == name {
				out.SecurityGroups = append(out.SecurityGroups, types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String(name), Tags: slices.Clone(g.tags)})
				found = true
			}
		}
		if !found {
			return nil, APIError("InvalidGroup.NotFound")
		}
	}
	return out, nil
}

// RevokeSecurityGroupIngress revokes rules by ID. As in EC2, the call is all or nothing: an ID that
// is not an ingress rule of the group fails it with InvalidSecurityGroupRuleId.NotFound.
func (f *EC2) RevokeSecurityGroupIngress(_ context.Context, in *ec2.RevokeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	if err := f.enter("RevokeSecurityGroupIngress"); err != nil {
		return nil, err
	}
	if f.BeforeRevoke != nil {
		f.BeforeRevoke(in.SecurityGroupRuleIds)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[aws.ToString(in.GroupId)]
	if !ok {
		return nil, APIError("InvalidGroup.NotFound")
	}
	if len(in.SecurityGroupRuleIds) == 0 {
		return nil, APIError("MissingParameter")
	}
	for _, id := range in.SecurityGroupRuleIds {
		if !slices.ContainsFunc(g.rules, func(r types.SecurityGroupRule) bool {
			return aws.ToString(r.SecurityGroupRuleId) == id && !aws.ToBool(r.IsEgress)
		}) {
			return nil, APIError("InvalidSecurityGroupRuleId.NotFound")
		}
	}
	out := &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}
	g.rules = slices.DeleteFunc(g.rules, func(r types.SecurityGroupRule) bool {
		if slices.Contains(in.SecurityGroupRuleIds, aws.ToString(r.SecurityGroupRuleId)) {
			out.RevokedSecurityGroupRules = append(out.RevokedSecurityGroupRules, types.RevokedSecurityGroupRule{
				SecurityGroupRuleId: r.SecurityGroupRuleId, GroupId: r.GroupId, CidrIpv4: r.CidrIpv4, CidrIpv6: r.CidrIpv6,
				IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, IsEgress: r.IsEgress,
			})
			return true
		}
		return false
	})
	return out, nil
}
