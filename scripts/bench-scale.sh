#!/usr/bin/env bash
# make bench-scale: the same requests on small data (the demo's and a fiftieth
# of the scale catalog and history, below) and on the scale
# history (testenv/scaledata: 100,000 SKUs, 1,000 companies, 1,000,000 orders,
# a tenth of them the demo's Bench Co's), each on a fresh local stack of its
# own (orderflow dev: in-memory Temporal dev server, its own database and
# ports, apart from make bench's and make run's), timed by bin/orderflow-scale;
# then one table with the ratio scale / small of each figure and issue 13's
# targets. Extra flags: SCALE_FLAGS="-checkouts 200 -reads 500" (measure),
# SCALE_LOAD_FLAGS="-orders 200000" (load), SCALE_SMALL_LOAD_FLAGS (the small
# data's load, below). SCALE_REUSE=1 keeps a database
# loaded by an earlier run instead of loading again.
set -euo pipefail
cd "$(dirname "$0")/.."

export HTTP_ADDR=${SCALE_HTTP_ADDR:-127.0.0.1:19080}
export TEMPORAL_ADDRESS=${SCALE_TEMPORAL_ADDRESS:-127.0.0.1:19233}
export TEMPORAL_UI_PORT=${SCALE_TEMPORAL_UI_PORT:-19234}
export ERP_URL=${SCALE_ERP_URL:-http://127.0.0.1:19090}
export LOG_LEVEL=${LOG_LEVEL:-warn}
pg=${SCALE_POSTGRES:-postgres://postgres@127.0.0.1:5432}
prefix=${SCALE_DB_PREFIX:-orderflow_scale}
results=$(mktemp -t orderflow-scale-results.XXXXXX.jsonl)
stack=

measure_on_stack() {
  local label=$1 db=$2
  export DATABASE_URL="$pg/$db?sslmode=disable"
  local log
  log=$(mktemp -t "orderflow-scale-$label.XXXXXX.log")
  if curl -fs "http://$HTTP_ADDR/healthz" >/dev/null 2>&1; then
    echo "something already answers at $HTTP_ADDR: stop it, or set SCALE_HTTP_ADDR and the other ports" >&2; exit 1
  fi
  ./bin/orderflow dev >"$log" 2>&1 &
  stack=$!
  trap 'kill -INT $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT
  for _ in $(seq 1 240); do
    curl -fs "http://$HTTP_ADDR/healthz" >/dev/null 2>&1 && break
    kill -0 $stack 2>/dev/null || { echo "the stack did not start; its log:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "http://$HTTP_ADDR/healthz" >/dev/null || { echo "the stack did not answer in time; its log: $log" >&2; exit 1; }
  # shellcheck disable=SC2086 # SCALE_FLAGS is a list of flags
  ./bin/orderflow-scale measure -api "http://$HTTP_ADDR" -db "$DATABASE_URL" -label "$label" -results "$results" ${SCALE_FLAGS:-}
  kill -INT $stack; wait $stack 2>/dev/null || true
  trap - EXIT
}

fresh_database() {
  psql "$pg/postgres?sslmode=disable" -q -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" 2>/dev/null
}

# The small data: what make run starts with, and a catalog and history of
# the scale data's shape at a fiftieth of its catalog (2,000 SKUs under 500
# catalog products, 10 companies, 2,000 orders): the demo's own catalog holds
# three structured products, so its category, attribute and search pages
# held 1 to 3 products where the scale data's hold 20, and the figures
# compared page sizes rather than data sizes. SCALE_SMALL_LOAD_FLAGS changes
# it; SCALE_SMALL_LOAD_FLAGS=none measures the demo data alone.
small="${prefix}_small"
fresh_database "$small"
DATABASE_URL="$pg/$small?sslmode=disable" ./bin/orderflow migrate
DATABASE_URL="$pg/$small?sslmode=disable" ./bin/orderflow seed
small_load=${SCALE_SMALL_LOAD_FLAGS:--products 2000 -companies 10 -orders 2000}
if [ "$small_load" != none ]; then
  # shellcheck disable=SC2086 # a list of flags
  ./bin/orderflow-scale load -db "$pg/$small?sslmode=disable" $small_load
fi
measure_on_stack small "$small"

# The scale data: migrated, the demo data, then the history.
big="${prefix}_big"
if [ "${SCALE_REUSE:-}" = 1 ] && psql "$pg/$big?sslmode=disable" -tAc "SELECT count(*) >= 1000000 FROM orders" 2>/dev/null | grep -q t; then
  echo "SCALE_REUSE=1: measuring $big as an earlier run loaded it"
else
  fresh_database "$big"
  DATABASE_URL="$pg/$big?sslmode=disable" ./bin/orderflow migrate
  DATABASE_URL="$pg/$big?sslmode=disable" ./bin/orderflow seed
  # shellcheck disable=SC2086 # SCALE_LOAD_FLAGS is a list of flags
  ./bin/orderflow-scale load -db "$pg/$big?sslmode=disable" ${SCALE_LOAD_FLAGS:-}
fi
measure_on_stack scale "$big"

./bin/orderflow-scale report -results "$results"
rm -f "$results"
