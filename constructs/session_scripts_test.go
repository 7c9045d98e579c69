package constructs

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"
)

// config.json has the documented shape ("Session Scripts Configuration File", AppStream 2.0
// Administration Guide): SessionStart and SessionTermination, each with executables (at most one per
// context, user and system) of context, filename, arguments and s3LogEnabled, and a waitingTime of at
// most 60 seconds; and each script it names is generated.
func TestSessionScriptsConfigShape(t *testing.T) {
	for _, platform := range []string{PlatformWindows, PlatformLinux} {
		t.Run(platform, func(t *testing.T) {
			files := SessionScriptFiles(platform, "data-bucket", "data/")
			var doc map[string]map[string]any
			if err := json.Unmarshal([]byte(files["config.json"]), &doc); err != nil {
				t.Fatal(err)
			}
			if keys := sortedKeys(doc); !slices.Equal(keys, []string{"SessionStart", "SessionTermination"}) {
				t.Fatalf("events %v", keys)
			}
			for event, body := range doc {
				if keys := sortedKeys(body); !slices.Equal(keys, []string{"executables", "waitingTime"}) {
					t.Errorf("%s: keys %v", event, keys)
				}
				if w, ok := body["waitingTime"].(float64); !ok || w != float64(int(w)) || w < 1 || w > 60 {
					t.Errorf("%s: waitingTime %v", event, body["waitingTime"])
				}
				exes := body["executables"].([]any)
				var contexts []string
				for _, x := range exes {
					exe := x.(map[string]any)
					if keys := sortedKeys(exe); !slices.Equal(keys, []string{"arguments", "context", "filename", "s3LogEnabled"}) {
						t.Errorf("%s: executable keys %v", event, keys)
					}
					contexts = append(contexts, exe["context"].(string))
					name, args := exe["filename"].(string), exe["arguments"].(string)
					if exe["s3LogEnabled"] != true || len(name) > 1000 {
						t.Errorf("%s: executable %v", event, exe)
					}
					script := name
					switch platform {
					case PlatformWindows:
						if !strings.HasPrefix(name, `C:\`) || !strings.HasSuffix(name, ".exe") {
							t.Errorf("%s: filename %q", event, name)
						}
						_, after, ok := strings.Cut(args, `-File C:\AppStream\SessionScripts\`)
						if !ok {
							t.Fatalf("%s: arguments %q run no script", event, args)
						}
						script = strings.ReplaceAll(strings.Fields(after)[0], `\`, "/")
					case PlatformLinux:
						if !path.IsAbs(name) {
							t.Errorf("%s: filename %q is not absolute", event, name)
						}
						script = strings.TrimPrefix(name, "/opt/appstream/SessionScripts/")
					}
					body, ok := files[script]
					if !ok {
						t.Errorf("%s: %s names %s, which is not generated", event, exe["context"], script)
						continue
					}
					if platform == PlatformLinux && !strings.HasPrefix(body, "#!/bin/bash\n") {
						t.Errorf("%s has no interpreter line", script)
					}
					switch {
					case event == "SessionStart" && exe["context"] == "user":
						for _, want := range []string{"aws s3 sync", "--profile appstream_machine_role"} {
							if !strings.Contains(body, want) {
								t.Errorf("%s lacks %q", script, want)
							}
						}
						if !strings.Contains(args, "data-bucket") || !strings.Contains(args, "data/") {
							t.Errorf("%s is not given the bucket and prefix: %q", script, args)
						}
					case event == "SessionTermination":
						if !strings.Contains(body, "Remove-Item -LiteralPath $data -Recurse -Force") && !strings.Contains(body, "rm -rf --") {
							t.Errorf("%s does not wipe the data", script)
						}
					}
				}
				slices.Sort(contexts)
				if !slices.Equal(contexts, []string{"system", "user"}) {
					t.Errorf("%s: contexts %v, want one system and one user", event, contexts)
				}
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
