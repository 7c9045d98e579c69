package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/editbay/editbay/config"
)

// resourceRef returns the logical ID of the template's one resource of a type.
func resourceID(t *testing.T, tpl template, typ string) string {
	t.Helper()
	found := resources(tpl, typ)
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(found), typ)
	}
	for id := range found {
		return id
	}
	return ""
}

func workspaceEnvs(t *testing.T) []config.Environment {
	var out []config.Environment
	for _, e := range synthesized.cfg.Environments {
		if e.Workspace.Enabled {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatal("the default config enables no workspace")
	}
	return out
}

func TestWorkspaceStacks(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		s, _ := stackOf(t, e.Name, "Workspace")
		if want := fmt.Sprintf("%s-%s-workspace", synthesized.cfg.Project, e.Name); s.StackName != want || s.TerminationProtection != e.Production {
			t.Errorf("%s: stack %q (protection %v), want %q", e.Name, s.StackName, s.TerminationProtection, want)
		}
	}
}

// The data bucket: customer-managed key, no public access, TLS only, versioned, access logs, expiry.
func TestWorkspaceDataBucket(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Workspace")
		var data map[string]any
		var dataID string
		for id, b := range resources(tpl, "AWS::S3::Bucket") {
			if strings.HasPrefix(id, "WorkspaceDataBucket") {
				data, dataID = b, id
			}
		}
		if data == nil {
			t.Fatalf("%s: no data bucket", e.Name)
		}
		j := mustJSON(props(data))
		for _, want := range []string{
			`"KMSMasterKeyID":{"Fn::GetAtt":["WorkspaceDataKey`, `"SSEAlgorithm":"aws:kms"`,
			`"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true`,
			`"VersioningConfiguration":{"Status":"Enabled"}`,
			`"LoggingConfiguration":{"DestinationBucketName":{"Ref":"WorkspaceAccessLogs`,
			fmt.Sprintf(`"ExpirationInDays":%d`, e.Workspace.DataExpirationDays),
		} {
			if !strings.Contains(j, want) {
				t.Errorf("%s: data bucket lacks %s: %s", e.Name, want, j)
			}
		}
		tls := false
		for _, bp := range resources(tpl, "AWS::S3::BucketPolicy") {
			p := props(bp)
			if ref(p["Bucket"]) == dataID && strings.Contains(mustJSON(p), `"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`) {
				tls = true
			}
		}
		if !tls {
			t.Errorf("%s: the data bucket does not deny plain HTTP", e.Name)
		}
	}
}

