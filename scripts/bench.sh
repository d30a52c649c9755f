#!/usr/bin/env bash
# make bench: start a local stack of its own (in-memory Temporal dev server, its
# own database and ports, so it does not disturb `make run`), drive it with
# `orderflow bench` twice — the plain checkout path, then with every B2B policy
# in the path — and stop it. Extra flags: BENCH_FLAGS="-n 1000 -c 1,8,32".
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/orderflow_bench?sslmode=disable}
export HTTP_ADDR=${BENCH_HTTP_ADDR:-127.0.0.1:18080}
export TEMPORAL_ADDRESS=${BENCH_TEMPORAL_ADDRESS:-127.0.0.1:17233}
export TEMPORAL_UI_PORT=${BENCH_TEMPORAL_UI_PORT:-18233}
export LOG_LEVEL=${LOG_LEVEL:-warn}
log=$(mktemp -t orderflow-bench-stack.XXXXXX.log)

./bin/orderflow dev >"$log" 2>&1 &
stack=$!
trap 'kill -INT $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -fs "http://$HTTP_ADDR/healthz" >/dev/null 2>&1 && break
  kill -0 $stack 2>/dev/null || { echo "the stack did not start; its log:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "http://$HTTP_ADDR/healthz" >/dev/null || { echo "the stack did not answer in time; its log: $log" >&2; exit 1; }

# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
./bin/orderflow bench -plain ${BENCH_FLAGS:-}
# shellcheck disable=SC2086
./bin/orderflow bench ${BENCH_FLAGS:-}
