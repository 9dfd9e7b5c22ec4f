#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit and integration tests (each integration
# test runs on SQLite + in-process store AND on PostgreSQL + Redis), the question-bank checks
# including the starter bank, and the frontend's unit tests and browser end-to-end test.
#
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and Redis on 127.0.0.1:6379;
# override with DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL. Installs Chromium (Debian)
# if it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "services"
pg_url="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
if command -v pg_isready >/dev/null && ! pg_isready -q -d "$pg_url/postgres"; then
  echo "PostgreSQL does not answer at $pg_url" >&2; exit 1
fi
if command -v redis-cli >/dev/null && [ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" != PONG ]; then
  echo "Redis does not answer at $redis_url" >&2; exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (unit + integration, both backends)"
cargo test --workspace

step "starter question bank (0 problems, 0 warnings)"
# --deny-warnings: the starter bank must also pass the balance and freshness checks (#19).
cargo run -q -p question-bank -- validate --deny-warnings question-bank/bank/

step "frontend: build, unit tests, browser end-to-end"
cargo build -q -p api
bash frontend/scripts/ci.sh

printf '\nall tests passed\n'
