package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
	ebc "github.com/editbay/editbay/constructs"
)

// The pool scaler runs on a schedule, one at a time, with its pools file, its table and exactly the
// permissions it calls; every pool has its below-minimum alarm; brokers may invoke it.
func TestPoolScaler(t *testing.T) {
	for _, e := range accessEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Access")
		fnID, fn := byPath(t, tpl, e.Name, "PoolScaler/Function/Function")
		p := props(fn)
		vars := at(p, "Environment", "Variables").(map[string]any)
		if p["ReservedConcurrentExecutions"] != 1.0 || p["Timeout"].(float64) >= 300 || vars["POOLS_FILE"] != "pools.json" ||
			vars["ENVIRONMENT"] != synthesized.cfg.Project+"-"+e.Name || vars["DRY_RUN"] != "false" {
			t.Errorf("%s: function %s", e.Name, asJSON(p))
		}
		if subnets := asJSON(vars["SUBNETS"]); !strings.Contains(subnets, `\"`+e.AvailabilityZones[0]+`\":\"`) {
			t.Errorf("%s: SUBNETS %s", e.Name, subnets)
		}
		tableID, table := byPath(t, tpl, e.Name, "PoolScaler/Assignments")
		if at(table, "Properties", "BillingMode") != "PAY_PER_REQUEST" || asJSON(at(table, "Properties", "KeySchema")) != `[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]` ||
			at(table, "Properties", "SSESpecification", "SSEType") != "KMS" ||
			at(table, "Properties", "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
			t.Errorf("%s: table %s", e.Name, asJSON(table))
		}
		if e.Production && table["DeletionPolicy"] != "Retain" {
			t.Errorf("%s: production assignments are not retained", e.Name)
		}
		_, rule := byPath(t, tpl, e.Name, "PoolScaler/Schedule")
		if want := map[int]string{1: "rate(1 minute)", 2: "rate(2 minutes)"}[e.Access.PoolScaler.IntervalMinutes]; props(rule)["ScheduleExpression"] != want ||
			!strings.Contains(asJSON(props(rule)["Targets"]), fnID) || at(props(rule), "Targets", 0, "RetryPolicy", "MaximumRetryAttempts") != 0.0 {
			t.Errorf("%s: schedule %s, want %s", e.Name, asJSON(rule), want)
		}

		roleID, _ := byPath(t, tpl, e.Name, "PoolScaler/Function/Role")
		st := policyStatements(tpl, roleID)
		db := statement(st, "Assignments")
		if asJSON(db["Action"]) != `["dynamodb:DeleteItem","dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query","dynamodb:TransactWriteItems","dynamodb:UpdateItem"]` ||
			!strings.Contains(asJSON(db["Resource"]), tableID) {
			t.Errorf("%s: table permissions %s", e.Name, asJSON(db))
		}
		// The workstation-management policy the brokers have: launch templates, pool tags, one role.
		for _, sid := range []string{"LaunchPoolInstances", "ManagePoolInstances", "PassWorkstationRole"} {
			if statement(st, sid) == nil {
				t.Errorf("%s: the scaler lacks %s", e.Name, sid)
			}
		}
		brokerRole, _ := byPath(t, tpl, e.Name, "Brokers/Brokers/Role")
		invoke := statement(policyStatements(tpl, brokerRole), "InvokePoolScaler")
		if at(invoke, "Action") != "lambda:InvokeFunction" || at(invoke, "Resource", "Fn::GetAtt", 0) != fnID {
			t.Errorf("%s: brokers cannot claim workstations: %s", e.Name, asJSON(invoke))
		}

		_, brokerTemplate := byPath(t, tpl, e.Name, "Brokers/Brokers/LaunchTemplate")
		if ud := asJSON(at(brokerTemplate, "Properties", "LaunchTemplateData", "UserData")); !strings.Contains(ud, "EDITBAY_POOL_SCALER_FUNCTION=") || !strings.Contains(ud, `{"Ref":"`+fnID+`"}`) {
			t.Errorf("%s: brokers are not told the pool scaler's name: %s", e.Name, ud)
		}
		for _, pool := range e.Access.Pools {
			_, alarm := byPath(t, tpl, e.Name, "PoolScaler/BelowMinimum-"+pool.Name)
			a := props(alarm)
			if a["Namespace"] != ebc.PoolsNamespace || a["MetricName"] != "BelowMinAvailable" || a["EvaluationPeriods"] != 15.0 || a["Period"] != 60.0 ||
				!strings.Contains(asJSON(a["Dimensions"]), `{"Name":"Pool","Value":"`+pool.Name+`"}`) || len(a["AlarmActions"].([]any)) != 1 {
				t.Errorf("%s %s: alarm %s", e.Name, pool.Name, asJSON(a))
			}
		}
	}
}

// The pools file in the function's package is the config's pools as the function reads them.
func TestPoolScalerFile(t *testing.T) {
	for _, e := range accessEnvs(t) {
		files, _ := filepath.Glob(filepath.Join(synthesized.dir, "asset.*", "pools.json"))
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got config.PoolScalerFile
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(f, err)
			}
			if len(got.Pools) == 0 || !strings.HasPrefix(got.Pools[0].LaunchTemplateName, synthesized.cfg.Project+"-"+e.Name+"-") {
				continue
			}
			found = true
			for i, p := range e.Access.Pools {
				want := p.ScalerSettings(synthesized.cfg.LaunchTemplateName(e, p.Name))
				if asJSON(got.Pools[i]) != asJSON(want) {
					t.Errorf("%s pool %s: %s, want %s", e.Name, p.Name, asJSON(got.Pools[i]), asJSON(want))
				}
			}
			if !slices.ContainsFunc(got.Pools, func(p config.PoolScalerSettings) bool { return len(p.InstanceTypes) > 1 }) {
				t.Errorf("%s: no pool has a fallback type; the default config should show one", e.Name)
			}
		}
		if !found {
			t.Errorf("%s: no pools.json among %v", e.Name, files)
		}
	}
}
