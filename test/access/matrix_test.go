package access

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The access model is the README's table (section "Access model"): this test reads it, evaluates
// every row against the templates of testdata/matrix.yaml, and fails on a row whose decision differs,
// on a name it does not know, or when a principal is not both allowed and denied somewhere. The README
// and the test cannot drift apart: the table is the test's input.

const matrixAccount = "111122223333"

// matrixRow is one row of the README's table.
type matrixRow struct {
	line                           int
	number, who, action, on, given string
	want                           string // allowed, denied (explicit), denied (no allow)
}

func readmeMatrix(t *testing.T) []matrixRow {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []matrixRow
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Access model"
			continue
		}
		if !in || !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 6 || cells[0] == "#" || strings.HasPrefix(cells[0], "---") {
			continue
		}
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		rows = append(rows, matrixRow{line: n, number: cells[0], who: cells[1], action: cells[2], on: cells[3], given: cells[4], want: cells[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAccessModel(t *testing.T) {
	w := world(t)
	acct := "account-" + matrixAccount
	instanceTags := func(env, pool string) map[string]string {
		return map[string]string{"editbay:environment": "editbay-" + env, "editbay:pool": pool}
	}
	prodInstance := w.Instance("prod", "i-0aa11bb22cc33dd44", instanceTags("prod", "editors"))
	deployer := roleSession(matrixAccount, "cdk-hnb659fds-cfn-exec-role-"+matrixAccount+"-ap-northeast-1",
		"arn:aws:iam::"+matrixAccount+":role/cdk-hnb659fds-cfn-exec-role-"+matrixAccount+"-ap-northeast-1")
	// The CDK bootstrap gives its execution role AdministratorAccess unless told otherwise.
	deployer.Name, deployer.ManagedARNs = "the deployment role", []string{"arn:aws:iam::aws:policy/AdministratorAccess"}

	who := map[string]Principal{
		"Admin":               w.Group(acct, "Admin"),
		"Developers":          w.Group(acct, "Developers"),
		"Operators":           w.Group(acct, "Operators"),
		"deployment role":     deployer,
		"prod fleet role":     w.Role("prod/Workspace/Workspace/FleetRole"),
		"prod image builder":  w.Role("prod/Workspace/Workspace/ImageBuilderRole"),
		"data steward":        w.ExistingRole("prod", "editbay-data-steward"),
		"prod streaming user": w.Role("prod/Workspace/Workspace/StreamingRole").WithVariables(map[string]string{"saml:sub": "alice@example.com"}),
		"prod workstation":    w.Role("prod/Access/Workstations/Role"),
		"stg broker":          w.Role("stg/Access/Brokers/Brokers/Role"),
		"prod broker":         w.Role("prod/Access/Brokers/Brokers/Role"),
		"prod pool scaler":    w.Role("prod/Access/PoolScaler/Function/Role"),
		"tamper guard":        w.Role(acct, "Guardrails/Functions/TamperGuard/Role"),
	}
	data := w.Bucket("prod/Workspace/Workspace/DataBucket")
	audit := w.Bucket(acct, "Audit/AuditTrail/Bucket")
	on := map[string]Target{
		"data object data/cut.mov":        data.Object("data/cut.mov"),
		"data object other/notes.txt":     data.Object("other/notes.txt"),
		"data bucket":                     data,
		"data key":                        w.Key("prod/Workspace/Workspace/DataKey"),
		"session script":                  w.Bucket("prod/Workspace/Workspace/ImageAssets").Object("session-scripts/windows/config.json"),
		"audit key":                       w.Key(acct, "Audit/AuditTrail/Key"),
		"guardrails key":                  w.Key(acct, "Guardrails/Key"),
		"workstation volume key":          w.Key("prod/Access/Workstations/VolumeKey"),
		"audit bucket":                    audit,
		"audit log file":                  audit.Object("AWSLogs/" + matrixAccount + "/CloudTrail/ap-northeast-1/2026/12/02/log.json.gz"),
		"audit log group":                 w.LogGroup(acct, "Audit/AuditTrail/LogGroup"),
		"trail":                           w.Trail(acct, "Audit/AuditTrail/Trail"),
		"trail-triage function":           w.Function(acct, "Guardrails/Functions/TrailTriage/Function"),
		"tamper-guard function":           w.Function(acct, "Guardrails/Functions/TamperGuard/Function"),
		"prod pool-scaler function":       w.Function("prod/Access/PoolScaler/Function/Function"),
		"guardrail rule":                  w.Rule(acct, "Guardrails/Functions/Rule-trail-change"),
		"alert topic":                     w.Topic(acct, "Guardrails/Alerts/Topic"),
		"Config rule":                     w.ARN(acct, "arn:aws:config:ap-northeast-1:"+matrixAccount+":config-rule/config-rule-0a1b2c"),
		"prod workstation instance":       prodInstance,
		"another prod instance":           w.Instance("prod", "i-0ee55ff66aa77bb88", instanceTags("prod", "editors")),
		"stg workstation instance":        w.Instance("stg", "i-0cc99dd00ee11ff22", instanceTags("stg", "editors")),
		"prod workspace stack":            w.AppStreamStack("prod/Workspace/Workspace/Stack"),
		"stg workspace stack":             w.AppStreamStack("stg/Workspace/Workspace/Stack"),
		"a bucket of the team's own":      w.ARN("prod", "arn:aws:s3:::team-scratch/notes.txt"),
		"a Config rule of the team's own": w.ARN(acct, "arn:aws:config:ap-northeast-1:"+matrixAccount+":config-rule/config-rule-9z8y7x"),
	}
	endpoint, err := w.Find([]string{"AWS::EC2::VPCEndpoint"}, "prod/Network/Network/Vpc/S3")
	if err != nil {
		t.Fatal(err)
	}
	vpce, err := endpoint.ref()
	if err != nil {
		t.Fatal(err)
	}
	given := map[string]map[string]any{
		"—":                                      {},
		"secure area":                            {"aws:SourceIp": "203.0.113.10"},
		"internet":                               {"aws:SourceIp": "192.0.2.10"},
		"VPC endpoint":                           {"aws:SourceVpce": vpce, "aws:SourceVpc": "vpc-0prod", "aws:VpcSourceIp": "10.10.64.12"},
		"through S3":                             {"kms:ViaService": "s3.ap-northeast-1.amazonaws.com", "aws:ViaAWSService": "true", "kms:CallerAccount": matrixAccount},
		"through EC2, for a volume":              {"kms:ViaService": "ec2.ap-northeast-1.amazonaws.com", "aws:ViaAWSService": "true", "kms:GrantIsForAWSResource": "true"},
		"a grant for no AWS resource":            {"kms:GrantIsForAWSResource": "false"},
		"removing the tag editbay:guardrail":     {"aws:TagKeys": []string{"editbay:guardrail"}},
		"adding the tag editbay:guardrail":       {"aws:TagKeys": []string{"editbay:guardrail"}, "aws:RequestTag/editbay:guardrail": "true"},
		"its session tag, from another instance": {"aws:TagKeys": []string{"editbay:session-state"}, "ec2:SourceInstanceArn": prodInstance.ARN},
		"as the signed-in user, secure area":     {"aws:SourceIp": "203.0.113.10", "appstream:userId": "alice@example.com"},
		"as the signed-in user, internet":        {"aws:SourceIp": "192.0.2.10", "appstream:userId": "alice@example.com"},
	}
	decisions := map[string][]Decision{
		"allowed":           {Allowed},
		"denied (explicit)": {ExplicitlyDenied},
		"denied (no allow)": {ImplicitlyDenied},
	}

	rows := readmeMatrix(t)
	if len(rows) < 30 {
		t.Fatalf("the README's access model has %d rows, want at least 30", len(rows))
	}
	var reqs []Request
	for i, r := range rows {
		p, okP := who[r.who]
		tgt, okT := on[r.on]
		ctx, okC := given[r.given]
		_, okD := decisions[r.want]
		if r.number != fmt.Sprint(i+1) || !okP || !okT || !okC || !okD {
			t.Fatalf("README.md:%d: row %q: number %q (want %d), who %q (known %v), on %q (known %v), given %q (known %v), expected %q (known %v)",
				r.line, r.number, r.number, i+1, r.who, okP, r.on, okT, r.given, okC, r.want, okD)
		}
		reqs = append(reqs, Request{Principal: p, Action: r.action, Resource: tgt, Context: maps.Clone(ctx)})
	}
	results, err := w.Evaluate(reqs)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]map[bool]bool{}
	for i, r := range rows {
		res := results[i]
		switch {
		case res.Err != nil:
			t.Errorf("row %s (README.md:%d): %v", r.number, r.line, res.Err)
		case !slices.Contains(decisions[r.want], res.Decision):
			t.Errorf("row %s (README.md:%d): %s %s on %s (%s): %s, the README says %s: %s", r.number, r.line, r.who, r.action, r.on, r.given, res.Decision, r.want, res.Explanation)
		default:
			t.Logf("row %s: %s %s on %s (%s): %s: %s", r.number, r.who, r.action, r.on, r.given, res.Decision, res.Explanation)
		}
		if outcomes[r.who] == nil {
			outcomes[r.who] = map[bool]bool{}
		}
		outcomes[r.who][r.want == "allowed"] = true
	}
	for name := range who {
		if !outcomes[name][true] || !outcomes[name][false] {
			t.Errorf("the access model must show %s both allowed and denied (allowed %v, denied %v)", name, outcomes[name][true], outcomes[name][false])
		}
	}
}

// The access model's denies come from editbay's own statements, not from the evaluator: without the
// statement that decides a row, the row's decision flips.
func TestAccessModelCanFail(t *testing.T) {
	w := world(t)
	acct := "account-" + matrixAccount
	developers := w.Group(acct, "Developers")
	withoutGuardrails := developers
	withoutGuardrails.Policies = slices.DeleteFunc(slices.Clone(developers.Policies), func(p Policy) bool { return strings.HasSuffix(p.Name, "/Guardrails") })
	if len(withoutGuardrails.Policies) == len(developers.Policies) {
		t.Fatalf("Developers have no Guardrails policy: %v", developers.Policies)
	}
	data := w.Bucket("prod/Workspace/Workspace/DataBucket").Object("data/cut.mov")
	key := w.Key(acct, "Audit/AuditTrail/Key")
	rule := w.Rule(acct, "Guardrails/Functions/Rule-trail-change")
	secure := map[string]any{"aws:SourceIp": "203.0.113.10"}
	for _, c := range []struct {
		what      string
		with, cut Request
	}{
		{"the data bucket's policy keeps Developers out",
			Request{Principal: developers, Action: "s3:GetObject", Resource: data, Context: secure},
			Request{Principal: developers, Action: "s3:GetObject", Resource: data.WithPolicy("no bucket policy", nil), Context: secure}},
		{"the Guardrails policy keeps Developers from disabling a guardrail rule",
			Request{Principal: developers, Action: "events:DisableRule", Resource: rule},
			Request{Principal: withoutGuardrails, Action: "events:DisableRule", Resource: rule}},
		{"the audit key's policy keeps its deletion to deployments",
			Request{Principal: withoutGuardrails, Action: "kms:ScheduleKeyDeletion", Resource: key},
			Request{Principal: withoutGuardrails, Action: "kms:ScheduleKeyDeletion", Resource: key.WithPolicy("the default key policy", map[string]any{
				"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + matrixAccount + ":root"}, "Action": "kms:*", "Resource": "*"}},
			})}},
	} {
		res, err := w.Evaluate([]Request{c.with, c.cut})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("%s: %v %v", c.what, res[0].Err, res[1].Err)
		}
		if res[0].Decision != ExplicitlyDenied || res[1].Decision != Allowed {
			t.Errorf("%s: %s with it (%s), %s without it (%s); want ExplicitlyDenied, then Allowed", c.what, res[0].Decision, res[0].Explanation, res[1].Decision, res[1].Explanation)
		}
	}
}
