package pricelist

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/editbay/editbay/cost"
)

// Query is how one item of the price table is read from the Price List: the products of
// ServiceCode whose attributes equal Filters (TERM_MATCH) in the region, narrowed on the client
// to the usage type UsageType, priced in one of Units. The table price is the Price List price
// times Multiplier, in the table's Unit.
//
// Usage types carry a region prefix (USE2-NatGateway-Hours, us-east-1-KMS-Keys) except where
// they do not (NatGateway-Hours in us-east-1), so the Price List API cannot match them exactly
// without a table of prefixes. They are matched here instead: UsageType, alone or after a
// prefix that is an upper-case code (USE2, EU, APN1) or the region code itself.
type Query struct {
	ServiceCode string
	// RegionField is the attribute that holds the region code: regionCode but for data transfer,
	// which has fromRegionCode and toRegionCode.
	RegionField string
	Filters     []Filter
	UsageType   string
	// UsageTypeExcludes drops products whose usage type contains one of these.
	UsageTypeExcludes []string
	// Units are the Price List units accepted for the item, compared without case; a product in
	// another unit is an error, as its price would be in the wrong unit.
	Units []string
	// Unit is the table's unit of the item.
	Unit string
	// Multiplier converts the Price List price to the table's unit: 1000000 when the Price List
	// prices one request and the table a million, 2 when it prices one of the two domain
	// controllers a directory runs.
	Multiplier int64
	// Why explains a Multiplier other than 1; it goes into the price's note.
	Why string
}

// Filter is one TERM_MATCH filter: the product attribute Field equals Value. Field may also be
// productFamily, which the Price List keeps beside the attributes.
type Filter struct{ Field, Value string }

func f(field, value string) Filter { return Filter{field, value} }

// Units of the Price List, as its price dimensions spell them.
var (
	hours   = []string{"Hrs", "Hr", "Hours", "Hour"}
	gbMonth = []string{"GB-Mo", "GB-Month", "GB-Months"}
	gb      = []string{"GB", "GigaBytes"}
)

