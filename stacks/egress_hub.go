package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/config/suricata"
	ebc "github.com/editbay/editbay/constructs"
)

// EgressHubStage is the egress hub's CDK stage (ID config.HubStageName), in the hub's account and
// region.
type EgressHubStage struct {
	awscdk.Stage
	Hub *EgressHubStack
}

// EgressHubStack holds the Transit Gateway, the inspection VPC and its firewall.
type EgressHubStack struct {
	awscdk.Stack
	Hub *ebc.EgressHub
}

// NewEgressHubStage creates the hub's stage and stack from cfg.EgressHub, which must be set.
func NewEgressHubStage(scope awsconstructs.Construct, id string, cfg *config.Config) *EgressHubStage {
	h := cfg.EgressHub
	stage := awscdk.NewStage(scope, &id, &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(h.Account), Region: jsii.String(h.Region)},
	})
	stage.Node().SetContext(jsii.String(fmt.Sprintf("availability-zones:account=%s:region=%s", h.Account, h.Region)), h.AvailabilityZones)
	stackTags := tagAndCheck(stage, cfg.CostTags(config.Environment{Name: config.HubStageName, Tags: h.Tags}))
	stack := awscdk.NewStack(stage, jsii.String("Hub"), &awscdk.StackProps{
		StackName:             jsii.String(cfg.HubStackName()),
		Description:           jsii.String("editbay egress hub: Transit Gateway, inspection VPC and its firewall, shared with the spokes"),
		TerminationProtection: jsii.Bool(h.Production),
		Tags:                  &stackTags,
	})

	allows, err := cfg.HubAllowLists()
	if err != nil {
		panic(err) // validated config: cannot happen
	}
	rules, err := suricata.Generate(allows)
	if err != nil {
		panic(err)
	}
	principals := slices.Clone(h.SharedWith.Accounts)
	if h.SharedWith.Organization != "" {
		principals = append(principals, h.SharedWith.Organization)
	}
	var sources []ebc.EgressSource
	for _, e := range cfg.HubSpokes() {
		sources = append(sources, ebc.EgressSource{Name: fmt.Sprintf("%s (account %s)", e.Name, e.Account), Cidrs: []string{e.Network.VpcCidr}})
	}
	firewalls := map[string]string{}
	for _, az := range h.AvailabilityZones {
		firewalls[az] = cfg.HubFirewallName(az)
	}
	hub := ebc.NewEgressHub(stack, "EgressHub", &ebc.EgressHubProps{
		Name:                          cfg.HubPrefix(),
		Cidr:                          h.VpcCidr,
		AvailabilityZones:             h.AvailabilityZones,
		SpokeCidrs:                    cfg.HomeNet(),
		AmazonSideAsn:                 h.AmazonSideAsn,
		AutoAcceptAttachments:         h.AutoAcceptAttachments,
		SharePrincipals:               principals,
		AllowExternalPrincipals:       h.SharedWith.OutsideOrganization,
		TransitGatewayParameter:       cfg.HubParameterName(config.HubTransitGatewayParameter),
		SpokesRouteTableParameter:     cfg.HubParameterName(config.HubSpokesTableParameter),
		InspectionRouteTableParameter: cfg.HubParameterName(config.HubInspectionTableParameter),
		FlowLogs:                      ebc.FlowLogsProps{Retain: h.Production},
		Firewall: ebc.EgressFirewallProps{
			Name:               cfg.HubPrefix(),
			AllowListName:      cfg.HubRuleGroupName(),
			PolicyName:         cfg.HubPolicyName(),
			FirewallNames:      firewalls,
			DashboardName:      cfg.HubDashboardName(),
			AllowList:          rules.WithEastWestDrop(),
			ManagedRuleGroups:  h.ManagedRuleGroups,
			Capacity:           h.Capacity,
			LogRetentionDays:   h.LogRetentionDays,
			DropAlarmThreshold: h.DropAlarm,
			Retain:             h.Production,
			Sources:            sources,
		},
	})
	awscdk.NewCfnOutput(stack, jsii.String("TransitGatewayId"), &awscdk.CfnOutputProps{
		Value:       hub.TransitGateway.Ref(),
		Description: jsii.String("The egress hub's Transit Gateway (spokes read it from the shared SSM parameter " + cfg.HubParameterName(config.HubTransitGatewayParameter) + ")"),
	})
	return &EgressHubStage{Stage: stage, Hub: &EgressHubStack{Stack: stack, Hub: hub}}
}
