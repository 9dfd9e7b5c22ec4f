#!/usr/bin/env bash
# Regenerates the API contract the frontend is typechecked against:
#   src/api/openapi.json  the server's OpenAPI document (`api openapi`, no server needed)
#   src/api/schema.d.ts   TypeScript types generated from it by openapi-typescript
#
#   bash frontend/scripts/gen-api.sh           # rewrite both (commit them with the Rust change)
#   bash frontend/scripts/gen-api.sh --check   # generate into a temp dir; fail if the committed
#                                              # files differ (CI)
#
# The document comes from DAUTRI_API_BIN when set (a built `api` binary), else from
# `cargo run -q -p api -- openapi`. Needs `npm ci` first (openapi-typescript is a devDependency).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"

check=0
[[ "${1:-}" == "--check" ]] && check=1

if [[ $check == 1 ]]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
else
  out="$here/src/api"
fi

if [[ -n "${DAUTRI_API_BIN:-}" ]]; then
  "$DAUTRI_API_BIN" openapi >"$out/openapi.json.tmp"
else
  (cd "$repo" && cargo run -q -p api -- openapi) >"$out/openapi.json.tmp"
fi
mv "$out/openapi.json.tmp" "$out/openapi.json"

"$here/node_modules/.bin/openapi-typescript" "$out/openapi.json" --output "$out/schema.d.ts" --silent

if [[ $check == 0 ]]; then
  echo "gen-api: wrote src/api/openapi.json and src/api/schema.d.ts"
  exit 0
fi

drift=0
for f in openapi.json schema.d.ts; do
  if ! diff -u "$here/src/api/$f" "$out/$f" >"$out/$f.diff"; then
    echo "gen-api: frontend/src/api/$f is out of date with the server:" >&2
    head -n 40 "$out/$f.diff" >&2
    drift=1
  fi
done
if [[ $drift == 1 ]]; then
  echo "gen-api: the committed API contract differs from what the server generates;" \
    "run frontend/scripts/gen-api.sh and commit the result" >&2
  exit 1
fi
echo "gen-api: src/api/openapi.json and src/api/schema.d.ts match the server"