// fixed are the items without a type in their name. Sources of the attribute names and values,
// all for GetProducts or the offer files it serves:
//   - [infracost] github.com/infracost/infracost internal/resources/aws/*.go (ProductFilter of
//     each resource: service, productFamily, attributes and usage types);
//   - [finops] a public Python pricing client built on pricing:GetProducts with TERM_MATCH
//     filters and usage types matched after the region prefix (finops/aws/pricing.py);
//   - [bulk] a public price-book generator that reads the offer files by usage type and
//     operation (AWS table: elb, kms, cloudtrail, cloudwatch_logs, dynamodb ...);
//   - [ocel] ocelhq/ocel price-book research (2026-09), usage types, units and tiers read from
//     the us-east-1 offer files;
//   - [euc] a public WorkSpaces EUC tool's notes on the Price List, checked against the live API
//     (2026-07): AmazonAppStream attributes;
//   - [cur] AWS usage-type documentation (CloudTrail cloudtrail-costs, S3 aws-usage-report) and
//     CUR pricing/unit sample values.
var fixed = map[string]Query{
	// [infracost] ebs_volume.go: AmazonEC2, Storage, volumeApiName; [finops] EBS:VolumeUsage.
	"ebs:gp3": {ServiceCode: "AmazonEC2", Filters: []Filter{f("productFamily", "Storage"), f("volumeApiName", "gp3")},
		UsageType: "EBS:VolumeUsage.gp3", Units: gbMonth},

	// [infracost] nat_gateway.go, [finops], [ocel]: AmazonEC2, NAT Gateway, NatGateway-Hours/-Bytes
	// (RegionalNatGateway-* and Outposts-NatGateway-* share the family and are not matched).
	"vpc:nat-gateway": {ServiceCode: "AmazonEC2", Filters: []Filter{f("productFamily", "NAT Gateway")},
		UsageType: "NatGateway-Hours", Units: hours},
	"vpc:nat-gateway-gb": {ServiceCode: "AmazonEC2", Filters: []Filter{f("productFamily", "NAT Gateway")},
		UsageType: "NatGateway-Bytes", Units: gb},

	// [infracost] vpc_endpoint.go, [finops]: AmazonVPC, VpcEndpoint, VpcEndpoint-Hours/-Bytes (the
	// gateway load balancer endpoint is VpcEndpoint-GWLBE-*). -Bytes is tiered: first 1 PB.
	"vpc:interface-endpoint": {ServiceCode: "AmazonVPC", Filters: []Filter{f("productFamily", "VpcEndpoint")},
		UsageType: "VpcEndpoint-Hours", Units: hours},
	"vpc:interface-endpoint-gb": {ServiceCode: "AmazonVPC", Filters: []Filter{f("productFamily", "VpcEndpoint")},
		UsageType: "VpcEndpoint-Bytes", Units: gb},

	// [finops]: AmazonVPC, group VPCPublicIPv4Address, PublicIPv4:InUseAddress (idle addresses
	// are PublicIPv4:IdleAddress).
	"vpc:public-ipv4": {ServiceCode: "AmazonVPC", Filters: []Filter{f("group", "VPCPublicIPv4Address")},
		UsageType: "PublicIPv4:InUseAddress", Units: hours},

	// [infracost] lb.go, [finops]: AWSELB, Load Balancer-Application/-Network, LoadBalancerUsage and
	// LCUUsage; [bulk]: operation LoadBalancing:Application/Network.
	"elb:alb": {ServiceCode: "AWSELB", Filters: []Filter{f("productFamily", "Load Balancer-Application"), f("operation", "LoadBalancing:Application")},
		UsageType: "LoadBalancerUsage", Units: hours},
	"elb:alb-lcu": {ServiceCode: "AWSELB", Filters: []Filter{f("productFamily", "Load Balancer-Application"), f("operation", "LoadBalancing:Application")},
		UsageType: "LCUUsage", Units: []string{"LCU-Hrs", "LCU-Hr", "LCU-Hours", "LCU-Hour"}},
	"elb:nlb": {ServiceCode: "AWSELB", Filters: []Filter{f("productFamily", "Load Balancer-Network"), f("operation", "LoadBalancing:Network")},
		UsageType: "LoadBalancerUsage", Units: hours},
	"elb:nlb-nlcu": {ServiceCode: "AWSELB", Filters: []Filter{f("productFamily", "Load Balancer-Network"), f("operation", "LoadBalancing:Network")},
		UsageType: "LCUUsage", Units: []string{"LCU-Hrs", "LCU-Hr", "LCU-Hours", "NLCU-Hrs", "NLCU-Hours"}},

	// [infracost] networkfirewall_firewall.go: AWSNetworkFirewall, AWS Firewall, <prefix>-Endpoint-Hour
	// and <prefix>-Traffic-GB-Processed.
	"network-firewall:endpoint": {ServiceCode: "AWSNetworkFirewall", Filters: []Filter{f("productFamily", "AWS Firewall")},
		UsageType: "Endpoint-Hour", Units: hours},
	"network-firewall:gb": {ServiceCode: "AWSNetworkFirewall", Filters: []Filter{f("productFamily", "AWS Firewall")},
		UsageType: "Traffic-GB-Processed", Units: gb},

	// [infracost] ec2_transit_gateway_vpc_attachment.go, [finops]: AmazonVPC, operation
	// TransitGatewayVPC (no product family), TransitGateway-Hours/-Bytes.
	"tgw:attachment": {ServiceCode: "AmazonVPC", Filters: []Filter{f("operation", "TransitGatewayVPC")},
		UsageType: "TransitGateway-Hours", Units: hours},
	"tgw:gb": {ServiceCode: "AmazonVPC", Filters: []Filter{f("operation", "TransitGatewayVPC")},
		UsageType: "TransitGateway-Bytes", Units: gb},

	// Aurora PostgreSQL on Aurora Standard (I/O-Optimized is Aurora:ServerlessV2IOOptimizedUsage,
	// Aurora:IOOptimizedStorageUsage and no I/O charge). A public estimator: AmazonRDS,
	// ServerlessV2, databaseEngine Aurora PostgreSQL, Aurora:ServerlessV2Usage; [infracost]
	// rds_cluster.go: Database Storage and System Operation, databaseEngine Aurora PostgreSQL,
	// Aurora:Storage*. Aurora I/O is priced per request.
	"rds:aurora-serverless-v2": {ServiceCode: "AmazonRDS", Filters: []Filter{f("productFamily", "ServerlessV2"), f("databaseEngine", "Aurora PostgreSQL")},
		UsageType: "Aurora:ServerlessV2Usage", Units: []string{"ACU-Hr", "ACU-Hrs", "ACU-Hour", "ACU-Hours"}},
	"rds:aurora-storage": {ServiceCode: "AmazonRDS", Filters: []Filter{f("productFamily", "Database Storage"), f("databaseEngine", "Aurora PostgreSQL")},
		UsageType: "Aurora:StorageUsage", Units: gbMonth},
	"rds:aurora-io": {ServiceCode: "AmazonRDS", Filters: []Filter{f("productFamily", "System Operation"), f("databaseEngine", "Aurora PostgreSQL")},
		UsageType: "Aurora:StorageIOUsage", Units: []string{"IOs", "IO", "Requests"},
		Multiplier: 1_000_000, Why: "priced per I/O request, the table per million"},

	// [euc]: productFamily User Fees is the Microsoft RDS SAL per user and month of license-included
	// Windows fleets; the multi-session fees are told apart by usage type (…Multi-Session…).
	"appstream:user-windows": {ServiceCode: "AmazonAppStream", Filters: []Filter{f("productFamily", "User Fees")},
		UsageTypeExcludes: []string{"Multi-Session"}, Units: []string{"user", "users", "User-Mo", "Users-Mo"}},

	// [infracost] cloudwatch_log_group.go: Data Payload <prefix>-DataProcessing-Bytes, Storage
	// Snapshot <prefix>-TimedStorage-ByteHrs; [bulk]: ingest operation PutLogEvents; vended logs
	// (flow and firewall logs) are VendedLog-Bytes, tiered, -CFLogs and -WAFLogs are others'.
	"cloudwatch:logs-ingest": {ServiceCode: "AmazonCloudWatch", Filters: []Filter{f("productFamily", "Data Payload"), f("operation", "PutLogEvents")},
		UsageType: "DataProcessing-Bytes", Units: gb},
	"cloudwatch:logs-vended-ingest": {ServiceCode: "AmazonCloudWatch", Filters: []Filter{f("productFamily", "Data Payload")},
		UsageType: "VendedLog-Bytes", Units: gb},
	"cloudwatch:logs-storage": {ServiceCode: "AmazonCloudWatch", Filters: []Filter{f("productFamily", "Storage Snapshot")},
		UsageType: "TimedStorage-ByteHrs", Units: gbMonth},
	// [finops]: Alarm CW:AlarmMonitorUsage in Alarms (high resolution and composite alarms have
	// their own usage types); [infracost] instance.go: Metric; tiered, first 10,000 metrics.
	"cloudwatch:alarm": {ServiceCode: "AmazonCloudWatch", Filters: []Filter{f("productFamily", "Alarm")},
		UsageType: "CW:AlarmMonitorUsage", Units: []string{"Alarms", "Alarm"}},
	"cloudwatch:metric": {ServiceCode: "AmazonCloudWatch", Filters: []Filter{f("productFamily", "Metric")},
		UsageType: "CW:MetricMonitorUsage", Units: []string{"Metrics", "Metric"}},

	// [finops], [ocel]: AmazonS3 Storage TimedStorage-ByteHrs (S3 Standard, tiered: first 50 TB);
	// [cur] S3 usage report: TimedStorage-GlacierByteHrs is S3 Glacier Flexible Retrieval.
	"s3:standard": {ServiceCode: "AmazonS3", Filters: []Filter{f("productFamily", "Storage")},
		UsageType: "TimedStorage-ByteHrs", Units: gbMonth},
	"s3:glacier-flexible-retrieval": {ServiceCode: "AmazonS3", Filters: []Filter{f("productFamily", "Storage")},
		UsageType: "TimedStorage-GlacierByteHrs", Units: gbMonth},
	// Vended logs delivered to S3 are billed by CloudWatch as S3-Egress-Bytes (tiered).
	"s3:vended-logs-delivery": {ServiceCode: "AmazonCloudWatch",
		UsageType: "S3-Egress-Bytes", Units: gb},

	// [infracost] config_configuration_recorder.go, config_config_rule.go; [cur] units
	// ConfigurationItemRecorded and ConfigRuleEvaluations. Periodic recording is
	// ConfigurationItemRecordedDaily; rule evaluations are tiered (first 100,000).
	"config:configuration-item": {ServiceCode: "AWSConfig", Filters: []Filter{f("productFamily", "Management Tools - AWS Config")},
		UsageType: "ConfigurationItemRecorded", Units: []string{"ConfigurationItemRecorded", "Items", "Item"}},
	"config:rule-evaluation": {ServiceCode: "AWSConfig", Filters: []Filter{f("productFamily", "Management Tools - AWS Config Rules")},
		UsageType: "ConfigRuleEvaluations", Units: []string{"ConfigRuleEvaluations", "Evaluations", "Evaluation"}},

	// [infracost] cloudtrail.go: Management Tools - AWS CloudTrail Data Events Recorded, per
	// 100,000 events; [cur] cloudtrail-costs: <region>-DataEventsRecorded.
	"cloudtrail:data-events": {ServiceCode: "AWSCloudTrail", Filters: []Filter{f("productFamily", "Management Tools - AWS CloudTrail Data Events Recorded")},
		UsageType: "DataEventsRecorded", Units: []string{"Events", "Event"},
		Multiplier: 100_000, Why: "priced per event, the table per 100,000"},

	// [infracost] kms_key.go, [finops] (the prefix is the region code: us-east-1-KMS-Keys), [bulk].
	"kms:key": {ServiceCode: "awskms", Filters: []Filter{f("productFamily", "Encryption Key")},
		UsageType: "KMS-Keys", Units: []string{"Keys", "Key"}},
	"kms:requests": {ServiceCode: "awskms",
		UsageType: "KMS-Requests", Units: []string{"Requests", "Request"},
		Multiplier: 10_000, Why: "priced per request, the table per 10,000"},

	// [infracost] secretsmanager_secret.go, [finops]: Secret, AWSSecretsManager-Secrets.
	"secretsmanager:secret": {ServiceCode: "AWSSecretsManager", Filters: []Filter{f("productFamily", "Secret")},
		UsageType: "AWSSecretsManager-Secrets", Units: []string{"Secrets", "Secret"}},

	// [infracost] lambda_function.go: Serverless, group AWS-Lambda-Duration-ARM and
	// AWS-Lambda-Requests; [ocel]: Lambda-GB-Second-ARM in Lambda-GB-Second (tiered, first 7.5
	// billion), Request in Requests (arm64 requests, Request-ARM, cost the same).
	"lambda:arm-gb-second": {ServiceCode: "AWSLambda", Filters: []Filter{f("productFamily", "Serverless"), f("group", "AWS-Lambda-Duration-ARM")},
		UsageType: "Lambda-GB-Second-ARM", Units: []string{"Lambda-GB-Second", "GB-Seconds", "GB-Second"}},
	"lambda:requests": {ServiceCode: "AWSLambda", Filters: []Filter{f("productFamily", "Serverless"), f("group", "AWS-Lambda-Requests")},
		UsageType: "Request", Units: []string{"Requests", "Request"},
		Multiplier: 1_000_000, Why: "priced per request, the table per million"},

	// [finops]: AmazonSNS API Request Requests-Tier1 in Requests (the first million a month are free).
	"sns:publish": {ServiceCode: "AmazonSNS", Filters: []Filter{f("productFamily", "API Request")},
		UsageType: "Requests-Tier1", Units: []string{"Requests", "Request"},
		Multiplier: 1_000_000, Why: "priced per request, the table per million"},

	// [infracost] cloudwatch_event_bus.go: AWSEvents, EventBridge, eventType Custom Event,
	// Event-64K-Chunks (partner events share the usage type).
	"eventbridge:custom-events": {ServiceCode: "AWSEvents", Filters: []Filter{f("productFamily", "EventBridge"), f("eventType", "Custom Event")},
		UsageType: "Event-64K-Chunks", Units: []string{"Events", "Event"},
		Multiplier: 1_000_000, Why: "priced per 64 KB event, the table per million"},

	// [infracost] dynamodb_table.go: Amazon DynamoDB PayPerRequest Throughput, group DDB-WriteUnits
	// and DDB-ReadUnits; Database Storage TimedStorage-ByteHrs (IA-TimedStorage-ByteHrs is the
	// Standard-IA class); [ocel]: WriteRequestUnits, ReadRequestUnits, storage 0-25 GB free.
	"dynamodb:on-demand-write": {ServiceCode: "AmazonDynamoDB", Filters: []Filter{f("productFamily", "Amazon DynamoDB PayPerRequest Throughput"), f("group", "DDB-WriteUnits")},
		UsageType: "WriteRequestUnits", Units: []string{"WriteRequestUnits", "WriteRequestUnit", "Requests"},
		Multiplier: 1_000_000, Why: "priced per write request unit, the table per million"},
	"dynamodb:on-demand-read": {ServiceCode: "AmazonDynamoDB", Filters: []Filter{f("productFamily", "Amazon DynamoDB PayPerRequest Throughput"), f("group", "DDB-ReadUnits")},
		UsageType: "ReadRequestUnits", Units: []string{"ReadRequestUnits", "ReadRequestUnit", "Requests"},
		Multiplier: 1_000_000, Why: "priced per read request unit, the table per million"},
	"dynamodb:storage": {ServiceCode: "AmazonDynamoDB", Filters: []Filter{f("productFamily", "Database Storage")},
		UsageType: "TimedStorage-ByteHrs", Units: gbMonth},

	// [infracost] data_transfer.go: AWSDataTransfer, Data Transfer, transferType AWS Outbound,
	// <prefix>-DataTransfer-Out-Bytes; public code filters by fromRegionCode. Tiered: first 10 TB
	// (the 100 GB free a month is Global-DataTransfer-Out-Bytes, not matched).
	"ec2:data-transfer-out": {ServiceCode: "AWSDataTransfer", RegionField: "fromRegionCode",
		Filters:   []Filter{f("productFamily", "Data Transfer"), f("transferType", "AWS Outbound")},
		UsageType: "DataTransfer-Out-Bytes", Units: gb},
}

