#!/usr/bin/env bash
# Throwaway PostgreSQL, Redis and S3: private instances on free loopback ports in one temporary
# directory, stopped and removed when the shell that started them exits, fails or is
# interrupted. This is the one way this repository starts a service of its own: the test
# command, the Redis Cluster test, the load tools and any later multi-service setup use it.
# A PostgreSQL or Redis that was already running is never stopped, changed or even connected to.
#
# As a command:
#   scripts/throwaway.sh run [--postgres] [--redis] [--redis-cluster N] [--s3] -- COMMAND [ARG...]
#     starts the services, runs COMMAND with DAUTRI_TEST_POSTGRES_URL, DAUTRI_TEST_REDIS_URL,
#     DAUTRI_TEST_REDIS_CLUSTER_URL and DAUTRI_TEST_S3_{ENDPOINT,BUCKET,ACCESS_KEY_ID,
#     SECRET_ACCESS_KEY} set to them, then stops and removes them; exits as COMMAND did.
#     e.g. scripts/throwaway.sh run --postgres --redis -- cargo test -p api --test api health
#
# As a library (`source scripts/throwaway.sh`; works under `set -euo pipefail`):
#   throwaway_init                 the temporary directory ($THROWAWAY_DIR) and the cleanup trap
#                                  on EXIT, INT, TERM and HUP (the other functions call it)
#   throwaway_install postgres|redis|s3
#                                  installs the Debian packages (`postgresql`, `redis-server`)
#                                  when their programs are missing: apt-get update, then install;
#                                  for s3, builds the S3 server `s3s-fs` from crates.io once
#                                  (cargo install, ~3 min) into a cache directory
#   throwaway_postgres             a PostgreSQL (initdb + pg_ctl; trust auth, superuser
#                                  `postgres`, no Unix socket, fsync off) -> $THROWAWAY_POSTGRES_URL
#                                  (postgres://postgres@127.0.0.1:PORT, no database name)
#   throwaway_redis                a Redis without persistence -> $THROWAWAY_REDIS_URL
#   throwaway_redis_cluster [N]    N (default 3) Redis Cluster masters, slots spread over them
#                                  -> $THROWAWAY_REDIS_CLUSTER_URL (comma-separated node URLs)
#   throwaway_s3                   an S3-compatible object store (s3s-fs: a real S3 HTTP server
#                                  storing into a directory, checking SigV4 signatures) with one
#                                  empty bucket -> $THROWAWAY_S3_ENDPOINT, $THROWAWAY_S3_BUCKET,
#                                  $THROWAWAY_S3_ACCESS_KEY_ID, $THROWAWAY_S3_SECRET_ACCESS_KEY
#   throwaway_free_port            prints a loopback port nothing listens on
#   throwaway_cleanup              stops everything started and removes $THROWAWAY_DIR (the trap
#                                  calls it; calling it again does nothing)
#
# Settings: THROWAWAY_PG_USER (the user PostgreSQL runs as when started by root; default the
# `postgres` system user, else `nobody`), THROWAWAY_QUIET=1 (no progress lines on stderr),
# THROWAWAY_S3_CACHE (where s3s-fs is built into; default ~/.cache/dautri/s3s-fs-VERSION).
#
# # Implementation notes
# - Ports come from 20000-22699, below Linux's ephemeral range (32768+) so that outgoing
#   connections do not take them; a cluster node's bus port is its port + 10000 (Redis refuses
#   ports above 55535 without an explicit bus port, which is why ports from the kernel's
#   "any free port" do not do for cluster nodes).
# - Both servers detach from the terminal's process group (pg_ctl and `redis-server
#   --daemonize` call setsid), so a Ctrl-C reaches them only through the trap, which stops them
#   by the pid they recorded in our directory. A last sweep ends any process that inherited our
#   THROWAWAY_OWNER mark or still works in that directory: those are ours by construction
#   (package installs run without the mark, so a service Debian starts is left alone).
# - PostgreSQL refuses to run as root, so as root its directory is handed to an unprivileged
#   user and initdb / pg_ctl run through `runuser`.
# - s3s-fs does not daemonize: it runs as a background job, its pid written to our directory
#   like the others', and carries our mark. It is built from crates.io (the registries are
#   all a machine here reaches), pinned and --locked, with the repository's toolchain.

