package config

import (
	"strings"
	"testing"
)

// workspaceBase is egressBase with the workspace on.
var workspaceBase = egressBase + `    workspace:
      enabled: true
      image: AppStream-WinServer2022-06-17-2025
      samlProviderName: editbay-identity-center
      secureAreaCidrs: [203.0.113.0/24]
`

func mutateWorkspace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(workspaceBase, old) {
		t.Fatalf("test bug: %q is not in the workspace base config", old)
	}
	return strings.Replace(workspaceBase, old, new, 1)
}

func TestWorkspaceBaseIsValid(t *testing.T) {
	c, err := Parse([]byte(workspaceBase))
	if err != nil {
		t.Fatal(err)
	}
	w := c.Environments[0].Workspace
	if w.InstanceType != "stream.standard.medium" || w.FleetType != "ON_DEMAND" || w.MaxCapacity != 5 || w.TargetUtilization != 75 ||
		w.MaxSessionMinutes != 480 || w.DisconnectTimeoutMinutes != 15 || w.IdleDisconnectTimeoutMinutes != 15 ||
		w.DataPrefix != "data/" || w.DataExpirationDays != 30 || w.FederationSessionHours != 1 || w.FileUpload || w.Printing {
		t.Errorf("defaults not applied: %+v", w)
	}
}

