// Set-up shared by the theory and report modules, through the API (arrangement, not under
// test): a fresh branch under the demo bloc, new members admitted in 2025, and passing the
// demo course's four lesson tests by answering with the key the organizer can read.

/** The demo bloc (the organizer's scope root). */
export async function demoRoot(api, token) {
  const me = await api.call('GET', '/me', { token });
  const grant = me.body.roles.find((r) => r.role === 'unit_admin' && r.unit_id);
  const unit = await api.call('GET', `/units/${grant.unit_id}`, { token });
  return unit.body;
}

/** A new branch under `parentId`, named for the run. */
export async function newBranch(api, token, parentId, label) {
  const tag = Date.now().toString(36).slice(-5).toUpperCase();
  const res = await api.call('POST', '/units', {
    token,
    body: { parent_id: parentId, name: `${label} ${tag}`, code: `E2E-${tag}${Math.floor(Math.random() * 90 + 10)}`, member_count: 30 },
  });
  if (res.status !== 201) throw new Error(`create unit: ${res.status} ${res.text}`);
  return res.body;
}

/** Registers a member of `unitId` admitted on `admitted` and returns { id, phone, token }. */
export async function newMember(api, unitId, fullName, admitted, password = 'Mat-khau-e2e-2026') {
  const phone = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const res = await api.call('POST', '/auth/register', {
    body: { phone, password, full_name: fullName, birth_date: '2005-03-26', unit_id: unitId, consent: true, admitted_at: admitted },
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  const token = await api.login(phone, password);
  return { id: res.body.id, phone, token, fullName };
}

/** The demo theory contest's lesson rounds, in lesson order. */
export async function theoryRounds(api, token) {
  const contests = await api.call('GET', '/contests', { token, query: { limit: 200 } });
  // The demo's (the contests module makes theory tests of its own).
  const contest = contests.body.items.find((c) => c.kind === 'theory_test' && c.title === 'Kiểm tra lý luận chính trị đoàn viên mới – dữ liệu mẫu');
  if (!contest) throw new Error('the demo theory contest is missing');
  const rounds = await api.call('GET', `/contests/${contest.id}/rounds`, { token });
  return rounds.body.items.filter((r) => r.theory).sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

/** Takes one attempt at `roundId` answering every question right (the key read by `keyToken`). */
export async function passRound(api, member, roundId, keyToken) {
  const started = await api.call('POST', `/rounds/${roundId}/attempts`, { token: member.token });
  if (started.status !== 201) throw new Error(`start: ${started.status} ${started.text}`);
  const attempt = started.body;
  for (const q of attempt.questions) {
    const full = await api.call('GET', `/questions/${q.id}`, { token: keyToken });
    if (full.status !== 200) throw new Error(`question ${q.id}: ${full.status} ${full.text}`);
    const right = full.body.options.filter((o) => o.correct);
    // Options keep their ids from the bank to the attempt; match by text should they not.
    let ids = q.options.filter((o) => right.some((r) => r.id === o.id)).map((o) => o.id);
    if (ids.length === 0) ids = q.options.filter((o) => right.some((r) => r.text === o.text)).map((o) => o.id);
    const saved = await api.call('PUT', `/attempts/${attempt.id}/answers/${q.id}`, { token: member.token, body: { option_ids: ids } });
    if (saved.status !== 200) throw new Error(`answer: ${saved.status} ${saved.text}`);
  }
  const done = await api.call('POST', `/attempts/${attempt.id}/finish`, { token: member.token, body: {} });
  if (done.status !== 200) throw new Error(`finish: ${done.status} ${done.text}`);
  return done.body;
}

/** Passes every lesson; returns the member's certificate code. */
export async function passCourse(api, member, rounds, keyToken) {
  for (const r of rounds) await passRound(api, member, r.id, keyToken);
  const mine = await api.call('GET', '/me/theory', { token: member.token });
  const code = mine.body?.certificate?.code;
  if (!code) throw new Error(`no certificate after passing: ${mine.text}`);
  return code;
}
