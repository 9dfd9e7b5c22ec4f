#!/usr/bin/env bash
# The deployed shape of dautri on one machine: a Redis Cluster of 3 masters with 1 replica
# each, PostgreSQL primary + streaming replica (pg_basebackup), API instances, and nginx in
# front (SSE-friendly). Everything lives under LOCAL_CLUSTER_DIR and is stopped by `stop`.
#
#   cargo build --release -p api -p loadtest        # or BIN_DIR=target/debug
#   bash deploy/local-cluster.sh start              # APIS=3 instances by default
#   bash deploy/local-cluster.sh status
#   bash deploy/local-cluster.sh day [CONTEST_DAY_ARGS…]   # the contest day through nginx with
#        # kill -9 of one API instance, kill -9 of a Redis master, and the PG replica stopped
#   bash deploy/local-cluster.sh replica-lag        # reports refused while the PG replica's
#        # replay is paused (lag past DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS, here 3 s), back after
#   bash deploy/local-cluster.sh stop               # stops everything it started
#
# Smaller shapes (CI): REDIS_REPLICAS=0 (3 masters only), PG_REPLICA=0 (no replica, no
# DATABASE_REPLICA_URL), APIS=2; `day` injects the faults listed in FAULTS (default
# "api redis replica"; "" for none).
#
# Needs redis-server/redis-cli, PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin, or
# PG_BINDIR), nginx (Debian: apt-get install -y nginx), curl, psql. Settings: LOCAL_CLUSTER_DIR
# (default /tmp/dautri-local-cluster), BASE_PORT (default: a free range), APIS, BIN_DIR,
# API_WORKERS (HTTP workers per instance, default 1).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${LOCAL_CLUSTER_DIR:-/tmp/dautri-local-cluster}"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
pg_bindir="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
if [[ ! -x "$pg_bindir/initdb" ]]; then
  # Another major version, or initdb on the PATH.
  pg_bindir="$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname)"
  [[ -n "$pg_bindir" ]] || pg_bindir="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
fi
apis="${APIS:-3}"
redis_replicas="${REDIS_REPLICAS:-1}"
pg_replica="${PG_REPLICA:-1}"
pg_user="${PG_USER:-$(id postgres >/dev/null 2>&1 && echo postgres || echo nobody)}"

say() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Runs a PostgreSQL binary as a non-root user (PostgreSQL refuses root).
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_base() {
  local base p ok _
  for _ in $(seq 50); do
    # A Redis Cluster node also listens on its port + 10000 (the cluster bus), which must stay
    # a valid port: bases up to 44900 keep every bus port below 55000.
    base=$((20000 + (RANDOM % 250) * 100))
    ok=1
    for p in $(seq "$base" $((base + 40))); do
      port_free "$p" && port_free $((p + 10000)) || { ok=0; break; }
    done
    [[ $ok == 1 ]] && { echo "$base"; return; }
  done
  die "no free port range"
}

load_env() {
  [[ -f "$dir/env" ]] || die "not started (no $dir/env)"
  # shellcheck disable=SC1091
  source "$dir/env"
}

redis_ports() { seq "$BASE_PORT" $((BASE_PORT + 2 + 3 * ${REDIS_REPLICAS:-1})); }

start_redis() {
  local p nodes=() _
  for p in $(redis_ports); do
    mkdir -p "$dir/redis/$p"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 2000 --save "" --appendonly no \
      --dir "$dir/redis/$p" --pidfile "$dir/redis/$p/redis.pid" --logfile "$dir/redis/$p/redis.log" \
      </dev/null >/dev/null
    nodes+=("127.0.0.1:$p")
  done
  for p in $(redis_ports); do
    for _ in $(seq 100); do redis-cli -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas "${REDIS_REPLICAS:-1}" --cluster-yes >"$dir/redis/create.log" 2>&1 \
    || { cat "$dir/redis/create.log" >&2; die "redis cluster create failed"; }
  for _ in $(seq 200); do
    redis-cli -p "$BASE_PORT" cluster info | grep -q 'cluster_state:ok' && break
    sleep 0.1
  done
  say "Redis Cluster: 3 masters with $REDIS_REPLICAS replica(s) each on ports $BASE_PORT-$((BASE_PORT + 2 + 3 * ${REDIS_REPLICAS:-1}))"
}

