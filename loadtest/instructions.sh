#!/usr/bin/env bash
# CPU instructions per request, counted by callgrind: dautri's `/healthz`, answer save and
# "my rank" beside the `ceiling` server's trivial handler and bare JWT + EVALSHA answer (see
# src/bin/instructions.rs). The same binary and requests give the same counts on a busy or an
# idle machine, so two builds compare where closed-loop figures are noise.
#
#   cargo build --release -p api -p loadtest
#   bash loadtest/instructions.sh                       # 2,000 requests each
#   API_BIN=/tmp/api-before bash loadtest/instructions.sh --requests 1000
#   INSTRUCTIONS_ANNOTATE=/tmp/answer.txt bash loadtest/instructions.sh   # + top functions
#   INSTRUCTIONS_DUMPS=/tmp/dumps bash loadtest/instructions.sh            # keep every dump
#
# Runs on PostgreSQL + Redis (DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL, default
# 127.0.0.1) in a database and key prefix of its own, removed afterwards; needs valgrind
# (`apt-get install valgrind`). Extra arguments go to `instructions`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
api="${API_BIN:-$bin/api}"
pg="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
command -v valgrind >/dev/null || { echo "instructions: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
db="instructions_$(date +%s)_$RANDOM"
prefix="instr:$db"
data="$(mktemp -d)"
free_port() {
  for _ in $(seq 50); do
    local candidate=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return; fi
  done
  echo "instructions: no free port" >&2; exit 1
}
port="$(free_port)"
psql "$pg/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
server="" ceiling=""
cleanup() {
  for p in $server $ceiling; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" 2>/dev/null | xargs -r -n 500 redis-cli -u "$redis_url" UNLINK >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

export DATABASE_URL="$pg/$db" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="$prefix" \
  DAUTRI_JWT__SECRET="instructions-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  DAUTRI_DATA_DIR="$data" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_DEMO_ON_FIRST_RUN=false \
  RUST_LOG="${RUST_LOG:-info}"
"$api" migrate >"$data/migrate.log" 2>&1 || { cat "$data/migrate.log" >&2; exit 1; }
"$api" demo >"$data/demo.log" 2>&1 || { cat "$data/demo.log" >&2; exit 1; }
password="$(sed -n 's/^password: //p' "$data/demo-credentials.txt")"
dumps="${INSTRUCTIONS_DUMPS:-$data/dumps}" # kept when set, for callgrind_annotate
mkdir -p "$dumps"
# Both servers count from their start; the tool dumps (which resets the counters) before each
# measured stretch and after it.
valgrind --tool=callgrind --callgrind-out-file="$dumps/callgrind.%p" \
  "$api" serve >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "instructions: the server exited; its log:" >&2; cat "$data/server.log" >&2; exit 1; }
  sleep 0.5
done
CEILING_PREFIX="$prefix" valgrind --tool=callgrind --callgrind-out-file="$dumps/callgrind.%p" \
  "$bin/ceiling" >"$data/ceiling.out" 2>"$data/ceiling.log" &
ceiling=$!
for _ in $(seq 600); do
  [[ -s "$data/ceiling.out" ]] && break
  kill -0 "$ceiling" 2>/dev/null || { echo "instructions: the ceiling exited; its log:" >&2; cat "$data/ceiling.log" >&2; exit 1; }
  sleep 0.5
done
read -r cport ctoken <"$data/ceiling.out"
INSTRUCTIONS_PASSWORD="$password" INSTRUCTIONS_CEILING_TOKEN="$ctoken" "$bin/instructions" \
  --dautri "http://127.0.0.1:$port" --dautri-pid "$server" \
  --ceiling "http://127.0.0.1:$cport" --ceiling-pid "$ceiling" --dumps "$dumps" \
  ${INSTRUCTIONS_ANNOTATE:+--annotate "$INSTRUCTIONS_ANNOTATE"} "$@"
