package pricelist

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"
)

// awsCLIExample is a GetProducts PriceList entry verbatim, from AWS's example of the call
// (aws/aws-cli, awscli/examples/pricing/get-products.rst: `aws pricing get-products --filters
// file://filters.json --format-version aws_v1 --max-results 1 --service-code AmazonEC2`; botocore's
// botocore/data/pricing/2017-10-15/examples-1.json has the same shape for Canada). The fixtures
// below are built in its shape: product.productFamily, product.attributes, product.sku,
// serviceCode, terms.OnDemand.<sku>.<offerTermCode>.priceDimensions.<rateCode> with unit,
// beginRange, endRange, description, appliesTo and pricePerUnit.USD, then sku, effectiveDate,
// offerTermCode and termAttributes; version and publicationDate. The EC2 attribute set follows
// AWS's Get-PLSProduct example (docs.aws.amazon.com/code-library, powershell_4_pricing_code_examples),
// with regionCode, capacitystatus and marketoption, which current products carry.
const awsCLIExample = `{"product":{"productFamily":"Storage","attributes":{"storageMedia":"SSD-backed","maxThroughputvolume":"320 MB/sec","volumeType":"Provisioned IOPS","maxIopsvolume":"20000","servicecode":"AmazonEC2","usagetype":"APS1-EBS:VolumeUsage.piops","locationType":"AWS Region","location":"Asia Pacific (Singapore)","servicename":"Amazon Elastic Compute Cloud","maxVolumeSize":"16 TiB","operation":""},"sku":"3MKHN58N7RDDVGKJ"},"serviceCode":"AmazonEC2","terms":{"OnDemand":{"3MKHN58N7RDDVGKJ.JRTCKXETXF":{"priceDimensions":{"3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7":{"unit":"GB-Mo","endRange":"Inf","description":"$0.138 per GB-month of Provisioned IOPS SSD (io1)  provisioned storage - Asia Pacific (Singapore)","appliesTo":[],"rateCode":"3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7","beginRange":"0","pricePerUnit":{"USD":"0.1380000000"}}},"sku":"3MKHN58N7RDDVGKJ","effectiveDate":"2018-08-01T00:00:00Z","offerTermCode":"JRTCKXETXF","termAttributes":{}}}},"version":"20180808005701","publicationDate":"2018-08-08T00:57:01Z"}`

// tier is one price dimension: from begin to end (Inf) at usd per unit.
type tier struct{ begin, end, usd, unit string }

func flat(usd, unit string) []tier { return []tier{{"0", "Inf", usd, unit}} }

// fixture is one product of the Price List.
type fixture struct {
	sku, service, family string
	attrs                map[string]string
	tiers                []tier
	effective            string // effectiveDate; 2025-03-01 when empty
	reserved             bool   // also a Reserved term, which the refresher ignores
	reservedOnly         bool   // no OnDemand term
}

// The tier codes of a term's price dimensions; 6YS6EN2CT7 is the on-demand first tier.
var tierCodes = []string{"6YS6EN2CT7", "PGHJ3S3EYE", "QE4R8JCZ2C", "7WGNUJ4MDR", "Q7UJUT2CE6"}

// doc is the fixture as a PriceList entry.
func (x fixture) doc() string {
	attrs := map[string]string{"servicecode": x.service, "locationType": "AWS Region"}
	for k, v := range x.attrs {
		attrs[k] = v
	}
	effective := x.effective
	if effective == "" {
		effective = "2025-03-01T00:00:00Z"
	}
	dims := map[string]any{}
	for i, t := range x.tiers {
		rate := x.sku + ".JRTCKXETXF." + tierCodes[i]
		dims[rate] = map[string]any{
			"unit": t.unit, "endRange": t.end, "beginRange": t.begin, "appliesTo": []string{},
			"description": fmt.Sprintf("$%s per %s (%s to %s)", t.usd, t.unit, t.begin, t.end),
			"rateCode":    rate, "pricePerUnit": map[string]string{"USD": t.usd},
		}
	}
	terms := map[string]any{"OnDemand": map[string]any{
		x.sku + ".JRTCKXETXF": map[string]any{
			"priceDimensions": dims, "sku": x.sku, "effectiveDate": effective,
			"offerTermCode": "JRTCKXETXF", "termAttributes": map[string]string{},
		},
	}}
	if x.reservedOnly {
		terms["OnDemand"] = map[string]any{}
	}
	if x.reserved || x.reservedOnly {
		terms["Reserved"] = map[string]any{
			x.sku + ".4NA7Y494T4": map[string]any{
				"priceDimensions": map[string]any{x.sku + ".4NA7Y494T4.6YS6EN2CT7": map[string]any{
					"unit": "Hrs", "endRange": "Inf", "beginRange": "0", "appliesTo": []string{},
					"description": "reserved", "rateCode": x.sku + ".4NA7Y494T4.6YS6EN2CT7",
					"pricePerUnit": map[string]string{"USD": "0.0010000000"},
				}},
				"sku": x.sku, "effectiveDate": "2025-01-01T00:00:00Z", "offerTermCode": "4NA7Y494T4",
				"termAttributes": map[string]string{"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"},
			},
		}
	}
	out, err := json.Marshal(map[string]any{
		"product":     map[string]any{"productFamily": x.family, "attributes": attrs, "sku": x.sku},
		"serviceCode": x.service, "terms": terms,
		"version": "20250301000000", "publicationDate": "2025-03-01T00:00:00Z",
	})
	if err != nil {
		panic(err)
	}
	return string(out)
}

