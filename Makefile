# editbay: synthesize, test and diff the CDK app. Quick start: `make synth`, then `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

# The pinned CDK CLI from package.json, never a global or floating one.
CDK := npx --no -- cdk
# The Node.js pinned beside it runs jsii in the Go tests too, as npx makes it run the CLI and the app.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
# The CLI's hint to name a stack after a quiet synth of several: every stack is in a stage, so it lists none.
QUIET := 2>&1 | { grep -v '^Supply a stack id' || true; }

# CONFIG=path/to/file.yaml chooses another installation; unset, the embedded default is synthesized.
CONFIG ?=
# STAGES=prod (or 'stg,account-*') builds and checks only those stages (environments, account-<id>).
STAGES ?=
CONTEXT := $(if $(CONFIG),-c config=$(CONFIG)) $(if $(STAGES),-c stages='$(STAGES)')
# STACKS selects the stacks deploy, diff-deployed and destroy act on, by CDK's stack paths
# (<stage>/<Stack>, as `make ls` prints them): '**' is every stack of every stage.
STACKS ?= **
# OUT is where synth writes the cloud assembly that deploy, diff-deployed and destroy then use.
OUT ?= cdk.out
# DIFF_BASE=<git revision> makes `make diff` compare with that revision's goldens (e.g. origin/main).
DIFF_BASE ?=

# The functions' packages are vetted and tested as their bootstraps are built (lambda/lambdabuild: no
# cgo, -trimpath, the lambda.norpc tag), so the AWS SDK is compiled once for the unit tests, the
# end-to-end suite and its bootstraps, instead of once for each (minutes each on an empty cache).
LAMBDA_GO := CGO_ENABLED=0 go
LAMBDA_FLAGS := -trimpath -tags lambda.norpc
NON_LAMBDA = $(shell go list ./... | grep -v '/lambda/')

GO_FILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')

.PHONY: deps synth synth-isolated ls deploy diff-deployed destroy lint test e2e e2e-bench snapshot diff bench cost cost-check cost-diff prices docs clean

node_modules/.package-lock.json: package.json package-lock.json
	npm ci

deps: node_modules/.package-lock.json
	@go mod download

## synth: synthesize every stack of every environment (or of STAGES) into OUT, default cdk.out; fails on
## a bad config or a cdk-nag finding
synth: deps
	@rm -rf $(OUT)
	$(CDK) synth --quiet $(CONTEXT) -o $(OUT) $(QUIET)

## synth-isolated: synth with no AWS variables, no HOME and no Go module downloads, as a proof that
## synthesis never reaches AWS or the network
synth-isolated: deps
	@rm -rf cdk.out
	env -i PATH="$$PATH" HOME= GOCACHE="$$(go env GOCACHE)" GOMODCACHE="$$(go env GOMODCACHE)" GOPROXY=off GOTOOLCHAIN=local \
		NPM_CONFIG_CACHE="$$(mktemp -d)" NPM_CONFIG_UPDATE_NOTIFIER=false $(CDK) synth --quiet $(CONTEXT) $(QUIET)

## ls: synthesize, then list the stack paths (the selectors of STACKS) with their CloudFormation names
ls: synth
	@$(CDK) ls --app $(OUT) '**'

# selected fails unless STACKS selects a stack of the assembly in $(OUT): the CLI's destroy exits 0
# when its selector matches nothing, and a typo should never look like success.
define selected
	@test -n "$$($(CDK) ls --app $(OUT) '$(STACKS)' 2>/dev/null)" || { \
		echo "editbay: STACKS='$(STACKS)' selects no stack. Selectors are stack paths, <stage>/<Stack>:" >&2; \
		$(CDK) ls --app $(OUT) '**' >&2; exit 1; }
endef

# with_credentials runs a CLI command that needs AWS credentials and, when it failed for want of
# them, says what to set (the CLI's own message names no remedy).
define with_credentials
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; echo "$(1)"; \
	if ! $(1) 2>&1 | tee "$$log"; then \
		if grep -qE 'Unable to resolve AWS account|no credentials have been configured|Could not load credentials|Unable to locate credentials|ExpiredToken|security token included in the request is (invalid|expired)' "$$log"; then \
			echo "editbay: no usable AWS credentials. Set AWS_PROFILE to a profile of the target account (after 'aws sso login --profile <name>' for IAM Identity Center), or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then run again. Stacks whose environment names no account deploy to the credentials' account." >&2; \
		fi; \
		exit 1; \
	fi
