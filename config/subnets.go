package config

import (
	"fmt"
	"net/netip"
)

// Subnet groups, in the order their address space is allocated from the VPC CIDR. The firewall and
// NAT groups come last and are only reserved until the egress firewall is enabled, so creating them
// shifts no existing subnet. With the firewall, the NAT gateways move from the public subnets to the
// NAT subnets, whose route tables send replies for the routed groups back through the firewall; the
// public subnets' load balancers and gateways keep talking to private subnets directly.
const (
	SubnetPublic   = "public"
	SubnetPrivate  = "private"
	SubnetIsolated = "isolated"
	SubnetFirewall = "firewall"
	SubnetNat      = "nat"
	// SubnetTransit holds a hub spoke's Transit Gateway attachment, one /28 per zone (AWS's advice:
	// a small subnet of its own, so the attachment's route table is the subnet's alone). It is
	// allocated after the NAT group and exists only in egress mode hub.
	SubnetTransit = "transit"
	// TransitMask is the size of the transit subnets.
	TransitMask = 28
)

// SubnetGroup is one group's per-zone subnets.
type SubnetGroup struct {
	Name  string
	Mask  int
	CIDRs []netip.Prefix // one per availability zone, in zone order
}

// PlanSubnets lays the subnet groups out as CDK's Vpc does: group after group, each subnet aligned to
// its own size, one per zone. It fails when the groups do not fit in the VPC, so that a bad layout is a
// config error with a field path instead of a CDK exception.
func PlanSubnets(vpc netip.Prefix, m SubnetMasks, zones int) ([]SubnetGroup, error) {
	return planGroups(vpc, m, zones, false)
}

// PlanEnvironment is the subnet plan of environment e, whose network validated: with the transit
// group when its egress goes through the hub.
func PlanEnvironment(e Environment) ([]SubnetGroup, error) {
	vpc, err := netip.ParsePrefix(e.Network.VpcCidr)
	if err != nil {
		return nil, err
	}
	return planGroups(vpc, e.Network.Subnets, len(e.AvailabilityZones), e.Egress.ViaHub())
}

func planGroups(vpc netip.Prefix, m SubnetMasks, zones int, transit bool) ([]SubnetGroup, error) {
	groups := []SubnetGroup{
		{Name: SubnetPublic, Mask: m.Public},
		{Name: SubnetPrivate, Mask: m.Private},
		{Name: SubnetIsolated, Mask: m.Isolated},
		{Name: SubnetFirewall, Mask: m.Firewall},
		{Name: SubnetNat, Mask: m.Firewall}, // one NAT gateway each: the firewall subnets' size is plenty
	}
	if transit {
		groups = append(groups, SubnetGroup{Name: SubnetTransit, Mask: TransitMask})
	}
	base := uint64(addr4(vpc.Addr()))
	end := base + 1<<(32-vpc.Bits())
	next := base
	for gi := range groups {
		g := &groups[gi]
		if g.Mask < vpc.Bits() || g.Mask > 28 {
			return nil, fmt.Errorf("%s subnets of /%d do not fit a /%d VPC", g.Name, g.Mask, vpc.Bits())
		}
		size := uint64(1) << (32 - g.Mask)
		for range zones {
			next = (next + size - 1) / size * size
			if next+size > end {
				extra := ""
				if transit {
					extra = fmt.Sprintf(" and transit /%d", TransitMask)
				}
				return nil, fmt.Errorf("%d zones of public /%d, private /%d, isolated /%d, firewall and NAT /%d%s subnets need more than the VPC %s holds",
					zones, m.Public, m.Private, m.Isolated, m.Firewall, extra, vpc)
			}
			g.CIDRs = append(g.CIDRs, netip.PrefixFrom(from4(uint32(next)), g.Mask))
			next += size
		}
	}
	return groups, nil
}

func addr4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func from4(n uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}