// The fleet: type, instance, image, private subnets only, no internet access of its own, session
// limits, and a role that reads only the data prefix.
func TestWorkspaceFleet(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		w := e.Workspace
		_, tpl := stackOf(t, e.Name, "Workspace")
		fleet := only(t, tpl, "AWS::AppStream::Fleet")
		if mustJSON(fleet["CreationPolicy"]) != `{"StartFleet":true}` {
			t.Errorf("%s: the fleet is not started on creation: %v", e.Name, fleet["CreationPolicy"])
		}
		f := props(fleet)
		want := map[string]any{
			"FleetType": w.FleetType, "InstanceType": w.InstanceType, "ImageName": w.Image, "StreamView": w.StreamView,
			"EnableDefaultInternetAccess": false, "DisableIMDSV1": true,
			"MaxUserDurationInSeconds":       float64(w.MaxSessionMinutes * 60),
			"DisconnectTimeoutInSeconds":     float64(w.DisconnectTimeoutMinutes * 60),
			"IdleDisconnectTimeoutInSeconds": float64(w.IdleDisconnectTimeoutMinutes * 60),
			"Name":                           fmt.Sprintf("%s-%s-fleet", synthesized.cfg.Project, e.Name),
		}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("%s: fleet %s = %v, want %v", e.Name, k, f[k], v)
			}
		}
		if config.ImageIsArn(w.Image) {
			t.Errorf("%s: the default config should name an image", e.Name)
		}
		vpc := f["VpcConfig"].(map[string]any)
		subnets := vpc["SubnetIds"].([]any)
		if len(subnets) != len(e.AvailabilityZones) {
			t.Errorf("%s: fleet in %d subnets, want one per zone", e.Name, len(subnets))
		}
		for _, s := range subnets {
			if !strings.Contains(mustJSON(s), "privateSubnet") {
				t.Errorf("%s: fleet subnet %s is not a private (firewall-routed) subnet", e.Name, mustJSON(s))
			}
		}
		roleID := f["IamRoleArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		role := props(tpl["Resources"].(map[string]any)[roleID].(map[string]any))
		if !strings.Contains(mustJSON(role["AssumeRolePolicyDocument"]), `"Principal":{"Service":"appstream.amazonaws.com"}`) {
			t.Errorf("%s: fleet role trust %s", e.Name, mustJSON(role["AssumeRolePolicyDocument"]))
		}
		var statements []string
		for _, mp := range resources(tpl, "AWS::IAM::ManagedPolicy") {
			p := props(mp)
			if ref(p["Roles"].([]any)[0]) != roleID {
				continue
			}
			for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				statements = append(statements, mustJSON(s))
			}
		}
		prefix := w.DataPrefix
		wantStatements := []string{
			fmt.Sprintf(`{"Action":"s3:ListBucket","Condition":{"StringLike":{"s3:prefix":["%s","%s*"]}},"Effect":"Allow","Resource":{"Fn::GetAtt":["WorkspaceDataBucket`, prefix, prefix),
			fmt.Sprintf(`{"Action":"s3:GetObject","Effect":"Allow","Resource":{"Fn::Join":["",[{"Fn::GetAtt":["WorkspaceDataBucket`),
			`{"Action":"kms:Decrypt","Condition":{"StringEquals":{"kms:ViaService":"s3.` + e.Region + `.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::GetAtt":["WorkspaceDataKey`,
		}
		if len(statements) != len(wantStatements) {
			t.Fatalf("%s: fleet role has %d statements: %v", e.Name, len(statements), statements)
		}
		for i, ws := range wantStatements {
			if !strings.HasPrefix(statements[i], ws) {
				t.Errorf("%s: fleet role statement %d = %s, want prefix %s", e.Name, i, statements[i], ws)
			}
		}
		if !strings.Contains(statements[1], `"/`+prefix+`*"`) {
			t.Errorf("%s: objects readable beyond the prefix: %s", e.Name, statements[1])
		}
		for id, r := range resources(tpl, "AWS::IAM::Policy") {
			if strings.Contains(mustJSON(props(r)["Roles"]), roleID) {
				t.Errorf("%s: fleet role has another policy %s", e.Name, id)
			}
		}
		// The fleet's security group admits nothing and sends only web traffic (to the firewall).
		sgID := vpc["SecurityGroupIds"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		sg := props(tpl["Resources"].(map[string]any)[sgID].(map[string]any))
		if sg["SecurityGroupIngress"] != nil || mustJSON(sg["SecurityGroupEgress"]) != `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS, to allow-listed domains via the firewall, S3 and VPC endpoints","FromPort":443,"IpProtocol":"tcp","ToPort":443},{"CidrIp":"0.0.0.0/0","Description":"HTTP, to allow-listed domains via the firewall","FromPort":80,"IpProtocol":"tcp","ToPort":80}]` {
			t.Errorf("%s: fleet security group %s", e.Name, mustJSON(sg))
		}
	}
}

// The stack keeps data in, and streams through the VPC endpoint only when configured.
func TestWorkspaceStackSettings(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		w := e.Workspace
		_, tpl := stackOf(t, e.Name, "Workspace")
		st := props(only(t, tpl, "AWS::AppStream::Stack"))
		perm := map[bool]string{true: "ENABLED", false: "DISABLED"}
		want := fmt.Sprintf(`[{"Action":"CLIPBOARD_COPY_FROM_LOCAL_DEVICE","Permission":"ENABLED"},{"Action":"CLIPBOARD_COPY_TO_LOCAL_DEVICE","Permission":"DISABLED"},{"Action":"FILE_DOWNLOAD","Permission":"DISABLED"},{"Action":"FILE_UPLOAD","Permission":"%s"},{"Action":"PRINTING_TO_LOCAL_DEVICE","Permission":"%s"}]`, perm[w.FileUpload], perm[w.Printing])
		if got := mustJSON(st["UserSettings"]); got != want {
			t.Errorf("%s: user settings %s, want %s", e.Name, got, want)
		}
		if mustJSON(st["ApplicationSettings"]) != `{"Enabled":false}` || st["StorageConnectors"] != nil {
			t.Errorf("%s: application settings %v, storage connectors %v", e.Name, st["ApplicationSettings"], st["StorageConnectors"])
		}
		endpoints := resources(tpl, "AWS::EC2::VPCEndpoint")
		if w.AccessFromVpcOnly {
			if len(endpoints) != 1 || !strings.Contains(mustJSON(st["AccessEndpoints"]), `"EndpointType":"STREAMING","VpceId":{"Ref":"WorkspaceStreamingEndpoint`) {
				t.Errorf("%s: access endpoints %v (%d endpoints)", e.Name, st["AccessEndpoints"], len(endpoints))
			}
			for _, ep := range endpoints {
				if !strings.Contains(mustJSON(props(ep)["ServiceName"]), "appstream.streaming") {
					t.Errorf("%s: endpoint %v", e.Name, props(ep)["ServiceName"])
				}
			}
			// The endpoint admits the secure area (as the VPC sees it) on HTTPS and 1400-1499 only.
			clients := w.EndpointClientCidrs
			if len(clients) == 0 {
				clients = w.SecureAreaCidrs
			}
			var want []string
			for _, c := range clients {
				want = append(want, fmt.Sprintf(`{"CidrIp":"%s","Description":"HTTPS from the secure area","FromPort":443,"IpProtocol":"tcp","ToPort":443}`, c),
					fmt.Sprintf(`{"CidrIp":"%s","Description":"AppStream streaming from the secure area","FromPort":1400,"IpProtocol":"tcp","ToPort":1499}`, c))
			}
			for _, sg := range resources(tpl, "AWS::EC2::SecurityGroup") {
				p := props(sg)
				if p["GroupDescription"] == "AppStream streaming endpoint: from the secure area only" {
					if got := mustJSON(p["SecurityGroupIngress"]); got != "["+strings.Join(want, ",")+"]" {
						t.Errorf("%s: streaming endpoint ingress %s, want %v", e.Name, got, want)
					}
				}
			}
		} else if st["AccessEndpoints"] != nil || len(endpoints) != 0 {
			t.Errorf("%s: streams through an endpoint without accessFromVpcOnly", e.Name)
		}
		a := props(only(t, tpl, "AWS::AppStream::StackFleetAssociation"))
		if ref(a["FleetName"]) != resourceID(t, tpl, "AWS::AppStream::Fleet") || ref(a["StackName"]) != resourceID(t, tpl, "AWS::AppStream::Stack") {
			t.Errorf("%s: association %v", e.Name, a)
		}
	}
}

