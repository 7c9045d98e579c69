package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// withAccess is base with an access tier of two pools.
const withAccess = base + `    access:
      broker:
        certificate: {domain: broker.example.com}
      pools:
        - name: editors
          instanceType: g4dn.xlarge
          image: {os: windows, ssmParameter: /aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base}
          directoryGroup: editors
          minAvailable: 1
          maxSize: 4
        - name: assistants
          instanceType: t3.large
          image: {ids: {eu-west-1: ami-0123456789abcdef0}}
          directoryGroup: assistants
          maxSize: 8
allowedInstanceTypes: [g4dn.xlarge, t3.large]
`

func mutateAccess(t *testing.T, old, new string) string {
	t.Helper()
	return replaceIn(t, withAccess, old, new)
}

func TestAccessDefaults(t *testing.T) {
	c, err := Parse([]byte(withAccess))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Environments[0].Access
	if a.Broker.InstanceType != "t3.medium" || a.Broker.MinCapacity != 2 || a.Broker.MaxCapacity != 4 || a.Broker.AgentPort != 8080 {
		t.Errorf("broker defaults: %+v", a.Broker)
	}
	if a.Broker.Image.SsmParameter != DefaultLinuxImage || a.Gateway.Image.SsmParameter != DefaultLinuxImage || a.Broker.Image.Os != OsLinux {
		t.Errorf("image defaults: broker %+v gateway %+v", a.Broker.Image, a.Gateway.Image)
	}
	if a.Broker.Scaling != (Scaling{Metric: ScaleOnCPU, Target: 60}) {
		t.Errorf("scaling defaults: %+v", a.Broker.Scaling)
	}
	d := a.Database
	if d.Mode != DatabaseProvisioned || d.EngineVersion != "16.11" || d.InstanceClass != "r6g.large" || d.BackupRetentionDays != 7 || d.MinCapacity != 0.5 || d.MaxCapacity != 4 {
		t.Errorf("database defaults: %+v", d)
	}
	if strings.Join(a.Gateway.Protocols, ",") != ProtocolDCV || a.Gateway.MinCapacity != 2 {
		t.Errorf("gateway defaults: %+v", a.Gateway)
	}
	if a.Pools[0].VolumeSizeGiB != 100 || a.Pools[1].Image.Os != OsLinux || a.Pools[1].MinAvailable != 0 {
		t.Errorf("pool defaults: %+v", a.Pools)
	}
	if a.Directory != nil {
		t.Errorf("directory without a directory key: %+v", a.Directory)
	}

	c, err = Parse([]byte(mutateAccess(t, "      pools:", "      directory: {name: corp.example.com}\n      pools:")))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Environments[0].Access.Directory; d.ShortName != "CORP" || d.Edition != "Standard" {
		t.Errorf("directory defaults: %+v", d)
	}
}

