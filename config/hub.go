package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/editbay/editbay/config/suricata"
)

// EgressHub is one exit for many accounts: an inspection VPC behind a Transit Gateway in one
// account, whose firewall enforces the allow-lists of every environment with egress.mode hub (its
// spokes). See the README's "Egress hub" section for the routing and the deployment order.
type EgressHub struct {
	Account           string            `yaml:"account" required:"true" pattern:"^[0-9]{12}$" doc:"AWS account of the hub (a network or security account). Spokes in other accounts reach it through RAM."`
	Region            string            `yaml:"region" required:"true" pattern:"^[a-z]{2}(-[a-z]+)+-[0-9]$" doc:"Region of the hub; every spoke must be in it (a Transit Gateway is regional)."`
	AvailabilityZones []string          `yaml:"availabilityZones" required:"true" minItems:"2" doc:"Zones of the inspection VPC, each with a firewall endpoint and a NAT gateway. A spoke zone not listed here crosses to the first listed zone."`
	VpcCidr           string            `yaml:"vpcCidr" required:"true" doc:"IPv4 CIDR of the inspection VPC, /16 to /24, overlapping no spoke: it holds three /28 subnets per zone (Transit Gateway attachment, firewall, NAT)."`
	Production        bool              `yaml:"production" doc:"Retain the firewall's logs on stack deletion, protect the firewalls from deletion and enable termination protection, as every spoke's internet depends on the hub."`
	Tags              map[string]string `yaml:"tags" doc:"Cost tags for the hub; override or extend the installation-wide tags. Environment is egress-hub."`
	AmazonSideAsn     int               `yaml:"amazonSideAsn" minimum:"64512" maximum:"65534" default:"64512" doc:"Private ASN of the Transit Gateway's side of BGP sessions (VPN, Direct Connect)."`
	SharedWith        HubSharing        `yaml:"sharedWith" doc:"Who may attach: the Transit Gateway and its ID's SSM parameter are shared through AWS RAM with these accounts or this organization. Spokes in the hub's own account need nothing here."`
	// AutoAcceptAttachments trades the review of each spoke attachment for no manual step.
	AutoAcceptAttachments bool      `yaml:"autoAcceptAttachments" doc:"Accept attachments from the accounts the hub is shared with without review. Off (the default, as AWS Security Hub EC2.23 and Control Tower expect): the hub account accepts each spoke's attachment once (the README's deployment order)."`
	Rules                 []HubRule `yaml:"rules" required:"true" minItems:"1" doc:"Allow-lists of the hub's firewall, in the form of egress.rules; sources name spoke subnet groups (render.private) or CIDRs inside them. Everything else, spoke-to-spoke traffic included, is dropped and logged."`
	ManagedRuleGroups     []string  `yaml:"managedRuleGroups" pattern:"^[A-Za-z0-9]+StrictOrder$" doc:"AWS managed threat rule groups by name, strict-order variants, evaluated first."`
	Capacity              int       `yaml:"capacity" minimum:"10" maximum:"30000" default:"1000" doc:"Capacity of the allow-list rule group, fixed at creation (a new capacity makes a new group). The generated rules must fit."`
	LogRetentionDays      int       `yaml:"logRetentionDays" minimum:"1" default:"365" doc:"Days the firewall's alert and flow logs are kept (a CloudWatch Logs retention value)."`
	DropAlarm             int       `yaml:"dropAlarmThreshold" minimum:"1" default:"100" doc:"Alarm when more connections than this are dropped in 5 minutes."`
}