func TestWorkspaceScaling(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		w := e.Workspace
		_, tpl := stackOf(t, e.Name, "Workspace")
		st := props(only(t, tpl, "AWS::ApplicationAutoScaling::ScalableTarget"))
		if st["ServiceNamespace"] != "appstream" || st["ScalableDimension"] != "appstream:fleet:DesiredCapacity" ||
			st["MinCapacity"] != float64(w.MinCapacity) || st["MaxCapacity"] != float64(w.MaxCapacity) ||
			mustJSON(st["ResourceId"]) != fmt.Sprintf(`{"Fn::Join":["",["fleet/",{"Ref":"%s"}]]}`, resourceID(t, tpl, "AWS::AppStream::Fleet")) {
			t.Errorf("%s: scalable target %s", e.Name, mustJSON(st))
		}
		sched := mustJSON(st["ScheduledActions"])
		if bh := w.BusinessHours; bh.MinCapacity > 0 {
			for _, want := range []string{
				fmt.Sprintf(`{"ScalableTargetAction":{"MaxCapacity":%d,"MinCapacity":%d},"Schedule":"cron(0 %d ? * %s *)","ScheduledActionName":"business-hours-start","Timezone":"%s"}`, w.MaxCapacity, bh.MinCapacity, bh.StartHour, bh.Days, bh.Timezone),
				fmt.Sprintf(`{"ScalableTargetAction":{"MaxCapacity":%d,"MinCapacity":%d},"Schedule":"cron(0 %d ? * %s *)","ScheduledActionName":"business-hours-end","Timezone":"%s"}`, w.MaxCapacity, w.MinCapacity, bh.EndHour, bh.Days, bh.Timezone),
			} {
				if !strings.Contains(sched, want) {
					t.Errorf("%s: scheduled actions %s lack %s", e.Name, sched, want)
				}
			}
		} else if st["ScheduledActions"] != nil {
			t.Errorf("%s: scheduled actions without business hours: %s", e.Name, sched)
		}
		pol := props(only(t, tpl, "AWS::ApplicationAutoScaling::ScalingPolicy"))
		cfg := pol["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
		if pol["PolicyType"] != "TargetTrackingScaling" || cfg["TargetValue"] != float64(w.TargetUtilization) ||
			mustJSON(cfg["PredefinedMetricSpecification"]) != `{"PredefinedMetricType":"AppStreamAverageCapacityUtilization"}` {
			t.Errorf("%s: scaling policy %s", e.Name, mustJSON(pol))
		}
	}
}

