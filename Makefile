# Şəxsi kabinet: the citizen consent portal. `make help` lists the targets.
GO       ?= go
BIN      := bin/portal
ADDR     ?= 127.0.0.1:8080
DB       ?= data/portal.db

.PHONY: help run build test generate fmt lint bench clean

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

lint: ## go vet and the formatting check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

test: ## check generated code is current, lint, then run every test with the race detector
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ files were stale: commit them"; exit 1)
	@untracked=$$(git ls-files --others --exclude-standard -- '*_templ.go'); if [ -n "$$untracked" ]; then echo "uncommitted generated files: $$untracked"; exit 1; fi
	$(MAKE) lint
	$(GO) test -race -count=1 -shuffle=on ./...

bench: build ## measure the portal against baselines in one run (~8 min, loopback only): BENCHMARKS.md, bench/results.json
	$(GO) build -o bin/portalbench ./cmd/portalbench
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); \
	taskset -c 1 ./bin/portalbench run --portal $(BIN) --work bench/.work --reuse --out BENCHMARKS.md --json bench/results.json $(BENCHFLAGS)

clean: ## remove built files and the local database
	rm -rf bin data