start_postgres() {
  local primary=$((BASE_PORT + 10)) replica=$((BASE_PORT + 11))
  mkdir -p "$dir/pg"
  chown "$pg_user": "$dir/pg" 2>/dev/null || true
  as_pg "$pg_bindir/initdb" -D "$dir/pg/primary" -U postgres --auth=trust -E UTF8 --no-locale \
    >"$dir/pg/initdb.log" 2>&1 || { cat "$dir/pg/initdb.log" >&2; die "initdb failed"; }
  as_pg sh -c "cat >>'$dir/pg/primary/postgresql.conf'" <<'EOF'
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
wal_level = replica
max_wal_senders = 5
hot_standby = on
synchronous_commit = on
EOF
  as_pg "$pg_bindir/pg_ctl" -D "$dir/pg/primary" -l "$dir/pg/primary.log" -o "-p $primary" -w start >/dev/null
  psql "postgres://postgres@127.0.0.1:$primary/postgres" -qc "CREATE DATABASE dautri" >/dev/null
  if [[ "${PG_REPLICA:-1}" != 1 ]]; then
    say "PostgreSQL primary on $primary (no replica)"
    return
  fi
  as_pg "$pg_bindir/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/pg/replica" -R -X stream \
    >"$dir/pg/basebackup.log" 2>&1 || { cat "$dir/pg/basebackup.log" >&2; die "pg_basebackup failed"; }
  as_pg "$pg_bindir/pg_ctl" -D "$dir/pg/replica" -l "$dir/pg/replica.log" -o "-p $replica" -w start >/dev/null
  say "PostgreSQL primary on $primary, streaming replica on $replica"
}

start_api() {
  local i=$1 port=$((BASE_PORT + 20 + $1))
  (
    export PORT=$port
    exec "$bin/api" serve >>"$dir/api/$i.log" 2>&1
  ) &
  echo $! >"$dir/api/$i.pid"
  local _
  for _ in $(seq 300); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/api/$i.pid")" 2>/dev/null || { tail -n 30 "$dir/api/$i.log" >&2; die "api $i exited"; }
    sleep 0.1
  done
  die "api $i did not become ready"
}

api_env() {
  local p urls=()
  for p in $(redis_ports); do urls+=("redis://127.0.0.1:$p"); done
  export DATABASE_URL="postgres://postgres@127.0.0.1:$((BASE_PORT + 10))/dautri"
  if [[ "${PG_REPLICA:-1}" == 1 ]]; then
    export DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$((BASE_PORT + 11))/dautri"
  fi
  REDIS_URL="$(IFS=,; echo "${urls[*]}")"
  export REDIS_URL DAUTRI_REDIS__KEY_PREFIX=dautri
  export DAUTRI_JWT__SECRET="$JWT_SECRET" DAUTRI_DATA_DIR="$dir/data" DAUTRI_BIND=127.0.0.1
  export DAUTRI_TRUSTED_PROXIES=127.0.0.1 DAUTRI_DEMO_ON_FIRST_RUN=false
  export DAUTRI_WORKERS="${API_WORKERS:-1}" DAUTRI_DATABASE__MAX_CONNECTIONS=20
  # Small enough that `replica-lag` sees reports refused within seconds.
  export DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS="${REPLICA_MAX_LAG:-3}"
}

