package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
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

// LoadOrDefault loads the config file at path, or the embedded default when path is "" (the
// commands' -config flag unset).
func LoadOrDefault(path string) (*Config, error) {
	if path == "" {
		return Default()
	}
	return Load(path)
}

// Default returns the embedded default config.
func Default() (*Config, error) { return Parse(DefaultYAML) }

// Parse decodes, defaults and validates a config. Its error is Problems, listing every problem found.
func Parse(data []byte) (*Config, error) {
	root, ps := parseDocument(data)
	if ps != nil {
		return nil, ps
	}
	c := &Config{}
	set := present{}
	decode(root, reflect.ValueOf(c).Elem(), "", set, &ps)
	applyDefaults(reflect.ValueOf(c).Elem(), "", set)
	decoded := slices.Clone(ps) // only problems of values that failed to decode hide later ones
	for _, p := range validate(c, set) {
		if !under(p.Path, decoded) { // a value that failed to decode is already reported
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// parseDocument reads the one YAML document of a config file. A second document would be silently
// ignored by a plain yaml.Unmarshal, so a file that holds more than one is refused.
func parseDocument(data []byte) (*yaml.Node, Problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, Problems{{Message: fmt.Sprintf("not valid YAML: %v", err)}}
	}
	if len(root.Content) == 0 {
		return nil, Problems{{Message: "the config is empty"}}
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return &root, nil
		case err != nil:
			return nil, Problems{{Message: fmt.Sprintf("not valid YAML: %v", err)}}
		case len(next.Content) > 0 && !isNull(next.Content[0]):
			return nil, Problems{{Message: fmt.Sprintf("a second YAML document starts at line %d; a config file holds one document (remove the --- separator or split the file)", next.Line)}}
		}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

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