func TestMalformedWorkspace(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"without the firewall", strings.Replace(workspaceBase, "    egress:\n      enabled: true\n", "    egress:\n      enabled: false\n", 1), []string{`environments[0].workspace.enabled: the fleet must egress only through the firewall`}},
		{"no image", mutateWorkspace(t, "      image: AppStream-WinServer2022-06-17-2025\n", ""), []string{`environments[0].workspace.image: is required when the workspace is enabled`}},
		{"bad image name", mutateWorkspace(t, "image: AppStream-WinServer2022-06-17-2025", "image: 'my image'"), []string{`environments[0].workspace.image: "my image" is not an AppStream image name`}},
		{"bad image ARN", mutateWorkspace(t, "image: AppStream-WinServer2022-06-17-2025", "image: arn:aws:ec2:ap-northeast-1:123456789012:image/x"), []string{`environments[0].workspace.image: "arn:aws:ec2:ap-northeast-1:123456789012:image/x" is not an AppStream image ARN`}},
		{"no SAML provider", mutateWorkspace(t, "      samlProviderName: editbay-identity-center\n", ""), []string{`environments[0].workspace.samlProviderName: is required when the workspace is enabled`}},
		{"bad SAML provider", mutateWorkspace(t, "samlProviderName: editbay-identity-center", "samlProviderName: 'a b'"), []string{`environments[0].workspace.samlProviderName: "a b" does not match`}},
		{"no secure area", mutateWorkspace(t, "      secureAreaCidrs: [203.0.113.0/24]\n", ""), []string{`environments[0].workspace.secureAreaCidrs: need at least 1 when the workspace is enabled`}},
		{"data steward not a role", mutateWorkspace(t, "[203.0.113.0/24]\n", "[203.0.113.0/24]\n      dataStewards: [arn:aws:iam::111122223333:user/alice]\n"), []string{`environments[0].workspace.dataStewards[0]: "arn:aws:iam::111122223333:user/alice" is not an IAM role ARN`}},
		{"data steward name too long", mutateWorkspace(t, "[203.0.113.0/24]\n", "[203.0.113.0/24]\n      dataStewards: [arn:aws:iam::111122223333:role/"+strings.Repeat("r", 65)+"]\n"), []string{`environments[0].workspace.dataStewards[0]: "arn:aws:iam::111122223333:role/rrrr`, `a role name has at most 64 characters, this has 65`}},
		{"data steward listed twice", mutateWorkspace(t, "[203.0.113.0/24]\n", "[203.0.113.0/24]\n      dataStewards: [arn:aws:iam::111122223333:role/s, arn:aws:iam::111122223333:role/s]\n"), []string{`environments[0].workspace.dataStewards[1]: "arn:aws:iam::111122223333:role/s" is listed twice`}},
		{"data steward in another account", strings.Replace(mutateWorkspace(t, "[203.0.113.0/24]\n", "[203.0.113.0/24]\n      dataStewards: [arn:aws:iam::111122223333:role/s]\n"), "region: eu-west-1", "account: 444455556666\n    region: eu-west-1", 1), []string{`environments[0].workspace.dataStewards[0]: "arn:aws:iam::111122223333:role/s" is in account 111122223333, not the environment's account 444455556666`}},
		{"secure area is the internet", mutateWorkspace(t, "[203.0.113.0/24]", "[0.0.0.0/0]"), []string{`environments[0].workspace.secureAreaCidrs[0]: "0.0.0.0/0" is the whole internet`}},
		{"secure area malformed", mutateWorkspace(t, "[203.0.113.0/24]", "[office]"), []string{`environments[0].workspace.secureAreaCidrs[0]: "office" is not a CIDR`}},
		{"endpoint clients malformed", mutateWorkspace(t, "[203.0.113.0/24]", "[203.0.113.0/24]\n      accessFromVpcOnly: true\n      endpointClientCidrs: [10.99.0.0/33]"), []string{`environments[0].workspace.endpointClientCidrs[0]: "10.99.0.0/33" is not a CIDR`}},
		{"endpoint clients are the internet", mutateWorkspace(t, "[203.0.113.0/24]", "[203.0.113.0/24]\n      accessFromVpcOnly: true\n      endpointClientCidrs: [0.0.0.0/0]"), []string{`environments[0].workspace.endpointClientCidrs[0]: "0.0.0.0/0" is the whole internet`}},
		{"endpoint clients without endpoint", mutateWorkspace(t, "[203.0.113.0/24]", "[203.0.113.0/24]\n      endpointClientCidrs: [10.99.0.0/16]"), []string{`environments[0].workspace.endpointClientCidrs: is set but accessFromVpcOnly is false`}},
		{"bad instance type", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      instanceType: m5.large\n      image"), []string{`environments[0].workspace.instanceType: "m5.large" does not match`}},
		{"bad fleet type", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      fleetType: ELASTIC\n      image"), []string{`environments[0].workspace.fleetType: "ELASTIC" is not one of ON_DEMAND, ALWAYS_ON`}},
		{"min above max", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      minCapacity: 6\n      image"), []string{`environments[0].workspace.minCapacity: 6 is above maxCapacity 5`}},
		{"always-on with none", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      fleetType: ALWAYS_ON\n      image"), []string{`environments[0].workspace.minCapacity: an ALWAYS_ON fleet needs at least 1 instance`}},
		{"business hours above max", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 9}\n      image"), []string{`environments[0].workspace.businessHours.minCapacity: 9 is above maxCapacity 5`}},
		{"business hours backwards", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 1, startHour: 20, endHour: 8}\n      image"), []string{`environments[0].workspace.businessHours.endHour: 8 is not after startHour 20`}},
		{"business days", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      businessHours: {minCapacity: 1, days: weekdays}\n      image"), []string{`environments[0].workspace.businessHours.days: "weekdays" does not match`}},
		{"idle longer than session", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      maxSessionMinutes: 30\n      idleDisconnectTimeoutMinutes: 45\n      image"), []string{`environments[0].workspace.idleDisconnectTimeoutMinutes: 45 is longer than maxSessionMinutes 30`}},
		{"session too long", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      maxSessionMinutes: 9000\n      image"), []string{`environments[0].workspace.maxSessionMinutes: 9000 is above the maximum 7200`}},
		{"bad data prefix", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      dataPrefix: /data\n      image"), []string{`environments[0].workspace.dataPrefix: "/data" does not match`}},
		{"bad builder image", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      imageBuilder: {enabled: true, image: 'a b'}\n      image"), []string{`environments[0].workspace.imageBuilder.image: "a b" is not an AppStream image name`}},
		{"federation too long", mutateWorkspace(t, "enabled: true\n      image", "enabled: true\n      federationSessionHours: 13\n      image"), []string{`environments[0].workspace.federationSessionHours: 13 is above the maximum 12`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assertProblems(t, tc.yaml, tc.want...) })
	}
}
