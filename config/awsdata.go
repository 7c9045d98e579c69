package config

import (
	_ "embed"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
)

// awsdata.json holds the AWS facts values are checked against: regions, their zones, EC2 instance
// types, AWS Config managed rules and Aurora PostgreSQL versions. gen_awsdata.py derives it from
// botocore, moto and cfn-lint (its "source" field says which versions and when); rerun it after
// upgrading them. A value missing from a list fails validation, so a stale list shows as a refused
// new instance type or region: regenerate then.
//
//go:generate python3 gen_awsdata.py
//go:embed awsdata.json
var awsDataJSON []byte

type awsData struct {
	Source        string              `json:"source"`
	Regions       []string            `json:"regions"`
	Zones         map[string][]string `json:"zones"`
	InstanceTypes []string            `json:"instanceTypes"`
	// AppStreamInstanceTypes are the fleet and image builder types (stream.*) of any region.
	AppStreamInstanceTypes []string `json:"appStreamInstanceTypes"`
	// AuroraPostgresInstanceClasses are the DB instance classes of any region, without db.
	AuroraPostgresInstanceClasses []string `json:"auroraPostgresInstanceClasses"`
	// ConfigRules maps each managed rule identifier to its required parameters.
	ConfigRules            map[string][]string `json:"configRules"`
	AuroraPostgresVersions struct {
		Current    []string `json:"current"`
		Deprecated []string `json:"deprecated"`
	} `json:"auroraPostgresVersions"`
}

var awsFacts = sync.OnceValue(func() awsData {
	var d awsData
	if err := json.Unmarshal(awsDataJSON, &d); err != nil {
		panic("config: awsdata.json: " + err.Error()) // a broken checked-in file; every test catches it
	}
	return d
})

// checkListed reports a value missing from an AWS list (what names the list, e.g. "EC2 instance
// type"), with the closest listed value.
func checkListed(v string, known []string, what, p string, ps *Problems) bool {
	if v == "" || slices.Contains(known, v) {
		return true
	}
	ps.add(p, "%q is not an %s%s", v, what, suggest(v, slices.Values(known)))
	return false
}

// checkRegion reports a region AWS does not have.
func checkRegion(region, p string, ps *Problems) bool {
	return checkListed(region, awsFacts().Regions, "AWS region", p, ps)
}

// checkZone reports a zone name the region does not have. Regions without zone data are checked by
// pattern only (checkZones).
func checkZone(zone, region, p string, ps *Problems) {
	zones, ok := awsFacts().Zones[region]
	if ok && strings.HasPrefix(zone, region) && !slices.Contains(zones, zone) {
		ps.add(p, "%q is not a zone of region %q (%s)", zone, region, strings.Join(zones, ", "))
	}
}

// checkInstanceType reports an EC2 instance type that does not exist.
func checkInstanceType(t, p string, ps *Problems) {
	checkListed(t, awsFacts().InstanceTypes, "EC2 instance type", p, ps)
}

// checkConfigRule reports an identifier that is not an AWS Config managed rule, or a rule editbay
// cannot deploy because it needs parameters (configRules lists identifiers only).
func checkConfigRule(id, p string, ps *Problems) {
	params, ok := awsFacts().ConfigRules[id]
	switch {
	case !ok:
		ps.add(p, "%q is not an AWS Config managed rule identifier%s", id, suggest(id, maps.Keys(awsFacts().ConfigRules)))
	case len(params) > 0:
		ps.add(p, "%q needs the parameters %s, which configRules cannot pass; deploy this rule outside editbay", id, strings.Join(params, ", "))
	}
}

// checkEngineVersion reports an Aurora PostgreSQL version AWS does not offer for new clusters.
func checkEngineVersion(v, p string, ps *Problems) {
	av := awsFacts().AuroraPostgresVersions
	switch {
	case v == "" || slices.Contains(av.Current, v):
	case slices.Contains(av.Deprecated, v):
		ps.add(p, "%q is deprecated: AWS no longer creates Aurora PostgreSQL clusters of it (offered: %s)", v, offeredVersions(v))
	default:
		ps.add(p, "%q is not an Aurora PostgreSQL version AWS offers (offered: %s)", v, offeredVersions(v))
	}
}

// offeredVersions lists the current versions of v's major version, or of every major when AWS
// offers none of v's.
func offeredVersions(v string) string {
	major, _, _ := strings.Cut(v, ".")
	var same []string
	for _, c := range awsFacts().AuroraPostgresVersions.Current {
		if strings.HasPrefix(c, major+".") {
			same = append(same, c)
		}
	}
	if len(same) == 0 {
		same = awsFacts().AuroraPostgresVersions.Current
	}
	return strings.Join(same, ", ")
}
