package routing

import (
	"fmt"
	"net/netip"
	"strings"
)

// Hop is one step of a packet's path.
type Hop struct {
	Kind     string // subnet, firewall, nat, tgw, igw
	ID       string // the resource (for tgw: the attachment the gateway sent it to)
	Zone     string // where it happened
	FromZone string // the zone of the subnet whose route led here
	FromVPC  string // and its VPC
}

func (h Hop) String() string {
	id := h.ID[strings.LastIndex(h.ID, "/")+1:]
	if h.Zone == "" {
		return h.Kind
	}
	return fmt.Sprintf("%s %s (%s)", h.Kind, id, h.Zone)
}

// Path is where a packet went, and how it ended: "internet", "arrived", or "dropped: <why>".
type Path struct {
	Hops    []Hop
	Outcome string
	// NAT is the NAT gateway that translated the packet's source, if one did; replies return to it.
	NAT string
}

func (p Path) String() string {
	var hs []string
	for _, h := range p.Hops {
		hs = append(hs, h.String())
	}
	return strings.Join(hs, " -> ") + " => " + p.Outcome
}

// Firewalls are the firewall endpoints the path passed, in order.
func (p Path) Firewalls() []string {
	var out []string
	for _, h := range p.Hops {
		if h.Kind == "firewall" {
			out = append(out, h.ID)
		}
	}
	return out
}

// Flow is the state the network keeps for one flow: its hash, and the zone each appliance-mode
// attachment was given, which the gateway reuses for the other direction.
type Flow struct {
	Hash   int
	Pinned map[string]string
}

// NewFlow starts a flow whose hash picks the hash-th zone (modulo their number) where a pick is free.
func NewFlow(hash int) *Flow { return &Flow{Hash: hash, Pinned: map[string]string{}} }

// Walk forwards a packet for dst from subnet from, through route tables and gateways, until it
// reaches the internet, arrives in a subnet, or is dropped.
func (m *Model) Walk(from *Subnet, dst netip.Addr, f *Flow) Path {
	var p Path
	cur := from
	p.Hops = append(p.Hops, Hop{Kind: "subnet", ID: cur.ID, Zone: cur.Zone})
	for range 40 {
		r, ok := lookup(cur, dst)
		if !ok {
			p.Outcome = "dropped: no route in " + cur.Name
			return p
		}
		switch r.Kind {
		case "local":
			for _, s := range cur.VPC.Subnets {
				if s.CIDR.Contains(dst) {
					p.Hops = append(p.Hops, Hop{Kind: "subnet", ID: s.ID, Zone: s.Zone, FromZone: cur.Zone, FromVPC: cur.VPC.ID})
					p.Outcome = "arrived"
					return p
				}
			}
			p.Outcome = "dropped: no subnet holds " + dst.String()
			return p
		case "igw":
			p.Hops = append(p.Hops, Hop{Kind: "igw", FromZone: cur.Zone, FromVPC: cur.VPC.ID})
			p.Outcome = "internet"
			return p
		case "nat":
			s := m.Subnets[m.NATs[r.Target]]
			p.Hops = append(p.Hops, Hop{Kind: "nat", ID: r.Target, Zone: s.Zone, FromZone: cur.Zone, FromVPC: cur.VPC.ID})
			if p.NAT == "" {
				p.NAT = r.Target
			}
			cur = s
		case "endpoint":
			s, ok := m.Firewalls[r.Target]
			if !ok {
				p.Outcome = "dropped: endpoint " + r.Target + " is no firewall's"
				return p
			}
			p.Hops = append(p.Hops, Hop{Kind: "firewall", ID: r.Target, Zone: s.Zone, FromZone: cur.Zone, FromVPC: cur.VPC.ID})
			cur = s
		case "tgw":
			next, why := m.transit(cur, dst, f)
			if next == nil {
				p.Outcome = "dropped: " + why
				return p
			}
			p.Hops = append(p.Hops, Hop{Kind: "tgw", ID: why, Zone: next.Zone, FromZone: cur.Zone, FromVPC: cur.VPC.ID})
			cur = next
		}
	}
	p.Outcome = "dropped: routing loop"
	return p
}

// transit forwards a packet that cur's route table sent to the Transit Gateway: to the subnet of
// the chosen attachment's interface, and that attachment's ID; or nil and why it was dropped.
func (m *Model) transit(cur *Subnet, dst netip.Addr, f *Flow) (*Subnet, string) {
	var in *Attachment
	for _, a := range m.Attachments {
		if a.VPC == cur.VPC {
			in = a
		}
	}
	switch {
	case in == nil:
		return nil, cur.VPC.ID + " has no attachment"
	case in.Subnets[cur.Zone] == nil:
		return nil, fmt.Sprintf("the attachment of %s has no interface in %s, so %s cannot reach the gateway", cur.VPC.Stack, cur.Zone, cur.Name)
	case in.Table == nil:
		return nil, fmt.Sprintf("the attachment of %s is associated with no route table", cur.VPC.Stack)
	}
	var best *TGWRoute
	for i, r := range in.Table.Routes {
		if r.Dest.Contains(dst) && (best == nil || r.Dest.Bits() > best.Dest.Bits()) {
			best = &in.Table.Routes[i]
		}
	}
	if best == nil {
		return nil, fmt.Sprintf("route table %s has no route to %s", in.Table.ID, dst)
	}
	out := best.Attachment
	var zone string
	switch {
	case out.Appliance:
		zone = f.Pinned[out.ID]
		if zone == "" {
			zone = out.Zones[f.Hash%len(out.Zones)]
			f.Pinned[out.ID] = zone
		}
	case out.Subnets[cur.Zone] != nil:
		zone = cur.Zone
	default:
		zone = out.Zones[f.Hash%len(out.Zones)]
	}
	return out.Subnets[zone], out.ID
}

// lookup is the subnet's route for dst: the longest prefix, the VPC's CIDR being local.
func lookup(s *Subnet, dst netip.Addr) (Route, bool) {
	best, found := Route{Dest: s.VPC.CIDR, Kind: "local"}, s.VPC.CIDR.Contains(dst)
	for _, r := range s.Routes {
		if r.Dest.Contains(dst) && (!found || r.Dest.Bits() > best.Dest.Bits()) {
			best, found = r, true
		}
	}
	return best, found
}

// Reply walks the reply to a forward path from src: from the NAT gateway that translated it (an
// internet reply), or from the subnet it arrived in.
func (m *Model) Reply(forward Path, src netip.Addr, f *Flow) Path {
	switch {
	case forward.Outcome == "internet" && forward.NAT != "":
		nat := m.Subnets[m.NATs[forward.NAT]]
		p := m.Walk(nat, src, f)
		p.Hops[0] = Hop{Kind: "nat", ID: forward.NAT, Zone: nat.Zone}
		return p
	case forward.Outcome == "arrived":
		last := forward.Hops[len(forward.Hops)-1]
		return m.Walk(m.Subnets[last.ID], src, f)
	}
	return Path{Outcome: "no reply: " + forward.Outcome}
}
