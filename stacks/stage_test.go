package stacks

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/test/testapp"
)

// Two environments with concrete accounts share an account and region but use different zones. CDK
// would look the zones up for a concrete account; the stage answers from the config, so the assembly
// needs no lookup and each VPC uses exactly its configured zones.
const accountsConfig = `
project: acme
tags: {Project: acme, CostCenter: CC-9, Owner: ops}
environments:
  - name: dev
    account: "111122223333"
    region: eu-west-1
    availabilityZones: [eu-west-1a, eu-west-1b]
    clientCidrs: [198.51.100.0/24]
    network: {vpcCidr: 10.1.0.0/16, natMode: single}
  - name: qa
    account: "111122223333"
    region: eu-west-1
    availabilityZones: [eu-west-1b, eu-west-1c]
    clientCidrs: [198.51.100.0/24]
    tags: {Owner: qa-team}
    network:
      vpcCidr: 10.2.0.0/16
      additionalInterfaceEndpoints: [logs]
`

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestConcreteAccountsNeedNoLookups(t *testing.T) {
	cfg, err := config.Parse([]byte(accountsConfig))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app, err := testapp.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	Build(app, cfg)
	app.Synth(nil)

	stacks, err := ReadStacks(dir) // fails if any context lookup is missing
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 2 {
		t.Fatalf("%d stacks", len(stacks))
	}
	findings, err := ReadFindings(dir)
	if err != nil || len(findings) > 0 {
		t.Fatalf("findings %v, err %v", findings, err)
	}
	for i, s := range stacks { // sorted by display name: dev, qa
		e := cfg.Environments[i]
		if s.Environment != "aws://111122223333/eu-west-1" || s.StackName != "acme-"+e.Name+"-network" {
			t.Errorf("%s: environment %s, name %s", s.DisplayName, s.Environment, s.StackName)
		}
		if s.Tags["Owner"] != map[string]string{"dev": "ops", "qa": "qa-team"}[e.Name] || s.Tags["Environment"] != e.Name {
			t.Errorf("%s: tags %v", s.DisplayName, s.Tags)
		}
		raw, err := os.ReadFile(s.TemplateFile)
		if err != nil {
			t.Fatal(err)
		}
		tpl := string(raw)
		for _, az := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
			if want := strings.Contains(strings.Join(e.AvailabilityZones, " "), az); strings.Contains(tpl, `"`+az+`"`) != want {
				t.Errorf("%s: zone %s used: %v, configured: %v", s.DisplayName, az, !want, want)
			}
		}
		if want := e.Name == "qa"; strings.Contains(tpl, "com.amazonaws.eu-west-1.logs") != want {
			t.Errorf("%s: logs endpoint present = %v, want %v", s.DisplayName, !want, want)
		}
	}
}
