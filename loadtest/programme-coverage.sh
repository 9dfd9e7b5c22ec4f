#!/usr/bin/env bash
# Coverage of a study programme at 500,000 members (#20): a unit's coverage and its first page
# of pending members, counted in the database (an "all members" programme), against the
# in-memory count the new members' theory course keeps (the same members, all admitted after
# the bloc's date, so both count everyone), on one server in one run. Prints the median time of
# each answer, the ratio, and the server's memory before and after each kind.
#
#   cargo build --release -p api
#   bash loadtest/programme-coverage.sh                  # 500,000 members, 60 branches
#   MEMBERS=100000 RUNS=3 bash loadtest/programme-coverage.sh
#
# The data is written straight into a database of its own (members, and finished attempts
# at 8 lesson tests by TESTED of them, default 0.4), removed at the end. PostgreSQL (trust
# auth) from DAUTRI_TEST_POSTGRES_URL, default 127.0.0.1; the in-process scoring store (the
# counts never touch it).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BIN_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}"
pg="${DAUTRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
members="${MEMBERS:-500000}"
branches="${BRANCHES:-60}"
tested="${TESTED:-0.4}"
runs="${RUNS:-5}"
port="${PORT:-$((20000 + RANDOM % 20000))}"
db="coverage_bench_$(date +%s)_$RANDOM"
data="$(mktemp -d)"
password="bench-$RANDOM-Passw0rd"
base="http://127.0.0.1:$port/api/v1"

psql "$pg/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
sql() { psql "$pg/$db" -v ON_ERROR_STOP=1 -qAt "$@"; }

export DATABASE_URL="$pg/$db" DAUTRI_DATA_DIR="$data" PORT="$port" DAUTRI_DEMO_ON_FIRST_RUN=false \
  DAUTRI_JWT__SECRET="coverage-bench-$RANDOM-0123456789abcdef0123456789"
"$bin/api" migrate >/dev/null
DAUTRI_ADMIN_PASSWORD="$password" "$bin/api" create-admin --phone 0900000000 >/dev/null
"$bin/api" serve >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

# call METHOD PATH [BODY]: the admin's request, its JSON answer on stdout; fails on an error.
call() {
  curl -fsS -X "$1" "$base$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"}
}
token="$(curl -fsS "$base/auth/login" -H 'Content-Type: application/json' \
  --data "{\"phone\":\"0900000000\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "coverage bench: $members members in $branches branches, $tested of them tested; $runs runs each"
root="$(call POST /units '{"name":"Đoàn Khối thử tải","code":"BENCH-ROOT"}' | json 'd["id"]')"
call PUT "/units/$root/theory-since" '{"theory_since":"2025-01-01"}' >/dev/null
started=$(date +%s)
sql -v root="$root" -v branches="$branches" -v members="$members" <<'SQL'
INSERT INTO units (id, parent_id, name, name_folded, code, member_count, member_count_date, path,
                   depth, created_at, updated_at)
SELECT g.id, :'root'::uuid, 'Chi đoàn ' || g.n, 'chi doan ' || g.n, 'BENCH-' || g.n, NULL, NULL,
       r.path || g.id || '/', r.depth + 1, now(), now()
FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, :branches) n) g,
     (SELECT path, depth FROM units WHERE id = :'root'::uuid) r;
INSERT INTO users (id, phone, password_hash, full_name, full_name_folded, unit_id, admitted_at,
                   consent_at, password_changed_at, created_at, updated_at, consent_version)
SELECT gen_random_uuid(), '098' || lpad(n::text, 7, '0'), a.password_hash, 'Đoàn viên ' || n,
       'doan vien ' || n, b.ids[1 + n % array_length(b.ids, 1)], DATE '2025-06-01', now(), now(),
       now(), now(), a.consent_version
FROM generate_series(1, :members) n,
     (SELECT array_agg(id ORDER BY code) AS ids FROM units WHERE parent_id = :'root'::uuid) b,
     (SELECT password_hash, consent_version FROM users WHERE phone = '0900000000') a;
ANALYZE units;
ANALYZE users;
SQL

# Questions for four lesson topics, the two programmes, and a lesson test per lesson of each.
for n in 1 2 3 4; do
  for i in $(seq 10); do
    call POST /questions "{\"unit_id\":\"$root\",\"kind\":\"single\",\"text\":\"Bài $n, câu $i: đáp án đúng là A?\",\"options\":[{\"text\":\"A\",\"correct\":true},{\"text\":\"B\"}],\"topic\":{\"code\":\"bench.lesson$n\",\"name\":\"Bài $n\"}}" >/dev/null
  done
