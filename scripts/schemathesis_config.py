#!/usr/bin/env python3
"""Writes the schemathesis configuration for a run against a dautri server with demo data.

Generated path ids are almost never ones that exist, so without help every operation on
`/contests/{id}`, `/rounds/{id}`, … would only ever answer 404 and its 2xx answers would go
unchecked. This reads the ids of the server's real contests, rounds, units, questions, courses
and members through the API and binds each path or query parameter to them most of the time
(schemathesis still generates other values the rest of the time).

    schemathesis_config.py BASE_URL ACCESS_TOKEN ADMIN_ID > schemathesis.toml
"""

import json
import sys
import urllib.request

BASE, TOKEN, ADMIN_ID = sys.argv[1], sys.argv[2], sys.argv[3]


def get(path):
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def items(body):
    return body["items"] if isinstance(body, dict) and "items" in body else body


contests = [c["id"] for c in items(get("/api/v1/contests?limit=100"))]
rounds = []
for contest in contests:
    rounds += [r["id"] for r in items(get(f"/api/v1/contests/{contest}/rounds"))]
units = [u["id"] for u in items(get("/api/v1/units?limit=100"))]
questions = [q["id"] for q in items(get("/api/v1/questions?limit=50"))]
members = []
for unit in units[:10]:
    members += [m["id"] for m in items(get(f"/api/v1/units/{unit}/members?limit=50"))]
# Never the run's own administrator: a generated role list or a disable would end the run.
members = sorted({m for m in members if m != ADMIN_ID})
courses = [c["id"] for c in items(get("/api/v1/courses"))] if contests else []

dictionaries = {
    "contest_ids": contests,
    "round_ids": rounds,
    "unit_ids": units,
    "question_ids": questions,
    "member_ids": members,
    "course_ids": courses,
}
# The path prefix whose `{id}` each dictionary fills, and the query parameters it fills.
paths = {
    "contest_ids": r"^/api/v1/contests/\{id\}",
    "round_ids": r"^/api/v1/rounds/\{id\}",
    "unit_ids": r"^/api/v1/units/\{id\}",
    "question_ids": r"^/api/v1/questions/\{id\}",
    "member_ids": r"^/api/v1/users/\{id\}",
    "course_ids": r"^/api/v1/courses/\{id\}",
}
queries = {
    "contest_ids": ["contest_id"],
    "round_ids": ["round_id"],
    "unit_ids": ["unit_id", "parent_id"],
    "course_ids": ["course_id"],
    "member_ids": ["actor_id"],
}

out = []
for name, values in dictionaries.items():
    if values:
        out.append(f"[dictionaries.{name}]")
        out.append("values = " + json.dumps(values))
out.append("[parameters]")
for name, params in queries.items():
    if dictionaries[name]:
        for param in params:
            out.append(f'"query.{param}" = {{ dictionary = "{name}", probability = 0.7 }}')
for name, regex in paths.items():
    if dictionaries[name]:
        out.append("[[operations]]")
        out.append(f"include-path-regex = {json.dumps(regex)}")
        out.append(f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = 0.8 }} }}')
print("\n".join(out))
print(
    f"# {len(contests)} contests, {len(rounds)} rounds, {len(units)} units, "
    f"{len(questions)} questions, {len(members)} members, {len(courses)} courses",
    file=sys.stderr,
)
