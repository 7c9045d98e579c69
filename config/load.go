package config

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultYAML is the installation synthesized when no config is chosen.
//
//go:embed default.yaml
var DefaultYAML []byte

// DefaultPath names the embedded default in messages.
const DefaultPath = "config/default.yaml (embedded)"

// Load reads, defaults and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Default returns the embedded default config.
func Default() (*Config, error) { return Parse(DefaultYAML) }

// Parse decodes, defaults and validates a config. Its error is Problems, listing every problem found.
func Parse(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{{Message: fmt.Sprintf("not valid YAML: %v", err)}}
	}
	c := &Config{}
	var ps Problems
	if len(root.Content) == 0 {
		ps.add("", "the config is empty")
		return nil, ps
	}
	decode(&root, reflect.ValueOf(c).Elem(), "", &ps)
	applyDefaults(reflect.ValueOf(c).Elem())
	for _, p := range validate(c) {
		if !under(p.Path, ps) { // a value that failed to decode is already reported
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

func under(path string, ps Problems) bool {
	for _, p := range ps {
		if path == p.Path || strings.HasPrefix(path, p.Path+".") || strings.HasPrefix(path, p.Path+"[") {
			return true
		}
	}
	return false
}

// CostTags returns the tags every taggable resource of environment e gets: the installation's tags,
// overridden by the environment's, plus Environment.
func (c *Config) CostTags(e Environment) map[string]string {
	tags := maps.Clone(c.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, e.Tags)
	tags[TagEnvironment] = e.Name
	return tags
}
