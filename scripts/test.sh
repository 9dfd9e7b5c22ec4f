#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit and integration tests (each integration
# test runs on SQLite + in-process store AND on PostgreSQL + Redis, and the scoring scripts run
# on a Redis Cluster), the question-bank checks including the starter bank, and the frontend's
# unit tests and browser end-to-end test.
#
# Services (see scripts/throwaway.sh, the one way this repository starts a service):
# - PostgreSQL and Redis: the ones at DAUTRI_TEST_POSTGRES_URL (default
#   postgres://postgres@127.0.0.1:5432, trust auth) and DAUTRI_TEST_REDIS_URL (default
#   redis://127.0.0.1:6379) when they answer; otherwise, for a default URL, private throwaway
#   instances on free loopback ports, installed first when missing (Debian packages
#   `postgresql` and `redis-server`; a URL you set that does not answer stops the run).
#   DAUTRI_TEST_SERVICES=private always starts private ones; DAUTRI_TEST_SERVICES=existing
#   never does (it stops if the URLs do not answer).
# - The Redis Cluster: always three private throwaway nodes.
# - An S3-compatible object store for the picture tests: always a private throwaway s3s-fs
#   (built from crates.io into ~/.cache/dautri the first time, about 3 minutes).
# Private instances, and every temporary file the tests make, live in one temporary directory
# that is removed on exit, on failure and on Ctrl-C. Services that were already running are
# only used, never stopped or changed.
#
# Installs Debian's Chromium for the browser test if it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/throwaway.sh
source scripts/throwaway.sh

step() { printf '\n==> %s\n' "$*"; }

# True when PostgreSQL answers at the URL (server part, no database name) and lets us in: a
# server that asks for a password the URL does not have (Debian's freshly installed cluster
# does) is of no use to the tests.
postgres_answers() {
  local url="$1" hostport
  if command -v psql >/dev/null; then
    PGCONNECT_TIMEOUT=3 psql "$url/postgres" -Atqc 'select 1' -w >/dev/null 2>&1 </dev/null
  elif command -v pg_isready >/dev/null; then
    pg_isready -q -t 3 -d "$url/postgres"
  else
    # No client tools: something listening at host:port will do.
    hostport="${url##*@}"
    hostport="${hostport%%/*}"
    [[ "$hostport" == *:* ]] || hostport="$hostport:5432"
    (exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null
  fi
}

# True when Redis answers PING at the URL.
redis_answers() {
  local url="$1" hostport reply
  if command -v redis-cli >/dev/null; then
    [[ "$(timeout 5 redis-cli -u "$url" ping 2>/dev/null </dev/null)" == PONG ]]
  else
    hostport="${url#*://}"
    hostport="${hostport##*@}"
    hostport="${hostport%%/*}"
    [[ "$hostport" == *:* ]] || hostport="$hostport:6379"
    (
      exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || exit 1
      printf 'PING\r\n' >&3
      IFS= read -r -t 3 reply <&3 && [[ "$reply" == +PONG* ]]
    ) 2>/dev/null
  fi
}

step "services"
mode="${DAUTRI_TEST_SERVICES:-auto}"
case "$mode" in
  auto | private | existing) ;;
  *) echo "DAUTRI_TEST_SERVICES must be auto, private or existing (not '$mode')" >&2; exit 2 ;;
esac
pg_url="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
throwaway_init
if [[ "$mode" == private ]] || ! postgres_answers "$pg_url"; then
  if [[ "$mode" == existing || -n "${DAUTRI_TEST_POSTGRES_URL:-}" && "$mode" != private ]]; then
    echo "PostgreSQL does not answer at $pg_url" >&2; exit 1
  fi
  [[ "$mode" == private ]] || echo "PostgreSQL does not answer (or let us in) at $pg_url: starting a private one"
  throwaway_postgres
  pg_url="$THROWAWAY_POSTGRES_URL"
fi
if [[ "$mode" == private ]] || ! redis_answers "$redis_url"; then
  if [[ "$mode" == existing || -n "${DAUTRI_TEST_REDIS_URL:-}" && "$mode" != private ]]; then
    echo "Redis does not answer at $redis_url" >&2; exit 1
  fi
  [[ "$mode" == private ]] || echo "Redis does not answer at $redis_url: starting a private one"
  throwaway_redis
  redis_url="$THROWAWAY_REDIS_URL"
fi
throwaway_redis_cluster 3
throwaway_s3
export DAUTRI_TEST_S3_ENDPOINT="$THROWAWAY_S3_ENDPOINT" DAUTRI_TEST_S3_BUCKET="$THROWAWAY_S3_BUCKET" \
  DAUTRI_TEST_S3_ACCESS_KEY_ID="$THROWAWAY_S3_ACCESS_KEY_ID" \
  DAUTRI_TEST_S3_SECRET_ACCESS_KEY="$THROWAWAY_S3_SECRET_ACCESS_KEY"
