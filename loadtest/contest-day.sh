#!/usr/bin/env bash
# A whole contest day (src/scenario, `contest_day`) against the real server on PostgreSQL +
# Redis: makes its own database and key prefix, creates the organizer with `api create-admin`,
# starts `api serve`, runs the day with the ceiling measured in the same run, and removes the
# database and its own keys afterwards (never a flush). Extra arguments go to `contest_day`.
#
#   cargo build --release -p api -p loadtest
#   bash loadtest/contest-day.sh                          # the one-minute default day
#   bash loadtest/contest-day.sh --members 2000 --shape ramp --window 30
#   BIN_DIR=target/debug bash loadtest/contest-day.sh --members 200   # a debug build (CI smoke)
#   API_BIN=/path/to/api bash loadtest/contest-day.sh                 # another server build
#
#   EMBEDDED=1 bash loadtest/contest-day.sh              # the embedded default: SQLite + in-process store
#
# PostgreSQL (trust auth) and Redis from DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL,
# default 127.0.0.1 (with EMBEDDED=1 Redis serves only the ceiling's bare EVALSHA server);
# EXTRA_ENV="NAME=value …" is passed to the server; PG_QUERY="sslmode=disable" (say) is appended
# to the server's DATABASE_URL as its query string.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
api="${API_BIN:-$bin/api}" # another server build, e.g. `--no-default-features` (the system allocator)
pg="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
db="contest_day_$(date +%s)_$RANDOM"
prefix="cday:$db"
data="$(mktemp -d)"
log="${CONTEST_DAY_LOG:-$data/server.log}"
report="${CONTEST_DAY_JSON:-${TMPDIR:-/tmp}/contest-day.json}"
port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "contest-day: no free port" >&2; exit 1; }

embedded="${EMBEDDED:-0}"
[[ "$embedded" == 1 ]] || psql "$pg/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  [[ "$embedded" == 1 ]] || psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" 2>/dev/null | xargs -r -n 500 redis-cli -u "$redis_url" UNLINK >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

if [[ "$embedded" == 1 ]]; then
  unset DATABASE_URL REDIS_URL DAUTRI_REDIS__KEY_PREFIX
  tool_args=(--database-url "sqlite://$data/dautri.sqlite3?mode=ro" --redis-url "$redis_url")
else
  export DATABASE_URL="$pg/$db${PG_QUERY:+?$PG_QUERY}" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="$prefix"
  tool_args=()
fi
export DAUTRI_JWT__SECRET="contest-day-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  DAUTRI_DATA_DIR="$data" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_TRUSTED_PROXIES=127.0.0.1 \
  DAUTRI_DEMO_ON_FIRST_RUN=false
# shellcheck disable=SC2086
[[ -n "${EXTRA_ENV:-}" ]] && export ${EXTRA_ENV}
admin_phone=0399999990
admin_password="Ngay-thi-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$api" migrate >"$data/migrate.log" 2>&1 || { cat "$data/migrate.log" >&2; exit 1; }
DAUTRI_ADMIN_PASSWORD="$admin_password" "$api" create-admin --phone "$admin_phone" \
  --full-name "Ban tổ chức thử tải" >"$data/admin.log" 2>&1 || { cat "$data/admin.log" >&2; exit 1; }
"$api" serve >"$log" 2>&1 &
server=$!
for _ in $(seq 150); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "contest-day: the server exited; its log:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
status=0
CONTEST_DAY_ADMIN_PHONE="$admin_phone" CONTEST_DAY_ADMIN_PASSWORD="$admin_password" \
  "$bin/contest_day" --base-url "http://127.0.0.1:$port" --pid "$server" --json "$report" "${tool_args[@]}" "$@" || status=$?
if [[ $status != 0 ]]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