start_nginx() {
  local port=$((BASE_PORT + 30)) i servers=""
  for i in $(seq 1 "$apis"); do
    servers+="    server 127.0.0.1:$((BASE_PORT + 20 + i)) max_fails=1 fail_timeout=3s;"$'\n'
  done
  mkdir -p "$dir/nginx/tmp"
  cat >"$dir/nginx/nginx.conf" <<EOF
worker_processes 2;
error_log $dir/nginx/error.log warn;
pid $dir/nginx/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  client_max_body_size 25m;
  upstream dautri {
    least_conn;
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$port;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
    proxy_send_timeout 60s;
    # A dead instance: the request goes to the next one (only if it was not sent yet, so no
    # answer or finish is sent twice: nginx never retries a non-idempotent request that left).
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;
    location / {
      proxy_pass http://dautri;
    }
    # An instance killed under a request nginx already sent (not retried: it may have been an
    # answer or a finish): the phone is told what the API itself says when a dependency is
    # down, 503 with Retry-After, and retries (answers and finishes are idempotent).
    error_page 502 504 = @unavailable;
    location @unavailable {
      default_type application/problem+json;
      add_header Retry-After 1 always;
      add_header Cache-Control no-store always;
      return 503 '{"type":"https://dautri.vn/problems/unavailable","title":"Service Unavailable","status":503,"code":"unavailable","detail":"a service dautri depends on is unavailable; try again shortly"}';
    }
    # The live view (server-sent events): no buffering, long reads; the server sends
    # keep-alive comments, and a member's phone reconnects (through any instance) if cut.
    location ~ ^/api/v1/rounds/[^/]+/live\$ {
      proxy_pass http://dautri;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      add_header X-Accel-Buffering no;
    }
  }
}
EOF
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" || die "nginx did not start"
  say "nginx on http://127.0.0.1:$port (SSE unbuffered) in front of $apis instances"
}

cmd_start() {
  [[ -f "$dir/env" ]] && die "already started ($dir); run stop first"
  command -v nginx >/dev/null || die "nginx is missing: apt-get install -y nginx"
  [[ -x "$bin/api" ]] || die "no $bin/api: cargo build --release -p api (or BIN_DIR=…)"
  mkdir -p "$dir/api" "$dir/data"
  BASE_PORT="${BASE_PORT:-$(pick_base)}"
  JWT_SECRET="local-cluster-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  ADMIN_PASSWORD="Cum-may-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf 'BASE_PORT=%s\nJWT_SECRET=%s\nADMIN_PHONE=0399999990\nADMIN_PASSWORD=%s\nAPIS=%s\nREDIS_REPLICAS=%s\nPG_REPLICA=%s\n' \
    "$BASE_PORT" "$JWT_SECRET" "$ADMIN_PASSWORD" "$apis" "$redis_replicas" "$pg_replica" >"$dir/env"
  load_env
  start_redis
  start_postgres
  api_env
  "$bin/api" migrate >"$dir/api/migrate.log" 2>&1 || { cat "$dir/api/migrate.log" >&2; die "migrate failed"; }
  DAUTRI_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$bin/api" create-admin --phone "$ADMIN_PHONE" \
    --full-name "Ban tổ chức cụm máy" >"$dir/api/admin.log" 2>&1 || { cat "$dir/api/admin.log" >&2; die "create-admin failed"; }
  local i
  for i in $(seq 1 "$apis"); do start_api "$i"; done
  say "$apis API instances on ports $((BASE_PORT + 21))-$((BASE_PORT + 20 + apis))"
  start_nginx
  cmd_status
}

cmd_status() {
  load_env
  local p i
  echo "nginx:    http://127.0.0.1:$((BASE_PORT + 30))   admin $ADMIN_PHONE / $ADMIN_PASSWORD"
  for i in $(seq 1 "$APIS"); do
    printf 'api %s:    port %s %s\n' "$i" $((BASE_PORT + 20 + i)) \
      "$(curl -fs -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE_PORT + 20 + i))/readyz" 2>/dev/null || echo down)"
  done
  for p in $(redis_ports); do
    printf 'redis %s: %s\n' "$p" "$(redis-cli -p "$p" role 2>/dev/null | head -n 1 || echo down)"
  done
  printf 'pg primary %s: %s\n' $((BASE_PORT + 10)) "$(psql "postgres://postgres@127.0.0.1:$((BASE_PORT + 10))/postgres" -qAtc 'select pg_is_in_recovery()' 2>/dev/null || echo down)"
  printf 'pg replica %s: in recovery %s\n' $((BASE_PORT + 11)) "$(psql "postgres://postgres@127.0.0.1:$((BASE_PORT + 11))/postgres" -qAtc 'select pg_is_in_recovery()' 2>/dev/null || echo down)"
}