// fakePricing answers GetProducts from PriceList entries as the Price List API does: the products
// of the service code whose fields equal every TERM_MATCH filter (productFamily is the product's,
// every other field an attribute, a product without the attribute does not match), pageSize at a
// time behind a NextToken. It records the calls.
type fakePricing struct {
	docs     []string
	pageSize int
	calls    []pricing.GetProductsInput
	err      error  // returned by every call
	loop     bool   // answer every call with the same NextToken
	tokens   string // the tokens it handed out, for the test
}

func newFake(fixtures ...fixture) *fakePricing {
	f := &fakePricing{pageSize: 100}
	for _, x := range fixtures {
		f.docs = append(f.docs, x.doc())
	}
	return f
}

func (f *fakePricing) GetProducts(_ context.Context, in *pricing.GetProductsInput, _ ...func(*pricing.Options)) (*pricing.GetProductsOutput, error) {
	f.calls = append(f.calls, *in)
	if f.err != nil {
		return nil, f.err
	}
	if aws.ToString(in.ServiceCode) == "" {
		return nil, fmt.Errorf("fake: no ServiceCode")
	}
	var matched []string
	for _, raw := range f.docs {
		ok, err := termMatch(raw, aws.ToString(in.ServiceCode), in.Filters)
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, raw)
		}
	}
	start := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil || n <= 0 || n > len(matched) {
			return nil, fmt.Errorf("fake: NextToken %q was not handed out", tok)
		}
		start = n
	}
	size := f.pageSize
	if in.MaxResults != nil && int(*in.MaxResults) < size {
		size = int(*in.MaxResults)
	}
	end := min(start+size, len(matched))
	out := &pricing.GetProductsOutput{FormatVersion: aws.String("aws_v1"), PriceList: matched[start:end]}
	if f.loop {
		out.NextToken = aws.String("page-1")
	} else if end < len(matched) {
		out.NextToken = aws.String(fmt.Sprintf("page-%d", end))
	}
	f.tokens += aws.ToString(out.NextToken) + " "
	return out, nil
}

func termMatch(raw, service string, filters []types.Filter) (bool, error) {
	var d struct {
		Product struct {
			ProductFamily string            `json:"productFamily"`
			Attributes    map[string]string `json:"attributes"`
		} `json:"product"`
		ServiceCode string `json:"serviceCode"`
	}
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return false, err
	}
	if d.ServiceCode != service {
		return false, nil
	}
	for _, flt := range filters {
		if flt.Type != types.FilterTypeTermMatch {
			return false, fmt.Errorf("fake: filter type %q, only TERM_MATCH is used", flt.Type)
		}
		field, value := aws.ToString(flt.Field), aws.ToString(flt.Value)
		got, ok := d.Product.Attributes[field]
		if field == "productFamily" {
			got, ok = d.Product.ProductFamily, d.Product.ProductFamily != ""
		}
		if !ok || got != value {
			return false, nil
		}
	}
	return true, nil
}

