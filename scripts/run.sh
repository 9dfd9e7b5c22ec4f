#!/usr/bin/env bash
# Builds and starts the whole app (API + frontend) on the embedded defaults: SQLite in ./data
# and the in-process scoring store. No other service is needed. The first start on an empty
# database creates demo units and people and prints how to sign in.
#
#   ./scripts/run.sh               # http://127.0.0.1:8080
#   PORT=9000 ./scripts/run.sh     # any setting from `api --help` works as an environment variable
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> building the frontend"
npm --prefix frontend ci --no-audit --no-fund
npm --prefix frontend run build

echo "==> building the API (release)"
cargo build --release -p api

export DAUTRI_STATIC_DIR="${DAUTRI_STATIC_DIR:-$PWD/frontend/dist}"
echo "==> starting dautri on http://${DAUTRI_BIND:-127.0.0.1}:${PORT:-8080}"
exec ./target/release/api serve
