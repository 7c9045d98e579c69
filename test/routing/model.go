// Package routing builds a model of the network a cloud assembly deploys, from its templates alone:
// VPCs, subnets and their route tables, NAT gateways, firewall endpoints per zone, Transit Gateway
// attachments (with appliance mode), route tables, associations, propagations and static routes. It
// walks packets through that model as AWS forwards them, so tests can prove where traffic goes.
//
// The forwarding rules are AWS's, from the VPC and Transit Gateway documentation:
//   - a subnet's route table decides by longest prefix; the VPC's own CIDR is always local;
//   - a subnet reaches a Transit Gateway only through the attachment's interface in its own zone;
//   - the gateway forwards by the route table the ingress attachment is associated with; propagation
//     adds the propagating attachment's VPC CIDR, static routes their destination;
//   - toward an attachment in appliance mode, the gateway picks one zone's interface per flow (a flow
//     hash) and uses it both ways; otherwise it keeps the packet's zone when the attachment has an
//     interface there, and picks by the flow hash when not;
//   - a NAT gateway translates the source and keeps the flow, so replies return to it.
package routing

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/editbay/editbay/stacks/assembly"
)

// Model is the network of an assembly.
type Model struct {
	VPCs        map[string]*VPC
	Subnets     map[string]*Subnet
	Attachments map[string]*Attachment
	TGWTables   map[string]*TGWTable
	// Firewalls by resource ID: the subnet of their one endpoint.
	Firewalls map[string]*Subnet
	// NATs by resource ID: their subnet.
	NATs map[string]string
}

// VPC is one VPC.
type VPC struct {
	ID      string
	Stack   string // display name of its stack
	CIDR    netip.Prefix
	Subnets []*Subnet
}

// Subnet is one subnet and its route table's routes.
type Subnet struct {
	ID     string
	Name   string // construct path, for messages
	VPC    *VPC
	CIDR   netip.Prefix
	Zone   string
	Routes []Route
}

// Route is one route: a destination and a target of a kind (igw, nat, endpoint, tgw).
type Route struct {
	Dest   netip.Prefix
	Kind   string
	Target string
}

// Attachment is a Transit Gateway VPC attachment.
type Attachment struct {
	ID        string
	VPC       *VPC
	Zones     []string           // zones of its subnets, sorted
	Subnets   map[string]*Subnet // by zone
	Appliance bool
	Table     *TGWTable // associated route table, nil when not associated
}

// TGWTable is a Transit Gateway route table.
type TGWTable struct {
	ID     string
	Routes []TGWRoute
}

// TGWRoute sends a destination to an attachment.
type TGWRoute struct {
	Dest       netip.Prefix
	Attachment *Attachment
}

// template is what the model reads of one stack.
type template struct {
	stack      assembly.Stack
	account    string
	region     string
	Resources  map[string]resource `json:"Resources"`
	Parameters map[string]struct {
		Type    string `json:"Type"`
		Default string `json:"Default"`
	} `json:"Parameters"`
	Outputs map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
}

// Load reads the assembly in dir; edit, when not nil, may change the templates first (to show the
// tests can fail).
func Load(dir string, edit func(stack string, resources map[string]resource)) (*Model, error) {
	stacks, err := assembly.ReadStacks(dir)
	if err != nil {
		return nil, err
	}
	w := &world{templates: map[string]*template{}}
	for _, s := range stacks {
		data, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			return nil, err
		}
		t := &template{stack: s}
		if err := json.Unmarshal(data, t); err != nil {
			return nil, fmt.Errorf("%s: %v", s.DisplayName, err)
		}
		env := strings.TrimPrefix(s.Environment, "aws://")
		t.account, t.region, _ = strings.Cut(env, "/")
		if edit != nil {
			edit(s.DisplayName, t.Resources)
		}
		w.templates[s.StackName] = t
		w.order = append(w.order, s.StackName)
	}
	return w.build()
}