var (
	instanceType  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	rdsClass      = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	appStreamType = regexp.MustCompile(`^stream\.[a-z0-9-]+(\.[a-z0-9-]+)+$`)
)

// QueryFor is the Price List query of a table item; an item it does not know is an error.
func QueryFor(item string) (Query, error) {
	q, err := queryFor(item)
	if err != nil {
		return Query{}, err
	}
	if q.RegionField == "" {
		q.RegionField = "regionCode"
	}
	if q.Multiplier == 0 {
		q.Multiplier = 1
	}
	q.Unit = cost.TableUnit(item)
	if q.Unit == "" {
		return Query{}, fmt.Errorf("item %q: the price table has no unit for it", item)
	}
	return q, nil
}

func queryFor(item string) (Query, error) {
	if q, ok := fixed[item]; ok {
		return q, nil
	}
	parts := strings.Split(item, ":")
	unknown := fmt.Errorf("item %q: no Price List query is known for it", item)
	switch {
	case parts[0] == "ec2" && len(parts) == 3 && instanceType.MatchString(parts[1]):
		return ec2Instance(parts[1], parts[2])
	case item == "ds:managed-ad-standard":
		return directory("Standard"), nil
	case item == "ds:managed-ad-enterprise":
		return directory("Enterprise"), nil
	case len(parts) == 3 && parts[0] == "rds" && parts[1] == "aurora-postgresql" && rdsClass.MatchString(parts[2]):
		return auroraInstance(parts[2]), nil
	case parts[0] == "appstream" && len(parts) >= 2 && appStreamType.MatchString(parts[1]):
		return appStream(parts[1], parts[2:])
	}
	return Query{}, unknown
}