func TestMalformedAccess(t *testing.T) {
	const ap = "environments[0].access"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"pool type not allowed", mutateAccess(t, "instanceType: t3.large", "instanceType: p5.48xlarge"), []string{ap + `.pools[1].instanceType: "p5.48xlarge" is not in allowedInstanceTypes (g4dn.xlarge, t3.large)`}},
		{"no allowed types", mutateAccess(t, "allowedInstanceTypes: [g4dn.xlarge, t3.large]\n", ""), []string{`allowedInstanceTypes: is required when an environment has an access tier (` + ap + `)`}},
		{"no pools", strings.Split(withAccess, "      pools:")[0] + "      pools: []\nallowedInstanceTypes: [t3.large]\n", []string{ap + `.pools: need at least 1, got 0`}},
		{"pool name twice", mutateAccess(t, "name: assistants", "name: editors"), []string{ap + `.pools[1].name: "editors" is already used by ` + ap + `.pools[0].name`}},
		{"bad pool name", mutateAccess(t, "name: assistants", "name: Assistants"), []string{ap + `.pools[1].name: "Assistants" does not match`}},
		{"more available than the pool holds", mutateAccess(t, "minAvailable: 1", "minAvailable: 5"), []string{ap + `.pools[0].minAvailable: 5 is more than maxSize 4`}},
		{"pool without maxSize", mutateAccess(t, "          maxSize: 8\n", ""), []string{ap + `.pools[1].maxSize: is required`}},
		{"image with both", mutateAccess(t, "{ids: {eu-west-1: ami-0123456789abcdef0}}", "{ssmParameter: /x, ids: {eu-west-1: ami-0123456789abcdef0}}"), []string{ap + `.pools[1].image: set ssmParameter or ids, not both`}},
		{"image without either", mutateAccess(t, "{ids: {eu-west-1: ami-0123456789abcdef0}}", "{os: linux}"), []string{ap + `.pools[1].image: set ssmParameter or ids`}},
		{"image without the region", mutateAccess(t, "eu-west-1: ami-", "us-east-1: ami-"), []string{ap + `.pools[1].image.ids: has no AMI for the environment's region "eu-west-1"`}},
		{"malformed AMI ID", mutateAccess(t, "ami-0123456789abcdef0", "ami-xyz"), []string{ap + `.pools[1].image.ids.eu-west-1: "ami-xyz" is not an AMI ID`}},
		{"unknown image OS", mutateAccess(t, "os: windows", "os: macos"), []string{ap + `.pools[0].image.os: "macos" is not one of linux, windows`}},
		{"small Windows volume", mutateAccess(t, "directoryGroup: editors", "directoryGroup: editors\n          volumeSizeGiB: 20"), []string{ap + `.pools[0].volumeSizeGiB: 20 GiB is below the 30 GiB a Windows image needs`}},
		{"unknown pool key", mutateAccess(t, "directoryGroup: editors", "directoryGroup: editors\n          gpus: 1"), []string{ap + `.pools[0].gpus: unknown key`}},
		{"Windows broker", mutateAccess(t, "      broker:\n", "      broker:\n        image: {os: windows, ssmParameter: /w}\n"), []string{ap + `.broker.image.os: "windows": brokers run Linux`}},
		{"one broker", mutateAccess(t, "      broker:\n", "      broker:\n        minCapacity: 1\n"), []string{ap + `.broker.minCapacity: 1 is below the minimum 2`}},
		{"broker max below min", mutateAccess(t, "      broker:\n", "      broker:\n        minCapacity: 3\n        maxCapacity: 2\n"), []string{ap + `.broker.maxCapacity: 2 must be above minCapacity 3`}},
		{"no room for a rolling update", mutateAccess(t, "      pools:", "      gateway: {minCapacity: 3, maxCapacity: 3}\n      pools:"), []string{ap + `.gateway.maxCapacity: 3 must be above minCapacity 3, so a rolling update can start a replacement`}},
		{"CPU target over 100", mutateAccess(t, "      broker:\n", "      broker:\n        scaling: {target: 120}\n"), []string{ap + `.broker.scaling.target: 120 is above 100 percent CPU`}},
		{"unknown scaling metric", mutateAccess(t, "      broker:\n", "      broker:\n        scaling: {metric: memory}\n"), []string{ap + `.broker.scaling.metric: "memory" is not one of cpu, requestCount`}},
		{"no certificate", mutateAccess(t, "certificate: {domain: broker.example.com}", "certificate: {}"), []string{ap + `.broker.certificate: is required`}},
		{"zone without a domain", mutateAccess(t, "{domain: broker.example.com}", "{hostedZoneId: Z0123456789ABC, hostedZone: example.com}"), []string{ap + `.broker.certificate: set arn or domain`}},
		{"two certificates", mutateAccess(t, "{domain: broker.example.com}", "{domain: broker.example.com, arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666'}"), []string{ap + `.broker.certificate: set arn or domain, not both`}},
		{"certificate of another region", mutateAccess(t, "{domain: broker.example.com}", "{arn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666'}"), []string{ap + `.broker.certificate.arn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666" is in region "us-east-1"; the load balancer needs a certificate of "eu-west-1"`}},
		{"domain outside its zone", mutateAccess(t, "{domain: broker.example.com}", "{domain: broker.example.com, hostedZoneId: Z0123456789ABC, hostedZone: example.org}"), []string{ap + `.broker.certificate.domain: "broker.example.com" is not in the hosted zone "example.org"`}},
		{"zone ID without its name", mutateAccess(t, "{domain: broker.example.com}", "{domain: broker.example.com, hostedZoneId: Z0123456789ABC}"), []string{ap + `.broker.certificate: set hostedZoneId and hostedZone together`}},
		{"malformed domain", mutateAccess(t, "{domain: broker.example.com}", "{domain: 'https://broker'}"), []string{ap + `.broker.certificate.domain: "https://broker" does not match`}},
		{"unknown protocol", mutateAccess(t, "      pools:", "      gateway: {protocols: [dcv, x2go]}\n      pools:"), []string{ap + `.gateway.protocols[1]: "x2go" is not one of dcv, rdp, vnc, ssh, pcoip`}},
		{"protocol twice", mutateAccess(t, "      pools:", "      gateway: {protocols: [rdp, rdp]}\n      pools:"), []string{ap + `.gateway.protocols[1]: "rdp" is listed twice`}},
		{"PCoIP with others", mutateAccess(t, "      pools:", "      gateway: {protocols: [pcoip, dcv]}\n      pools:"), []string{ap + `.gateway.protocols: pcoip is used instead of the other protocols`}},
		{"one gateway", mutateAccess(t, "      pools:", "      gateway: {minCapacity: 1}\n      pools:"), []string{ap + `.gateway.minCapacity: 1 is below the minimum 2`}},
		{"short backups", mutateAccess(t, "      pools:", "      database: {backupRetentionDays: 3}\n      pools:"), []string{ap + `.database.backupRetentionDays: 3 is below the minimum 7`}},
		{"impossible DB log retention", mutateAccess(t, "      pools:", "      database: {logRetentionDays: 100}\n      pools:"), []string{ap + `.database.logRetentionDays: 100 is not a CloudWatch Logs retention period`}},
		{"bad serverless capacity", mutateAccess(t, "      pools:", "      database: {mode: serverless, minCapacity: 0.3}\n      pools:"), []string{ap + `.database.minCapacity: 0.3 is not 0 to 256 capacity units in steps of 0.5`}},
		{"serverless max below min", mutateAccess(t, "      pools:", "      database: {mode: serverless, minCapacity: 8, maxCapacity: 4}\n      pools:"), []string{ap + `.database.maxCapacity: 4 is below minCapacity 8`}},
		{"capacity not a number", mutateAccess(t, "      pools:", "      database: {maxCapacity: lots}\n      pools:"), []string{ap + `.database.maxCapacity: "lots" is not a valid number`}},
		{"bad engine version", mutateAccess(t, "      pools:", "      database: {engineVersion: latest}\n      pools:"), []string{ap + `.database.engineVersion: "latest" does not match`}},
		{"bad directory name", mutateAccess(t, "      pools:", "      directory: {name: corp}\n      pools:"), []string{ap + `.directory.name: "corp" does not match`}},
		{"directory without name", mutateAccess(t, "      pools:", "      directory: {edition: Enterprise}\n      pools:"), []string{ap + `.directory.name: is required`}},
		{"RADIUS server not an address", mutateAccess(t, "      pools:", "      directory: {name: corp.example.com, radius: {servers: [10.1.0.9, radius.example.com], sharedSecretName: mfa}}\n      pools:"), []string{ap + `.directory.radius.servers[1]: "radius.example.com" is not an IPv4 address`}},
		{"RADIUS without a secret", mutateAccess(t, "      pools:", "      directory: {name: corp.example.com, radius: {servers: [10.1.0.9]}}\n      pools:"), []string{ap + `.directory.radius.sharedSecretName: is required`}},
		{"RADIUS protocol", mutateAccess(t, "      pools:", "      directory: {name: corp.example.com, radius: {servers: [10.1.0.9], sharedSecretName: mfa, protocol: EAP}}\n      pools:"), []string{ap + `.directory.radius.protocol: "EAP" is not one of PAP, CHAP, MS-CHAPv1, MS-CHAPv2`}},
		{"RADIUS port", mutateAccess(t, "      pools:", "      directory: {name: corp.example.com, radius: {servers: [10.1.0.9], sharedSecretName: mfa, port: 80}}\n      pools:"), []string{ap + `.directory.radius.port: 80 is below the minimum 1025`}},
		{"maxAvailable below minAvailable", mutateAccess(t, "minAvailable: 1", "minAvailable: 2\n          maxAvailable: 1"), []string{ap + `.pools[0].maxAvailable: 1 is less than minAvailable (2)`}},
		{"maxAvailable above maxSize", mutateAccess(t, "minAvailable: 1", "maxAvailable: 5"), []string{ap + `.pools[0].maxAvailable: 5 is more than maxSize 4`}},
		{"unknown warm state", mutateAccess(t, "minAvailable: 1", "warmState: hibernated"), []string{ap + `.pools[0].warmState: "hibernated" is not one of running, stopped`}},
		{"fallback not allowed", mutateAccess(t, "minAvailable: 1", "fallbackInstanceTypes: [t3.large, g5.xlarge]"), []string{ap + `.pools[0].fallbackInstanceTypes[1]: "g5.xlarge" is not in allowedInstanceTypes`}},
		{"fallback is the pool's type", mutateAccess(t, "minAvailable: 1", "fallbackInstanceTypes: [g4dn.xlarge]"), []string{ap + `.pools[0].fallbackInstanceTypes[0]: "g4dn.xlarge" is the pool's own instanceType`}},
		{"fallback twice", mutateAccess(t, "minAvailable: 1", "fallbackInstanceTypes: [t3.large, t3.large]"), []string{ap + `.pools[0].fallbackInstanceTypes[1]: "t3.large" is listed twice`}},
		{"bad power duration", mutateAccess(t, "minAvailable: 1", "stopAfterLogoff: an hour"), []string{ap + `.pools[0].stopAfterLogoff: "an hour" is not a Go duration`}},
		{"power duration too short", mutateAccess(t, "minAvailable: 1", "stopAfterIdle: 30s"), []string{ap + `.pools[0].stopAfterIdle: "30s" is below the minimum 1m0s`}},
		{"negative power duration", mutateAccess(t, "minAvailable: 1", "terminateAfterStopped: -1h"), []string{ap + `.pools[0].terminateAfterStopped: "-1h" is below the minimum`}},
		{"unknown time zone", mutateAccess(t, "minAvailable: 1", "schedules: [{start: '08:00', end: '20:00', timezone: Asia/Osaka}]"), []string{ap + `.pools[0].schedules[0].timezone: "Asia/Osaka" is not an IANA time zone`}},
		{"empty window", mutateAccess(t, "minAvailable: 1", "schedules: [{start: '08:00', end: '08:00', minAvailable: 1}]"), []string{ap + `.pools[0].schedules[0].end: "08:00" is the same as start`}},
		{"bad schedule time", mutateAccess(t, "minAvailable: 1", "schedules: [{start: '8:00', end: '24:00'}]"), []string{ap + `.pools[0].schedules[0].start: "8:00" does not match`, ap + `.pools[0].schedules[0].end: "24:00" does not match`}},
		{"schedule without start", mutateAccess(t, "minAvailable: 1", "schedules: [{end: '20:00'}]"), []string{ap + `.pools[0].schedules[0].start: is required`}},
		{"bad schedule days", mutateAccess(t, "minAvailable: 1", "schedules: [{days: 'MON-FRY', start: '08:00', end: '20:00'}]"), []string{ap + `.pools[0].schedules[0].days: "MON-FRY" does not match`}},
		{"schedule above maxSize", mutateAccess(t, "minAvailable: 1", "schedules: [{start: '08:00', end: '20:00', minAvailable: 5}]"), []string{ap + `.pools[0].schedules[0].minAvailable: 5 is more than maxSize 4`}},
		{"schedule above maxAvailable", mutateAccess(t, "minAvailable: 1", "maxAvailable: 2\n          schedules: [{start: '08:00', end: '20:00', minAvailable: 3}]"), []string{ap + `.pools[0].schedules[0].minAvailable: 3 is more than maxAvailable 2`}},
		{"scaler interval", mutateAccess(t, "      pools:", "      poolScaler: {intervalMinutes: 90}\n      pools:"), []string{ap + `.poolScaler.intervalMinutes: 90 is above the maximum 60`}},
		{"scaler mode", mutateAccess(t, "      pools:", "      poolScaler: {mode: off}\n      pools:"), []string{ap + `.poolScaler.mode: "off" is not one of enforce, dryRun`}},
		{"bad alarm email", mutateAccess(t, "      pools:", "      alarmEmails: [oncall]\n      pools:"), []string{ap + `.alarmEmails[0]: "oncall" does not match`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("got %v, want Problems", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q; got:\n%v", w, err)
				}
			}
		})
	}
}