type world struct {
	templates map[string]*template
	order     []string
}

// id names a resource of the world: stack name and logical ID.
func id(t *template, logical string) string { return t.stack.StackName + "/" + logical }

// resolve turns a property value into the world ID of the resource it references, or the literal
// string it is. It follows Ref, Fn::GetAtt, a firewall's Fn::Select of its endpoint, SSM parameter
// parameters (by name or ARN, to the AWS::SSM::Parameter of that name in the same account or the
// named one) and Fn::GetStackOutput (to the producing stack's output).
func (w *world) resolve(t *template, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			if _, ok := t.Resources[ref]; ok {
				return id(t, ref), nil
			}
			if p, ok := t.Parameters[ref]; ok && strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value") {
				return w.parameter(t, p.Default)
			}
			return "", fmt.Errorf("%s: Ref %s resolves to nothing deployed", t.stack.DisplayName, ref)
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return id(t, ga[0].(string)), nil
		}
		if sel, ok := x["Fn::Select"].([]any); ok && len(sel) == 2 {
			// Fn::Select 1 of Fn::Split ":" of Fn::Select 0 of a firewall's EndpointIds: its endpoint.
			return w.resolve(t, sel[1])
		}
		if split, ok := x["Fn::Split"].([]any); ok && len(split) == 2 {
			return w.resolve(t, split[1])
		}
		if gso, ok := x["Fn::GetStackOutput"].(map[string]any); ok {
			producer, ok := w.templates[gso["StackName"].(string)]
			if !ok {
				return "", fmt.Errorf("%s: Fn::GetStackOutput of a stack not in the assembly: %v", t.stack.DisplayName, gso["StackName"])
			}
			out, ok := producer.Outputs[gso["OutputName"].(string)]
			if !ok {
				return "", fmt.Errorf("%s: Fn::GetStackOutput of a missing output %v", t.stack.DisplayName, gso["OutputName"])
			}
			return w.resolve(producer, out.Value)
		}
	}
	return "", fmt.Errorf("%s: cannot resolve %v", t.stack.DisplayName, v)
}

// parameter resolves an SSM parameter (a name in t's account and region, or an ARN) to the value of
// the AWS::SSM::Parameter that the assembly creates under that name.
func (w *world) parameter(t *template, nameOrArn string) (string, error) {
	account, region, name := t.account, t.region, nameOrArn
	if strings.HasPrefix(nameOrArn, "arn:") {
		parts := strings.SplitN(nameOrArn, ":", 6)
		region, account, name = parts[3], parts[4], "/"+strings.TrimPrefix(parts[5], "parameter/")
	}
	for _, sn := range w.order {
		p := w.templates[sn]
		if p.account != account || p.region != region {
			continue
		}
		for logical, r := range p.Resources {
			if r.Type == "AWS::SSM::Parameter" && r.Properties["Name"] == name {
				if account != t.account {
					// Another account's parameter resolves only through a RAM share of it with this
					// account (or its organization), and RAM shares only advanced-tier parameters.
					if r.Properties["Tier"] != "Advanced" {
						return "", fmt.Errorf("%s: parameter %s of account %s is not advanced-tier, so RAM cannot share it", t.stack.DisplayName, name, account)
					}
					if err := w.shared(p, nameOrArn, t.account); err != nil {
						return "", fmt.Errorf("%s: %v", t.stack.DisplayName, err)
					}
				}
				v, err := w.resolve(p, r.Properties["Value"])
				if err != nil {
					return "", fmt.Errorf("parameter %s (%s): %v", name, logical, err)
				}
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("%s: no SSM parameter %s in account %s, region %s", t.stack.DisplayName, name, account, region)
}

// flatten renders a value as a string: literals, Fn::Join, the pseudo parameters of owner's stack,
// and references to resources as <world ID>.
func (w *world) flatten(t *template, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			switch ref {
			case "AWS::Partition":
				return "aws"
			case "AWS::Region":
				return t.region
			case "AWS::AccountId":
				return t.account
			}
			return "<" + id(t, ref) + ">"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, w.flatten(t, p))
			}
			return strings.Join(parts, j[0].(string))
		}
	}
	return fmt.Sprint(v)
}

