package stacks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// CatalogStackProps configures a CatalogStack.
type CatalogStackProps struct {
	awscdk.StackProps
	// Config is the validated installation. Required.
	Config *config.Config
	// Environment is the one of Config.Environments whose catalog this is; its catalog is enabled.
	// Required.
	Environment config.Environment
	// Network and Access are the environment's stacks whose design the workstation product uses;
	// Access is nil without an access tier (and then the catalog offers no workstation).
	Network *NetworkStack
	Access  *AccessStack
}

// CatalogStack is an environment's self-service portfolio: the products, each with its launch role,
// cost TagOptions users cannot change, parameter rules, notifications, and the audience.
type CatalogStack struct {
	awscdk.Stack
	Portfolio awsservicecatalog.Portfolio
	// Workstation and ProjectBucket are nil unless the catalog offers them.
	Workstation   *ebc.WorkstationProduct
	ProjectBucket *ebc.ProjectBucketProduct
	// AccessLogs receives the product buckets' server access logs.
	AccessLogs awss3.Bucket
}

// NewCatalogStack creates the portfolio of one environment from its config.
func NewCatalogStack(scope awsconstructs.Construct, id string, props *CatalogStackProps) *CatalogStack {
	cfg, e := props.Config, props.Environment
	cat := e.Catalog
	s := &CatalogStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}

	options := map[string]*[]*string{}
	for k, vals := range cfg.CatalogTagOptions(e) {
		options[k] = jsii.Strings(vals...)
	}
	s.Portfolio = awsservicecatalog.NewPortfolio(s.Stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName:  jsii.String(cfg.CatalogName(e)),
		ProviderName: jsii.String(cat.ProviderName),
		Description:  nonEmpty(cat.Description),
		// On the portfolio, the options apply to every product: users pick a value of each, and the
		// provisioned product's resources carry them.
		TagOptions: awsservicecatalog.NewTagOptions(s.Stack, jsii.String("TagOptions"), &awsservicecatalog.TagOptionsProps{AllowedValuesForTags: &options}),
	})
	names := map[string]string{config.AudienceAdmin: cfg.Governance.Groups.Admin, config.AudienceDevelopers: cfg.Governance.Groups.Developers, config.AudienceOperators: cfg.Governance.Groups.Operators}
	for _, g := range cat.Audience.Groups {
		s.Portfolio.GiveAccessToGroup(awsiam.Group_FromGroupName(s.Stack, jsii.String("Audience-"+g), jsii.String(names[g])))
	}
	for i, arn := range cat.Audience.Roles {
		s.Portfolio.GiveAccessToRole(awsiam.Role_FromRoleArn(s.Stack, jsii.String(fmt.Sprintf("AudienceRole%d", i+1)), jsii.String(arn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}))
	}
	var topic awssns.ITopic
	if cat.NotificationTopicArn != "" {
		topic = awssns.Topic_FromTopicArn(s.Stack, jsii.String("NotificationTopic"), jsii.String(cat.NotificationTopicArn))
	}
	// govern puts a product under the portfolio's rules: its launch role, cost tags users cannot
	// change, and notifications.
	govern := func(product awsservicecatalog.IProduct, template awsservicecatalog.ProductStack, launchRole awsiam.IRole) {
		// The stage tags every resource with its cost tags; in a product those would override the
		// values users choose from the TagOptions (a resource's own tags win over its stack's).
		for k := range options {
			awscdk.Tags_Of(template).Remove(jsii.String(k), &awscdk.TagProps{Priority: jsii.Number(200)})
		}
		s.Portfolio.AddProduct(product)
		s.Portfolio.SetLaunchRole(product, launchRole, nil)
		s.Portfolio.ConstrainTagUpdates(product, &awsservicecatalog.TagUpdateConstraintOptions{Allow: jsii.Bool(false)})
		if topic != nil {
			s.Portfolio.NotifyOnStackEvents(product, topic, nil)
		}
	}

	// allowOnly adds a rule constraint: the parameter takes one of values. The template allows only
	// these values too; the rule holds them even where a launch overrides the template's parameter
	// definitions.
	allowOnly := func(product awsservicecatalog.IProduct, rule, parameter string, values []string, why string) {
		s.Portfolio.ConstrainCloudFormationParameters(product, &awsservicecatalog.CloudFormationRuleConstraintOptions{
			Rule: &awsservicecatalog.TemplateRule{
				RuleName: jsii.String(rule),
				Assertions: &[]*awsservicecatalog.TemplateRuleAssertion{{
					Assert:      awscdk.Fn_ConditionContains(jsii.Strings(values...), awscdk.Fn_Ref(jsii.String(parameter))),
					Description: jsii.String(why + ": " + strings.Join(values, ", ")),
				}},
			},
		})
	}

	if slices.Contains(cfg.CatalogProducts(e), config.ProductWorkstation) {
		w := cat.Workstation
		var images []string
		for _, p := range cfg.CatalogWorkstationPools(e) {
			if !slices.Contains(images, p.Image.SsmParameter) {
				images = append(images, p.Image.SsmParameter)
			}
		}
		types := cfg.CatalogInstanceTypes(e)
		s.Workstation = ebc.NewWorkstationProduct(s.Stack, "Workstation", &ebc.WorkstationProductProps{
			Workstations:      props.Access.Workstations,
			Subnets:           props.Network.Network.Subnets(ebc.SubnetGroupPrivate),
			ParameterPrefix:   cfg.CatalogParameterName(e, "workstation"),
			Owner:             cat.ProviderName,
			Version:           w.Version,
			PreviousVersions:  w.PreviousVersions,
			SnapshotDirectory: cat.VersionsDirectory,
			Images:            images,
			InstanceTypes:     types,
			MinVolumeGiB:      w.MinVolumeGiB,
			MaxVolumeGiB:      w.MaxVolumeGiB,
			VolumeGiB:         w.VolumeGiB,
			RootDeviceName:    cfg.CatalogRootDevice(e),
			IdleMinutes:       int(cfg.CatalogStopAfterIdle(e).Minutes()),
			IdleCpuPercent:    w.IdleCpuPercent,
		})
		govern(s.Workstation.Product, s.Workstation.Template, s.Workstation.LaunchRole)
		allowOnly(s.Workstation.Product, "ApprovedInstanceTypes", ebc.InstanceTypeParameter, types, "Workstations use one of the approved instance types")
	}
	if slices.Contains(cfg.CatalogProducts(e), config.ProductProjectBucket) {
		b := cat.ProjectBucket
		prefix := cfg.EnvPrefix(e)
		s.AccessLogs = ebc.NewAccessLogBucket(s.Stack, "AccessLogs", &ebc.AccessLogBucketProps{ExpireAfterDays: b.AccessLogRetentionDays})
		// The product's buckets log here; their names are known only by prefix.
		s.AccessLogs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ProjectBucketAccessLogs"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*s.AccessLogs.ArnForObjects(jsii.String(prefix + "-*"))),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": s.Stack.Account()},
				"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:s3:::%s-*", *s.Stack.Partition(), prefix)},
			},
		}))
		parameter := cfg.CatalogParameterName(e, config.CatalogAccessLogsParameter)
		awsssm.NewStringParameter(s.Stack, jsii.String("AccessLogsParameter"), &awsssm.StringParameterProps{
			ParameterName: jsii.String(parameter),
			StringValue:   s.AccessLogs.BucketName(),
			Description:   jsii.String("Bucket of the project data buckets' server access logs, read by the product's template"),
		})
		s.ProjectBucket = ebc.NewProjectBucketProduct(s.Stack, "ProjectBucket", &ebc.ProjectBucketProductProps{
			BucketPrefix:          prefix,
			Owner:                 cat.ProviderName,
			Version:               b.Version,
			PreviousVersions:      b.PreviousVersions,
			SnapshotDirectory:     cat.VersionsDirectory,
			NoncurrentVersionDays: b.NoncurrentVersionDays,
			AccessLogsParameter:   parameter,
		})
		govern(s.ProjectBucket.Product, s.ProjectBucket.Template, s.ProjectBucket.LaunchRole)
		var choices []string
		for _, d := range b.NoncurrentVersionDays {
			choices = append(choices, strconv.Itoa(d))
		}
		allowOnly(s.ProjectBucket.Product, "NoncurrentVersionDaysAllowed", ebc.NoncurrentVersionDaysParameter, choices, "Old object versions are kept for one of the approved periods, in days")
	}
	return s
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