if [[ -z "${_THROWAWAY_LOADED:-}" ]]; then
_THROWAWAY_LOADED=1

THROWAWAY_DIR="${THROWAWAY_DIR:-}"
_THROWAWAY_CLEANED=0
_THROWAWAY_UPDATED=0
_THROWAWAY_S3FS_VERSION=0.14.1
_THROWAWAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_throwaway_say() {
  [[ "${THROWAWAY_QUIET:-}" == 1 ]] || printf 'throwaway: %s\n' "$*" >&2
}

_throwaway_die() {
  printf 'throwaway: %s\n' "$*" >&2
  return 1
}

throwaway_init() {
  if [[ -n "$THROWAWAY_DIR" && -d "$THROWAWAY_DIR" ]]; then
    return 0
  fi
  THROWAWAY_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dautri-throwaway.XXXXXX")"
  # PostgreSQL may run as another user, who must reach its own directory inside this one.
  chmod 755 "$THROWAWAY_DIR"
  : >"$THROWAWAY_DIR/services"
  # Every program started from here on carries this mark, so the cleanup can find what an
  # interruption orphaned (a test binary keeps running when cargo dies: actix-web catches
  # SIGINT in it).
  export THROWAWAY_OWNER="$THROWAWAY_DIR"
  _THROWAWAY_CLEANED=0
  trap throwaway_cleanup EXIT
  trap '_throwaway_on_signal INT' INT
  trap '_throwaway_on_signal TERM' TERM
  trap '_throwaway_on_signal HUP' HUP
}

# Cleans up, then dies of the same signal so the caller sees an interrupted command.
_throwaway_on_signal() {
  local sig="$1"
  throwaway_cleanup
  trap - "$sig" EXIT
  kill -s "$sig" "$$"
}

# Installs the Debian packages of a service when its programs are missing.
throwaway_install() {
  local what="$1" package
  case "$what" in
    postgres)
      _throwaway_pg_bindir >/dev/null 2>&1 && return 0
      package=postgresql
      ;;
    redis)
      command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
      package=redis-server
      ;;
    s3)
      _throwaway_install_s3fs
      return
      ;;
    *) _throwaway_die "throwaway_install: unknown service '$what' (postgres, redis or s3)"; return 1 ;;
  esac
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      _throwaway_die "$what is not installed and this is not root: install the Debian package '$package'"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    _throwaway_die "$what is not installed and there is no apt-get: install PostgreSQL (initdb, pg_ctl, pg_isready) and Redis (redis-server, redis-cli), or point DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL at running ones"
    return 1
  fi
  _throwaway_say "installing the Debian package $package"
  # Without our mark: a service the package starts is the machine's, not ours to stop.
  if [[ "$_THROWAWAY_UPDATED" == 0 ]]; then
    "${sudo[@]}" env -u THROWAWAY_OWNER apt-get update -qq
    _THROWAWAY_UPDATED=1
  fi
  "${sudo[@]}" env -u THROWAWAY_OWNER DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$package" >/dev/null
}

# The s3s-fs binary (built by _throwaway_install_s3fs).
_throwaway_s3fs_bin() {
  printf '%s/bin/s3s-fs\n' "${THROWAWAY_S3_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dautri/s3s-fs-$_THROWAWAY_S3FS_VERSION}"
}

# Builds s3s-fs from crates.io into the cache, once per machine.
_throwaway_install_s3fs() {
  local bin root
  bin="$(_throwaway_s3fs_bin)"
  [[ -x "$bin" ]] && return 0
  root="$(dirname "$(dirname "$bin")")"
  command -v cargo >/dev/null || { _throwaway_die "cargo is needed to build the S3 server s3s-fs"; return 1; }
  _throwaway_say "building the S3 server s3s-fs $_THROWAWAY_S3FS_VERSION from crates.io into $root (once; about 3 minutes)"
  mkdir -p "$root"
  # From the repository, so its pinned toolchain builds it; the target directory is cargo
  # install's own temporary one, removed afterwards. Without our mark: nothing here is a service.
  if ! (cd "$_THROWAWAY_ROOT" && env -u THROWAWAY_OWNER -u CARGO_TARGET_DIR cargo install --quiet --locked \
    s3s-fs --version "=$_THROWAWAY_S3FS_VERSION" --features binary --root "$root" \
    >"$THROWAWAY_DIR/s3s-fs-install.log" 2>&1); then
    tail -n 30 "$THROWAWAY_DIR/s3s-fs-install.log" >&2
    _throwaway_die "cargo install s3s-fs failed"
    return 1
  fi
  [[ -x "$bin" ]] || { _throwaway_die "s3s-fs was not installed at $bin"; return 1; }
}

