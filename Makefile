# Orderflow — `make run` starts everything locally, `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash

TEMPORAL_VERSION := v1.5.1
TEMPORAL := bin/temporal
ORDERFLOW := bin/orderflow
BENCH := bin/orderflow-bench
CHAOS := bin/orderflow-chaos
SCALE := bin/orderflow-scale
PG_CLUSTER = $(shell ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/orderflow_test?sslmode=disable
GO_TEST_FLAGS ?= -race -count=1 -timeout 20m

export TEST_DATABASE_URL

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

.PHONY: run
run: $(TEMPORAL) build postgres ## Start the whole system: Temporal dev server + UI, migrations, demo data, API, worker
	./$(ORDERFLOW) dev

.PHONY: test
test: $(TEMPORAL) postgres chromium lint check-generated build ## Run every test (unit, Postgres, workflow, end to end, the desk in a browser)
	ORDERFLOW_BIN=$(CURDIR)/$(ORDERFLOW) go test $(GO_TEST_FLAGS) ./...

# The unit tests need neither Postgres nor a Temporal server: the rules are pure
# functions, and workflow tests mock their activities and replay recorded
# histories. Both addresses point at nothing, so a test that starts to need
# either fails here at once instead of quietly slowing this target down.
.PHONY: test-unit
test-unit: ## Run the fast tests in seconds: business rules, workflow unit and replay tests
	TEST_DATABASE_URL=postgres://nobody@127.0.0.1:1/no_database_in_unit_tests TEMPORAL_CLI=/nonexistent/no-temporal-in-unit-tests \
	  go test -count=1 ./commerce/... ./workflows/...

# Histories are recorded when the checkout workflow changes on purpose: one real
# checkout down each branch, on a real dev server, written to
# workflows/checkout/testdata/ for the replay test. Commit the result.
.PHONY: record-histories
record-histories: $(TEMPORAL) postgres ## Re-record every process's replay histories (checkout, quote, order, ERP push and pulls), one per branch
	RECORD_HISTORIES=1 go test -count=1 -run 'TestRecord(Checkout|Quote|Order|Erp|ErpPull)Histories' -v ./e2e/

.PHONY: bench
bench: $(TEMPORAL) build postgres ## Load-test local stacks; one table: orders/s, latency, ratios to bare Temporal, CPU per order per process
	go build -o $(BENCH) ./cmd/orderflow-bench
	./scripts/bench.sh

# A checkout's steps through the activities (BeginCheckout, ReserveSpend,
# ReserveInventory, AuthorizePayment, PlaceOrder) for a company with no earlier
# orders and for one with 100,000 this month, each in a database of its own:
# credit and spend are running totals, so the two stay level. Most of its
# minute or two is inserting the history. Figures in docs/performance.md.
BENCH_HISTORY_N ?= 200
.PHONY: bench-history
bench-history: postgres ## Benchmark a checkout's steps with 0 and 100,000 earlier orders of the company
	go test -run '^$$' -bench BenchmarkCheckoutWithHistory -benchtime $(BENCH_HISTORY_N)x -count=1 ./activities/

# The same requests on small data (the demo's and 2,000 SKUs, 2,000 orders of
# the scale generator) and on 100,000 SKUs, 1,000 companies and 1,000,000
# orders (loaded set-based in a few minutes; testenv/scaledata), each on a
# fresh stack of its own (ports 19080/19233, databases orderflow_scale_*):
# product and order lists p99, checkout p50, the ratio of each to the small
# data's, against issue 13's targets. Flags: SCALE_FLAGS (measure),
# SCALE_LOAD_FLAGS (load), SCALE_SMALL_LOAD_FLAGS (the small data's load;
# none: the demo data alone); SCALE_REUSE=1 keeps the loaded database. Figures
# in docs/performance.md.
.PHONY: bench-scale
bench-scale: $(TEMPORAL) build postgres ## Product/order lists p99 and checkout p50 on small data and on 1,000,000 orders; ratios against ≤ 2×
	go build -o $(SCALE) ./cmd/orderflow-scale
	./scripts/bench-scale.sh

# go test -fuzz takes one target of one package at a time, so each runs on its
# own for FUZZTIME (plain go test, and so make test, runs their seeds and every
# crasher kept under testdata/fuzz/). A crash stops here with the failing input
# written to that package's testdata/fuzz/<target>/: fix it and commit the file.
FUZZTIME ?= 20s
FUZZ_PACKAGES := ./commerce ./webhooks ./api

.PHONY: fuzz
fuzz: postgres ## Run every fuzz target for FUZZTIME each (default 20s): decoders, routes, webhooks, money, totals
	@set -e; for pkg in $(FUZZ_PACKAGES); do \
	  for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    go test $$pkg -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME); \
	  done; \
	done

