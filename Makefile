# Şəxsi kabinet: the citizen consent portal. `make help` lists the targets.
GO       ?= go
BIN      := bin/portal
ADDR     ?= 127.0.0.1:8080
DB       ?= data/portal.db

.PHONY: help run build test generate fmt lint bench clean fuzz crash

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: build ## build and start the portal with demo data at http://127.0.0.1:8080
	./$(BIN) serve --demo --dev --addr $(ADDR) --db $(DB)

build: ## build bin/portal
	$(GO) build -o $(BIN) ./cmd/portal

generate: ## regenerate the templ components
	$(GO) tool templ generate

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool templ fmt views

lint: ## go vet, the formatting check and govulncheck (skipped, saying so, when no vulnerability database is reachable)
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@bash scripts/vulncheck.sh

test: ## check generated code is current, lint, then run every test with the race detector
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ files were stale: commit them"; exit 1)
	@untracked=$$(git ls-files --others --exclude-standard -- '*_templ.go'); if [ -n "$$untracked" ]; then echo "uncommitted generated files: $$untracked"; exit 1; fi
	$(MAKE) lint
	$(GO) test -race -count=1 -shuffle=on ./...

fuzz: ## run each fuzz test for FUZZTIME (default 30s); new failing inputs land in testdata/fuzz
	@for f in FuzzParseFIN FuzzParseVOEN FuzzAuditCanonical; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} . || exit 1; done
	@for f in FuzzAPICreateRequest FuzzConsentGrantForm FuzzAdminCompanyForm; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} ./web || exit 1; done

crash: ## the kill-and-restart test with more cycles (CYCLES, default 200)
	$(GO) test -count=1 -run TestCrash ./cmd/portal -crash-cycles $${CYCLES:-200} -v

clean: ## remove built files and the local database
	rm -rf bin data