// ec2Instance is an on-demand instance: shared tenancy, no pre-installed software, capacity in use
// (not an unused reservation), and for Windows the license included, which EC2's Price List calls
// "No License required" as for Linux (the other value is "Bring your own license").
// karpenter-provider-aws pkg/providers/pricing/pricing.go (regionCode, preInstalledSw NA,
// operatingSystem, capacitystatus Used, marketoption OnDemand, tenancy Shared, productFamily
// Compute Instance); [infracost] instance.go (the same, and licenseModel); usage type
// BoxUsage:<type> (AWS docs, Get-PLSProduct example: USW2-BoxUsage:r4.xlarge).
func ec2Instance(typ, os string) (Query, error) {
	osName := map[string]string{"linux": "Linux", "windows": "Windows"}[os]
	if osName == "" {
		return Query{}, fmt.Errorf("item ec2:%s:%s: the operating system is linux or windows", typ, os)
	}
	return Query{ServiceCode: "AmazonEC2", Filters: []Filter{
		f("productFamily", "Compute Instance"),
		f("instanceType", typ),
		f("operatingSystem", osName),
		f("tenancy", "Shared"),
		f("preInstalledSw", "NA"),
		f("licenseModel", "No License required"),
		f("capacitystatus", "Used"),
		f("marketoption", "OnDemand"),
	}, UsageType: "BoxUsage:" + typ, Units: hours}, nil
}