cmd_stop() {
  [[ -f "$dir/env" ]] || { say "nothing to stop"; return 0; }
  load_env
  local f p pid
  [[ -f "$dir/nginx/nginx.pid" ]] && nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s stop 2>/dev/null || true
  for f in "$dir"/api/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    grep -qa "api" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null || true
  done
  for f in "$dir"/api/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
  for p in $(redis_ports); do
    f="$dir/redis/$p/redis.pid"
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    grep -qa redis-server "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null || true
  done
  [[ -f "$dir/nginx/nginx.pid" ]] || true
  for f in replica primary; do
    [[ -d "$dir/pg/$f" ]] && as_pg "$pg_bindir/pg_ctl" -D "$dir/pg/$f" -m fast -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
  say "stopped and removed $dir"
}

# The contest day through nginx, with three faults on a timer: kill -9 one API instance (then
# started again), kill -9 the Redis master of the slot most keys use (its replica takes over),
# and stop the PostgreSQL replica (reports then answer 503 with Retry-After).
cmd_day() {
  load_env
  api_env
  local out="$dir/day" url="http://127.0.0.1:$((BASE_PORT + 30))"
  mkdir -p "$out"
  rm -f "$out/signal" "$out/signal.done" "$out/faults.log"
  local faults="${FAULTS-api redis replica}"
  [[ "${REDIS_REPLICAS:-1}" == 0 ]] && faults="${faults/redis/}"
  [[ "${PG_REPLICA:-1}" == 1 ]] || faults="${faults/replica/}"
  touch "$out/faults.log"
  (
    # contest_day creates the signal file FAULT_AT seconds after the first start.
    while [[ ! -f "$out/signal" ]]; do sleep 0.05; done
    note() { echo "$(date +%T.%N) $*" >>"$out/faults.log"; }
    wants() { [[ " $faults " == *" $1 "* ]]; }
    if wants api; then
      pid="$(cat "$dir/api/1.pid")"
      note "kill -9 api 1 (pid $pid)"
      kill -KILL "$pid"
      sleep "${FAULT_GAP:-3}"
    fi
    if wants redis; then
    # The first master found: its replica must take over its slots.
    for p in $(redis_ports); do
      if redis-cli -p "$p" role 2>/dev/null | head -n 1 | grep -q master; then
        rpid="$(cat "$dir/redis/$p/redis.pid")"
        note "kill -9 redis master $p (pid $rpid)"
        kill -KILL "$rpid"
        killed_redis=$p
        break
      fi
    done
    masters() { for p in $(redis_ports); do redis-cli -p "$p" role 2>/dev/null | head -n 1 | grep -q master && printf '%s ' "$p"; done; }
    for _ in $(seq 300); do
      [[ "$(masters | wc -w)" == 3 ]] && break
      sleep 0.1
    done
    note "failover done: masters now $(masters)"
    sleep "${FAULT_GAP:-3}"
    fi
    if wants replica; then
      note "stop the PostgreSQL replica (pg_ctl -m immediate)"
      as_pg "$pg_bindir/pg_ctl" -D "$dir/pg/replica" -m immediate -w stop >/dev/null 2>&1
    fi
    wants api || { touch "$out/signal.done"; exit 0; }
    note "restart api 1"
    PORT=$((BASE_PORT + 21)) "$bin/api" serve >>"$dir/api/1.log" 2>&1 &
    echo $! >"$dir/api/1.pid"
    for _ in $(seq 300); do
      curl -fs "http://127.0.0.1:$((BASE_PORT + 21))/readyz" >/dev/null 2>&1 && break
      sleep 0.1
    done
    note "api 1 ready again"
    touch "$out/signal.done"
  ) &
  local injector=$!
  local status=0
  env -u REDIS_URL -u DAUTRI_REDIS__KEY_PREFIX \
    CONTEST_DAY_ADMIN_PHONE="$ADMIN_PHONE" CONTEST_DAY_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    "$bin/contest_day" --base-url "$url" --json "$out/contest-day.json" \
    --database-url "$DATABASE_URL" --ceiling-seconds 0 \
    --redis-url "$REDIS_URL" --redis-prefix "$DAUTRI_REDIS__KEY_PREFIX" \
    --fault "local-cluster:${faults// /+}" --fault-signal "$out/signal" --fault-at "${FAULT_AT:-2}" "$@" || status=$?
  wait "$injector" || true
  echo "--- faults ---"
  cat "$out/faults.log"
  echo "--- with the replica down ---"
  curl -s -o /dev/null -w 'GET /readyz via nginx: %{http_code}\n' "$url/readyz"
  echo "report: $out/contest-day.json (exit $status)"
  return "$status"
}

