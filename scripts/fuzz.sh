#!/usr/bin/env bash
# Runs the cargo-fuzz (libFuzzer) target of every file reader for a bounded time each, seeded
# with the corpora kept in the repository, and fails on any crash: a panic, a broken promise
# (limits, row order, report shape: asserted inside the targets), a timeout or too much memory.
#
#   bash scripts/fuzz.sh                       # every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh question_gift   # one target, longer
#
# Targets (fuzz/fuzz_targets/): question_{gift,aiken,moodle_xml,csv,xlsx} (the question import,
# question-bank's `read_with`) and sheet_{csv,xlsx} (`sheets::read::read_table`, behind the unit
# and admission imports). Seeds come from question-bank/fuzz/corpus/<format>/ and
# sheets/fuzz/corpus/<format>/ (the stable harness's corpora, `cargo test --test fuzz`); new
# inputs libFuzzer finds go to a temporary directory, so a run never changes the checkout.
# A crash leaves its input in fuzz/artifacts/<target>/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
#
# libFuzzer needs nightly compiler flags; the pinned stable toolchain allows them with
# RUSTC_BOOTSTRAP=1, set here for this build only. cargo-fuzz is installed from crates.io into
# ~/.cargo/bin the first time (about 2 minutes). Limits per target: -rss_limit_mb (FUZZ_RSS_MB,
# default 2048), -timeout 10 s per input, inputs up to 512 KiB.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${FUZZ_SECONDS:-20}"
rss="${FUZZ_RSS_MB:-2048}"
version=0.13.2

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz $version"
  cargo install -q --locked cargo-fuzz --version "$version"
fi

# target -> seed corpora
declare -A seeds=(
  [question_gift]="question-bank/fuzz/corpus/gift"
  [question_aiken]="question-bank/fuzz/corpus/aiken"
  [question_moodle_xml]="question-bank/fuzz/corpus/moodle_xml"
  [question_csv]="question-bank/fuzz/corpus/csv"
  [question_xlsx]="question-bank/fuzz/corpus/xlsx"
  [sheet_csv]="sheets/fuzz/corpus/csv"
  [sheet_xlsx]="sheets/fuzz/corpus/xlsx"
)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(question_gift question_aiken question_moodle_xml question_csv question_xlsx sheet_csv sheet_xlsx)

export RUSTC_BOOTSTRAP=1
target_dir="${CARGO_TARGET_DIR:-$repo/target}/fuzz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! cargo fuzz build --target-dir "$target_dir" >"$work/build.log" 2>&1; then
  echo "fuzz: building the targets failed:" >&2
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
status=0
for t in "${targets[@]}"; do
  [[ -n "${seeds[$t]:-}" ]] || { echo "fuzz: unknown target $t" >&2; exit 2; }
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  log="$work/$t.log"
  if cargo fuzz run --target-dir "$target_dir" "$t" "$work/$t" "${seeds[$t]}" -- \
    -max_total_time="$seconds" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -timeout=10 \
    -max_len=524288 -print_final_stats=1 >"$log" 2>&1; then
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)"
    echo "fuzz: $t ok: ${execs:-?} inputs in ${seconds}s, ${cov:-cov: ?}"
  else
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
done
exit $status