endef

## deploy: synthesize CONFIG, then deploy STACKS (default '**': every stack of every stage)
deploy: synth
	$(selected)
	$(call with_credentials,$(CDK) deploy --app $(OUT) '$(STACKS)')

## diff-deployed: CDK's diff of STACKS against the deployed stacks; fails without credentials
diff-deployed: synth
	$(selected)
	$(call with_credentials,$(CDK) diff --app $(OUT) '$(STACKS)')

## destroy: delete STACKS (asks first; production stacks need termination protection turned off)
destroy: synth
	$(selected)
	$(call with_credentials,$(CDK) destroy --app $(OUT) '$(STACKS)')

EXAMPLES := $(sort $(wildcard examples/*.yaml))

## lint: AWS's cfn-lint over every template of the default config and of each example, each template
## for its own region (ignored checks and their reasons: .cfnlintrc); synthesis also runs cdk-nag
lint: deps
	@command -v cfn-lint >/dev/null || { echo "make lint: cfn-lint is missing; install AWS's CloudFormation linter: pip install cfn-lint" >&2; exit 1; }
	rm -rf cdk.out.lint
	$(CDK) synth --quiet -o cdk.out.lint/default $(QUIET)
	for example in $(EXAMPLES); do \
		$(CDK) synth --quiet -c config=$$example -o cdk.out.lint/$$(basename $$example .yaml) $(QUIET); \
	done
	go run ./test/cfnlint cdk.out.lint/*

## test: vet, format check and every Go test (goldens compared, never rewritten); go test's own vet
## pass is off, as go vet above runs every analyzer it would
test: deps
	go vet $(NON_LAMBDA)
	$(LAMBDA_GO) vet $(LAMBDA_FLAGS) ./lambda/...
	@unformatted=$$(gofmt -l $(GO_FILES)); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(LAMBDA_GO) test -vet=off $(LAMBDA_FLAGS) ./lambda/...
	@# The test packages that synthesize run in parallel and each builds the functions for the assets'
	@# arm64; compiled once here first, the AWS SDK is not compiled by each of them on an empty cache.
	GOOS=linux GOARCH=arm64 $(LAMBDA_GO) build $(LAMBDA_FLAGS) ./lambda/...
	go test -vet=off $(NON_LAMBDA)

## e2e: run every function's bootstrap (built like its asset, for this machine's architecture) under
## AWS's Lambda Runtime Interface Emulator against a moto server on loopback; needs moto_server
## (pip install 'moto[server]') and fails without it
e2e:
	$(LAMBDA_GO) vet -trimpath -tags 'lambda.norpc e2e' ./lambda/e2e
	E2E_REQUIRE_MOTO=1 $(LAMBDA_GO) test -vet=off -trimpath -tags 'lambda.norpc e2e' -count=1 ./lambda/e2e

## e2e-bench: each bootstrap's size and init time under the emulator, and its warm invoke time,
## against a hello-world function built the same way
e2e-bench:
	E2E_REQUIRE_MOTO=1 $(LAMBDA_GO) test -trimpath -tags 'lambda.norpc e2e' -count=1 -run '^$$' -bench . -benchtime 10x ./lambda/e2e

## snapshot: rewrite the golden templates and the config schema on purpose; review `git diff` after
snapshot:
	UPDATE_SNAPSHOTS=1 go test -count=1 ./config ./config/suricata ./test ./test/routing ./test/catalog -run 'TestSchemaInSync|TestGoldenTemplates|TestGeneratedRulesGolden|TestHubRulesGolden|TestExampleGoldens|TestGoldens'
	git status --short -- test/golden test/routing/golden test/catalog/golden config/editbay.schema.json config/suricata/testdata product-stack-snapshots

## diff: CDK's own diff of each synthesized stack against its golden (or DIFF_BASE's golden)
diff: synth
	rm -rf cdk.out.masked && cp -r cdk.out cdk.out.masked
	find cdk.out.masked -name '*.template.json' -exec sed -i -E 's/[0-9a-f]{64}/<asset-hash>/g' {} +
	for golden in test/golden/*/*.template.json; do \
		stack=$${golden#test/golden/}; stack=$${stack%.template.json}; \
		old=$$golden; \
		if [ -n "$(DIFF_BASE)" ]; then \
			old=$$(mktemp); git show "$(DIFF_BASE):$$golden" > "$$old" 2>/dev/null || echo '{}' > "$$old"; \
		fi; \
		echo "=== $$stack (against $(if $(DIFF_BASE),$(DIFF_BASE):,)$$golden)"; \
		$(CDK) diff --app cdk.out.masked --exclusively --template "$$old" "$$stack"; \
	done

## bench: the synth benchmark of the default app against a one-bucket app
bench:
	go test ./test -run '^$$' -bench Synth -benchtime 5x -benchmem

## cost: the monthly estimate of CONFIG (default: the embedded default config) at on-demand list prices,
## by environment and component, with each pool's power plan against always-on (FORMAT=json or svg)
FORMAT ?= markdown
cost:
	@go run ./cost/cmd/estimate $(if $(CONFIG),-config $(CONFIG)) -format $(FORMAT)

## cost-check: estimate the default config and every example as JSON and recompute each one's totals
## from its parts
cost-check:
	@rm -rf cdk.out.cost && mkdir -p cdk.out.cost
	go build -o cdk.out.cost/estimate ./cost/cmd/estimate
	cdk.out.cost/estimate -format json > cdk.out.cost/default.json
	cdk.out.cost/estimate -check cdk.out.cost/default.json
	for example in $(EXAMPLES); do \
		name=$$(basename $$example .yaml); \
		cdk.out.cost/estimate -config $$example -format json > cdk.out.cost/$$name.json; \
		cdk.out.cost/estimate -check cdk.out.cost/$$name.json; \
	done

## cost-diff: the cost change of the default config and every example from DIFF_BASE (a git revision,
## default origin/main) to the working tree, as Markdown (CI posts it on pull requests)
cost-diff:
	@base=$(or $(DIFF_BASE),origin/main); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	go build -o "$$tmp/estimate" ./cost/cmd/estimate; \
	echo "<!-- editbay-cost-diff -->"; echo "## Monthly cost change against $$base"; echo; \
	for file in config/default.yaml $(EXAMPLES); do \
		git show "$$base:$$file" > "$$tmp/base.yaml" 2>/dev/null || : > "$$tmp/base.yaml"; \
		"$$tmp/estimate" -base "$$tmp/base.yaml" -config $$file -name $$file; echo; \
	done

## prices: refresh cost/prices.json from the AWS Price List API (needs AWS credentials; any account),
## and add the prices the default config and the examples need that the table lacks
prices:
	@rm -rf cdk.out.cost && mkdir -p cdk.out.cost
	go build -o cdk.out.cost/estimate ./cost/cmd/estimate
	cdk.out.cost/estimate -format unknown > cdk.out.cost/wanted.txt
	for example in $(EXAMPLES); do cdk.out.cost/estimate -config $$example -format unknown >> cdk.out.cost/wanted.txt; done
	go run ./cost/cmd/prices -want cdk.out.cost/wanted.txt

## docs: regenerate the default config's cost estimate, savings chart and architecture diagram in docs/
## and the README's cost summary; needs Graphviz (apt-get install graphviz). Tests fail when stale.
docs:
	go run ./cost/cmd/estimate -out docs/cost/default -readme README.md
	go run ./diagram/cmd/diagram > docs/architecture.dot
	@command -v dot >/dev/null || { echo "make docs: Graphviz's dot is missing: apt-get install graphviz" >&2; exit 1; }
	dot -Tsvg docs/architecture.dot | { IFS= read -r first; printf '%s\n<!-- rendered from architecture.dot sha256:%s -->\n' "$$first" "$$(sha256sum docs/architecture.dot | cut -d' ' -f1)"; cat; } > docs/architecture.svg

clean:
	rm -rf cdk.out cdk.out.masked cdk.out.lint cdk.out.cost