# Where initdb and pg_ctl are: Debian keeps them out of the PATH, per major version.
_throwaway_pg_bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

# True when something accepts connections on 127.0.0.1:$1.
_throwaway_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

throwaway_free_port() {
  local port _
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 2700))
    if ! _throwaway_port_busy "$port" && ! _throwaway_port_busy $((port + 10000)) \
      && ! grep -qw "port=$port" "${THROWAWAY_DIR:-/dev/null}/services" 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  _throwaway_die "no free port found in 20000-22699"
}

# Runs a command as the user PostgreSQL runs as (ourselves unless we are root), from a
# directory that user can read (initdb cannot start in an unreadable working directory).
_throwaway_as_pg_user() {
  local user="$1"
  shift
  if [[ -n "$user" ]]; then
    (cd "$THROWAWAY_DIR" && runuser -u "$user" -- "$@")
  else
    (cd "$THROWAWAY_DIR" && "$@")
  fi
}

throwaway_postgres() {
  throwaway_init
  throwaway_install postgres
  local bindir user="" dir port attempt
  bindir="$(_throwaway_pg_bindir)" || { _throwaway_die "initdb not found"; return 1; }
  dir="$(mktemp -d "$THROWAWAY_DIR/postgres.XXXXXX")"
  if [[ "$(id -u)" == 0 ]]; then
    user="${THROWAWAY_PG_USER:-}"
    if [[ -z "$user" ]]; then
      if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
    fi
    chown "$user:" "$dir" 2>/dev/null || chown "$user" "$dir"
  fi
  # C.UTF-8 as on the machines' own clusters; --no-locale where that locale does not exist.
  if ! _throwaway_as_pg_user "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    && ! _throwaway_as_pg_user "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
      -E UTF8 --no-locale --no-sync >>"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    _throwaway_die "initdb failed"
    return 1
  fi
  # Throwaway data: no durability, loopback TCP only, no Unix socket to collide with anyone's.
  _throwaway_as_pg_user "$user" sh -c "cat >>'$dir/data/postgresql.conf'" <<'EOF'
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  for attempt in 1 2 3 4 5; do
    port="$(throwaway_free_port)"
    printf 'postgres port=%s dir=%s user=%s\n' "$port" "$dir" "$user" >>"$THROWAWAY_DIR/services"
    if _throwaway_as_pg_user "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
      -o "-p $port" -w -t 60 start </dev/null >/dev/null 2>&1; then
      THROWAWAY_POSTGRES_URL="postgres://postgres@127.0.0.1:$port"
      export THROWAWAY_POSTGRES_URL
      _throwaway_say "PostgreSQL on 127.0.0.1:$port (in $dir)"
      return 0
    fi
    _throwaway_say "PostgreSQL did not start on port $port (try $attempt of 5)"
  done
  tail -n 20 "$dir/postgres.log" >&2 || true
  _throwaway_die "PostgreSQL did not start"
}