# Orderflow as separate processes (2 serve, 2 worker, a file-persisted Temporal
# dev server, the sandbox ERP) on a fresh database orderflow_chaos, driven by
# storefront clients while a worker, an API server and Temporal are killed -9
# in turn. Prints a table; fails on a lost, doubled or stuck order or books
# that disagree. Extra flags: CHAOS_FLAGS="-duration 120s -clients 16".
.PHONY: chaos
chaos: $(TEMPORAL) build postgres ## Kill -9 workers, API servers and Temporal under load; prove nothing is lost, doubled or stuck
	go build -o $(CHAOS) ./cmd/orderflow-chaos
	./$(CHAOS) $(CHAOS_FLAGS)

.PHONY: build
build: ## Build bin/orderflow
	go build -o $(ORDERFLOW) ./cmd/orderflow

.PHONY: generate
generate: ## Regenerate the sqlc code in db/ from queries/ and db/migrations/
	go tool sqlc generate

.PHONY: check-generated
check-generated: ## Fail when the committed sqlc code is stale
	@go tool sqlc diff || { echo "db/ is stale: run 'make generate' and commit the result" >&2; exit 1; }

# staticcheck skips sqlc's generated files (they say "Code generated ... DO NOT
# EDIT"). workflowcheck follows every function under workflows/ that takes a
# workflow.Context, and what it calls, to non-deterministic code: the wall clock,
# sleeps, global randomness, stdio, goroutines, channels, ranging over a map.
.PHONY: lint
lint: ## gofmt, go mod tidy, go vet, staticcheck, workflowcheck, and the dependency rules between packages
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:" $$unformatted >&2; exit 1; fi
	@go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result" >&2; exit 1; }
	go vet ./...
	go tool staticcheck ./...
	go tool workflowcheck ./workflows/...
	./scripts/check-deps.sh

.PHONY: temporal
temporal: $(TEMPORAL) ## Build the Temporal CLI (dev server + Web UI) from its Go module into bin/

$(TEMPORAL):
	@echo "Building the Temporal CLI $(TEMPORAL_VERSION) into bin/ (once; a few minutes on a cold cache)"
	GOBIN=$(CURDIR)/bin go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

# The sales desk's browser tests (e2e/desk_test.go) drive Debian's chromium;
# without it they fail, never skip.
.PHONY: chromium
chromium: ## Install Debian's chromium for the desk's browser tests, when missing
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Screenshots of the desk for the README, taken by its browser tests.
.PHONY: screenshots
screenshots: $(TEMPORAL) postgres chromium ## Retake the desk's screenshots in docs/images/
	UPDATE_SCREENSHOTS=1 go test -count=1 -run 'TestDesk' ./e2e/

.PHONY: postgres
postgres: ## Start the local PostgreSQL if it is down
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Starting PostgreSQL $(PG_CLUSTER)"; \
	  pg_ctlcluster --skip-systemctl-redirect $(PG_CLUSTER) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@pg_isready -h 127.0.0.1 -p 5432

.PHONY: clean
clean: ## Remove built binaries (keeps bin/temporal, which is slow to build)
	rm -f $(ORDERFLOW) $(BENCH) $(CHAOS) $(SCALE)
