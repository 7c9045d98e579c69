// Package diagram draws an editbay config's architecture as Graphviz DOT: each environment's stacks
// and VPC tiers, the traffic paths between clients, load balancers, pools, the firewall and the
// internet, the egress hub, and each account's governance. It reads the config only, so a drawing
// needs no synth; `make docs` renders it with Graphviz (dot).
//
// The drawing groups rather than enumerates: one box per tier member (a pool is one box with its
// type and size, not one per workstation), so a person sees the tiers and the paths at a glance.
package diagram

import (
	"fmt"
	"strings"

	"github.com/editbay/editbay/config"
)

// Edge styles: what a person reading the drawing should tell apart.
const (
	userPath   = `color="#2b6cb0", penwidth=2`                  // people reaching the platform
	egressPath = `color="#c05621", penwidth=2`                  // traffic to the internet
	innerPath  = `color="#4a5568"`                              // between tiers
	auditPath  = `color="#718096", style=dashed, arrowhead=vee` // governance watching
)

// DOT draws cfg.
func DOT(cfg *config.Config) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("digraph editbay {")
	w(`  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.6, newrank=true, compound=true, label=%q, labelloc=t, fontsize=16];`,
		"editbay: "+cfg.Project+" (generated from the config by make docs)")
	w(`  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11];`)
	w(`  edge [fontname="Helvetica", fontsize=9];`)
	w(`  internet [label="Internet\n(allow-listed domains only)", shape=oval, fillcolor="#fffaf0"];`)
	secure, clients := false, false
	for _, e := range cfg.Environments {
		secure = secure || e.Workspace.Enabled && e.Workspace.AccessFromVpcOnly
		clients = clients || e.Access != nil || e.Workspace.Enabled && !e.Workspace.AccessFromVpcOnly
	}
	if clients {
		w(`  clients [label="Client networks\n(clientCidrs)", shape=oval, fillcolor="#ebf8ff"];`)
	}
	if secure {
		w(`  securearea [label="Secure area\n(secureAreaCidrs)", shape=oval, fillcolor="#f0fff4"];`)
	}
	for _, e := range cfg.Environments {
		environment(&b, e)
	}
	if h := cfg.EgressHub; h != nil {
		hub(&b, *h)
	}
	for _, a := range cfg.GovernedAccounts() {
		governance(&b, cfg, a)
	}
	w(`  subgraph cluster_legend {`)
	w(`    label="legend"; style="rounded"; color="#cbd5e0";`)
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		w(`    legend_%s [label="", shape=point, width=0.05];`, n)
	}
	w(`    legend_a -> legend_b [%s, label="people to the platform"];`, userPath)
	w(`    legend_c -> legend_d [%s, label="out to the internet"];`, egressPath)
	w(`    legend_e -> legend_f [%s, label="audited and guarded"];`, auditPath)
	w(`  }`)
	w("}")
	return b.String()
}

func id(parts ...string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.Join(parts, "_"))
}