done
lessons='[{"title":"Bài 1","topic":"bench.lesson1"},{"title":"Bài 2","topic":"bench.lesson2"},{"title":"Bài 3","topic":"bench.lesson3"},{"title":"Bài 4","topic":"bench.lesson4"}]'
theory="$(call POST /courses "{\"code\":\"BENCH-LL\",\"title\":\"Học lý luận (thử tải)\",\"lessons\":$lessons}")"
programme="$(call POST /courses "{\"code\":\"BENCH-CD\",\"title\":\"Chuyên đề (thử tải)\",\"audience\":{\"kind\":\"all_members\"},\"issues_certificate\":false,\"lessons\":$lessons}")"
contest="$(call POST /contests "{\"title\":\"Kiểm tra (thử tải)\",\"unit_id\":\"$root\",\"kind\":\"theory_test\",\"pass_mark\":80,\"eligibility\":{\"unit_id\":\"$root\"}}" | json 'd["id"]')"
opens="$(date -u -d '-2 days' +%FT%TZ)"
closes="$(date -u -d '+30 days' +%FT%TZ)"
for course in "$theory" "$programme"; do
  for n in 0 1 2 3; do
    lesson="$(printf '%s' "$course" | json "d['lessons'][$n]['id']")"
    code="$(printf '%s' "$course" | json "d['code']")"
    call POST "/contests/$contest/rounds" "{\"name\":\"$code bài $((n + 1))\",\"opens_at\":\"$opens\",\"closes_at\":\"$closes\",\"questions_per_attempt\":10,\"time_limit_seconds\":600,\"pool\":{\"quotas\":[{\"topic\":\"bench.lesson$((n + 1))\",\"count\":10}]},\"points_per_question\":10,\"theory\":{\"lesson_id\":\"$lesson\",\"pass_mark\":80}}" >/dev/null
  done
done
# Finished attempts yesterday: TESTED of the members at each of the 8 tests, scores 0–100.
sql -v contest="$contest" -v tested="$tested" <<'SQL'
INSERT INTO attempts (id, round_id, contest_id, user_id, seq, seed, questions, started_at, deadline,
                      grace_ms, status, finished_at, score, max_score, correct_count, time_used_ms,
                      prediction, practice, client_ip, user_agent, unit_id, board_recorded)
SELECT gen_random_uuid(), x.round_id, x.contest_id, x.user_id, 1, 0, '[]',
       now() - interval '1 day', now() - interval '1 day' + interval '10 minutes', 0, 'finished',
       now() - interval '1 day' + interval '5 minutes', x.score, 100, x.score / 10, 300000, NULL,
       false, NULL, NULL, x.unit_id, true
FROM (SELECT r.id AS round_id, r.contest_id, u.id AS user_id, u.unit_id,
             (floor(random() * 11) * 10)::bigint AS score
      FROM rounds r JOIN users u ON u.phone LIKE '098%'
      WHERE r.contest_id = :'contest'::uuid AND random() < :tested) x;
ANALYZE attempts;
SQL
attempts="$(sql -c "SELECT count(*) FROM attempts")"
echo "coverage bench: data written in $(($(date +%s) - started)) s ($attempts finished attempts)"

rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
# time_of PATH: seconds for one answer (fails unless 200).
time_of() {
  curl -fsS -o /dev/null -w '%{time_total}' "$base$1" -H "Authorization: Bearer $token"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
theory_id="$(printf '%s' "$theory" | json 'd["id"]')"
programme_id="$(printf '%s' "$programme" | json 'd["id"]')"
report() {
  local label="$1" path="$2" before after t
  before="$(rss)"
  t="$(for _ in $(seq "$runs"); do time_of "$path"; echo; done | median)"
  after="$(rss)"
  printf '%s|%s|%s|%s\n' "$label" "$t" "$before" "$after"
}
# The database's counts first: the allocator keeps what the in-memory count takes, so the
# server's memory after it says nothing about the database's.
{
  report "coverage, in the database (programme)" "/units/$root/theory-coverage?course_id=$programme_id"
  report "pending page, in the database (programme)" "/units/$root/theory-pending?course_id=$programme_id&limit=50"
  report "coverage, in memory (new members)" "/units/$root/theory-coverage?course_id=$theory_id"
  report "pending page, in memory (new members)" "/units/$root/theory-pending?course_id=$theory_id&limit=50"
} | tee "$data/results" | awk -F'|' '{printf "  %-44s median %7.3f s   server RSS %5d → %5d MiB\n", $1, $2, $3, $4}'
awk -F'|' 'NR == 1 {d = $2} NR == 2 {q = $2} NR == 3 {c = $2} NR == 4 {p = $2}
  END {printf "  ratio (in memory ÷ database): coverage %.1f×, pending page %.1f×\n", c / d, p / q}' "$data/results"
# Both counted the same members: everyone was admitted after the bloc's date.
for id in "$programme_id" "$theory_id"; do
  call GET "/units/$root/theory-coverage?course_id=$id" | json '"  " + d["course"]["title"] + ": members " + str(d["summary"]["total"]) + ", tested " + str(d["summary"]["tested"]) + ", lesson 1 passed " + str(d["summary"]["lessons"][0]["passed"])'
done
