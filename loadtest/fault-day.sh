#!/usr/bin/env bash
# The fault suite driven by a contest day: a small whole day (src/scenario, `contest_day`)
# against the real server on a private PostgreSQL and Redis (scripts/throwaway.sh, so they can
# be killed and restarted without touching the machine's own), with one fault injected while
# members answer and hand in. The run passes only when the end state is right afterwards (no
# acknowledged finish lost, no acknowledged answer reverted, every board equal to the database)
# and the phones were never shown a 5xx other than 503 with `Retry-After`, a 503 without it, a
# hang or the server's internals. Speed never fails it.
#
#   cargo build -p api -p loadtest --bins
#   BIN_DIR=target/debug bash loadtest/fault-day.sh redis-fast [CONTEST_DAY_ARGS…]
#   BIN_DIR=target/debug bash loadtest/fault-day.sh all --members 120
#
# Faults (FAULT_AT seconds after the first start, default 3):
#   redis-fast         kill -9 redis-server, restart it empty at once (~0.1 s)
#   redis-slow         kill -9 redis-server, restart it empty after 3 s
#   api                kill -9 the server, start it again on the same port
#   postgres           restart PostgreSQL (`pg_ctl restart -m fast`: every connection cut)
#   postgres-readonly  the database refuses writes for 4 s (default_transaction_read_only,
#                      open sessions cut), then accepts them again
#   all                each of the above, one after the other, each on fresh services
# Extra arguments go to `contest_day` (default: 120 members, a 4 s storm). Each run prints its
# figures and a `FAULT-ROW` line for the README's table; the JSON reports go to
# FAULT_DAY_DIR (default a temporary directory, printed).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
api="${API_BIN:-$bin/api}"
faults_all=(redis-fast redis-slow api postgres postgres-readonly)

fault="${1:-}"
[[ -n "$fault" ]] || { sed -n '2,25p' "$0" >&2; exit 2; }
shift
if [[ "$fault" == all ]]; then
  status=0
  for f in "${faults_all[@]}"; do
    bash "$0" "$f" "$@" || status=1
  done
  exit "$status"
fi
case "$fault" in
  redis-fast | redis-slow | api | postgres | postgres-readonly) ;;
  *) echo "fault-day: unknown fault '$fault' (${faults_all[*]} or all)" >&2; exit 2 ;;
esac

THROWAWAY_QUIET=1
# shellcheck source=scripts/throwaway.sh
source "$repo/scripts/throwaway.sh"
throwaway_init
throwaway_postgres
throwaway_redis
data="$THROWAWAY_DIR/day"
mkdir -p "$data"
out="${FAULT_DAY_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fault-day.XXXXXX")}"
mkdir -p "$out"
pg="$THROWAWAY_POSTGRES_URL"
db=fault_day
redis_url="$THROWAWAY_REDIS_URL"
redis_port="${redis_url##*:}"
redis_dir="$(awk '$1 == "redis" { sub("dir=", "", $3); print $3 }' "$THROWAWAY_DIR/services" | tail -n 1)"
read -r pg_dir pg_user < <(awk '$1 == "postgres" { sub("dir=", "", $3); sub("user=", "", $4); print $3, $4 }' \
  "$THROWAWAY_DIR/services" | tail -n 1)
pg_bindir="$(_throwaway_pg_bindir)"
port="$(throwaway_free_port)"
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null

server=""
stop_server() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
}
trap 'stop_server; throwaway_cleanup' EXIT

export DATABASE_URL="$pg/$db" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="fday" \
  DAUTRI_JWT__SECRET="fault-day-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  DAUTRI_DATA_DIR="$data" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_TRUSTED_PROXIES=127.0.0.1 \
  DAUTRI_DEMO_ON_FIRST_RUN=false
# shellcheck disable=SC2086
[[ -n "${EXTRA_ENV:-}" ]] && export ${EXTRA_ENV}
admin_phone=0399999990
admin_password="Ngay-loi-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$api" migrate >"$data/migrate.log" 2>&1 || { cat "$data/migrate.log" >&2; exit 1; }
DAUTRI_ADMIN_PASSWORD="$admin_password" "$api" create-admin --phone "$admin_phone" \
  --full-name "Ban tổ chức thử lỗi" >"$data/admin.log" 2>&1 || { cat "$data/admin.log" >&2; exit 1; }

log="$out/$fault-server.log"
start_server() {
  # Not under our throwaway mark's cwd; the mark itself is inherited (the cleanup ends it too).
  "$api" serve >>"$log" 2>&1 &
  server=$!
  local _
  for _ in $(seq 300); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { echo "fault-day: the server exited; its log:" >&2; tail -n 40 "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "fault-day: the server did not answer /healthz" >&2
  return 1
}

redis_kill() {
  local pid
  pid="$(cat "$redis_dir/redis.pid")"
  grep -qa redis-server "/proc/$pid/cmdline" && kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
}

# The same redis-server on the same port, empty (no persistence).
redis_start() {
  local _
  rm -f "$redis_dir/redis.pid"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" </dev/null >/dev/null
  for _ in $(seq 200); do
    redis-cli -p "$redis_port" ping 2>/dev/null </dev/null | grep -q PONG && return 0
    sleep 0.02
  done
  echo "fault-day: Redis did not come back" >&2
  return 1
}

pg_admin() {
  psql "$pg/postgres" -qAtc "$1" >/dev/null
}

inject() {
  case "$fault" in
    redis-fast) redis_kill; sleep 0.1; redis_start ;;
    redis-slow) redis_kill; sleep 3; redis_start ;;
    api)
      kill -KILL "$server"
      wait "$server" 2>/dev/null || true
      start_server
      ;;
    postgres)
      _throwaway_as_pg_user "$pg_user" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" \
        -m fast -w -t 60 restart </dev/null >/dev/null
      ;;
    postgres-readonly)
      pg_admin "ALTER DATABASE $db SET default_transaction_read_only = on"
      pg_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'"
      sleep 4
      pg_admin "ALTER DATABASE $db SET default_transaction_read_only = off"
      pg_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'"
      ;;
  esac
}

start_server
signal="$data/fault.signal"
rm -f "$signal" "${signal%.signal}.done"
[[ $# -gt 0 ]] || set -- --members 120 --window 4
echo "== fault-day: $fault (reports in $out)"
CONTEST_DAY_ADMIN_PHONE="$admin_phone" CONTEST_DAY_ADMIN_PASSWORD="$admin_password" \
  "$bin/contest_day" --base-url "http://127.0.0.1:$port" --json "$out/$fault.json" \
  --fault "$fault" --fault-signal "$signal" --fault-at "${FAULT_AT:-3}" --ceiling-seconds 0 "$@" &
runner=$!
injected=0
while kill -0 "$runner" 2>/dev/null; do
  if [[ "$injected" == 0 && -f "$signal" ]]; then
    inject
    touch "${signal%.signal}.done"
    injected=1
  fi
  sleep 0.02
done
status=0
wait "$runner" || status=$?
if [[ "$injected" == 0 ]]; then
  echo "fault-day: the fault was never asked for (the day ended first)" >&2
  status=1
fi
if [[ $status != 0 ]]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
