package config

import (
	"reflect"
	"slices"
	"testing"
)

// The defaults editbay deploys are themselves facts the data accepts: the default Config rules are
// managed rules without required parameters, and the default engine version is offered.
func TestDefaultsAreKnownToAWSData(t *testing.T) {
	for _, id := range append(slices.Clone(DefaultConfigRules), AccountRules...) {
		var ps Problems
		checkConfigRule(id, id, &ps)
		if len(ps) > 0 {
			t.Error(ps)
		}
	}
	f, _ := reflect.TypeFor[Database]().FieldByName("EngineVersion")
	var ps Problems
	checkEngineVersion(f.Tag.Get("default"), "engineVersion", &ps)
	if len(ps) > 0 {
		t.Error(ps)
	}
	for _, typ := range []string{"t3.medium", "g4dn.xlarge", "g5.xlarge"} {
		if !slices.Contains(awsFacts().InstanceTypes, typ) {
			t.Errorf("%s missing from awsdata.json", typ)
		}
	}
	if awsFacts().Source == "" || len(awsFacts().Regions) < 30 || len(awsFacts().Zones["eu-west-1"]) < 3 {
		t.Errorf("awsdata.json looks truncated: %s, %d regions", awsFacts().Source, len(awsFacts().Regions))
	}
}
