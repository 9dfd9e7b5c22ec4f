#!/usr/bin/env bash
# The frontend's checks, for .ci/run or by hand:
#   bash frontend/scripts/ci.sh                 # install, typecheck + build, unit tests, both e2e runs
#   bash frontend/scripts/ci.sh --no-e2e        # without the browser tests
#   bash frontend/scripts/ci.sh --console-only  # build, then only the console's browser test
#
# Two browser runs: the member app against the embedded server (SQLite, in-process store: the
# README's first command), and the organizers' console (e2e/console.mjs) against a server on
# PostgreSQL + Redis, the production shape: a fresh database on DAUTRI_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432) and a key prefix of its own on DAUTRI_TEST_REDIS_URL
# (default redis://127.0.0.1:6379), both removed afterwards.
#
# It first checks that the committed API contract matches the server (scripts/gen-api.sh
# --check: `cargo run -p api -- openapi`, or DAUTRI_API_BIN when set).
# The e2e needs the server binary (DAUTRI_API_BIN, default target/debug/api,
# built beforehand by the caller) and Debian's Chromium (installed here if
# missing). It starts the server on a fresh data dir and a free port
# (DAUTRI_E2E_PORT to choose one), runs the scenario and stops the server again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$here"

run_e2e=1
run_member=1
[[ "${1:-}" == "--no-e2e" ]] && run_e2e=0
[[ "${1:-}" == "--console-only" ]] && run_member=0

npm ci --no-audit --no-fund
# The committed API contract (src/api/openapi.json, src/api/schema.d.ts) must be what the
# server generates now; the typecheck below holds the app to it.
bash scripts/gen-api.sh --check
npm run build
node scripts/bundle-size.mjs
if [[ $run_member == 1 ]]; then npm test; fi

if [[ $run_e2e == 0 ]]; then
  echo "frontend ci: e2e skipped (--no-e2e)"
  exit 0
fi

api_bin="${DAUTRI_API_BIN:-$repo/target/debug/api}"
if [[ ! -x "$api_bin" ]]; then
  echo "frontend ci: no server binary at $api_bin (build it first, or pass --no-e2e)" >&2
  exit 1
fi
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq && apt-get install -y -qq chromium
fi

# shellcheck source=SCRIPTDIR/../../scripts/throwaway.sh
source "$repo/scripts/throwaway.sh"
servers=()
dirs=()
pg_db=""
pg_base="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
redis_prefix="e2e-$$-$RANDOM"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
  if [[ -n "$pg_db" ]]; then
    psql "$pg_base/postgres" -qc "drop database if exists \"$pg_db\" with (force)" >/dev/null 2>&1 || true
  fi
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$redis_url" --scan --pattern "$redis_prefix:*" 2>/dev/null | xargs -r redis-cli -u "$redis_url" del >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# start_server DATA_DIR PORT [ENV=VALUE…]: starts the server, waits for /healthz, prints nothing.
start_server() {
  local data_dir="$1" port="$2" log="$1/server.log"
  shift 2
  env DAUTRI_DATA_DIR="$data_dir" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_STATIC_DIR="$here/dist" "$@" \
    "$api_bin" serve >"$log" 2>&1 &
  servers+=("$!")
  local pid=$!
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "frontend ci: the server exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "frontend ci: the server did not answer on port $port; its log:" >&2
  tail -n 50 "$log" >&2
  exit 1
}

# demo_password DATA_DIR: the demo accounts' password, written by the server (or `api demo`).
demo_password_of() {
  local pw=""
  for _ in $(seq 1 20); do
    if [[ -f "$1/demo-credentials.txt" ]]; then
      pw="$(sed -n 's/^password: *//p' "$1/demo-credentials.txt" | head -n 1)"
      [[ -n "$pw" ]] && break
    fi
    sleep 0.5
  done
  printf '%s' "$pw"
}

status=0

if [[ $run_member == 1 ]]; then
  # The member app, on the embedded defaults (the demo data is made on the first start).
  port="${DAUTRI_E2E_PORT:-$(throwaway_free_port)}"
  data_dir="$(mktemp -d)"
  dirs+=("$data_dir")
  start_server "$data_dir" "$port"
  demo_password="$(demo_password_of "$data_dir")"
  if [[ -z "$demo_password" ]]; then
    echo "frontend ci: no demo password in $data_dir/demo-credentials.txt (the contest part of the e2e will fail)" >&2
  fi
  DAUTRI_E2E_BASE_URL="http://127.0.0.1:$port" DAUTRI_E2E_DATA_DIR="$data_dir" \
    DAUTRI_E2E_DEMO_PASSWORD="$demo_password" npm run e2e || status=$?
  if [[ $status != 0 ]]; then
    echo "--- server log (last 50 lines) ---" >&2
    tail -n 50 "$data_dir/server.log" >&2
  fi
fi

# The console, on PostgreSQL + Redis: a fresh database, the demo data loaded by `api demo`.
pg_db="dautri_e2e_$$_$RANDOM"
psql "$pg_base/postgres" -qc "create database \"$pg_db\"" >/dev/null
port="$(throwaway_free_port)"
data_dir="$(mktemp -d)"
dirs+=("$data_dir")
services=(DATABASE_URL="$pg_base/$pg_db" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="$redis_prefix"
  DAUTRI_JWT__SECRET="e2e-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")")
env DAUTRI_DATA_DIR="$data_dir" "${services[@]}" "$api_bin" migrate >"$data_dir/migrate.log" 2>&1 ||
  { cat "$data_dir/migrate.log" >&2; exit 1; }
env DAUTRI_DATA_DIR="$data_dir" "${services[@]}" "$api_bin" demo >"$data_dir/demo.log" 2>&1 ||
  { cat "$data_dir/demo.log" >&2; exit 1; }
start_server "$data_dir" "$port" "${services[@]}"
console_status=0
DAUTRI_E2E_BASE_URL="http://127.0.0.1:$port" DAUTRI_E2E_DEMO_PASSWORD="$(demo_password_of "$data_dir")" \
  node e2e/console.mjs || console_status=$?
if [[ $console_status != 0 ]]; then
  echo "--- console server log (last 50 lines) ---" >&2
  tail -n 50 "$data_dir/server.log" >&2
  status=$console_status
fi
exit "$status"