// directory is AWS Managed Microsoft AD. [infracost] directory_service_directory.go: AWSDirectoryService,
// AWS Directory Service, directoryType Microsoft AD, directorySize Standard or Enterprise; its
// price is per domain controller and hour ("Shared Microsoft AD" is the sharing fee), and a
// directory runs two.
func directory(edition string) Query {
	return Query{ServiceCode: "AWSDirectoryService", Filters: []Filter{
		f("productFamily", "AWS Directory Service"),
		f("directoryType", "Microsoft AD"),
		f("directorySize", edition),
	}, Units: hours, Multiplier: 2, Why: "priced per domain controller, a directory runs two"}
}

// auroraInstance is a provisioned Aurora PostgreSQL instance on Aurora Standard. [infracost]
// rds_cluster_instance.go: AmazonRDS, Database Instance, instanceType, databaseEngine, usage type
// InstanceUsage:<class> (I/O-Optimized is InstanceUsageIOOptimized:<class>).
func auroraInstance(class string) Query {
	return Query{ServiceCode: "AmazonRDS", Filters: []Filter{
		f("productFamily", "Database Instance"),
		f("instanceType", class),
		f("databaseEngine", "Aurora PostgreSQL"),
	}, UsageType: "InstanceUsage:" + class, Units: hours}
}