// environment draws one environment: a cluster per stage with its VPC's tiers inside.
func environment(b *strings.Builder, e config.Environment) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	n := func(s string) string { return id(e.Name, s) }
	account := e.Account
	if account == "" {
		account = "the deploying account"
	}
	w("  subgraph %s {", id("cluster", e.Name))
	w(`    label=%q; style="rounded"; color="#2d3748"; fontsize=14;`,
		fmt.Sprintf("%s: %s, %s, %d zones (stacks: %s)", e.Name, account, e.Region, len(e.AvailabilityZones), strings.Join(stackNames(e), ", ")))
	tier := func(name, label, fill string, body func()) {
		w("    subgraph %s {", id("cluster", e.Name, name))
		w(`      label=%q; style="filled,rounded"; fillcolor=%q; color="#cbd5e0";`, label, fill)
		body()
		w("    }")
	}
	nat := e.NatGateways()
	a := e.Access
	tier("public", "public subnets", "#f7fafc", func() {
		if a != nil {
			w(`      %s [label="Application Load Balancer\nHTTPS to the brokers"];`, n("alb"))
			w(`      %s [label="Network Load Balancer\n%s"];`, n("nlb"), strings.Join(a.Gateway.Protocols, ", "))
		}
		if !e.Egress.ViaHub() {
			w(`      %s [label="NAT gateway ×%d"];`, n("nat"), nat)
		}
	})
	if e.Egress.Local() {
		tier("firewall", "firewall subnets", "#fffaf0", func() {
			w(`      %s [label="Network Firewall\n%d endpoints, %d allow-list(s)"];`, n("firewall"), len(e.AvailabilityZones), len(e.Egress.Rules))
		})
	}
	tier("private", "private subnets (egress through the "+egressVia(e)+")", "#f0f5ff", func() {
		if a != nil {
			w(`      %s [label="Brokers\n%s ×%d–%d"];`, n("brokers"), a.Broker.InstanceType, a.Broker.MinCapacity, a.Broker.MaxCapacity)
			w(`      %s [label="Gateways\n%s ×%d–%d"];`, n("gateways"), a.Gateway.InstanceType, a.Gateway.MinCapacity, a.Gateway.MaxCapacity)
			var pools []string
			for _, p := range a.Pools {
				pools = append(pools, fmt.Sprintf("%s: %s ×≤%d (%s)", p.Name, p.InstanceType, p.MaxSize, p.WarmState))
			}
			w(`      %s [label="Workstation pools\n%s", fillcolor="#e6fffa"];`, n("pools"), strings.Join(pools, "\n"))
			w(`      %s [label="Pool scaler (Lambda)\nevery %d min", shape=component];`, n("scaler"), a.PoolScaler.IntervalMinutes)
			if a.Directory != nil {
				w(`      %s [label="Managed Microsoft AD\n%s"];`, n("directory"), a.Directory.Name)
			}
		}
		if e.Workspace.Enabled {
			w(`      %s [label="AppStream fleet\n%s, %s ≤%d\npaste-in only", fillcolor="#f0fff4"];`, n("appstream"), e.Workspace.InstanceType, strings.ToLower(strings.ReplaceAll(e.Workspace.FleetType, "_", "-")), e.Workspace.MaxCapacity)
			w(`      %s [label="Data bucket\n(approved networks only)", shape=cylinder];`, n("data"))
		}
		if e.Egress.ViaHub() {
			w(`      %s [label="Transit Gateway attachment\n(%s)", fillcolor="#fffaf0"];`, n("attachment"), strings.Join(e.Egress.EffectiveRoutedGroups(), ", "))
		}
		w(`      %s [label="VPC endpoints\n%d interface + S3", shape=note];`, n("endpoints"), len(config.BuiltinInterfaceEndpoints())+len(e.Network.AdditionalInterfaceEndpoints))
	})
	if a != nil {
		tier("isolated", "isolated subnets", "#faf5ff", func() {
			w(`      %s [label="Aurora PostgreSQL\n%s", shape=cylinder];`, n("db"), dbLabel(a.Database))
		})
	}
	w("  }")
	// Paths.
	if a != nil {
		w(`  clients -> %s [%s];`, n("alb"), userPath)
		w(`  %s -> %s [%s];`, n("alb"), n("brokers"), userPath)
		w(`  clients -> %s [%s];`, n("nlb"), userPath)
		w(`  %s -> %s [%s];`, n("nlb"), n("gateways"), userPath)
		w(`  %s -> %s [%s, label="display protocols"];`, n("gateways"), n("pools"), userPath)
		w(`  %s -> %s [%s, label="agent"];`, n("brokers"), n("pools"), innerPath)
		w(`  %s -> %s [%s];`, n("brokers"), n("db"), innerPath)
		w(`  %s -> %s [%s, label="start, stop"];`, n("scaler"), n("pools"), innerPath)
		w(`  %s -> %s [%s];`, n("pools"), egressNode(e), egressPath)
		if a.Directory != nil {
			w(`  %s -> %s [%s, label="join, sign-in"];`, n("pools"), n("directory"), innerPath)
		}
	}
	if e.Workspace.Enabled {
		from := "clients"
		if e.Workspace.AccessFromVpcOnly {
			from = "securearea"
		}
		w(`  %s -> %s [%s, label="streaming"];`, from, n("appstream"), userPath)
		w(`  %s -> %s [%s, label="synced in, wiped after"];`, n("data"), n("appstream"), innerPath)
		w(`  %s -> %s [%s];`, n("appstream"), egressNode(e), egressPath)
	}
	switch {
	case e.Egress.Local():
		w(`  %s -> %s [%s];`, n("firewall"), n("nat"), egressPath)
		w(`  %s -> internet [%s];`, n("nat"), egressPath)
	case e.Egress.ViaHub():
		w(`  %s -> hub_tgw [%s];`, n("attachment"), egressPath)
	default:
		w(`  %s -> internet [%s];`, n("nat"), egressPath)
	}
}