export DAUTRI_TEST_POSTGRES_URL="$pg_url"
export DAUTRI_TEST_REDIS_URL="$redis_url"
export DAUTRI_TEST_REDIS_CLUSTER_URL="$THROWAWAY_REDIS_CLUSTER_URL"
# The tests' temporary files (data directories, the browser's profile) go with the rest, so
# that an interrupted run leaves none behind either.
mkdir -p "$THROWAWAY_DIR/tmp"
export TMPDIR="$THROWAWAY_DIR/tmp"
echo "PostgreSQL: $DAUTRI_TEST_POSTGRES_URL"
echo "Redis: $DAUTRI_TEST_REDIS_URL"
echo "Redis Cluster: $DAUTRI_TEST_REDIS_CLUSTER_URL"
echo "S3: $DAUTRI_TEST_S3_ENDPOINT (bucket $DAUTRI_TEST_S3_BUCKET)"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (unit + integration, both backends)"
cargo test --workspace

step "contest day smoke: a few hundred members on PostgreSQL + Redis (fails on errors or a wrong end state, never on speed)"
# The real server and the load tool (loadtest/src/scenario): a storm of starts with a burst of
# password sign-ins, readers, live watchers, members who let the time run out, then the
# end-state check against the database and every board, and a short ceiling measurement.
cargo build -q -p api -p loadtest --bins
BIN_DIR="${CARGO_TARGET_DIR:-target}/debug" EXTRA_ENV="DAUTRI_ATTEMPT__GRACE_SECONDS=1" \
  bash loadtest/contest-day.sh --members 200 --window 3 --fresh-signins 0.3 --think-ms 120 \
  --think-max-ms 400 --grace-seconds 1 --p-late 0.05 --p-reload 0.1 \
  --readers 8 --watchers 2 --poll-ms 300 --ceiling-seconds 1 --ceiling-connections 8

step "fault suite smoke: a contest day with Redis killed and restarted empty, then PostgreSQL restarted (fails on a lost or reverted acknowledgement, a wrong board, a 5xx other than 503 with Retry-After, a hang or leaked internals; never on speed)"
# loadtest/fault-day.sh: private PostgreSQL and Redis of its own (throwaway.sh), the real server,
# 60 members, none of them late (the contest-day smoke covers deadlines); the fault two seconds
# into the day, while members answer and hand in.
for fault in redis-fast postgres; do
  BIN_DIR="${CARGO_TARGET_DIR:-target}/debug" EXTRA_ENV="DAUTRI_ATTEMPT__GRACE_SECONDS=1" FAULT_AT=2 \
    bash loadtest/fault-day.sh "$fault" --members 60 --window 3 --think-ms 300 --think-max-ms 800 \
    --grace-seconds 1 --p-late 0 --p-reload 0.1 --readers 6 --watchers 2 --poll-ms 300
done

step "topology smoke: two API instances behind nginx, a 3-master Redis Cluster, PostgreSQL with a streaming replica (deploy/local-cluster.sh; a short day with one instance killed -9, its end-state check; reports refused while the replica lags, back once it caught up)"
# nginx from the distribution when missing (Debian: the package; the script runs it itself on
# private ports, from its own directory).
if ! command -v nginx >/dev/null; then
  if [[ "$(id -u)" == 0 ]]; then apt-get install -y -q nginx >/dev/null; else sudo apt-get install -y -q nginx >/dev/null; fi
fi
cluster_dir="$THROWAWAY_DIR/local-cluster"
cluster_status=0
LOCAL_CLUSTER_DIR="$cluster_dir" BIN_DIR="${CARGO_TARGET_DIR:-target}/debug" APIS=2 REDIS_REPLICAS=0 \
  PG_REPLICA=1 bash deploy/local-cluster.sh start >/dev/null || cluster_status=$?
if [[ $cluster_status == 0 ]]; then
  LOCAL_CLUSTER_DIR="$cluster_dir" BIN_DIR="${CARGO_TARGET_DIR:-target}/debug" FAULTS=api FAULT_AT=2 \
    bash deploy/local-cluster.sh day --members 60 --window 3 --think-ms 300 --think-max-ms 800 \
    --p-late 0 --readers 6 --watchers 2 --poll-ms 300 || cluster_status=$?
fi
if [[ $cluster_status == 0 ]]; then
  LOCAL_CLUSTER_DIR="$cluster_dir" bash deploy/local-cluster.sh replica-lag || cluster_status=$?
fi
LOCAL_CLUSTER_DIR="$cluster_dir" bash deploy/local-cluster.sh stop
[[ $cluster_status == 0 ]] || exit "$cluster_status"

step "schemathesis: generated requests against the OpenAPI document on PostgreSQL + Redis (no 5xx, no undocumented status, type or body)"
SCHEMATHESIS_SECONDS="${SCHEMATHESIS_SECONDS:-90}" bash scripts/schemathesis.sh

step "cargo-fuzz: libFuzzer on every file reader (GIFT, Aiken, Moodle XML, CSV, XLSX), ${FUZZ_SECONDS:-20} s each (fails on a crash, a broken limit, a timeout or over 2 GB)"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash scripts/fuzz.sh

step "starter question bank (0 problems, 0 warnings)"
# --deny-warnings: the starter bank must also pass the balance and freshness checks (#19).
cargo run -q -p question-bank -- validate --deny-warnings question-bank/bank/

step "frontend: build, unit tests, browser end-to-end"
cargo build -q -p api
bash frontend/scripts/ci.sh

printf '\nall tests passed\n'
