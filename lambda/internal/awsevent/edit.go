package awsevent

import (
	"encoding/json"
	"strings"
)

// Edit returns the JSON object raw with each dotted path of edits ("detail.requestParameters.name")
// set to its value, creating objects on the way. The tests use it to vary the fixtures in testdata/
// instead of keeping a file per variant.
func Edit(raw []byte, edits map[string]any) ([]byte, error) {
	if len(edits) == 0 {
		return raw, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	for p, v := range edits {
		keys := strings.Split(p, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	return json.Marshal(doc)
}
