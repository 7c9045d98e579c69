package config

import (
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// validate reports every problem of a defaulted config, given what the file set; an empty result
// means it can be synthesized.
func validate(c *Config, set present) Problems {
	var ps Problems
	checkTags(reflect.ValueOf(*c), "", set, &ps)
	checkTagSyntax(c.Tags, "tags", &ps)
	for i, t := range c.AllowedInstanceTypes {
		checkInstanceType(t, index("allowedInstanceTypes", i), &ps)
	}
	if _, ok := c.Tags[TagEnvironment]; ok {
		ps.add("tags.Environment", "is set from each environment's name; remove it")
	}

	names := map[string]string{}
	vpcs := map[netip.Prefix]string{}
	var vpcOrder []netip.Prefix
	for i, e := range c.Environments {
		p := index("environments", i)
		if first, dup := names[e.Name]; dup && e.Name != "" {
			ps.add(p+".name", "%q is already used by %s", e.Name, first)
		} else {
			names[e.Name] = p + ".name"
		}
		checkZones(e, p, &ps)
		checkEnvTags(c.Tags, e, p, &ps)

		vpc, ok := parseVPC(e.Network.VpcCidr, p+".network.vpcCidr", &ps)
		var plan []SubnetGroup
		if ok {
			for _, other := range vpcOrder {
				if other.Overlaps(vpc) {
					ps.add(p+".network.vpcCidr", "%q overlaps %s %q; environments' VPCs must not overlap so they can be connected", e.Network.VpcCidr, vpcs[other], other)
				}
			}
			vpcs[vpc] = p + ".network.vpcCidr"
			vpcOrder = append(vpcOrder, vpc)
			var err error
			if plan, err = planGroups(vpc, e.Network.Subnets, len(e.AvailabilityZones), e.Egress.ViaHub()); err != nil {
				ps.add(p+".network.subnets", "%v", err)
			}
		}
		checkClients(e.ClientCidrs, vpc, ok, p+".clientCidrs", &ps)
		checkFlowLogs(e.Network.FlowLogs, p+".network.flowLogs", &ps)
		checkEndpoints(e.Network.AdditionalInterfaceEndpoints, p+".network.additionalInterfaceEndpoints", &ps)
		checkAccess(c, e, p, &ps)
		if !ok {
			vpc = netip.Prefix{}
		}
		checkEgress(e, plan, vpc, p+".egress", &ps)
		checkWorkspace(e, p+".workspace", &ps)
		checkCatalog(c, e, p+".catalog", &ps)
	}
	checkEgressHub(c, &ps)
	checkGovernance(c, &ps)
	checkCost(c, &ps)
	checkNames(c, &ps)
	return ps
}

func checkZones(e Environment, p string, ps *Problems) {
	known := checkRegion(e.Region, p+".region", ps)
	seen := map[string]bool{}
	for j, az := range e.AvailabilityZones {
		ap := index(p+".availabilityZones", j)
		if seen[az] {
			ps.add(ap, "%q is listed twice", az)
		}
		seen[az] = true
		if e.Region != "" && !(strings.HasPrefix(az, e.Region) && len(az) == len(e.Region)+1 && az[len(az)-1] >= 'a' && az[len(az)-1] <= 'z') {
			ps.add(ap, "%q is not a zone of region %q (expected %sa, %sb, ...)", az, e.Region, e.Region, e.Region)
		} else if known {
			checkZone(az, e.Region, ap, ps)
		}
	}
}

// checkEnvTags checks an environment's own tags and that, merged with the installation's, every
// mandatory cost tag is there.
func checkEnvTags(global map[string]string, e Environment, p string, ps *Problems) {
	checkTagSyntax(e.Tags, p+".tags", ps)
	if _, ok := e.Tags[TagEnvironment]; ok {
		ps.add(p+".tags.Environment", "is set from %s.name; remove it", p)
	}
	for _, k := range []string{TagProject, TagCostCenter, TagOwner} {
		if global[k] == "" && e.Tags[k] == "" {
			ps.add(p+".tags."+k, "mandatory cost tag is missing (set it in tags or %s.tags)", p)
		}
	}
}

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// checkTagSyntax applies AWS's tag rules, so a bad tag fails here rather than mid-deployment.
func checkTagSyntax(tags map[string]string, p string, ps *Problems) {
	for _, k := range sortedKeys(tags) {
		v := tags[k]
		kp := p + "." + k
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			ps.add(kp, "tag keys must have 1 to 128 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			ps.add(kp, "the aws: prefix is reserved for AWS")
		case strings.HasPrefix(strings.ToLower(k), "editbay:"):
			// editbay:guardrail puts a resource out of Developers' reach; editbay:environment and
			// editbay:pool scope the access tier's roles. Only editbay sets them.
			ps.add(kp, "the editbay: prefix is reserved for the tags editbay sets itself")
		case !tagChars.MatchString(k):
			ps.add(kp, "key %q has characters AWS tags do not allow", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			ps.add(kp, "tag values must have at most 256 characters")
		} else if !tagChars.MatchString(v) {
			ps.add(kp, "value %q has characters AWS tags do not allow", v)
		}
	}
}

// Ranges AWS does not accept for a VPC.
var reservedRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

func parseVPC(s, p string, ps *Problems) (netip.Prefix, bool) {
	if s == "" {
		return netip.Prefix{}, false // reported as required
	}
	pfx, ok := parseCIDR(s, p, ps)
	if !ok {
		return pfx, false
	}
	switch {
	case !pfx.Addr().Is4():
		ps.add(p, "%q is not an IPv4 CIDR", s)
	case pfx.Bits() < 16 || pfx.Bits() > 24:
		ps.add(p, "%q: the prefix length must be /16 to /24", s)
	default:
		for _, r := range reservedRanges {
			if r.Overlaps(pfx) {
				ps.add(p, "%q lies in %s, which AWS does not allow for a VPC", s, r)
				return pfx, false
			}
		}
		return pfx, true
	}
	return pfx, false
}

func parseCIDR(s, p string, ps *Problems) (netip.Prefix, bool) {
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		ps.add(p, "%q is not a CIDR (like 10.0.0.0/16)", s)
		return pfx, false
	}
	if pfx.Masked() != pfx {
		ps.add(p, "%q has host bits set; did you mean %q?", s, pfx.Masked().String())
		return pfx, false
	}
	return pfx, true
}

func checkClients(cidrs []string, vpc netip.Prefix, vpcOK bool, p string, ps *Problems) {
	type parsed struct {
		path string
		pfx  netip.Prefix
	}
	var seen []parsed
	for j, s := range cidrs {
		cp := index(p, j)
		pfx, ok := parseCIDR(s, cp, ps)
		if !ok {
			continue
		}
		for _, other := range seen {
			if other.pfx.Overlaps(pfx) {
				ps.add(cp, "%q overlaps %s %q", s, other.path, other.pfx)
			}
		}
		seen = append(seen, parsed{cp, pfx})
		// A client network that contains the whole VPC (0.0.0.0/0: the whole internet) opens the
		// public endpoints to everyone in it, which is a choice; one that covers only part of the VPC
		// is a mistake, as the VPC's own addresses are never clients.
		if vpcOK && pfx.Overlaps(vpc) && !(pfx.Bits() <= vpc.Bits() && pfx.Contains(vpc.Addr())) {
			ps.add(cp, "%q overlaps part of the VPC %q; client networks are outside the VPC (or contain all of it, like 0.0.0.0/0)", s, vpc)
		}
	}
}

// CloudWatch Logs accepts only these retention periods.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func checkFlowLogs(f FlowLogs, p string, ps *Problems) {
	if f.Destination == FlowLogsToCloudWatch && f.RetentionDays > 0 && !slices.Contains(logRetentionDays, f.RetentionDays) {
		ps.add(p+".retentionDays", "%d is not a CloudWatch Logs retention period (%s)", f.RetentionDays, intList(logRetentionDays))
	}
}

// builtinEndpoints are always created, so instances are managed by SSM without a public route.
var builtinEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}

func checkEndpoints(names []string, p string, ps *Problems) {
	seen := map[string]bool{}
	for j, n := range names {
		switch {
		case slices.Contains(builtinEndpoints, n):
			ps.add(index(p, j), "%q is always created; remove it", n)
		case seen[n]:
			ps.add(index(p, j), "%q is listed twice", n)
		}
		seen[n] = true
	}
}

// BuiltinInterfaceEndpoints are the interface endpoints every VPC gets.
func BuiltinInterfaceEndpoints() []string { return slices.Clone(builtinEndpoints) }

func intList(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
