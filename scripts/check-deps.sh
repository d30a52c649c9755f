#!/usr/bin/env bash
# Dependency rules between packages (STYLE.md, "Layout and direction"):
# - workflows are deterministic: none of our packages they reach imports an I/O
#   package (the Temporal SDK itself reaches net/http through gRPC; that is the
#   SDK's business, so only imports made by our own packages are checked);
# - the business rules (commerce) import nothing of ours and no infrastructure;
# - db does not reach up into the layers above it.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
fail=0

ours_reached_from() { go list -deps "$@" | grep -E "^$mod(/|$)" || true; }
direct_imports() { go list -f '{{.ImportPath}}: {{join .Imports " "}}' "$@"; }

bad=$(direct_imports $(ours_reached_from ./workflows/...) | grep -E 'gin-gonic|jackc/pgx|[ :]net/http( |$)|[ :]database/sql( |$)|/activities( |$)|/api( |$)|/db( |$)' || true)
if [ -n "$bad" ]; then echo "workflows/ (and what it reaches of ours) must not import I/O packages:"; echo "$bad"; fail=1; fi

bad=$(go list -deps ./commerce/... | grep -E "gin-gonic|jackc/pgx|go.temporal.io|^$mod/" | grep -v "^$mod/commerce$" || true)
if [ -n "$bad" ]; then echo "commerce/ must import nothing of ours and no infrastructure:"; echo "$bad"; fail=1; fi

bad=$(go list -deps ./db/... | grep -E "gin-gonic|go.temporal.io|^$mod/(api|workflows|activities|app)$" || true)
if [ -n "$bad" ]; then echo "db/ must not depend on the layers above it:"; echo "$bad"; fail=1; fi

exit $fail