func TestPoolScalerDefaultsAndSettings(t *testing.T) {
	c, err := Parse([]byte(mutateAccess(t, "minAvailable: 1", `minAvailable: 1
          maxAvailable: 3
          warmState: stopped
          fallbackInstanceTypes: [t3.large]
          stopAfterIdle: 30m
          terminateAfterStopped: "0"
          schedules:
            - {days: "MON-WED,FRI,SAT-SUN", start: "08:00", end: "20:00", timezone: Asia/Tokyo, minAvailable: 3}
            - {start: "22:00", end: "02:00"}`)))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Environments[0].Access
	if a.PoolScaler != (PoolScaler{IntervalMinutes: 1, Mode: PoolScalerEnforce}) {
		t.Errorf("poolScaler defaults: %+v", a.PoolScaler)
	}
	if p := a.Pools[1]; p.WarmState != WarmRunning || p.StopAfterLogoff != "1h" || p.StopAfterIdle != "" {
		t.Errorf("pool defaults: %+v", p)
	}
	got, err := json.Marshal(a.Pools[0].ScalerSettings("stg-editors"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"editors","launchTemplateName":"stg-editors","instanceTypes":["g4dn.xlarge","t3.large"],` +
		`"minAvailable":1,"maxAvailable":3,"maxSize":4,"warmState":"stopped","schedules":[` +
		`{"days":["MON","TUE","WED","FRI","SAT","SUN"],"start":"08:00","end":"20:00","timezone":"Asia/Tokyo","minAvailable":3},` +
		`{"days":["MON","TUE","WED","THU","FRI"],"start":"22:00","end":"02:00","timezone":"UTC","minAvailable":0}],` +
		`"stopAfterLogoffSeconds":3600,"stopAfterIdleSeconds":1800,"terminateAfterStoppedSeconds":0}`
	if string(got) != want {
		t.Errorf("ScalerSettings:\n got %s\nwant %s", got, want)
	}
	if s := a.Pools[1].ScalerSettings("x"); s.Schedules == nil || len(s.Schedules) != 0 {
		t.Errorf("no schedules should be an empty list: %#v", s.Schedules)
	}
}

func TestParseDays(t *testing.T) {
	for in, want := range map[string]string{
		"MON-FRI": "MON,TUE,WED,THU,FRI", "SAT,SUN": "SAT,SUN", "FRI-MON": "FRI,SAT,SUN,MON", "SUN": "SUN",
		"MON,MON-TUE": "MON,TUE", "MON-SUN": "MON,TUE,WED,THU,FRI,SAT,SUN",
	} {
		got, err := ParseDays(in)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("ParseDays(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseDays("MON-XYZ"); err == nil {
		t.Error("ParseDays accepted MON-XYZ")
	}
}
