package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/editbay/editbay/config"
	"github.com/editbay/editbay/stacks/assembly"
	"github.com/editbay/editbay/test/testapp"
)

// Two environments with concrete accounts share an account and region but use different zones. CDK
// would look the zones up for a concrete account; the stage answers from the config, so the assembly
// needs no lookup and each VPC uses exactly its configured zones. qa also has an access tier using
// the choices the default config does not: a certificate ARN, AMI IDs, PCoIP, an alias in a hosted
// zone and scaling on requests; it too must synthesize without a lookup or a finding.
const accountsConfig = `
project: acme
tags: {Project: acme, CostCenter: CC-9, Owner: ops}
allowedInstanceTypes: [m6i.large]
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
    access:
      broker:
        image: {ids: {eu-west-1: ami-0123456789abcdef0}}
        scaling: {metric: requestCount, target: 500}
        certificate: {arn: "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"}
      gateway:
        protocols: [pcoip]
        image: {ids: {eu-west-1: ami-0123456789abcdef0}}
      pools:
        - {name: render, instanceType: m6i.large, image: {os: windows, ids: {eu-west-1: ami-0fedcba9876543210}}, directoryGroup: render, maxSize: 2}
      directory:
        name: corp.acme.example
        edition: Enterprise
        radius: {servers: [10.2.0.50, 10.2.16.50], sharedSecretName: acme/radius, protocol: MS-CHAPv2}
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
	BuildSelected(app, cfg, environmentsOnly(cfg))
	app.Synth(nil)

	stacks, err := assembly.ReadStacks(dir) // fails if any context lookup is missing
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stacks {
		names = append(names, s.StackName)
	}
	if strings.Join(names, " ") != "acme-dev-network acme-qa-access acme-qa-network" {
		t.Fatalf("stacks %v: want dev's network, and qa's network and access tier", names)
	}
	findings, err := assembly.ReadFindings(dir)
	if err != nil || len(findings) > 0 {
		t.Fatalf("findings %v, err %v", findings, err)
	}
	for _, s := range []assembly.Stack{stacks[0], stacks[2]} { // the network stacks of dev and qa
		e := cfg.Environments[map[string]int{"acme-dev-network": 0, "acme-qa-network": 1}[s.StackName]]
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

	// qa's access tier takes the choices the default config leaves out.
	raw, err := os.ReadFile(stacks[1].TemplateFile)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var radius, cert []string
	var listeners []string
	for _, r := range tpl.Resources {
		p := r.Properties
		switch r.Type {
		case "Custom::DirectoryRadius":
			radius = append(radius, fmt.Sprintln(p["Servers"], p["Protocol"], p["SharedSecretName"], p["Port"], p["Retries"]))
		case "AWS::ElasticLoadBalancingV2::Listener":
			listeners = append(listeners, fmt.Sprint(p["Port"], "/", p["Protocol"]))
			if certs, ok := p["Certificates"].([]any); ok {
				cert = append(cert, fmt.Sprint(certs[0].(map[string]any)["CertificateArn"]))
			}
		}
	}
	if want := "[10.2.0.50 10.2.16.50] MS-CHAPv2 acme/radius 1812 4\n"; strings.Join(radius, "|") != want {
		t.Errorf("qa RADIUS resources %q, want %q", radius, want)
	}
	if want := "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"; strings.Join(cert, "|") != want {
		t.Errorf("qa HTTPS certificates %v, want %s", cert, want)
	}
	slices.Sort(listeners)
	if want := "4172/TCP_UDP 443/HTTPS 443/TCP 80/HTTP"; strings.Join(listeners, " ") != want {
		t.Errorf("qa listeners %v, want %s (PCoIP on the gateways)", listeners, want)
	}
}

// environmentsOnly selects the environment stages of cfg, without the account stages.
func environmentsOnly(cfg *config.Config) []string {
	var names []string
	for _, e := range cfg.Environments {
		names = append(names, e.Name)
	}
	return names
}