// HubSharing names who the hub is shared with.
type HubSharing struct {
	Accounts     []string `yaml:"accounts" pattern:"^[0-9]{12}$" doc:"Account IDs the hub is shared with; every spoke account other than the hub's must be here unless organization is set."`
	Organization string   `yaml:"organization" pattern:"^arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$" doc:"ARN of an AWS Organization (arn:aws:organizations::<management account>:organization/o-...) to share with every account of; needs RAM sharing with the organization enabled."`
	// OutsideOrganization allows the share to reach accounts outside the hub's organization, which many
	// landing zones forbid by SCP (ram:RequestedAllowsExternalPrincipals).
	OutsideOrganization bool `yaml:"outsideOrganization" doc:"The accounts are outside the hub's AWS Organization (or there is none): the share allows external principals, and each account accepts a RAM invitation once. Default false: the accounts are in the hub's organization with RAM sharing enabled, and get the share without invitations."`
}

// HubRule is one allow-list of the hub's firewall.
type HubRule struct {
	Name      string   `yaml:"name" required:"true" pattern:"^[a-z][a-z0-9-]{0,39}$" doc:"Unique name (lower case, digits, hyphens; at most 28 characters); with each domain it fixes the rules' sids."`
	Sources   []string `yaml:"sources" required:"true" minItems:"1" doc:"Who may connect: <environment>.<group> (a spoke's routed subnet group, e.g. render.private, resolved to its subnets' CIDRs) or IPv4 CIDRs inside a spoke's routed subnets."`
	Domains   []string `yaml:"domains" required:"true" minItems:"1" doc:"Exact names (login.microsoftonline.com) or, with a leading dot, a domain and all its subdomains (.example.co.jp)."`
	Protocols []string `yaml:"protocols" enum:"tls,http" doc:"tls: matched on the server name (SNI); http: matched on the Host header. Default: [tls]."`
}

// HubStageName is the ID of the egress hub's CDK stage; it cannot be an environment's name, which
// has no hyphen.
const HubStageName = "egress-hub"

// rule is the hub rule as an environment's, for the checks and the generator they share.
func (r HubRule) rule() EgressRule {
	return EgressRule{Name: r.Name, Sources: r.Sources, Domains: r.Domains, Protocols: r.Protocols}
}

// HubSpokes are the environments whose egress goes through the hub, in config order.
func (c *Config) HubSpokes() []Environment {
	var out []Environment
	for _, e := range c.Environments {
		if e.Egress.ViaHub() {
			out = append(out, e)
		}
	}
	return out
}

// HomeNet is the firewall policy's HOME_NET: every spoke's VPC CIDR. The default would be the
// inspection VPC's own range, which no spoke packet comes from, so no allow-list would ever match.
func (c *Config) HomeNet() []string {
	var out []string
	for _, e := range c.HubSpokes() {
		out = append(out, e.Network.VpcCidr)
	}
	return out
}

// HubAllowLists resolves the hub's rules: <env>.<group> to that spoke's per-zone subnet CIDRs.
func (c *Config) HubAllowLists() ([]suricata.Allow, error) {
	var out []suricata.Allow
	for i, r := range c.EgressHub.Rules {
		er := r.rule()
		a := suricata.Allow{Name: r.Name, Domains: r.Domains, Protocols: er.EffectiveProtocols()}
		for j, s := range r.Sources {
			pfxs, err := c.resolveHubSource(s)
			if err != nil {
				return nil, fmt.Errorf("egressHub.rules[%d].sources[%d]: %v", i, j, err)
			}
			a.Sources = append(a.Sources, pfxs...)
		}
		out = append(out, a)
	}
	return out, nil
}