# Reports and a replica that falls behind: the replica's replay is paused while the primary
# takes writes, so it lags more and more. Reports (a unit's participation, through nginx) must
# answer 503 with Retry-After once the lag passes DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS,
# never older figures, and 200 again once the replay resumes. Fails otherwise.
cmd_replica_lag() {
  load_env
  api_env
  [[ "${PG_REPLICA:-1}" == 1 ]] || die "this topology has no PostgreSQL replica (PG_REPLICA=0)"
  local url="http://127.0.0.1:$((BASE_PORT + 30))" primary replica token unit code started i
  primary="postgres://postgres@127.0.0.1:$((BASE_PORT + 10))/postgres"
  replica="postgres://postgres@127.0.0.1:$((BASE_PORT + 11))/postgres"
  token="$(curl -fs -H 'content-type: application/json' \
    -d "{\"phone\":\"$ADMIN_PHONE\",\"password\":\"$ADMIN_PASSWORD\"}" "$url/api/v1/auth/login" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || die "cannot sign in"
  unit="$(curl -fs -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"name\":\"Đoàn kiểm tra bản sao\",\"code\":\"LAG$RANDOM\"}" "$url/api/v1/units" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" || die "cannot create a unit"
  report() {
    curl -s -o /dev/null -w '%{http_code} %header{retry-after}' -H "authorization: Bearer $token" \
      "$url/api/v1/units/$unit/participation?from=$(date -u +%Y-01-01)&to=$(date -u +%Y-12-31)"
  }
  wait_for() { # wait_for <status> <seconds>: polls the report until it answers <status>
    local want=$1 limit=$2 got=""
    for _ in $(seq $((limit * 10))); do
      got="$(report)"
      [[ "$got" == "$want"* ]] && { echo "$got"; return 0; }
      sleep 0.1
    done
    echo "$got"
    return 1
  }
  code="$(wait_for 200 10)" || die "the report does not answer 200 with the replica in step: $code"
  say "replica in step: report $code"
  psql "$replica" -qAtc 'select pg_wal_replay_pause()' >/dev/null
  started=$(date +%s.%N)
  # Writes keep coming while the replica stands still (as during a contest).
  (for i in $(seq 100); do
    psql "$primary" -qAtc "create table if not exists lag_probe (at timestamptz); insert into lag_probe values (now())" >/dev/null 2>&1
    sleep 0.2
  done) &
  local writer=$!
  code="$(wait_for 503 $((DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS + 10)))" || {
    kill "$writer" 2>/dev/null; psql "$replica" -qAtc 'select pg_wal_replay_resume()' >/dev/null
    die "reports still read a replica paused for $((DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS + 10)) s: $code"
  }
  say "replay paused: report $code (Retry-After) after $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s; bound ${DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS} s; lag seen: $(for i in $(seq 1 "$APIS"); do curl -s "http://127.0.0.1:$((BASE_PORT + 20 + i))/metrics" | grep '^dautri_db_replica_lag_seconds' | cut -d' ' -f2; done | sort -g | tail -n 1) s"
  psql "$replica" -qAtc 'select pg_wal_replay_resume()' >/dev/null
  started=$(date +%s.%N)
  code="$(wait_for 200 30)" || { kill "$writer" 2>/dev/null; die "reports do not come back once the replica caught up: $code"; }
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
  psql "$primary" -qAtc "drop table if exists lag_probe" >/dev/null 2>&1 || true
  say "replay resumed: report $code after $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  day) shift; cmd_day "$@" ;;
  replica-lag) cmd_replica_lag ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