// appStream is an AppStream 2.0 instance. [euc]: AmazonAppStream, instanceType, instanceFunction
// Fleet (single-session; MultiSessionFleet, ElasticFleet, ImageBuilder, AppBlockBuilder are
// others), operatingSystem Windows (license included; Windows BYOL, Amazon Linux, Red Hat
// Enterprise Linux, Rocky Linux, Ubuntu Pro are others), and the stopped-instance fee of
// on-demand fleets is instanceFunction StoppedFleetInstance, one price for every instance type.
func appStream(typ string, rest []string) (Query, error) {
	fleet := func(osName string) Query {
		return Query{ServiceCode: "AmazonAppStream", Filters: []Filter{
			f("instanceType", typ),
			f("instanceFunction", "Fleet"),
			f("operatingSystem", osName),
		}, Units: hours}
	}
	switch {
	case len(rest) == 0:
		return fleet("Windows"), nil
	case len(rest) == 1 && rest[0] == "linux":
		return fleet("Amazon Linux"), nil
	case len(rest) == 1 && rest[0] == "stopped":
		return Query{ServiceCode: "AmazonAppStream", Filters: []Filter{
			f("instanceFunction", "StoppedFleetInstance"),
		}, Units: hours}, nil
	}
	return Query{}, fmt.Errorf("item appstream:%s:%s: no Price List query is known for it", typ, strings.Join(rest, ":"))
}
