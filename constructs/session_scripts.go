package constructs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Session-script platforms: AppStream looks for config.json in a fixed place on each.
const (
	PlatformWindows = "windows" // C:\AppStream\SessionScripts\config.json
	PlatformLinux   = "linux"   // /opt/appstream/SessionScripts/config.json
)

// SessionScriptsConfig is AppStream's session-script config.json ("Session Scripts Configuration
// File" in the AppStream 2.0 Administration Guide).
type SessionScriptsConfig struct {
	SessionStart       SessionScriptEvent `json:"SessionStart"`
	SessionTermination SessionScriptEvent `json:"SessionTermination"`
}

// SessionScriptEvent is the scripts of one session event: at most one per context.
type SessionScriptEvent struct {
	Executables []SessionScriptExecutable `json:"executables"`
	// WaitingTime is the most seconds the scripts may run (AppStream allows at most 60).
	WaitingTime int `json:"waitingTime"`
}

// SessionScriptExecutable is one script run in the user's or the system's context.
type SessionScriptExecutable struct {
	Context      string `json:"context"`
	Filename     string `json:"filename"`
	Arguments    string `json:"arguments"`
	S3LogEnabled bool   `json:"s3LogEnabled"`
}

// machineRoleProfile is the AWS CLI profile AppStream gives session scripts for the fleet's role.
const machineRoleProfile = "appstream_machine_role"

// Where the scripts and the session's copy of the data live on each platform. The user-context
// scripts resolve the user's home themselves; the system-context wipe names it (AppStream's
// streaming users are PhotonUser on Windows and as2-streaming-user on Linux).
var (
	windowsDir        = `C:\AppStream\SessionScripts\editbay`
	windowsPowerShell = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	linuxDir          = "/opt/appstream/SessionScripts/editbay"
)

// SessionScriptFiles returns the files of a platform, by path relative to the SessionScripts folder:
// config.json and the scripts. At session start the user-context script copies the data prefix of
// bucket into the session with `aws s3 sync --profile appstream_machine_role`; at termination the
// user-context script deletes that copy and the system-context script deletes it again as a backstop,
// so nothing of the data outlives the session. bucket may be a CDK token.
func SessionScriptFiles(platform, bucket, prefix string) map[string]string {
	files := map[string]string{}
	var cfg SessionScriptsConfig
	switch platform {
	case PlatformWindows:
		ps := func(script, args string) string {
			return strings.TrimSpace(fmt.Sprintf(`-NoProfile -NonInteractive -ExecutionPolicy Bypass -File %s\%s %s`, windowsDir, script, args))
		}
		exe := func(context, script, args string) SessionScriptExecutable {
			return SessionScriptExecutable{Context: context, Filename: windowsPowerShell, Arguments: ps(script, args), S3LogEnabled: true}
		}
		cfg = SessionScriptsConfig{
			SessionStart: SessionScriptEvent{WaitingTime: 60, Executables: []SessionScriptExecutable{
				exe("system", "system-start.ps1", ""),
				exe("user", "user-start.ps1", fmt.Sprintf("-Bucket %s -Prefix %s", bucket, prefix)),
			}},
			SessionTermination: SessionScriptEvent{WaitingTime: 30, Executables: []SessionScriptExecutable{
				exe("system", "system-end.ps1", ""),
				exe("user", "user-end.ps1", ""),
			}},
		}
		files["editbay/system-start.ps1"] = windowsSystemStart
		files["editbay/user-start.ps1"] = windowsUserStart
		files["editbay/user-end.ps1"] = windowsUserEnd
		files["editbay/system-end.ps1"] = windowsSystemEnd
	case PlatformLinux:
		exe := func(context, script, args string) SessionScriptExecutable {
			return SessionScriptExecutable{Context: context, Filename: linuxDir + "/" + script, Arguments: args, S3LogEnabled: true}
		}
		cfg = SessionScriptsConfig{
			SessionStart: SessionScriptEvent{WaitingTime: 60, Executables: []SessionScriptExecutable{
				exe("system", "system-start.sh", ""),
				exe("user", "user-start.sh", bucket+" "+prefix),
			}},
			SessionTermination: SessionScriptEvent{WaitingTime: 30, Executables: []SessionScriptExecutable{
				exe("system", "system-end.sh", ""),
				exe("user", "user-end.sh", ""),
			}},
		}
		files["editbay/system-start.sh"] = linuxSystemStart
		files["editbay/user-start.sh"] = linuxUserStart
		files["editbay/user-end.sh"] = linuxUserEnd
		files["editbay/system-end.sh"] = linuxSystemEnd
	default:
		panic("SessionScriptFiles: unknown platform " + platform)
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(err)
	}
	files["config.json"] = string(out) + "\n"
	return files
}

