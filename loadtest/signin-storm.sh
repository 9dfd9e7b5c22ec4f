#!/usr/bin/env bash
# A sign-in storm against a release build on PostgreSQL + Redis, with the server's memory read
# before, at its peak and after (see src/bin/signin_storm.rs). Makes its own database and key
# prefix and removes both at the end (its own keys only, never a flush).
#
#   cargo build --release -p api -p loadtest
#   bash loadtest/signin-storm.sh                 # 400 people at once
#   USERS=1000 bash loadtest/signin-storm.sh
#   EXTRA_ENV="DAUTRI_PASSWORD__QUEUE=8" bash loadtest/signin-storm.sh
#   USERS=5000 bash loadtest/signin-storm.sh --accounts-first   # accounts exist; only the sign-ins storm
#
# PostgreSQL (trust auth) and Redis from DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL,
# default 127.0.0.1.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
pg="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
users="${USERS:-400}"
port="${PORT:-$((20000 + RANDOM % 20000))}"
db="storm_$(date +%s)_$RANDOM"
prefix="storm:$db"
data="$(mktemp -d)"
log="${TMPDIR:-/tmp}/signin-storm-server.log"

psql "$pg/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli -u "$redis_url" UNLINK >/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

export DATABASE_URL="$pg/$db" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="$prefix" \
  DAUTRI_JWT__SECRET="storm-secret-$RANDOM-0123456789abcdef0123456789" DAUTRI_DATA_DIR="$data" \
  PORT="$port" DAUTRI_TRUSTED_PROXIES=127.0.0.1 DAUTRI_DEMO_ON_FIRST_RUN=false
# shellcheck disable=SC2086
[[ -n "${EXTRA_ENV:-}" ]] && export ${EXTRA_ENV}
"$bin/api" demo >/dev/null
"$bin/api" serve >"$log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
sleep 2 # let the start-up settle before reading the memory
"$bin/signin_storm" --base-url "http://127.0.0.1:$port" --users "$users" --pid "$server" "$@"