// resolveHubSource resolves one hub rule source, or says why it names nothing the hub sees.
func (c *Config) resolveHubSource(s string) ([]netip.Prefix, error) {
	if pfx, err := netip.ParsePrefix(s); err == nil {
		if pfx.Masked() != pfx {
			return nil, fmt.Errorf("%q has host bits set; did you mean %q?", s, pfx.Masked().String())
		}
		for _, e := range c.HubSpokes() {
			plan, err := PlanEnvironment(e)
			if err == nil && insideRouted(pfx, plan, e.Egress.EffectiveRoutedGroups()) {
				return []netip.Prefix{pfx}, nil
			}
		}
		return nil, fmt.Errorf("%q is not inside a routed subnet group of a hub spoke (%s), so its traffic never reaches the hub", s, strings.Join(c.hubGroupNames(), ", "))
	}
	env, group, ok := strings.Cut(s, ".")
	if !ok {
		return nil, fmt.Errorf("%q is neither a CIDR nor <environment>.<group> (%s)", s, strings.Join(c.hubGroupNames(), ", "))
	}
	i := slices.IndexFunc(c.Environments, func(e Environment) bool { return e.Name == env })
	if i < 0 {
		return nil, fmt.Errorf("%q: there is no environment %q", s, env)
	}
	e := c.Environments[i]
	if !e.Egress.ViaHub() {
		return nil, fmt.Errorf("%q: environment %q does not send its egress through the hub (set its egress.mode: hub)", s, env)
	}
	if !slices.Contains(e.Egress.EffectiveRoutedGroups(), group) {
		return nil, fmt.Errorf("%q: %q is not a subnet group %s routes through the hub (%v)", s, group, env, e.Egress.EffectiveRoutedGroups())
	}
	plan, err := PlanEnvironment(e)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", s, err)
	}
	for _, g := range plan {
		if g.Name == group {
			return g.CIDRs, nil
		}
	}
	return nil, fmt.Errorf("%q: no subnet group %q", s, group)
}

func (c *Config) hubGroupNames() []string {
	var out []string
	for _, e := range c.HubSpokes() {
		for _, g := range e.Egress.EffectiveRoutedGroups() {
			out = append(out, e.Name+"."+g)
		}
	}
	return out
}

