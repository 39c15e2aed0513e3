# Şəxsi kabinet: the citizen consent portal. `make help` lists the targets.
# The Go toolchain: go1.27.3, which go.mod requires. A machine's own Go (GOTOOLCHAIN=local) is older and has
# standard-library vulnerabilities (issue 7); naming the version makes the go command fetch that toolchain
# through the module proxy once, like a module, and use it for everything: builds, tests, tools, gofmt.
export GOTOOLCHAIN ?= go1.27.3
GO       ?= go
GOFMT    := $(shell GOTOOLCHAIN=$(GOTOOLCHAIN) $(GO) env GOROOT)/bin/gofmt
BIN      := bin/portal
ADDR     ?= 127.0.0.1:8080
DB       ?= data/portal.db
# axe-core checks the pages' accessibility in the browser journeys (web/browser). It is not committed: the
# pinned version is installed from the npm registry into its own folder under .cache/ (ignored by git).
AXE_VERSION := 4.14.1
AXE_DIR     := .cache/axe-$(AXE_VERSION)
AXE_JS      := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: help run build test generate fmt lint bench clean axe fuzz crash

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: build ## build and start the portal with demo data at http://127.0.0.1:8080
	./$(BIN) serve --demo --dev --addr $(ADDR) --db $(DB)

build: ## build bin/portal
	$(GO) build -o $(BIN) ./cmd/portal

generate: ## regenerate the templ components
	$(GO) tool templ generate

fmt: ## format the code
	$(GOFMT) -w $$(git ls-files '*.go')
	$(GO) tool templ fmt views

lint: ## go vet, the formatting check and govulncheck (skipped, saying so, when no vulnerability database is reachable)
	$(GO) vet ./...
	@out=$$($(GOFMT) -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@bash scripts/vulncheck.sh

test: ## check generated code is current, lint, then run every test with the race detector
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ files were stale: commit them"; exit 1)
	@untracked=$$(git ls-files --others --exclude-standard -- '*_templ.go'); if [ -n "$$untracked" ]; then echo "uncommitted generated files: $$untracked"; exit 1; fi
	$(MAKE) lint
	$(MAKE) axe
	PORTAL_AXE_JS=$(if $(wildcard $(AXE_JS)),$(abspath $(AXE_JS))) $(GO) test -race -count=1 -shuffle=on ./...

axe: ## install the pinned axe-core for the accessibility checks (npm; nothing to do once installed)
	@if [ -f $(AXE_JS) ]; then exit 0; fi; \
	if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$CI" = true ]; then echo "npm not found: needed for axe-core in CI"; exit 1; fi; \
		echo "npm not found: the browser journeys will skip their accessibility checks"; exit 0; \
	fi; \
	npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix $(AXE_DIR) axe-core@$(AXE_VERSION) && test -f $(AXE_JS) || { \
		if [ "$$CI" = true ]; then exit 1; fi; \
		echo "could not install axe-core $(AXE_VERSION): the browser journeys will skip their accessibility checks"; \
	}

fuzz: ## run each fuzz test for FUZZTIME (default 30s); new failing inputs land in testdata/fuzz
	@for f in FuzzParseFIN FuzzParseVOEN FuzzAuditCanonical; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} . || exit 1; done
	@for f in FuzzAPICreateRequest FuzzConsentGrantForm FuzzAdminCompanyForm; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} ./web || exit 1; done

crash: ## the kill-and-restart test with more cycles (CYCLES, default 200)
	$(GO) test -count=1 -run TestCrash ./cmd/portal -crash-cycles $${CYCLES:-200} -v

bench: build ## measure the portal against baselines in one run (~6 min, loopback only): BENCHMARKS.md, bench/results.json
	$(GO) build -o bin/portalbench ./cmd/portalbench
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); \
	taskset -c 1 ./bin/portalbench run --portal $(BIN) --work bench/.work --reuse --out BENCHMARKS.md --json bench/results.json $(BENCHFLAGS)

clean: ## remove built files, the local database and the benchmark templates
	rm -rf bin data bench/.work
