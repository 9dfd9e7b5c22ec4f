#!/usr/bin/env bash
# Property-based run of the served OpenAPI document (schemathesis, from PyPI) against the real
# server on PostgreSQL + Redis: thousands of generated requests, valid and hostile, for every
# operation, as a signed-in system administrator with the demo units, people and contest in the
# database (`api demo`). It fails on any 5xx, any dropped connection or timeout, any status code, content type
# or header the document does not list, and any response body that does not match its schema.
#
#   cargo build -p api
#   bash scripts/schemathesis.sh                        # the CI budget: 90 seconds
#   SCHEMATHESIS_SECONDS=900 bash scripts/schemathesis.sh   # a longer hunt
#   SCHEMATHESIS_SEED=1234 bash scripts/schemathesis.sh     # replay a run (its seed is printed)
#   SCHEMATHESIS_CHECKS=positive_data_acceptance bash scripts/schemathesis.sh   # other checks
#
# PostgreSQL (trust auth) and Redis from DAUTRI_TEST_POSTGRES_URL / DAUTRI_TEST_REDIS_URL,
# default 127.0.0.1 (or run it under `scripts/throwaway.sh run --postgres --redis --`). It makes
# its own database and key prefix and removes both afterwards. schemathesis is installed once,
# pinned, into a virtual environment in ~/.cache/dautri (SCHEMATHESIS_VENV moves it).
# API_BIN picks another server build (default: the debug build).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
api="${API_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/api}"
pg="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
redis_url="${DAUTRI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
seconds="${SCHEMATHESIS_SECONDS:-90}"
version=4.32.5
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/dautri/schemathesis-$version}"

[[ -x "$api" ]] || { echo "schemathesis: no server build at $api (cargo build -p api)" >&2; exit 1; }
if [[ ! -x "$venv/bin/schemathesis" ]]; then
  echo "schemathesis: installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

db="schemathesis_$(date +%s)_$RANDOM"
prefix="st:$db"
data="$(mktemp -d)"
port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "schemathesis: no free port" >&2; exit 1; }

psql "$pg/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "$prefix:*" 2>/dev/null | xargs -r -n 500 redis-cli -u "$redis_url" UNLINK >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

export DATABASE_URL="$pg/$db" REDIS_URL="$redis_url" DAUTRI_REDIS__KEY_PREFIX="$prefix" \
  DAUTRI_JWT__SECRET="schemathesis-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  DAUTRI_DATA_DIR="$data" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_DEMO_ON_FIRST_RUN=false
# The demo data needs the starter bank; the server finds it from the checkout it was built in,
# or here.
export DAUTRI_STARTER_BANK="${DAUTRI_STARTER_BANK:-$repo/question-bank/bank}"
admin_phone=0399999991
admin_password="Schema-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$api" migrate >"$data/migrate.log" 2>&1 || { cat "$data/migrate.log" >&2; exit 1; }
DAUTRI_ADMIN_PASSWORD="$admin_password" "$api" create-admin --phone "$admin_phone" \
  --full-name "Quản trị kiểm thử" >"$data/admin.log" 2>&1 || { cat "$data/admin.log" >&2; exit 1; }
"$api" demo >"$data/demo.log" 2>&1 || { cat "$data/demo.log" >&2; exit 1; }
"$api" serve >"$data/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 150); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "schemathesis: the server exited; its log:" >&2; cat "$data/server.log" >&2; exit 1; }
  sleep 0.2
done
token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"phone\":\"$admin_phone\",\"password\":\"$admin_password\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

admin_id="$(curl -fsS "$base/api/v1/me" -H "Authorization: Bearer $token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
# Real ids for path and query parameters, so that operations on a contest, a round, a unit…
# are tried on ones that exist (scripts/schemathesis_config.py says why).
python3 "$repo/scripts/schemathesis_config.py" "$base" "$token" "$admin_id" >"$data/schemathesis.toml"

seed="${SCHEMATHESIS_SEED:-$(python3 -c 'import random; print(random.getrandbits(64))')}"
echo "schemathesis: $base, ${seconds}s, seed $seed"
status=0
# - logout ends the very session the run uses; its own tests are in api/tests/api/sessions.rs.
# - one worker: the server has the machine's two cores to itself, and Hypothesis's
#   description of its strategies is not safe across threads (an occasional internal error).
"$venv/bin/schemathesis" --no-color --config-file "$data/schemathesis.toml" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks "${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}" \
  --exclude-path /api/v1/auth/logout \
  --phases examples,coverage,fuzzing \
  --max-time "$seconds" --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" \
  --request-timeout 15 --workers 1 --seed "$seed" --continue-on-failure \
  --warnings off || status=$?
if ! kill -0 "$server" 2>/dev/null; then
  echo "schemathesis: the server died during the run; its log:" >&2
  tail -n 60 "$data/server.log" >&2
  status=1
fi
if grep -q "panicked" "$data/server.log"; then
  echo "schemathesis: a worker panicked:" >&2
  grep -A5 "panicked" "$data/server.log" | head -40 >&2
  status=1
fi
[[ $status == 0 ]] || echo "schemathesis: failed (replay with SCHEMATHESIS_SEED=$seed)" >&2
exit "$status"