# Starts one redis-server in a new directory; extra arguments go to redis-server. Sets
# _THROWAWAY_LAST_PORT. Checks that the server answering is the one we started (its pid).
_throwaway_redis_node() {
  local dir port attempt pid _
  dir="$(mktemp -d "$THROWAWAY_DIR/redis.XXXXXX")"
  for attempt in 1 2 3 4 5; do
    port="$(throwaway_free_port)"
    printf 'redis port=%s dir=%s\n' "$port" "$dir" >>"$THROWAWAY_DIR/services"
    rm -f "$dir/redis.pid"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" </dev/null >/dev/null
    for _ in $(seq 1 100); do
      pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
      if [[ -n "$pid" ]] && redis-cli -p "$port" info server 2>/dev/null </dev/null \
        | grep -q "^process_id:$pid"; then
        _THROWAWAY_LAST_PORT="$port"
        return 0
      fi
      [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null && break
      sleep 0.1
    done
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
    _throwaway_say "Redis did not start on port $port (try $attempt of 5)"
  done
  tail -n 20 "$dir/redis.log" >&2 || true
  _throwaway_die "Redis did not start"
}

throwaway_redis() {
  throwaway_init
  throwaway_install redis
  _throwaway_redis_node
  THROWAWAY_REDIS_URL="redis://127.0.0.1:$_THROWAWAY_LAST_PORT"
  export THROWAWAY_REDIS_URL
  _throwaway_say "Redis on 127.0.0.1:$_THROWAWAY_LAST_PORT"
}

throwaway_redis_cluster() {
  local count="${1:-3}" ports=() port i _
  throwaway_init
  throwaway_install redis
  for ((i = 0; i < count; i++)); do
    _throwaway_redis_node --cluster-enabled yes --cluster-config-file nodes.conf
    ports+=("$_THROWAWAY_LAST_PORT")
  done
  local nodes=()
  for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  if ! redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    </dev/null >"$THROWAWAY_DIR/cluster-create.log" 2>&1; then
    cat "$THROWAWAY_DIR/cluster-create.log" >&2
    _throwaway_die "redis-cli --cluster create failed"
    return 1
  fi
  for port in "${ports[@]}"; do
    for _ in $(seq 1 200); do
      redis-cli -p "$port" cluster info 2>/dev/null </dev/null | grep -q "cluster_state:ok" && break
      sleep 0.1
    done
    redis-cli -p "$port" cluster info 2>/dev/null </dev/null | grep -q "cluster_state:ok" \
      || { _throwaway_die "the cluster node on $port is not ready"; return 1; }
  done
  THROWAWAY_REDIS_CLUSTER_URL="$(printf 'redis://127.0.0.1:%s,' "${ports[@]}")"
  THROWAWAY_REDIS_CLUSTER_URL="${THROWAWAY_REDIS_CLUSTER_URL%,}"
  export THROWAWAY_REDIS_CLUSTER_URL
  _throwaway_say "Redis Cluster of $count on ports ${ports[*]}"
}

throwaway_s3() {
  throwaway_init
  throwaway_install s3
  local bin dir port attempt pid key secret bucket=dautri-test _
  bin="$(_throwaway_s3fs_bin)"
  dir="$(mktemp -d "$THROWAWAY_DIR/s3.XXXXXX")"
  mkdir -p "$dir/data/$bucket"
  key="throwaway$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  for attempt in 1 2 3 4 5; do
    port="$(throwaway_free_port)"
    printf 's3 port=%s dir=%s\n' "$port" "$dir" >>"$THROWAWAY_DIR/services"
    rm -f "$dir/s3.pid"
    # A throwaway key and secret, made up for this server alone.
    "$bin" --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" \
      "$dir/data" </dev/null >"$dir/s3.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/s3.pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      if _throwaway_port_busy "$port"; then
        THROWAWAY_S3_ENDPOINT="http://127.0.0.1:$port"
        THROWAWAY_S3_BUCKET="$bucket"
        THROWAWAY_S3_ACCESS_KEY_ID="$key"
        THROWAWAY_S3_SECRET_ACCESS_KEY="$secret"
        export THROWAWAY_S3_ENDPOINT THROWAWAY_S3_BUCKET THROWAWAY_S3_ACCESS_KEY_ID THROWAWAY_S3_SECRET_ACCESS_KEY
        _throwaway_say "S3 (s3s-fs) on 127.0.0.1:$port, bucket $bucket (in $dir)"
        return 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    _throwaway_say "s3s-fs did not start on port $port (try $attempt of 5)"
  done
  tail -n 20 "$dir/s3.log" >&2 || true
  _throwaway_die "s3s-fs did not start"
}

# Waits up to ~10 s for a pid to go, then kills it.
_throwaway_reap() {
  local pid="$1" _
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

throwaway_cleanup() {
  [[ "$_THROWAWAY_CLEANED" == 1 || -z "$THROWAWAY_DIR" ]] && return 0
  _THROWAWAY_CLEANED=1
  # The commands below must not carry the mark they look for.
  unset THROWAWAY_OWNER
  local kind port dir user pid pids=() p cwd
  if [[ -f "$THROWAWAY_DIR/services" ]]; then
    while read -r kind port dir user; do
      port="${port#port=}" dir="${dir#dir=}" user="${user#user=}"
      case "$kind" in
        redis)
          pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
          ;;
        postgres)
          pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
          ;;
        s3)
          pid="$(cat "$dir/s3.pid" 2>/dev/null || true)"
          ;;
        *) pid="" ;;
      esac
      # The pid file is ours, but make sure the pid still is the server before signalling it.
      if [[ -n "$pid" ]] && grep -qa -e redis-server -e postgres -e s3s-fs "/proc/$pid/cmdline" 2>/dev/null; then
        # SIGTERM: Redis exits without saving (no save points); SIGQUIT: PostgreSQL's
        # immediate shutdown, since its data is about to be deleted anyway.
        if [[ "$kind" == postgres ]]; then kill -QUIT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
        pids+=("$pid")
      fi
    done <"$THROWAWAY_DIR/services"
  fi
  for pid in "${pids[@]}"; do _throwaway_reap "$pid"; done
  # Anything else that carries our mark or still works in our directory (a test binary
  # orphaned by an interruption, a server whose pid file was not written yet) is ours too.
  for p in $(grep -lzxF "THROWAWAY_OWNER=$THROWAWAY_DIR" /proc/[0-9]*/environ 2>/dev/null || true) \
    /proc/[0-9]*/cwd; do
    pid="${p#/proc/}"
    pid="${pid%%/*}"
    [[ "$pid" == "$$" || "$pid" == "${BASHPID:-$$}" ]] && continue
    if [[ "$p" == */cwd ]]; then
      cwd="$(readlink "$p" 2>/dev/null || true)"
      [[ "$cwd" == "$THROWAWAY_DIR" || "$cwd" == "$THROWAWAY_DIR"/* ]] || continue
    fi
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$THROWAWAY_DIR"
  _throwaway_say "stopped and removed $THROWAWAY_DIR"
}

fi # _THROWAWAY_LOADED

# As a command: `throwaway.sh run [--postgres] [--redis] [--redis-cluster N] [--s3] -- COMMAND...`.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  _usage() {
    echo "usage: $0 run [--postgres] [--redis] [--redis-cluster N] [--s3] -- COMMAND [ARG...]" >&2
    exit 2
  }
  [[ "${1:-}" == run ]] || _usage
  shift
  want_pg=0 want_redis=0 want_cluster=0 want_s3=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --postgres) want_pg=1 ;;
      --redis) want_redis=1 ;;
      --s3) want_s3=1 ;;
      --redis-cluster) want_cluster="${2:-}"; [[ "$want_cluster" =~ ^[1-9][0-9]*$ ]] || _usage; shift ;;
      --) shift; break ;;
      *) _usage ;;
    esac
    shift
  done
  [[ $# -gt 0 ]] || _usage
  throwaway_init
  if [[ "$want_pg" == 1 ]]; then
    throwaway_postgres
    export DAUTRI_TEST_POSTGRES_URL="$THROWAWAY_POSTGRES_URL"
  fi
  if [[ "$want_redis" == 1 ]]; then
    throwaway_redis
    export DAUTRI_TEST_REDIS_URL="$THROWAWAY_REDIS_URL"
  fi
  if [[ "$want_cluster" != 0 ]]; then
    throwaway_redis_cluster "$want_cluster"
    export DAUTRI_TEST_REDIS_CLUSTER_URL="$THROWAWAY_REDIS_CLUSTER_URL"
  fi
  if [[ "$want_s3" == 1 ]]; then
    throwaway_s3
    export DAUTRI_TEST_S3_ENDPOINT="$THROWAWAY_S3_ENDPOINT" DAUTRI_TEST_S3_BUCKET="$THROWAWAY_S3_BUCKET" \
      DAUTRI_TEST_S3_ACCESS_KEY_ID="$THROWAWAY_S3_ACCESS_KEY_ID" \
      DAUTRI_TEST_S3_SECRET_ACCESS_KEY="$THROWAWAY_S3_SECRET_ACCESS_KEY"
  fi
  status=0
  "$@" || status=$?
  exit "$status"
fi