// ec2 is an EC2 instance product in us-east-1 (BoxUsage unprefixed there) or another region.
func ec2(sku, region, prefix, typ, os, usd string, change map[string]string) fixture {
	operation := map[string]string{"Linux": "RunInstances", "Windows": "RunInstances:0002"}[os]
	attrs := map[string]string{
		"regionCode": region, "location": "US East (N. Virginia)", "instanceType": typ,
		"instanceFamily": "General purpose", "vcpu": "2", "memory": "4 GiB", "storage": "EBS only",
		"operatingSystem": os, "tenancy": "Shared", "preInstalledSw": "NA",
		"licenseModel": "No License required", "capacitystatus": "Used", "marketoption": "OnDemand",
		"usagetype": prefix + "BoxUsage:" + typ, "operation": operation, "currentGeneration": "Yes",
		"processorArchitecture": "64-bit", "servicename": "Amazon Elastic Compute Cloud",
	}
	for k, v := range change {
		attrs[k] = v
	}
	return fixture{sku: sku, service: "AmazonEC2", family: "Compute Instance", attrs: attrs, tiers: flat(usd, "Hrs"), reserved: true}
}

// p is a product in a region with attributes given as pairs.
func p(sku, service, family, region string, tiers []tier, kv ...string) fixture {
	attrs := map[string]string{"regionCode": region}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	return fixture{sku: sku, service: service, family: family, attrs: attrs, tiers: tiers}
}

const use1 = "us-east-1"