// checkEgressHub validates the hub and its spokes: where they are, that their networks can be
// joined, who it is shared with, and its allow-lists.
func checkEgressHub(c *Config, ps *Problems) {
	h := c.EgressHub
	spokes := c.HubSpokes()
	if h == nil {
		for i, e := range c.Environments {
			if e.Egress.ViaHub() {
				ps.add(index("environments", i)+".egress.mode", "is hub but there is no egressHub; add one or use mode local")
			}
		}
		return
	}
	const p = "egressHub"
	if len(spokes) == 0 {
		ps.add(p, "no environment sends its egress here; set egress.mode: hub in at least one, or remove egressHub")
	}
	checkZones(Environment{Region: h.Region, AvailabilityZones: h.AvailabilityZones}, p, ps)
	checkTagSyntax(h.Tags, p+".tags", ps)
	if _, ok := h.Tags[TagEnvironment]; ok {
		ps.add(p+".tags.Environment", "is set to %s; remove it", HubStageName)
	}
	for _, k := range []string{TagProject, TagCostCenter, TagOwner} {
		if c.Tags[k] == "" && h.Tags[k] == "" {
			ps.add(p+".tags."+k, "mandatory cost tag is missing (set it in tags or %s.tags)", p)
		}
	}
	hubVPC, vpcOK := parseVPC(h.VpcCidr, p+".vpcCidr", ps)
	if vpcOK {
		if _, err := PlanHubSubnets(hubVPC, len(h.AvailabilityZones)); err != nil {
			ps.add(p+".vpcCidr", "%v", err)
		}
	}

	shared := map[string]bool{}
	if h.SharedWith.OutsideOrganization && h.SharedWith.Organization != "" {
		ps.add(p+".sharedWith.outsideOrganization", "is true, but the hub is shared with an organization; an organization's accounts are inside it")
	}
	for j, a := range h.SharedWith.Accounts {
		ap := index(p+".sharedWith.accounts", j)
		switch {
		case shared[a]:
			ps.add(ap, "%q is listed twice", a)
		case a == h.Account:
			ps.add(ap, "%q is the hub's own account, which needs no share", a)
		}
		shared[a] = true
	}
	for i, e := range c.Environments {
		if !e.Egress.ViaHub() {
			continue
		}
		ep := index("environments", i)
		switch {
		case e.Account == "":
			// Cross-account references and the RAM share need the spoke's account by ID.
			ps.add(ep+".account", "is required for a hub spoke (egress.mode hub): the hub shares with it and its routes are deployed in the hub account")
		case e.Account != h.Account && !shared[e.Account] && h.SharedWith.Organization == "":
			ps.add(p+".sharedWith", "does not include account %s of spoke %s; add it to accounts, or set organization", e.Account, e.Name)
		}
		if e.Region != "" && h.Region != "" && e.Region != h.Region {
			ps.add(ep+".region", "%q: a hub spoke must be in the hub's region %q (a Transit Gateway attaches VPCs of its own region only)", e.Region, h.Region)
		}
		if vpc, err := netip.ParsePrefix(e.Network.VpcCidr); err == nil && vpcOK && vpc.Overlaps(hubVPC) {
			ps.add(p+".vpcCidr", "%q overlaps %s.network.vpcCidr %q; the hub routes to spokes by their VPC ranges", h.VpcCidr, ep, e.Network.VpcCidr)
		}
	}

	seenManaged := map[string]bool{}
	for j, m := range h.ManagedRuleGroups {
		if seenManaged[m] {
			ps.add(index(p+".managedRuleGroups", j), "%q is listed twice", m)
		}
		seenManaged[m] = true
	}
	if h.LogRetentionDays > 0 && !slices.Contains(logRetentionDays, h.LogRetentionDays) {
		ps.add(p+".logRetentionDays", "%d is not a CloudWatch Logs retention period (%s)", h.LogRetentionDays, intList(logRetentionDays))
	}
	names := map[string]string{}
	rulesOK := true
	for i, r := range h.Rules {
		rp := index(p+".rules", i)
		if !checkRule(r.rule(), rp, names, ps) {
			rulesOK = false
		}
		for j, s := range r.Sources {
			if _, err := c.resolveHubSource(s); err != nil {
				ps.add(index(rp+".sources", j), "%v", err)
				rulesOK = false
			}
		}
	}
	if rulesOK && len(h.Rules) > 0 {
		allows, err := c.HubAllowLists()
		if err == nil {
			var rs *suricata.RuleSet
			rs, err = suricata.Generate(allows)
			if err == nil && h.Capacity > 0 && rs.Count+1 > h.Capacity {
				ps.add(p+".capacity", "the allow-lists generate %d rules (and one east-west drop), more than the rule group's capacity %d; raise capacity (at most 30000) or merge lists", rs.Count, h.Capacity)
			}
		}
		if err != nil {
			ps.add(p+".rules", "%v", err)
		}
	}
}

// Hub subnet groups, one /28 per zone each, in allocation order.
const (
	HubSubnetTransit  = "transit"
	HubSubnetFirewall = "firewall"
	HubSubnetNat      = "nat"
	HubSubnetMask     = 28
)

// PlanHubSubnets lays out the inspection VPC: the transit, firewall and NAT groups, a /28 per zone
// each, as CDK's Vpc allocates them.
func PlanHubSubnets(vpc netip.Prefix, zones int) ([]SubnetGroup, error) {
	groups := []SubnetGroup{{Name: HubSubnetTransit, Mask: HubSubnetMask}, {Name: HubSubnetFirewall, Mask: HubSubnetMask}, {Name: HubSubnetNat, Mask: HubSubnetMask}}
	next := uint64(addr4(vpc.Addr()))
	end := next + 1<<(32-vpc.Bits())
	for gi := range groups {
		g := &groups[gi]
		for range zones {
			if next+16 > end {
				return nil, fmt.Errorf("%d zones of transit, firewall and NAT /%d subnets need more than the VPC %s holds", zones, HubSubnetMask, vpc)
			}
			g.CIDRs = append(g.CIDRs, netip.PrefixFrom(from4(uint32(next)), HubSubnetMask))
			next += 16
		}
	}
	return groups, nil
}