const windowsSystemStart = `# editbay session start (system context): nothing of a previous session may remain.
$ErrorActionPreference = 'Stop'
$data = 'C:\Users\PhotonUser\EditbayData'
if (Test-Path $data) { Remove-Item -LiteralPath $data -Recurse -Force }
Write-Output "editbay: session $env:AppStream_Session_ID starting on a clean instance"
`

const windowsUserStart = `# editbay session start (user context): copy the confidential data prefix into the session.
param([Parameter(Mandatory)][string]$Bucket, [Parameter(Mandatory)][string]$Prefix)
$ErrorActionPreference = 'Stop'
$data = Join-Path $env:USERPROFILE 'EditbayData'
New-Item -ItemType Directory -Force -Path $data | Out-Null
aws s3 sync "s3://$Bucket/$Prefix" $data --profile appstream_machine_role --only-show-errors --no-progress
if ($LASTEXITCODE -ne 0) { throw "aws s3 sync failed with exit code $LASTEXITCODE" }
Write-Output "editbay: copied s3://$Bucket/$Prefix to $data"
`

const windowsUserEnd = `# editbay session termination (user context): wipe the session's copy of the data.
$ErrorActionPreference = 'Stop'
$data = Join-Path $env:USERPROFILE 'EditbayData'
if (Test-Path $data) { Remove-Item -LiteralPath $data -Recurse -Force }
Write-Output "editbay: removed $data"
`

const windowsSystemEnd = `# editbay session termination (system context): backstop wipe in case the user script was stopped.
$ErrorActionPreference = 'Continue'
$data = 'C:\Users\PhotonUser\EditbayData'
if (Test-Path $data) { Remove-Item -LiteralPath $data -Recurse -Force }
Write-Output "editbay: session $env:AppStream_Session_ID ended, data wiped"
`

const linuxSystemStart = `#!/bin/bash
# editbay session start (system context): nothing of a previous session may remain.
set -euo pipefail
rm -rf -- /home/as2-streaming-user/editbay-data
echo "editbay: session starting on a clean instance"
`

const linuxUserStart = `#!/bin/bash
# editbay session start (user context): copy the confidential data prefix into the session.
set -euo pipefail
bucket="$1" prefix="$2"
data="$HOME/editbay-data"
mkdir -p -m 700 -- "$data"
aws s3 sync "s3://$bucket/$prefix" "$data" --profile appstream_machine_role --only-show-errors --no-progress
echo "editbay: copied s3://$bucket/$prefix to $data"
`

const linuxUserEnd = `#!/bin/bash
# editbay session termination (user context): wipe the session's copy of the data.
set -euo pipefail
rm -rf -- "$HOME/editbay-data"
echo "editbay: removed $HOME/editbay-data"
`

const linuxSystemEnd = `#!/bin/bash
# editbay session termination (system context): backstop wipe in case the user script was stopped.
rm -rf -- /home/as2-streaming-user/editbay-data
echo "editbay: session ended, data wiped"
`

// SessionScriptsProps configures SessionScripts.
type SessionScriptsProps struct {
	// Destination receives the files under <prefix><platform>/, for the image builder to copy into
	// the image's SessionScripts folder. Required.
	Destination awss3.IBucket
	// DataBucket and DataPrefix are what the start scripts copy into each session. Required.
	DataBucket awss3.IBucket
	DataPrefix string
	// Prefix of the published files.
	// default: "session-scripts/"
	Prefix string
	// LogGroup receives the publishing handler's logs.
	// default: one CDK creates, unencrypted
	LogGroup awslogs.ILogGroup
}

// NewSessionScripts generates the Windows and Linux session scripts and publishes them with CDK's
// prebuilt BucketDeployment handler (no Docker needed). It returns the deployment.
func NewSessionScripts(scope awsconstructs.Construct, id string, props *SessionScriptsProps) awss3deployment.BucketDeployment {
	if props == nil || props.Destination == nil || props.DataBucket == nil || props.DataPrefix == "" {
		panic("NewSessionScripts: Destination, DataBucket and DataPrefix are required")
	}
	prefix := props.Prefix
	if prefix == "" {
		prefix = "session-scripts/"
	}
	var sources []awss3deployment.ISource
	for _, platform := range []string{PlatformWindows, PlatformLinux} {
		files := SessionScriptFiles(platform, *props.DataBucket.BucketName(), props.DataPrefix)
		keys := make([]string, 0, len(files))
		for k := range files {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sources = append(sources, awss3deployment.Source_Data(jsii.String(platform+"/"+k), jsii.String(files[k]), nil))
		}
	}
	return awss3deployment.NewBucketDeployment(scope, &id, &awss3deployment.BucketDeploymentProps{
		DestinationBucket:    props.Destination,
		DestinationKeyPrefix: jsii.String(prefix),
		Sources:              &sources,
		// Deleting the scripts would not change images already built from them.
		Prune:          jsii.Bool(true),
		RetainOnDelete: jsii.Bool(false),
		LogGroup:       props.LogGroup,
	})
}
