# editbay: synthesize, test and diff the CDK app. Quick start: `make synth`, then `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

# The pinned CDK CLI from package.json, never a global or floating one.
CDK := npx --no -- cdk
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false

# CONFIG=path/to/file.yaml chooses another installation; unset, the embedded default is synthesized.
CONFIG ?=
CONTEXT := $(if $(CONFIG),-c config=$(CONFIG))
# DIFF_BASE=<git revision> makes `make diff` compare with that revision's goldens (e.g. origin/main).
DIFF_BASE ?=

GO_FILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')

.PHONY: deps synth synth-isolated test e2e e2e-bench snapshot diff bench clean

node_modules/.package-lock.json: package.json package-lock.json
	npm ci

deps: node_modules/.package-lock.json
	go mod download

## synth: synthesize every stack of every environment into cdk.out (fails on a bad config or a finding)
synth: deps
	rm -rf cdk.out
	$(CDK) synth --quiet $(CONTEXT)
	@ls cdk.out/assembly-*/*.template.json

## synth-isolated: synth with no AWS variables, no HOME and no Go module downloads, as a proof that
## synthesis never reaches AWS or the network
synth-isolated: deps
	rm -rf cdk.out
	env -i PATH="$$PATH" HOME= GOCACHE="$$(go env GOCACHE)" GOMODCACHE="$$(go env GOMODCACHE)" GOPROXY=off GOTOOLCHAIN=local \
		NPM_CONFIG_CACHE="$$(mktemp -d)" NPM_CONFIG_UPDATE_NOTIFIER=false $(CDK) synth --quiet $(CONTEXT)

## test: vet, format check and every Go test (goldens compared, never rewritten)
test:
	go vet ./...
	@unformatted=$$(gofmt -l $(GO_FILES)); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go test ./...

## e2e: run every function's bootstrap (built like its asset, for this machine's architecture) under
## AWS's Lambda Runtime Interface Emulator against a moto server on loopback; needs moto_server
## (pip install 'moto[server]') and fails without it
e2e:
	go vet -tags e2e ./lambda/e2e
	E2E_REQUIRE_MOTO=1 go test -tags e2e -count=1 ./lambda/e2e

## e2e-bench: each bootstrap's size and init time under the emulator, and its warm invoke time,
## against a hello-world function built the same way
e2e-bench:
	E2E_REQUIRE_MOTO=1 go test -tags e2e -count=1 -run '^$$' -bench . -benchtime 10x ./lambda/e2e

## snapshot: rewrite the golden templates and the config schema on purpose; review `git diff` after
snapshot:
	UPDATE_SNAPSHOTS=1 go test -count=1 ./config ./config/suricata ./test -run 'TestSchemaInSync|TestGoldenTemplates|TestGeneratedRulesGolden'
	git status --short -- test/golden config/editbay.schema.json config/suricata/testdata

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

clean:
	rm -rf cdk.out cdk.out.masked