// Users federate from IAM Identity Center into a role that may only stream this stack, as themselves,
// from the secure area, for a limited session.
func TestWorkspaceStreamingRole(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		w := e.Workspace
		_, tpl := stackOf(t, e.Name, "Workspace")
		var roleID string
		for id, r := range resources(tpl, "AWS::IAM::Role") {
			if strings.Contains(mustJSON(props(r)["AssumeRolePolicyDocument"]), "sts:AssumeRoleWithSAML") {
				roleID = id
				p := props(r)
				trust := mustJSON(p["AssumeRolePolicyDocument"])
				if !strings.Contains(trust, `"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}`) || !strings.Contains(trust, `:saml-provider/`+w.SamlProviderName+`"`) {
					t.Errorf("%s: streaming role trust %s", e.Name, trust)
				}
				if p["MaxSessionDuration"] != float64(w.FederationSessionHours*3600) {
					t.Errorf("%s: max session %v", e.Name, p["MaxSessionDuration"])
				}
			}
		}
		if roleID == "" {
			t.Fatalf("%s: no SAML role", e.Name)
		}
		relay := mustJSON(tpl["Outputs"].(map[string]any)["RelayState"].(map[string]any)["Value"])
		if want := fmt.Sprintf(`{"Fn::Join":["",["https://appstream2.%s.aws.amazon.com/saml?stack=",{"Ref":"%s"},"\u0026accountId=",{"Ref":"AWS::AccountId"}]]}`, e.Region, resourceID(t, tpl, "AWS::AppStream::Stack")); relay != want {
			t.Errorf("%s: relay state %s, want %s", e.Name, relay, want)
		}
		found := false
		for _, mp := range resources(tpl, "AWS::IAM::ManagedPolicy") {
			p := props(mp)
			if ref(p["Roles"].([]any)[0]) != roleID {
				continue
			}
			found = true
			stmts := p["PolicyDocument"].(map[string]any)["Statement"].([]any)
			s := stmts[0].(map[string]any)
			cidrs := mustJSON(w.SecureAreaCidrs)
			if len(stmts) != 1 || s["Action"] != "appstream:Stream" ||
				mustJSON(s["Condition"]) != `{"IpAddress":{"aws:SourceIp":`+cidrs+`},"StringEquals":{"appstream:userId":"${saml:sub}"}}` ||
				!strings.HasSuffix(mustJSON(s["Resource"]), fmt.Sprintf(`":stack/",{"Ref":"%s"}]]}`, resourceID(t, tpl, "AWS::AppStream::Stack"))) {
				t.Errorf("%s: streaming policy %s", e.Name, mustJSON(stmts))
			}
		}
		if !found {
			t.Errorf("%s: the streaming role has no policy", e.Name)
		}
	}
}

// The session scripts are published to the image-assets bucket for the image builder.
func TestWorkspaceSessionScriptsPublished(t *testing.T) {
	for _, e := range workspaceEnvs(t) {
		_, tpl := stackOf(t, e.Name, "Workspace")
		d := props(only(t, tpl, "Custom::CDKBucketDeployment"))
		if d["DestinationBucketKeyPrefix"] != "session-scripts/" || !strings.HasPrefix(ref(d["DestinationBucketName"]), "WorkspaceImageAssets") || d["Prune"] != true {
			t.Errorf("%s: deployment %v %v %v", e.Name, d["DestinationBucketKeyPrefix"], d["DestinationBucketName"], d["Prune"])
		}
		// Ten files: config.json and four scripts per platform; the bucket name reaches config.json
		// as a deploy-time marker.
		if keys := d["SourceObjectKeys"].([]any); len(keys) != 10 {
			t.Errorf("%s: %d published files, want 10", e.Name, len(keys))
		}
		if !strings.Contains(mustJSON(d["SourceMarkers"]), `{"Ref":"WorkspaceDataBucket`) {
			t.Errorf("%s: the data bucket name is not filled in at deployment: %s", e.Name, mustJSON(d["SourceMarkers"]))
		}
		if lg := props(only(t, tpl, "AWS::Logs::LogGroup")); lg["KmsKeyId"] == nil {
			t.Errorf("%s: the publisher's log group is not encrypted", e.Name)
		}
		if n := len(resources(tpl, "AWS::AppStream::ImageBuilder")); n != map[bool]int{true: 1, false: 0}[e.Workspace.ImageBuilder.Enabled] {
			t.Errorf("%s: %d image builders", e.Name, n)
		}
	}
}

// Every taggable resource of the workspace stack carries the cost tags (as TestCostTags for the
// network stack).
func TestWorkspaceCostTags(t *testing.T) {
	untaggable := []string{"AWS::S3::BucketPolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::AppStream::StackFleetAssociation",
		"AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy", "Custom::CDKBucketDeployment", "AWS::Lambda::LayerVersion"}
	for _, e := range workspaceEnvs(t) {
		want := synthesized.cfg.CostTags(e)
		_, tpl := stackOf(t, e.Name, "Workspace")
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			typ := res["Type"].(string)
			p := props(res)
			if p["Tags"] == nil {
				if !slices.Contains(untaggable, typ) {
					t.Errorf("%s: %s (%s) has no tags", e.Name, id, typ)
				}
				continue
			}
			for k, v := range want {
				if got := tagValue(p, k); got != v {
					t.Errorf("%s: %s (%s) tag %s = %q, want %q", e.Name, id, typ, k, got, v)
				}
			}
		}
	}
}
