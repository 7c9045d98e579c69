package config

import (
	"strings"
)

// BrokerDeployValues are the deploy-time values in the brokers' user data. At synth they are CDK
// tokens (as strings); validation passes placeholders of their longest length to budget EC2's limit.
type BrokerDeployValues struct {
	// DatabaseParameter is the name of the SSM parameter that tells brokers where the database is.
	DatabaseParameter string
	// WorkstationSecurityGroup is the ID of the workstations' security group.
	WorkstationSecurityGroup string
	// PoolScalerFunction is the name of the pool scaler's Lambda function.
	PoolScalerFunction string
	// LaunchTemplates are the IDs of the pools' launch templates, by pool name.
	LaunchTemplates map[string]string
}

// BrokerUserData is the commands of the brokers' user data of an environment with access: editbay's
// own lines, which tell each broker where its database settings and workstation pools are, then
// access.broker.userData (e.g. the broker software's installer). Both the stack and the check of
// EC2's user-data limit use it, so the budget is the script deployed.
func BrokerUserData(e Environment, v BrokerDeployValues) []string {
	a := e.Access
	pools := make([]string, len(a.Pools))
	for i, p := range a.Pools {
		pools[i] = p.Name
	}
	env := []string{
		"EDITBAY_REGION=" + e.Region,
		"EDITBAY_DATABASE_PARAMETER=" + v.DatabaseParameter,
		"EDITBAY_POOLS=" + strings.Join(pools, ","),
		"EDITBAY_WORKSTATION_SECURITY_GROUP=" + v.WorkstationSecurityGroup,
		// Claims and releases go through the pool scaler, which keeps the assignments.
		"EDITBAY_POOL_SCALER_FUNCTION=" + v.PoolScalerFunction,
	}
	for _, pool := range pools {
		env = append(env, "EDITBAY_LAUNCH_TEMPLATE_"+strings.ToUpper(strings.ReplaceAll(pool, "-", "_"))+"="+v.LaunchTemplates[pool])
	}
	return append([]string{
		"install -d -m 0755 /etc/editbay",
		"cat > /etc/editbay/broker.env <<'EOF'\n" + strings.Join(env, "\n") + "\nEOF",
	}, a.Broker.UserData...)
}

// GatewayUserData is the commands of the gateways' user data: access.gateway.userData, as editbay
// adds none of its own.
func GatewayUserData(e Environment) []string { return e.Access.Gateway.UserData }
