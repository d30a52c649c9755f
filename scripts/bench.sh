#!/usr/bin/env bash
# make bench: for each checkout path — plain (no B2B policies) and with every
# policy in the path — start a fresh local stack of its own (in-memory Temporal
# dev server, a new database, its own ports, so it neither disturbs `make run`
# nor inherits the other run's history), drive it with bin/orderflow-bench, and
# stop it. Extra flags: BENCH_FLAGS="-n 1000 -c 1,8,32". Each run appends its
# levels to one results file; the last step prints every path in one table,
# with the CPU of each process per order (Linux: /proc) and issue 12's targets.
set -euo pipefail
cd "$(dirname "$0")/.."

export HTTP_ADDR=${BENCH_HTTP_ADDR:-127.0.0.1:18080}
export TEMPORAL_ADDRESS=${BENCH_TEMPORAL_ADDRESS:-127.0.0.1:17233}
export TEMPORAL_UI_PORT=${BENCH_TEMPORAL_UI_PORT:-18233}
export ERP_URL=${BENCH_ERP_URL:-http://127.0.0.1:18090}
export LOG_LEVEL=${LOG_LEVEL:-warn}
pg=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
# Two benches on one machine at once: other ports and BENCH_DB_PREFIX.
results=$(mktemp -t orderflow-bench-results.XXXXXX.jsonl)

bench_on_fresh_stack() {
  local name=$1; shift
  local db=${BENCH_DB_PREFIX:-orderflow_bench}_$name
  export DATABASE_URL="$pg/$db?sslmode=disable"
  psql "$pg/postgres?sslmode=disable" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
  local log
  log=$(mktemp -t "orderflow-bench-$name.XXXXXX.log")
  ./bin/orderflow dev >"$log" 2>&1 &
  local stack=$!
  trap 'kill -INT $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    curl -fs "http://$HTTP_ADDR/healthz" >/dev/null 2>&1 && break
    kill -0 $stack 2>/dev/null || { echo "the stack did not start; its log:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "http://$HTTP_ADDR/healthz" >/dev/null || { echo "the stack did not answer in time; its log: $log" >&2; exit 1; }
  # shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
  # -stack-pid: the CPU of orderflow dev (API and worker) and of the Temporal
  # dev server it starts as its child.
  ./bin/orderflow-bench -stack-pid "$stack" -results "$results" "$@" ${BENCH_FLAGS:-}
  kill -INT $stack; wait $stack 2>/dev/null || true
  trap - EXIT
}

bench_on_fresh_stack plain -plain -quotes 0 -webhooks 0 -erp 0
bench_on_fresh_stack policies
./bin/orderflow-bench -report "$results"
rm -f "$results"
