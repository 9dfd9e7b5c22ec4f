#!/usr/bin/env bash
# The frontend's checks, for .ci/run or by hand:
#   bash frontend/scripts/ci.sh            # install, typecheck + build, unit tests, e2e
#   bash frontend/scripts/ci.sh --no-e2e   # without the browser test
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
[[ "${1:-}" == "--no-e2e" ]] && run_e2e=0

npm ci --no-audit --no-fund
# The committed API contract (src/api/openapi.json, src/api/schema.d.ts) must be what the
# server generates now; the typecheck below holds the app to it.
bash scripts/gen-api.sh --check
npm run build
npm test

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

# A free port unless one is given, so that runs side by side do not collide.
# shellcheck source=SCRIPTDIR/../../scripts/throwaway.sh
source "$repo/scripts/throwaway.sh"
port="${DAUTRI_E2E_PORT:-$(throwaway_free_port)}"
data_dir="$(mktemp -d)"
log="$data_dir/server.log"
DAUTRI_DATA_DIR="$data_dir" PORT="$port" DAUTRI_BIND=127.0.0.1 DAUTRI_STATIC_DIR="$here/dist" \
  "$api_bin" serve >"$log" 2>&1 &
server_pid=$!
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "frontend ci: the server exited; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done

# The server writes the demo accounts' password on its first start; the e2e
# signs in as a demo member with it to take the demo contest.
demo_password=""
for _ in $(seq 1 20); do
  if [[ -f "$data_dir/demo-credentials.txt" ]]; then
    demo_password="$(sed -n 's/^password: *//p' "$data_dir/demo-credentials.txt" | head -n 1)"
    [[ -n "$demo_password" ]] && break
  fi
  sleep 0.5
done
if [[ -z "$demo_password" ]]; then
  echo "frontend ci: no demo password in $data_dir/demo-credentials.txt (the contest part of the e2e will fail)" >&2
fi

status=0
DAUTRI_E2E_BASE_URL="http://127.0.0.1:$port" DAUTRI_E2E_DATA_DIR="$data_dir" \
  DAUTRI_E2E_DEMO_PASSWORD="$demo_password" npm run e2e || status=$?
if [[ $status != 0 ]]; then
  echo "--- server log (last 50 lines) ---" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
