#!/usr/bin/env bash
# Dependency rules between packages (STYLE.md, "Layout and direction"):
# - the business rules (commerce) import nothing of ours and no infrastructure;
# - db does not reach up into the layers above it (nor into their subpackages);
# - demo data goes through db only, never through the API or the processes.
# Workflow determinism is not an import rule: `make lint` runs Temporal's
# workflowcheck over workflows/ for that.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
fail=0

bad=$(go list -deps ./commerce/... | grep -E "gin-gonic|jackc/pgx|go.temporal.io|^$mod/" | grep -v "^$mod/commerce$" || true)
if [ -n "$bad" ]; then echo "commerce/ must import nothing of ours and no infrastructure:"; echo "$bad"; fail=1; fi

bad=$(go list -deps ./db/... | grep -E "gin-gonic|go.temporal.io|^$mod/(api|workflows|activities|app)(/|$)" || true)
if [ -n "$bad" ]; then echo "db/ must not depend on the layers above it:"; echo "$bad"; fail=1; fi

bad=$(go list -deps ./demo/... | grep -E "gin-gonic|go.temporal.io|^$mod/(api|workflows|activities|app)(/|$)" || true)
if [ -n "$bad" ]; then echo "demo/ writes data through db/ and must not depend on the HTTP layer or the processes:"; echo "$bad"; fail=1; fi

# The ERP sandbox stands for someone else's system: it knows the contract
# (erpapi) and nothing else of ours, so it cannot lean on Orderflow's tables.
bad=$(go list -deps ./erpsandbox/... ./erpapi/... | grep -E "^$mod/" | grep -vE "^$mod/(erpapi|erpsandbox)$" || true)
if [ -n "$bad" ]; then echo "erpsandbox/ and erpapi/ must import nothing of ours but erpapi:"; echo "$bad"; fail=1; fi

exit $fail
