package config

import (
	"slices"
	"testing"
	"time"
)

// catalogBase is the post-production example: a catalog with both products in an environment with
// an access tier, governed (so the Developers group exists).
func catalogBase(t *testing.T) string { return readExample(t, "post-production.yaml") }

func TestCatalogDefaults(t *testing.T) {
	c, err := Parse([]byte(catalogBase(t)))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Environments[0]
	if got := c.CatalogProducts(e); !slices.Equal(got, []string{ProductWorkstation, ProductProjectBucket}) {
		t.Errorf("products %v", got)
	}
	if got := c.CatalogName(e); got != "postco prod self-service" {
		t.Errorf("name %q", got)
	}
	if got := e.Catalog.Audience.Groups; !slices.Equal(got, []string{AudienceDevelopers}) {
		t.Errorf("audience %v", got)
	}
	// The pools with Windows SSM images, their types and fallbacks; the first pool's power plan.
	if got := c.CatalogInstanceTypes(e); !slices.Equal(got, []string{"g4dn.2xlarge", "g5.2xlarge", "g5.xlarge", "g6.xlarge"}) {
		t.Errorf("instance types %v", got)
	}
	if got := c.CatalogRootDevice(e); got != "/dev/sda1" {
		t.Errorf("root device %q", got)
	}
	if got := c.CatalogStopAfterIdle(e); got != 3*time.Hour {
		t.Errorf("stop after idle %v", got)
	}
	// Unset tag options are the environment's cost tags.
	y := replaceIn(t, catalogBase(t), "      tagOptions:\n        Project: [postco, postco-features, postco-commercials]\n        CostCenter: [PP-4100, PP-4200]\n        Owner: [pipeline-team, editorial, vfx]\n", "")
	c, err = Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CatalogTagOptions(c.Environments[0]); !slices.Equal(got["CostCenter"], []string{"PP-4100"}) || !slices.Equal(got["Owner"], []string{"pipeline-team"}) {
		t.Errorf("default tag options %v", got)
	}
}

func TestCatalogValidation(t *testing.T) {
	base := catalogBase(t)
	mut := func(old, new string) string { return replaceIn(t, base, old, new) }
	const cat = "      enabled: true\n      description: Approved building blocks for post-production projects\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"no audience", mut("audience: {groups: [developers]}", "audience: {groups: []}"), []string{`environments[0].catalog.audience: names no group or role`}},
		{"groups without governance", base + "governance: {enabled: false}\n", []string{`environments[0].catalog.audience.groups: [developers] are governance's IAM groups`}},
		{"unknown group", mut("audience: {groups: [developers]}", "audience: {groups: [artists]}"), []string{`environments[0].catalog.audience.groups[0]: "artists" is not one of admin, developers, operators`}},
		{"group twice", mut("audience: {groups: [developers]}", "audience: {groups: [developers, developers]}"), []string{`environments[0].catalog.audience.groups[1]: "developers" is listed twice`}},
		{"topic in another region", mut(cat, cat+"      notificationTopicArn: arn:aws:sns:us-east-1:123456789012:launches\n"), []string{`environments[0].catalog.notificationTopicArn: "arn:aws:sns:us-east-1:123456789012:launches" is not in the environment's account and region`}},
		{"bad topic", mut(cat, cat+"      notificationTopicArn: launches\n"), []string{`environments[0].catalog.notificationTopicArn: "launches" does not match`}},
		{"missing cost tag option", mut("        Owner: [pipeline-team, editorial, vfx]\n", ""), []string{`environments[0].catalog.tagOptions.Owner: the mandatory cost tag needs at least one allowed value`}},
		{"reserved tag key", mut("        Owner: [pipeline-team, editorial, vfx]\n", "        Owner: [pipeline-team]\n        aws:x: [y]\n"), []string{`environments[0].catalog.tagOptions.aws:x: the prefix of "aws:x" is reserved`}},
		{"bad tag value", mut("[PP-4100, PP-4200]", "[PP-4100, \"PP#4200\"]"), []string{`environments[0].catalog.tagOptions.CostCenter[1]: "PP#4200": tag option values`}},
		{"tag value twice", mut("[PP-4100, PP-4200]", "[PP-4100, PP-4100]"), []string{`environments[0].catalog.tagOptions.CostCenter[1]: "PP-4100" is listed twice`}},
		{"no products", mut(cat, cat+"      products: []\n"), []string{`environments[0].catalog.products: offers nothing`}},
		{"unknown product", mut(cat, cat+"      products: [database]\n"), []string{`environments[0].catalog.products[0]: "database" is not one of workstation, project-bucket`}},
		{"name too long", mut(cat, cat+"      name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"), []string{`environments[0].catalog.name: the portfolio name`}},
		{"provider name too long", mut(cat, cat+"      providerName: the platform team of the post-production studio in London\n"), []string{`environments[0].catalog.providerName: must have 1 to 50 characters`}},
		{"unknown pool", mut(cat, cat+"      workstation: {pools: [colorists]}\n"), []string{`environments[0].catalog.workstation.pools[0]: "colorists" is not a pool of this environment`}},
		{"type not allowed", mut(cat, cat+"      workstation: {instanceTypes: [p4d.24xlarge]}\n"), []string{`environments[0].catalog.workstation.instanceTypes[0]: "p4d.24xlarge" is not in allowedInstanceTypes`}},
		{"volume outside its bounds", mut(cat, cat+"      workstation: {minVolumeGiB: 200, volumeGiB: 100}\n"), []string{`environments[0].catalog.workstation.volumeGiB: 100 is not between minVolumeGiB 200 and maxVolumeGiB 1000`}},
		{"bad idle delay", mut(cat, cat+"      workstation: {stopAfterIdle: 10s}\n"), []string{`environments[0].catalog.workstation.stopAfterIdle: "10s" is below the minimum`}},
		{"current version listed as previous", mut(cat, cat+"      workstation: {version: v2, previousVersions: [v1, v2]}\n"), []string{`environments[0].catalog.workstation.previousVersions: lists the current version "v2"`}},
		{"bad version name", mut("        noncurrentVersionDays: [30, 90, 365]\n", "        noncurrentVersionDays: [30, 90, 365]\n        version: first\n"), []string{`environments[0].catalog.projectBucket.version: "first" does not match`}},
		{"no retention choice", mut("noncurrentVersionDays: [30, 90, 365]", "noncurrentVersionDays: []"), []string{`environments[0].catalog.projectBucket.noncurrentVersionDays: offers no choice`}},
		{"retention twice", mut("noncurrentVersionDays: [30, 90, 365]", "noncurrentVersionDays: [30, 30]"), []string{`environments[0].catalog.projectBucket.noncurrentVersionDays[1]: 30 is listed twice`}},
		{"unknown key", mut(cat, cat+"      portfolio: x\n"), []string{`environments[0].catalog.portfolio: unknown key`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				return
			}
			assertProblems(t, tc.yaml, tc.want...)
		})
	}
}