// shared checks that owner's stack shares the resource whose ARN contains arnPart with account,
// through an AWS::RAM::ResourceShare that names the account or an organization.
func (w *world) shared(owner *template, arnPart, account string) error {
	for _, r := range owner.Resources {
		if r.Type != "AWS::RAM::ResourceShare" {
			continue
		}
		covers := false
		for _, a := range asList(r.Properties["ResourceArns"]) {
			if strings.Contains(w.flatten(owner, a), arnPart) {
				covers = true
			}
		}
		for _, p := range asList(r.Properties["Principals"]) {
			if s := w.flatten(owner, p); covers && (s == account || strings.Contains(s, ":organization/")) {
				return nil
			}
		}
	}
	return fmt.Errorf("%s is not shared with account %s through RAM by %s", arnPart, account, owner.stack.DisplayName)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func (w *world) build() (*Model, error) {
	m := &Model{VPCs: map[string]*VPC{}, Subnets: map[string]*Subnet{}, Attachments: map[string]*Attachment{}, TGWTables: map[string]*TGWTable{}, Firewalls: map[string]*Subnet{}, NATs: map[string]string{}}
	var errs []string
	must := func(t *template, v any) string {
		s, err := w.resolve(t, v)
		if err != nil {
			errs = append(errs, err.Error())
		}
		return s
	}
	each := func(typ string, f func(t *template, logical string, p map[string]any)) {
		for _, sn := range w.order {
			t := w.templates[sn]
			logicals := make([]string, 0, len(t.Resources))
			for l := range t.Resources {
				logicals = append(logicals, l)
			}
			slices.Sort(logicals)
			for _, l := range logicals {
				if r := t.Resources[l]; r.Type == typ {
					f(t, l, r.Properties)
				}
			}
		}
	}
	each("AWS::EC2::VPC", func(t *template, l string, p map[string]any) {
		m.VPCs[id(t, l)] = &VPC{ID: id(t, l), Stack: t.stack.DisplayName, CIDR: netip.MustParsePrefix(p["CidrBlock"].(string))}
	})
	tables := map[string]*Subnet{} // route table -> its subnet (CDK gives each subnet its own table)
	each("AWS::EC2::Subnet", func(t *template, l string, p map[string]any) {
		vpc := m.VPCs[must(t, p["VpcId"])]
		s := &Subnet{ID: id(t, l), Name: t.stack.DisplayName + "/" + l, VPC: vpc, CIDR: netip.MustParsePrefix(p["CidrBlock"].(string)), Zone: p["AvailabilityZone"].(string)}
		m.Subnets[s.ID] = s
		vpc.Subnets = append(vpc.Subnets, s)
	})
	each("AWS::EC2::SubnetRouteTableAssociation", func(t *template, l string, p map[string]any) {
		tables[must(t, p["RouteTableId"])] = m.Subnets[must(t, p["SubnetId"])]
	})
	each("AWS::NetworkFirewall::Firewall", func(t *template, l string, p map[string]any) {
		mappings := p["SubnetMappings"].([]any)
		m.Firewalls[id(t, l)] = m.Subnets[must(t, mappings[0].(map[string]any)["SubnetId"])]
	})
	each("AWS::EC2::NatGateway", func(t *template, l string, p map[string]any) {
		m.NATs[id(t, l)] = must(t, p["SubnetId"])
	})
	each("AWS::EC2::Route", func(t *template, l string, p map[string]any) {
		s := tables[must(t, p["RouteTableId"])]
		if s == nil {
			errs = append(errs, fmt.Sprintf("%s/%s: route of a table no subnet uses", t.stack.DisplayName, l))
			return
		}
		r := Route{Dest: netip.MustParsePrefix(p["DestinationCidrBlock"].(string))}
		for key, kind := range map[string]string{"GatewayId": "igw", "NatGatewayId": "nat", "VpcEndpointId": "endpoint", "TransitGatewayId": "tgw"} {
			if v, ok := p[key]; ok {
				r.Kind, r.Target = kind, must(t, v)
			}
		}
		s.Routes = append(s.Routes, r)
	})
	each("AWS::EC2::TransitGatewayRouteTable", func(t *template, l string, p map[string]any) {
		m.TGWTables[id(t, l)] = &TGWTable{ID: id(t, l)}
	})
	each("AWS::EC2::TransitGatewayVpcAttachment", func(t *template, l string, p map[string]any) {
		a := &Attachment{ID: id(t, l), VPC: m.VPCs[must(t, p["VpcId"])], Subnets: map[string]*Subnet{}}
		// A VPC of another account attaches only to a Transit Gateway shared with it.
		tgw := must(t, p["TransitGatewayId"])
		if owner := w.templates[strings.SplitN(tgw, "/", 2)[0]]; owner != nil && owner.account != t.account {
			if err := w.shared(owner, "<"+tgw+">", t.account); err != nil {
				errs = append(errs, fmt.Sprintf("%s/%s: %v", t.stack.DisplayName, l, err))
			}
		}
		for _, sid := range p["SubnetIds"].([]any) {
			s := m.Subnets[must(t, sid)]
			a.Zones = append(a.Zones, s.Zone)
			a.Subnets[s.Zone] = s
		}
		slices.Sort(a.Zones)
		if o, ok := p["Options"].(map[string]any); ok {
			a.Appliance = o["ApplianceModeSupport"] == "enable"
		}
		m.Attachments[a.ID] = a
	})
	attachment := func(t *template, v any) *Attachment {
		a := m.Attachments[must(t, v)]
		if a == nil {
			errs = append(errs, fmt.Sprintf("%s: %v is not an attachment", t.stack.DisplayName, v))
		}
		return a
	}
	table := func(t *template, v any) *TGWTable {
		tt := m.TGWTables[must(t, v)]
		if tt == nil {
			errs = append(errs, fmt.Sprintf("%s: %v is not a Transit Gateway route table", t.stack.DisplayName, v))
		}
		return tt
	}
	each("AWS::EC2::TransitGatewayRouteTableAssociation", func(t *template, l string, p map[string]any) {
		if a, tt := attachment(t, p["TransitGatewayAttachmentId"]), table(t, p["TransitGatewayRouteTableId"]); a != nil && tt != nil {
			if a.Table != nil {
				errs = append(errs, fmt.Sprintf("%s/%s: an attachment has one association; %s already has one", t.stack.DisplayName, l, a.ID))
			}
			a.Table = tt
		}
	})
	each("AWS::EC2::TransitGatewayRouteTablePropagation", func(t *template, l string, p map[string]any) {
		if a, tt := attachment(t, p["TransitGatewayAttachmentId"]), table(t, p["TransitGatewayRouteTableId"]); a != nil && tt != nil {
			tt.Routes = append(tt.Routes, TGWRoute{Dest: a.VPC.CIDR, Attachment: a})
		}
	})
	each("AWS::EC2::TransitGatewayRoute", func(t *template, l string, p map[string]any) {
		if a, tt := attachment(t, p["TransitGatewayAttachmentId"]), table(t, p["TransitGatewayRouteTableId"]); a != nil && tt != nil {
			tt.Routes = append(tt.Routes, TGWRoute{Dest: netip.MustParsePrefix(p["DestinationCidrBlock"].(string)), Attachment: a})
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("routing model:\n  %s", strings.Join(errs, "\n  "))
	}
	return m, nil
}
