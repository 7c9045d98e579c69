package cost

import (
	"fmt"

	"github.com/editbay/editbay/config"
)

// governance adds one governed account's guardrails: the trail and its logs, Config, keys and the
// guardrail functions. The trail and identity stacks are in the home region, the Config recorder
// and guardrails in each region of the account.
func (e *estimator) governance(a config.Account) {
	m, g := e.cfg.Cost, e.cfg.Governance
	regions := float64(len(a.Regions))
	trail := float64(m.TrailGBPerMonth)
	e.add(AuditLogs, fmt.Sprintf("%g GB of trail events a month into CloudWatch Logs", trail), "cloudwatch:logs-ingest", trail, "GB")
	e.add(AuditLogs, fmt.Sprintf("kept %d days in CloudWatch Logs", g.Trail.LogRetentionDays), "cloudwatch:logs-storage",
		trail*months(g.Trail.LogRetentionDays), "GB-month")
	hot := min(g.Trail.ColdStorageAfterDays, g.Trail.ExpireAfterDays)
	e.add(AuditLogs, fmt.Sprintf("trail log files in S3 Standard for %d days", hot), "s3:standard", trail*months(hot), "GB-month")
	e.add(AuditLogs, fmt.Sprintf("then in S3 Glacier Flexible Retrieval until day %d", g.Trail.ExpireAfterDays), "s3:glacier-flexible-retrieval",
		trail*months(g.Trail.ExpireAfterDays-hot), "GB-month")
	e.add(AuditLogs, fmt.Sprintf("AWS Config: %d configuration items a month", m.ConfigItemsPerMonth), "config:configuration-item",
		float64(m.ConfigItemsPerMonth), "item")
	rules := len(g.Rules())
	e.add(AuditLogs, fmt.Sprintf("AWS Config: %d rules × %d evaluations in %g region(s)", rules, m.EvaluationsPerRule, regions),
		"config:rule-evaluation", float64(rules*m.EvaluationsPerRule)*regions, "evaluation")

	keys := 2 + regions // audit and identity, and the guardrails' in each region
	e.add(KeysSecrets, fmt.Sprintf("%g KMS keys", keys), "kms:key", keys, "key-month")

	checks := HoursPerMonth * 60 / float64(g.Remediation.RecorderCheckMinutes) * regions
	e.add(Small, fmt.Sprintf("guardrail functions: %.0f scheduled checks a month, and the events they answer", checks), "lambda:requests", checks, "requests")
	e.add(Small, "their compute: 1 s at 128 MB a check (arm64)", "lambda:arm-gb-second", checks*0.125, "GB-second")
	alarms := 12*regions + 3 // each region's four guardrail functions, and the password-policy function
	e.add(Small, fmt.Sprintf("%g CloudWatch alarms", alarms), "cloudwatch:alarm", alarms, "alarm-month")
}

// months is how many months of data are stored when each month's data is kept days.
func months(days int) float64 { return float64(days) / daysPerMonth }

// hub adds the egress hub: its attachment, firewall endpoints and NAT gateways in each hub zone, and
// every spoke's internet traffic they process.
func (e *estimator) hub(h config.EgressHub) {
	m := e.cfg.Cost
	zones := len(h.AvailabilityZones)
	spokes := e.cfg.HubSpokes()
	gb := float64(len(spokes) * m.InternetGBPerMonth)
	e.add(TransitGateway, "the inspection VPC's attachment (the spokes' attachments are theirs)", "tgw:attachment", HoursPerMonth, "hour")
	e.firewall(zones, gb)
	e.add(NatGateways, fmt.Sprintf("%d NAT gateways", zones), "vpc:nat-gateway", float64(zones)*HoursPerMonth, "hour")
	e.add(NatGateways, fmt.Sprintf("internet traffic of %d spoke(s)", len(spokes)), "vpc:nat-gateway-gb", gb, "GB")
	e.natWaiver(zones, zones, gb)
	e.add(PublicIPv4, "the NAT gateways' Elastic IPs", "vpc:public-ipv4", float64(zones)*HoursPerMonth, "hour")
	e.logs(float64(m.LogsGBPerMonth), false, h.LogRetentionDays)
	e.add(KeysSecrets, "2 KMS keys", "kms:key", 2, "key-month")
	e.add(Small, "1 CloudWatch alarm", "cloudwatch:alarm", 1, "alarm-month")
}
