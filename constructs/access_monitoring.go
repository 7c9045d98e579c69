package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	elb "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AccessMonitoringProps configures AccessMonitoring.
type AccessMonitoringProps struct {
	// Topic receives every alarm. Required.
	Topic *AlarmTopic
	// Brokers, Gateways and Database are the monitored tier. Required.
	Brokers  *BrokerCluster
	Gateways *GatewayTier
	Database *BrokerDatabase
	// DashboardName names the CloudWatch dashboard. Required.
	DashboardName string
}

// AccessMonitoring is the access tier's alarms and dashboard. Alarms notify the topic when they fire
// and when they recover: load-balancer 5xx and unhealthy hosts, broker and gateway groups below their
// minimum in service, database CPU and free memory.
type AccessMonitoring struct {
	awsconstructs.Construct
	Alarms    []cw.Alarm
	Dashboard cw.Dashboard
	topic     *AlarmTopic
}

// NewAccessMonitoring creates AccessMonitoring.
func NewAccessMonitoring(scope awsconstructs.Construct, id string, props *AccessMonitoringProps) *AccessMonitoring {
	if props == nil || props.Topic == nil || props.Brokers == nil || props.Gateways == nil || props.Database == nil || props.DashboardName == "" {
		panic("NewAccessMonitoring: Topic, Brokers, Gateways, Database and DashboardName are required")
	}
	c := awsconstructs.NewConstruct(scope, &id)
	m := &AccessMonitoring{Construct: c, topic: props.Topic}
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alb := props.Brokers.LoadBalancer.Metrics()
	sum5 := &cw.MetricOptions{Period: five, Statistic: jsii.String("Sum")}

	elb5xx := alb.HttpCodeElb(elb.HttpCodeElb_ELB_5XX_COUNT, sum5)
	target5xx := alb.HttpCodeTarget(elb.HttpCodeTarget_TARGET_5XX_COUNT, sum5)
	m.alarm("BrokerLoadBalancer5xx", "The broker load balancer answered 5xx itself (no healthy broker, or brokers timing out).", elb5xx, cw.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 10, 1, cw.TreatMissingData_NOT_BREACHING)
	m.alarm("Broker5xx", "Brokers answered 5xx.", target5xx, cw.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 10, 1, cw.TreatMissingData_NOT_BREACHING)
	brokersUnhealthy := props.Brokers.TargetGroup.Metrics().UnhealthyHostCount(&cw.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum")})
	m.alarm("BrokerUnhealthyHosts", "A broker fails the load balancer's health check.", brokersUnhealthy, cw.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 3, cw.TreatMissingData_NOT_BREACHING)

	for _, g := range []struct {
		name    string
		servers *ServerGroup
	}{{"Broker", props.Brokers.Servers}, {"Gateway", props.Gateways.Servers}} {
		// No data means no group metrics, which is as bad as no servers.
		m.alarm(g.name+"sInService", fmt.Sprintf("Fewer %s instances are in service than the group's minimum of %d.", g.name, g.servers.MinCapacity),
			g.servers.MetricInService(), cw.ComparisonOperator_LESS_THAN_THRESHOLD, float64(g.servers.MinCapacity), 5, cw.TreatMissingData_BREACHING)
	}
	var gatewayUnhealthy []cw.IMetric
	for i, tg := range props.Gateways.TargetGroups {
		metric := tg.Metrics().UnHealthyHostCount(&cw.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum")})
		gatewayUnhealthy = append(gatewayUnhealthy, metric)
		m.alarm(fmt.Sprintf("GatewayUnhealthyHosts%s", *tg.Node().Id()), fmt.Sprintf("A gateway fails the health check of gateway target group %d.", i+1), metric, cw.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 3, cw.TreatMissingData_NOT_BREACHING)
	}

	db := props.Database.Cluster
	dbCPU := db.MetricCPUUtilization(&cw.MetricOptions{Period: five, Statistic: jsii.String("Average")})
	dbMemory := db.MetricFreeableMemory(&cw.MetricOptions{Period: five, Statistic: jsii.String("Minimum")})
	m.alarm("DatabaseCpu", "The broker database's CPU stayed above 80% for 15 minutes.", dbCPU, cw.ComparisonOperator_GREATER_THAN_THRESHOLD, 80, 3, cw.TreatMissingData_NOT_BREACHING)
	m.alarm("DatabaseFreeMemory", "The broker database has less than 256 MiB of freeable memory.", dbMemory, cw.ComparisonOperator_LESS_THAN_THRESHOLD, 256*1024*1024, 3, cw.TreatMissingData_NOT_BREACHING)

	m.Dashboard = cw.NewDashboard(c, jsii.String("Dashboard"), &cw.DashboardProps{DashboardName: &props.DashboardName})
	graph := func(title string, left ...cw.IMetric) cw.IWidget {
		return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: &title, Left: &left, Width: jsii.Number(8)})
	}
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(m.Alarms))
	for i, a := range m.Alarms {
		alarms[i] = a
	}
	m.Dashboard.AddWidgets(cw.NewAlarmStatusWidget(&cw.AlarmStatusWidgetProps{Title: jsii.String("Access tier alarms"), Alarms: &alarms, Width: jsii.Number(24)}))
	m.Dashboard.AddWidgets(
		graph("Broker requests and 5xx", alb.RequestCount(sum5), elb5xx, target5xx),
		graph("Broker response time (p90)", alb.TargetResponseTime(&cw.MetricOptions{Period: five, Statistic: jsii.String("p90")})),
		graph("Brokers in service and CPU", props.Brokers.Servers.MetricInService(), props.Brokers.Servers.MetricCPU(), brokersUnhealthy),
	)
	m.Dashboard.AddWidgets(
		graph("Gateways in service and CPU", props.Gateways.Servers.MetricInService(), props.Gateways.Servers.MetricCPU()),
		graph("Gateway active flows", props.Gateways.LoadBalancer.Metrics().ActiveFlowCount(&cw.MetricOptions{Period: five, Statistic: jsii.String("Average")})),
		graph("Gateway unhealthy hosts", gatewayUnhealthy...),
	)
	m.Dashboard.AddWidgets(
		graph("Database CPU", dbCPU),
		graph("Database freeable memory", dbMemory),
		graph("Database connections", db.MetricDatabaseConnections(&cw.MetricOptions{Period: five, Statistic: jsii.String("Maximum")})),
	)
	return m
}

func (m *AccessMonitoring) alarm(id, description string, metric cw.IMetric, op cw.ComparisonOperator, threshold float64, periods int, missing cw.TreatMissingData) {
	a := cw.NewAlarm(m.Construct, &id, &cw.AlarmProps{
		Metric:             metric,
		AlarmDescription:   &description,
		ComparisonOperator: op,
		Threshold:          &threshold,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		TreatMissingData:   missing,
	})
	m.topic.Notify(a)
	m.Alarms = append(m.Alarms, a)
}
