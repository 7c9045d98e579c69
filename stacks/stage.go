package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/editbay/editbay/config"
)

// EnvironmentStage is one environment of the installation: a CDK stage holding its stacks.
type EnvironmentStage struct {
	awscdk.Stage
	Network *NetworkStack
	Access  *AccessStack // nil for an environment without an access tier
	// Workspace is the AppStream workspace stack, nil unless enabled.
	Workspace *WorkspaceStack
	// HubRoutes joins the network to the egress hub, in the hub's account; nil unless egress mode hub.
	HubRoutes *HubRoutesStack
	// Catalog is the self-service portfolio, nil unless enabled.
	Catalog *CatalogStack
}

// EnvironmentStageProps configures an EnvironmentStage.
type EnvironmentStageProps struct {
	// Config is the validated installation. Required.
	Config *config.Config
	// Environment is the one of Config.Environments this stage deploys. Required.
	Environment config.Environment
}

// NewEnvironmentStage creates the stage of an environment (its ID is the environment's name by
// convention), its stacks, its cost tags and the cdk-nag checks. CDK does not carry aspects (tags,
// nag) from the app into a stage, so each stage gets its own.
func NewEnvironmentStage(scope awsconstructs.Construct, id string, props *EnvironmentStageProps) *EnvironmentStage {
	cfg, env := props.Config, props.Environment
	var account *string
	if env.Account != "" {
		account = jsii.String(env.Account)
	}
	stage := awscdk.NewStage(scope, &id, &awscdk.StageProps{
		Env: &awscdk.Environment{Account: account, Region: jsii.String(env.Region)},
	})
	// With a concrete account CDK would ask the CLI to look the zones up; answer from the config instead.
	if account != nil {
		key := fmt.Sprintf("availability-zones:account=%s:region=%s", env.Account, env.Region)
		stage.Node().SetContext(jsii.String(key), env.AvailabilityZones)
	}

	stackTags := tagAndCheck(stage, cfg.CostTags(env))
	stackProps := func(name, description string) awscdk.StackProps {
		return awscdk.StackProps{
			StackName:             jsii.String(cfg.EnvStackName(env, name)),
			Description:           jsii.String(fmt.Sprintf("editbay %s: %s", env.Name, description)),
			TerminationProtection: jsii.Bool(env.Production),
			Tags:                  &stackTags,
		}
	}

	s := &EnvironmentStage{Stage: stage}
	s.Network = NewNetworkStack(stage, "Network", &NetworkStackProps{
		StackProps:  stackProps(config.StackNetwork, "VPC, NAT, flow logs and private endpoints"),
		Config:      cfg,
		Environment: env,
	})
	if env.Egress.ViaHub() {
		h := cfg.EgressHub
		props := stackProps(config.StackHubRoutes, "joins the environment's VPC to the egress hub's route tables")
		props.Env = &awscdk.Environment{Account: jsii.String(h.Account), Region: jsii.String(h.Region)}
		s.HubRoutes = NewHubRoutesStack(stage, "HubRoutes", &HubRoutesStackProps{StackProps: props, Config: cfg, Network: s.Network})
	}
	if env.Access != nil {
		s.Access = NewAccessStack(stage, "Access", &AccessStackProps{
			StackProps:  stackProps(config.StackAccess, "connection brokers, broker database, gateways and workstation pools"),
			Config:      cfg,
			Environment: env,
			Vpc:         s.Network.Vpc,
		})
	}
	if env.Workspace.Enabled {
		s.Workspace = NewWorkspaceStack(stage, "Workspace", &WorkspaceStackProps{
			StackProps:  stackProps(config.StackWorkspace, "AppStream 2.0 confidential workspace"),
			Config:      cfg,
			Environment: env,
			Network:     s.Network,
		})
	}

	if env.Catalog.Enabled {
		s.Catalog = NewCatalogStack(stage, "Catalog", &CatalogStackProps{
			StackProps:  stackProps(config.StackCatalog, "self-service: Service Catalog portfolio, products and launch roles"),
			Config:      cfg,
			Environment: env,
			Network:     s.Network,
			Access:      s.Access,
		})
	}

	return s
}

// untaggedTypes get no cost tags: CDK's resource spec gives them Tags, while CloudFormation's schemas
// as cfn-lint 1.51 ships them refuse the property in every region. Neither costs anything, so leaving
// them untagged deploys whichever is right.
var untaggedTypes = []string{"AWS::ElasticLoadBalancingV2::Listener", "AWS::SSM::Association"}

// tagAndCheck puts the cost tags on every resource of stage and adds both cdk-nag packs to it (CDK
// carries neither from the app into a stage), and returns the tags for the stacks' own tags.
func tagAndCheck(stage awscdk.Stage, tags map[string]string) map[string]*string {
	stackTags := map[string]*string{}
	untagged := &awscdk.TagProps{ExcludeResourceTypes: jsii.Strings(untaggedTypes...)}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		awscdk.Tags_Of(stage).Add(jsii.String(k), jsii.String(tags[k]), untagged)
		stackTags[k] = jsii.String(tags[k])
	}
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(stage).Add(cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stackTags
}