func egressVia(e config.Environment) string {
	switch {
	case e.Egress.Local():
		return "firewall"
	case e.Egress.ViaHub():
		return "egress hub"
	}
	return "NAT gateways"
}

// egressNode is where an environment's private subnets send internet traffic.
func egressNode(e config.Environment) string {
	switch {
	case e.Egress.Local():
		return id(e.Name, "firewall")
	case e.Egress.ViaHub():
		return id(e.Name, "attachment")
	}
	return id(e.Name, "nat")
}

func dbLabel(d config.Database) string {
	if d.Mode == "serverless" {
		return fmt.Sprintf("Serverless v2, %g–%g ACU", d.MinCapacity, d.MaxCapacity)
	}
	return "writer + reader, db." + d.InstanceClass
}

// stackNames are the stacks of an environment's stage, as stacks/stage.go makes them (a test holds
// them against the synthesized golden templates).
func stackNames(e config.Environment) []string {
	names := []string{"Network"}
	if e.Egress.ViaHub() {
		names = append(names, "HubRoutes")
	}
	if e.Access != nil {
		names = append(names, "Access")
	}
	if e.Workspace.Enabled {
		names = append(names, "Workspace")
	}
	if e.Catalog.Enabled {
		names = append(names, "Catalog")
	}
	return names
}

// hub draws the egress hub: the Transit Gateway, the inspection VPC's firewall and NAT gateways.
func hub(b *strings.Builder, h config.EgressHub) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	w("  subgraph cluster_hub {")
	w(`    label=%q; style="rounded"; color="#c05621"; fontsize=14;`, fmt.Sprintf("%s: the egress hub, %s, %s, %d zones (stacks: Hub)", config.HubStageName, h.Account, h.Region, len(h.AvailabilityZones)))
	w(`    hub_tgw [label="Transit Gateway\nspokes and inspection route tables", fillcolor="#fffaf0"];`)
	w(`    hub_firewall [label="Network Firewall\n%d endpoints, %d allow-list(s)"];`, len(h.AvailabilityZones), len(h.Rules))
	w(`    hub_nat [label="NAT gateway ×%d"];`, len(h.AvailabilityZones))
	w("  }")
	w(`  hub_tgw -> hub_firewall [%s, label="appliance mode"];`, egressPath)
	w(`  hub_firewall -> hub_nat [%s];`, egressPath)
	w(`  hub_nat -> internet [%s];`, egressPath)
}

// governance draws one governed account's guardrails.
func governance(b *strings.Builder, cfg *config.Config, a config.Account) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	g := cfg.Governance
	n := func(s string) string { return id(a.StageName(), s) }
	w("  subgraph %s {", id("cluster", a.StageName()))
	w(`    label=%q; style="rounded,dashed"; color="#718096"; fontsize=14;`,
		fmt.Sprintf("%s: governance of %s (stacks: Identity, Audit, GlobalEvents, Guardrails)", a.StageName(), strings.Join(a.Environments, ", ")))
	w(`    %s [label="IAM groups\n%s, %s, %s"];`, n("iam"), g.Groups.Admin, g.Groups.Developers, g.Groups.Operators)
	w(`    %s [label="CloudTrail\nObject Lock %s", shape=cylinder];`, n("trail"), g.Trail.ObjectLock.Mode)
	w(`    %s [label="AWS Config\n%d rules in %d region(s)"];`, n("config"), len(g.Rules()), len(a.Regions))
	w(`    %s [label="Guardrail functions\nundo drift (%s), alert", shape=component];`, n("guard"), g.Remediation.Mode)
	w("  }")
	w(`  %s -> %s [%s];`, n("trail"), n("guard"), auditPath)
	w(`  %s -> %s [%s];`, n("config"), n("guard"), auditPath)
	for _, e := range cfg.Environments {
		if a.Name == config.DefaultAccountName && e.Account == "" || e.Account == a.ID && a.ID != "" {
			w(`  %s -> %s [%s, lhead=%s];`, n("trail"), id(e.Name, "endpoints"), auditPath, id("cluster", e.Name))
		}
	}
}