// catalog is a Price List of every item the refresher knows in us-east-1 (and a few in
// eu-west-1), with the products that sit next to them and must not be taken for them.
func catalog() []fixture {
	return []fixture{
		// EC2 instances, and what shares their attributes.
		ec2("T3MLINUXUSE1AAAA", use1, "", "t3.medium", "Linux", "0.0416000000", nil),
		ec2("T3MWINUSE1AAAAAA", use1, "", "t3.medium", "Windows", "0.0600000000", nil),
		ec2("T3MWINBYOLAAAAAA", use1, "", "t3.medium", "Windows", "0.0416000000", map[string]string{"licenseModel": "Bring your own license"}),
		ec2("T3MWINSQLSTDAAAA", use1, "", "t3.medium", "Windows", "0.1200000000", map[string]string{"preInstalledSw": "SQL Std", "operation": "RunInstances:0006"}),
		ec2("T3MLINUXDEDAAAAA", use1, "", "t3.medium", "Linux", "0.0458000000", map[string]string{"tenancy": "Dedicated", "usagetype": "DedicatedUsage:t3.medium"}),
		ec2("T3MLINUXUNUSEDAA", use1, "", "t3.medium", "Linux", "0.0416000000", map[string]string{"capacitystatus": "UnusedCapacityReservation", "usagetype": "Reservation:t3.medium"}),
		ec2("T3MLINUXCAPBLOCK", use1, "", "t3.medium", "Linux", "0.0300000000", map[string]string{"marketoption": "CapacityBlock"}),
		ec2("M6ILLINUXUSE1AAA", use1, "", "m6i.large", "Linux", "0.0960000000", nil),
		ec2("T3MLINUXEUW1AAAA", "eu-west-1", "EU-", "t3.medium", "Linux", "0.0456000000", map[string]string{"location": "EU (Ireland)"}),

		// EBS.
		p("GP3USE1AAAAAAAAA", "AmazonEC2", "Storage", use1, flat("0.0800000000", "GB-Mo"), "volumeApiName", "gp3", "volumeType", "General Purpose", "usagetype", "EBS:VolumeUsage.gp3"),
		p("GP2USE1AAAAAAAAA", "AmazonEC2", "Storage", use1, flat("0.1000000000", "GB-Mo"), "volumeApiName", "gp2", "volumeType", "General Purpose", "usagetype", "EBS:VolumeUsage.gp2"),
		p("GP3EUW1AAAAAAAAA", "AmazonEC2", "Storage", "eu-west-1", flat("0.0880000000", "GB-Mo"), "volumeApiName", "gp3", "usagetype", "EU-EBS:VolumeUsage.gp3"),
		p("GP3IOPSUSE1AAAAA", "AmazonEC2", "System Operation", use1, flat("0.0050000000", "IOPS-Mo"), "volumeApiName", "gp3", "usagetype", "EBS:VolumeP-IOPS.gp3"),

		// NAT gateways: zonal, regional and on Outposts share the family.
		p("NATHOURSUSE1AAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.0450000000", "Hrs"), "usagetype", "NatGateway-Hours", "operation", "NatGateway", "group", "NGW:NatGateway"),
		p("NATBYTESUSE1AAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.0450000000", "GB"), "usagetype", "NatGateway-Bytes", "operation", "NatGateway", "group", "NGW:NatGateway"),
		p("NATREGHOURSAAAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.0600000000", "Hrs"), "usagetype", "RegionalNatGateway-Hours", "operation", "NatGateway"),
		p("NATOUTPOSTSAAAAA", "AmazonEC2", "NAT Gateway", use1, flat("0.9000000000", "Hrs"), "usagetype", "USE1-Outposts-NatGateway-Hours", "operation", "NatGateway"),
		p("NATHOURSEUW1AAAA", "AmazonEC2", "NAT Gateway", "eu-west-1", flat("0.0480000000", "Hrs"), "usagetype", "EU-NatGateway-Hours"),

		// Interface endpoints; data processed is tiered.
		p("VPCEHOURSUSE1AAA", "AmazonVPC", "VpcEndpoint", use1, flat("0.0100000000", "Hrs"), "usagetype", "USE1-VpcEndpoint-Hours", "operation", "VpcEndpoint"),
		p("VPCEBYTESUSE1AAA", "AmazonVPC", "VpcEndpoint", use1, []tier{
			{"0", "1048576", "0.0100000000", "GB"}, {"1048576", "5242880", "0.0060000000", "GB"}, {"5242880", "Inf", "0.0040000000", "GB"},
		}, "usagetype", "USE1-VpcEndpoint-Bytes", "operation", "VpcEndpoint"),
		p("VPCEGWLBHOURSAAA", "AmazonVPC", "VpcEndpoint", use1, flat("0.0125000000", "Hrs"), "usagetype", "USE1-VpcEndpoint-GWLBE-Hours", "operation", "VpcEndpoint"),

		// Public IPv4.
		p("IPV4INUSEUSE1AAA", "AmazonVPC", "VPC Public IPv4 Address", use1, flat("0.0050000000", "Hrs"), "group", "VPCPublicIPv4Address", "usagetype", "USE1-PublicIPv4:InUseAddress"),
		p("IPV4IDLEUSE1AAAA", "AmazonVPC", "VPC Public IPv4 Address", use1, flat("0.0060000000", "Hrs"), "group", "VPCPublicIPv4Address", "usagetype", "USE1-PublicIPv4:IdleAddress"),

		// Load balancers; the trust store looks like a region prefix without the region's table.
		p("ALBHOURSUSE1AAAA", "AWSELB", "Load Balancer-Application", use1, flat("0.0225000000", "Hrs"), "usagetype", "LoadBalancerUsage", "operation", "LoadBalancing:Application"),
		p("ALBLCUUSE1AAAAAA", "AWSELB", "Load Balancer-Application", use1, flat("0.0080000000", "LCU-Hrs"), "usagetype", "LCUUsage", "operation", "LoadBalancing:Application"),
		p("ALBTRUSTSTOREAAA", "AWSELB", "Load Balancer-Application", use1, flat("0.0056000000", "Hrs"), "usagetype", "TS-LoadBalancerUsage", "operation", "LoadBalancing:Application"),
		p("NLBHOURSUSE1AAAA", "AWSELB", "Load Balancer-Network", use1, flat("0.0225000000", "Hrs"), "usagetype", "LoadBalancerUsage", "operation", "LoadBalancing:Network"),
		p("NLBNLCUUSE1AAAAA", "AWSELB", "Load Balancer-Network", use1, flat("0.0060000000", "LCU-Hrs"), "usagetype", "LCUUsage", "operation", "LoadBalancing:Network"),
		p("GWLBHOURSUSE1AAA", "AWSELB", "Load Balancer-Gateway", use1, flat("0.0125000000", "Hrs"), "usagetype", "LoadBalancerUsage", "operation", "LoadBalancing:Gateway"),

		// Network Firewall.
		p("NFWENDPOINTUSE1A", "AWSNetworkFirewall", "AWS Firewall", use1, flat("0.3950000000", "Hrs"), "usagetype", "USE1-Endpoint-Hour"),
		p("NFWTRAFFICUSE1AA", "AWSNetworkFirewall", "AWS Firewall", use1, flat("0.0650000000", "GB"), "usagetype", "USE1-Traffic-GB-Processed"),
		p("NFWSECONDARYAAAA", "AWSNetworkFirewall", "AWS Firewall", use1, flat("0.1000000000", "Hrs"), "usagetype", "USE1-Secondary-Endpoint-Hour"),

		// Transit gateway: the attachment kinds are told apart by operation only.
		p("TGWVPCHOURSUSE1A", "AmazonVPC", "", use1, flat("0.0500000000", "Hrs"), "usagetype", "USE1-TransitGateway-Hours", "operation", "TransitGatewayVPC"),
		p("TGWVPCBYTESUSE1A", "AmazonVPC", "", use1, flat("0.0200000000", "GB"), "usagetype", "USE1-TransitGateway-Bytes", "operation", "TransitGatewayVPC"),
		p("TGWVPNHOURSUSE1A", "AmazonVPC", "", use1, flat("0.0550000000", "Hrs"), "usagetype", "USE1-TransitGateway-Hours", "operation", "TransitGatewayVPN"),

		// Aurora PostgreSQL, Aurora Standard; I/O-Optimized and Aurora MySQL beside it.
		p("AURPGR6GLUSE1AAA", "AmazonRDS", "Database Instance", use1, flat("0.2600000000", "Hrs"), "instanceType", "db.r6g.large", "databaseEngine", "Aurora PostgreSQL", "deploymentOption", "Single-AZ", "usagetype", "InstanceUsage:db.r6g.large"),
		p("AURPGR6GLIOOPTAA", "AmazonRDS", "Database Instance", use1, flat("0.3380000000", "Hrs"), "instanceType", "db.r6g.large", "databaseEngine", "Aurora PostgreSQL", "deploymentOption", "Single-AZ", "usagetype", "InstanceUsageIOOptimized:db.r6g.large"),
		p("AURMYR6GLUSE1AAA", "AmazonRDS", "Database Instance", use1, flat("0.2900000000", "Hrs"), "instanceType", "db.r6g.large", "databaseEngine", "Aurora MySQL", "usagetype", "InstanceUsage:db.r6g.large"),
		p("AURPGSV2USE1AAAA", "AmazonRDS", "ServerlessV2", use1, flat("0.1200000000", "ACU-Hr"), "databaseEngine", "Aurora PostgreSQL", "usagetype", "Aurora:ServerlessV2Usage"),
		p("AURPGSV2IOOPTAAA", "AmazonRDS", "ServerlessV2", use1, flat("0.1560000000", "ACU-Hr"), "databaseEngine", "Aurora PostgreSQL", "usagetype", "Aurora:ServerlessV2IOOptimizedUsage"),
		p("AURPGSTORAGEAAAA", "AmazonRDS", "Database Storage", use1, flat("0.1000000000", "GB-Mo"), "databaseEngine", "Aurora PostgreSQL", "usagetype", "Aurora:StorageUsage"),
		p("AURPGSTORIOOPTAA", "AmazonRDS", "Database Storage", use1, flat("0.2250000000", "GB-Mo"), "databaseEngine", "Aurora PostgreSQL", "usagetype", "Aurora:IOOptimizedStorageUsage"),
		p("AURPGIOUSE1AAAAA", "AmazonRDS", "System Operation", use1, flat("0.0000002000", "IOs"), "databaseEngine", "Aurora PostgreSQL", "group", "Aurora I/O Operation", "usagetype", "Aurora:StorageIOUsage"),

		// AppStream.
		p("ASSTDMEDWINAAAAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.1000000000", "Hrs"), "instanceType", "stream.standard.medium", "instanceFunction", "Fleet", "operatingSystem", "Windows", "usagetype", "USE1-stream.standard.medium-Windows"),
		p("ASSTDMEDBYOLAAAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.0900000000", "Hrs"), "instanceType", "stream.standard.medium", "instanceFunction", "Fleet", "operatingSystem", "Windows BYOL"),
		p("ASSTDMEDLINUXAAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.0750000000", "Hrs"), "instanceType", "stream.standard.medium", "instanceFunction", "Fleet", "operatingSystem", "Amazon Linux"),
		p("ASSTDMEDMULTIAAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.1100000000", "Hrs"), "instanceType", "stream.standard.medium", "instanceFunction", "MultiSessionFleet", "operatingSystem", "Windows"),
		p("ASSTDMEDIMGBLDAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.1000000000", "Hrs"), "instanceType", "stream.standard.medium", "instanceFunction", "ImageBuilder", "operatingSystem", "Windows"),
		p("ASGFXG4DNXLWINAA", "AmazonAppStream", "Streaming Instance", use1, flat("0.8200000000", "Hrs"), "instanceType", "stream.graphics.g4dn.xlarge", "instanceFunction", "Fleet", "operatingSystem", "Windows"),
		p("ASSTOPPEDUSE1AAA", "AmazonAppStream", "Stopped Instance", use1, flat("0.0250000000", "Hrs"), "instanceFunction", "StoppedFleetInstance", "usagetype", "USE1-StoppedInstance"),
		p("ASUSERFEEUSE1AAA", "AmazonAppStream", "User Fees", use1, flat("4.1900000000", "user"), "usagetype", "USE1-WindowsUserFee", "operation", "RDS CAL"),
		p("ASUSERFEEMULTIAA", "AmazonAppStream", "User Fees", use1, flat("6.4200000000", "user"), "usagetype", "USE1-WindowsUserFee-Multi-Session", "operation", "RDS CAL"),
		p("ASUSERFEEMULTADD", "AmazonAppStream", "User Fees", use1, flat("2.2300000000", "user"), "usagetype", "USE1-WindowsUserFee-Multi-Session-Additional", "operation", "RDS CAL"),

		// Directory Service: per domain controller and hour.
		p("DSMSADSTDUSE1AAA", "AWSDirectoryService", "AWS Directory Service", use1, flat("0.0600000000", "Hrs"), "directoryType", "Microsoft AD", "directorySize", "Standard"),
		p("DSMSADENTUSE1AAA", "AWSDirectoryService", "AWS Directory Service", use1, flat("0.2000000000", "Hrs"), "directoryType", "Microsoft AD", "directorySize", "Enterprise"),
		p("DSSHAREDSTDAAAAA", "AWSDirectoryService", "AWS Directory Service", use1, flat("0.0150000000", "Hrs"), "directoryType", "Shared Microsoft AD", "directorySize", "Standard"),
		p("DSSIMPLESMALLAAA", "AWSDirectoryService", "AWS Directory Service", use1, flat("0.0250000000", "Hrs"), "directoryType", "Simple AD", "directorySize", "Small"),

		// CloudWatch; the free tier of metrics and alarms is a Global- product.
		p("CWLOGSINGESTAAAA", "AmazonCloudWatch", "Data Payload", use1, flat("0.5000000000", "GB"), "usagetype", "USE1-DataProcessing-Bytes", "operation", "PutLogEvents"),
		p("CWLOGSINGESTIAAA", "AmazonCloudWatch", "Data Payload", use1, flat("0.2500000000", "GB"), "usagetype", "USE1-DataProcessingIA-Bytes", "operation", "PutLogEvents"),
		p("CWVENDEDUSE1AAAA", "AmazonCloudWatch", "Data Payload", use1, []tier{
			{"0", "10240", "0.5000000000", "GB"}, {"10240", "30720", "0.2500000000", "GB"}, {"30720", "51200", "0.1000000000", "GB"}, {"51200", "Inf", "0.0500000000", "GB"},
		}, "usagetype", "USE1-VendedLog-Bytes", "operation", "PutLogEvents"),
		p("CWVENDEDWAFUSE1A", "AmazonCloudWatch", "Data Payload", use1, flat("0.7500000000", "GB"), "usagetype", "USE1-VendedLog-Bytes-WAFLogs"),
		p("CWLOGSSTORAGEAAA", "AmazonCloudWatch", "Storage Snapshot", use1, flat("0.0300000000", "GB-Mo"), "usagetype", "USE1-TimedStorage-ByteHrs"),
		p("CWALARMUSE1AAAAA", "AmazonCloudWatch", "Alarm", use1, flat("0.1000000000", "Alarms"), "usagetype", "USE1-CW:AlarmMonitorUsage", "alarmType", "Standard"),
		p("CWALARMHIRESAAAA", "AmazonCloudWatch", "Alarm", use1, flat("0.3000000000", "Alarms"), "usagetype", "USE1-CW:HighResAlarmMonitorUsage", "alarmType", "High Resolution"),
		p("CWALARMFREEAAAAA", "AmazonCloudWatch", "Alarm", use1, []tier{{"0", "10", "0.0000000000", "Alarms"}}, "usagetype", "Global-CW:AlarmMonitorUsage"),
		p("CWMETRICUSE1AAAA", "AmazonCloudWatch", "Metric", use1, []tier{
			{"0", "10000", "0.3000000000", "Metrics"}, {"10000", "250000", "0.1000000000", "Metrics"}, {"250000", "1000000", "0.0500000000", "Metrics"}, {"1000000", "Inf", "0.0200000000", "Metrics"},
		}, "usagetype", "USE1-CW:MetricMonitorUsage", "group", "Metric"),
		// Vended logs delivered to S3: the same price under two operations.
		p("CWS3EGRESSFLOWAA", "AmazonCloudWatch", "Data Payload", use1, []tier{
			{"0", "10240", "0.2500000000", "GB"}, {"10240", "Inf", "0.1500000000", "GB"},
		}, "usagetype", "USE1-S3-Egress-Bytes", "operation", "FlowLogs"),
		p("CWS3EGRESSNFWAAA", "AmazonCloudWatch", "Data Payload", use1, []tier{
			{"0", "10240", "0.2500000000", "GB"}, {"10240", "Inf", "0.1500000000", "GB"},
		}, "usagetype", "USE1-S3-Egress-Bytes", "operation", "NetworkFirewallLogs"),

		// S3: Standard is tiered.
		p("S3STANDARDUSE1AA", "AmazonS3", "Storage", use1, []tier{
			{"0", "51200", "0.0230000000", "GB-Mo"}, {"51200", "512000", "0.0220000000", "GB-Mo"}, {"512000", "Inf", "0.0210000000", "GB-Mo"},
		}, "storageClass", "General Purpose", "volumeType", "Standard", "usagetype", "TimedStorage-ByteHrs"),
		p("S3STANDARDIAUSE1", "AmazonS3", "Storage", use1, flat("0.0125000000", "GB-Mo"), "storageClass", "Infrequent Access", "usagetype", "TimedStorage-SIA-ByteHrs"),
		p("S3GLACIERUSE1AAA", "AmazonS3", "Storage", use1, flat("0.0036000000", "GB-Mo"), "storageClass", "Archive", "volumeType", "Amazon Glacier", "usagetype", "TimedStorage-GlacierByteHrs"),

		// Config.
		p("CFGITEMUSE1AAAAA", "AWSConfig", "Management Tools - AWS Config", use1, flat("0.0030000000", "ConfigurationItemRecorded"), "usagetype", "USE1-ConfigurationItemRecorded"),
		p("CFGITEMDAILYAAAA", "AWSConfig", "Management Tools - AWS Config", use1, flat("0.0120000000", "ConfigurationItemRecorded"), "usagetype", "USE1-ConfigurationItemRecordedDaily"),
		p("CFGRULESUSE1AAAA", "AWSConfig", "Management Tools - AWS Config Rules", use1, []tier{
			{"0", "100000", "0.0010000000", "ConfigRuleEvaluations"}, {"100000", "500000", "0.0008000000", "ConfigRuleEvaluations"}, {"500000", "Inf", "0.0005000000", "ConfigRuleEvaluations"},
		}, "usagetype", "USE1-ConfigRuleEvaluations"),

		// CloudTrail.
		p("CTDATAEVENTSAAAA", "AWSCloudTrail", "Management Tools - AWS CloudTrail Data Events Recorded", use1, flat("0.0000010000", "Events"), "usagetype", "USE1-DataEventsRecorded"),
		p("CTPAIDEVENTSAAAA", "AWSCloudTrail", "Management Tools - AWS CloudTrail Paid Events Recorded", use1, flat("0.0000200000", "Events"), "usagetype", "USE1-PaidEventsRecorded"),

		// KMS (its usage types start with the region code) and Secrets Manager.
		p("KMSKEYSUSE1AAAAA", "awskms", "Encryption Key", use1, flat("1.0000000000", "Keys"), "usagetype", "us-east-1-KMS-Keys"),
		p("KMSREQUSE1AAAAAA", "awskms", "", use1, []tier{
			{"0", "20000", "0.0000000000", "Requests"}, {"20000", "Inf", "0.0000030000", "Requests"},
		}, "usagetype", "us-east-1-KMS-Requests"),
		p("KMSREQASYMAAAAAA", "awskms", "", use1, flat("0.0000150000", "Requests"), "usagetype", "us-east-1-KMS-Requests-Asymmetric"),
		p("SMSECRETUSE1AAAA", "AWSSecretsManager", "Secret", use1, flat("0.4000000000", "Secrets"), "usagetype", "USE1-AWSSecretsManager-Secrets"),
		p("SMAPIUSE1AAAAAAA", "AWSSecretsManager", "API Request", use1, flat("0.0000050000", "API Requests"), "usagetype", "USE1-AWSSecretsManager-APIRequest"),

		// Lambda.
		p("LAMBDAARMGBSAAAA", "AWSLambda", "Serverless", use1, []tier{
			{"0", "7500000000", "0.0000133334", "Lambda-GB-Second"}, {"7500000000", "18750000000", "0.0000120001", "Lambda-GB-Second"}, {"18750000000", "Inf", "0.0000106667", "Lambda-GB-Second"},
		}, "group", "AWS-Lambda-Duration-ARM", "usagetype", "Lambda-GB-Second-ARM"),
		p("LAMBDAX86GBSAAAA", "AWSLambda", "Serverless", use1, []tier{
			{"0", "6000000000", "0.0000166667", "Lambda-GB-Second"}, {"6000000000", "Inf", "0.0000150000", "Lambda-GB-Second"},
		}, "group", "AWS-Lambda-Duration", "usagetype", "Lambda-GB-Second"),
		p("LAMBDAREQUSE1AAA", "AWSLambda", "Serverless", use1, flat("0.0000002000", "Requests"), "group", "AWS-Lambda-Requests", "usagetype", "Request"),
		p("LAMBDAREQARMAAAA", "AWSLambda", "Serverless", use1, flat("0.0000002000", "Requests"), "group", "AWS-Lambda-Requests-ARM", "usagetype", "Request-ARM"),

		// SNS: the first million requests are free.
		p("SNSREQUSE1AAAAAA", "AmazonSNS", "API Request", use1, []tier{
			{"0", "1000000", "0.0000000000", "Requests"}, {"1000000", "Inf", "0.0000005000", "Requests"},
		}, "usagetype", "USE1-Requests-Tier1"),

		// EventBridge: custom and partner events share the usage type.
		p("EBCUSTOMUSE1AAAA", "AWSEvents", "EventBridge", use1, flat("0.0000010000", "Events"), "eventType", "Custom Event", "usagetype", "USE1-Event-64K-Chunks"),
		p("EBPARTNERUSE1AAA", "AWSEvents", "EventBridge", use1, flat("0.0000020000", "Events"), "eventType", "Partner Event", "usagetype", "USE1-Event-64K-Chunks"),

		// DynamoDB: storage's first 25 GB are free.
		p("DDBWRUUSE1AAAAAA", "AmazonDynamoDB", "Amazon DynamoDB PayPerRequest Throughput", use1, flat("0.0000006250", "WriteRequestUnits"), "group", "DDB-WriteUnits", "usagetype", "WriteRequestUnits"),
		p("DDBRRUUSE1AAAAAA", "AmazonDynamoDB", "Amazon DynamoDB PayPerRequest Throughput", use1, flat("0.0000001250", "ReadRequestUnits"), "group", "DDB-ReadUnits", "usagetype", "ReadRequestUnits"),
		p("DDBIAWRUUSE1AAAA", "AmazonDynamoDB", "Amazon DynamoDB PayPerRequest Throughput", use1, flat("0.0000007800", "WriteRequestUnits"), "group", "DDB-WriteUnits", "usagetype", "IA-WriteRequestUnits"),
		p("DDBSTORAGEUSE1AA", "AmazonDynamoDB", "Database Storage", use1, []tier{
			{"0", "25", "0.0000000000", "GB-Mo"}, {"25", "Inf", "0.2500000000", "GB-Mo"},
		}, "volumeType", "Amazon DynamoDB - Indexed DataStore", "usagetype", "TimedStorage-ByteHrs"),
		p("DDBIASTORAGEUSE1", "AmazonDynamoDB", "Database Storage", use1, flat("0.1000000000", "GB-Mo"), "usagetype", "IA-TimedStorage-ByteHrs"),

		// Data transfer out to the internet, from the region: fromRegionCode, not regionCode.
		{sku: "DTOUTUSE1AAAAAAA", service: "AWSDataTransfer", family: "Data Transfer", attrs: map[string]string{
			"fromRegionCode": use1, "fromLocation": "US East (N. Virginia)", "toLocation": "External", "transferType": "AWS Outbound", "usagetype": "USE1-DataTransfer-Out-Bytes",
		}, tiers: []tier{{"0", "10240", "0.0900000000", "GB"}, {"10240", "51200", "0.0850000000", "GB"}, {"51200", "153600", "0.0700000000", "GB"}, {"153600", "Inf", "0.0500000000", "GB"}}},
		{sku: "DTREGIONALUSE1AA", service: "AWSDataTransfer", family: "Data Transfer", attrs: map[string]string{
			"fromRegionCode": use1, "toRegionCode": use1, "transferType": "IntraRegion", "usagetype": "USE1-DataTransfer-Regional-Bytes",
		}, tiers: flat("0.0100000000", "GB")},
	}
}
