// The round console (/quan-ly/vong-thi/<round>) and the big screen (/live/<round>): two members
// take a short round while the organizer watches the monitor move; it closes; the organizer
// publishes, voids a result with a reason (it leaves the board), publishes again and sees what
// changed, restores it, and exports the prize list, which is read back here as XLSX. The big
// screen is checked at 1920×1080. Set-up goes through the API (the contest wizard is the
// contests section's).

import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { outDir } from '../lib.mjs';
import { readXlsx, serialToText } from '../xlsx.mjs';

/** Seconds from set-up to the round's close: long enough for the members and the monitor checks. */
const ROUND_SECONDS = 75;
/** The server's grace after a close before results may be published (its default). */
const GRACE_SECONDS = 5;

export async function run(ctx) {
  const { api, base, demo, step, assert, squash, shoot, axeCheck } = ctx;
  const runId = Date.now().toString(36);
  const s = {}; // what the steps share

  await step('rounds: set-up — a contest with a short round of the demo bank, two members signed in (API)', async () => {
    s.org = await api.login(demo.organizer, demo.password);
    s.a = { phone: demo.members[0], name: 'Nguyễn Văn An', token: await api.login(demo.members[0], demo.password) };
    s.b = { phone: demo.members[1], name: 'Lê Thị Cúc', token: await api.login(demo.members[1], demo.password) };
    const contests = await api.call('GET', '/contests', { token: s.org });
    const template = contests.body.items.find((c) => c.title.includes('(demo)'));
    assert(template, 'the demo contest is missing');
    const contest = await api.call('POST', '/contests', {
      token: s.org,
      body: {
        title: `Cuộc thi theo dõi trực tiếp ${runId}`,
        description: 'Cuộc thi ngắn của kiểm thử giao diện vòng thi.',
        rules: '',
        kind: 'contest',
        unit_id: template.unit_id,
        eligibility: template.eligibility,
        leaderboard_visibility: 'members',
        tie_break: ['score', 'time_used', 'finished_at'],
        prizes: { round: [{ name: 'Giải Nhất', count: 1 }, { name: 'Giải Nhì', count: 1 }] },
      },
    });
    assert(contest.status === 201, `contest: ${contest.status} ${contest.text}`);
    s.contest = contest.body;
    const now = Date.now();
    s.closesAt = now + ROUND_SECONDS * 1000;
    const round = await api.call('POST', `/contests/${s.contest.id}/rounds`, {
      token: s.org,
      body: {
        name: 'Tuần thi thứ 1',
        opens_at: new Date(now - 60_000).toISOString(),
        closes_at: new Date(s.closesAt).toISOString(),
        questions_per_attempt: 3,
        time_limit_seconds: 600,
        attempts_allowed: 1,
        pool: { quotas: [{ topic: 'history', count: 3 }] },
        points_per_question: 10,
        review: 'score_only',
      },
    });
    assert(round.status === 201, `round: ${round.status} ${round.text}`);
    s.round = round.body;
  });

  /** Starts an attempt for `who`. */
  async function start(who) {
    const res = await api.call('POST', `/rounds/${s.round.id}/attempts`, { token: who.token });
    assert(res.status === 201, `start for ${who.phone}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** Answers every question (right when `right`, using the organizer's key) and hands in. */
  async function handIn(who, attempt, right) {
    for (const q of attempt.questions) {
      const full = await api.call('GET', `/questions/${q.id}`, { token: s.org });
      assert(full.status === 200, `question ${q.id}: ${full.status}`);
      const correct = new Set(full.body.options.filter((o) => o.correct).map((o) => o.id));
      const pick = q.options.find((o) => correct.has(o.id) === right);
      const saved = await api.call('PUT', `/attempts/${attempt.id}/answers/${q.id}`, { token: who.token, body: { option_ids: [pick.id] } });
      assert(saved.status === 200, `answer: ${saved.status} ${saved.text}`);
    }
    const done = await api.call('POST', `/attempts/${attempt.id}/finish`, { token: who.token, body: {} });
    assert(done.status === 200, `finish: ${done.status} ${done.text}`);
    return done.body;
  }

  /** Waits until the counter `id` reads `n`. */
  async function counterIs(page, id, n) {
    await page.waitForFunction(
      ([testId, want]) => document.querySelector(`[data-testid="${testId}"]`)?.textContent?.replace(/\D/g, '') === String(want),
      [id, n],
      { timeout: 20_000 },
    );
  }
  const boardRows = (page) => page.getByTestId('monitor-board').locator('tbody tr:not(:has(.data-table__empty))');

  await step('rounds: the organizer opens the monitor; the members start, answer and hand in, and the counters follow', async () => {
    const page = await ctx.pageAs(demo.organizer);
    s.page = page;
    await page.goto(`${base}/quan-ly/vong-thi/${s.round.id}`);
    await page.getByRole('heading', { name: 'Tuần thi thứ 1', level: 1 }).waitFor();
    assert(squash(await page.getByTestId('round-state').textContent()) === 'Đang mở', 'the round is not shown as open');
    await page.locator('[data-testid="monitor-status"][data-state="live"]').waitFor();
    await counterIs(page, 'count-started', 0);
    const attemptA = await start(s.a);
    await counterIs(page, 'count-started', 1);
    await counterIs(page, 'count-in-progress', 1);
    await shoot(page, 'rounds-monitor-running');
    s.resultA = await handIn(s.a, attemptA, true);
    await counterIs(page, 'count-in-progress', 0);
    await counterIs(page, 'count-finished', 1);
    s.resultB = await handIn(s.b, await start(s.b), false);
    await counterIs(page, 'count-finished', 2);
    await counterIs(page, 'count-participants', 2);
    await counterIs(page, 'count-per-minute', 2); // both hand-ins in the last minute
    // The board, with names, best first: A answered everything right.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-board"] tbody tr td[data-label="Họ và tên"]').length === 2);
    const first = squash(await boardRows(page).first().locator('td[data-label="Họ và tên"]').textContent());
    assert(first === s.a.name, `first on the board: "${first}"`);
    // Participation by unit reads x/y = z%.
    const rates = (await page.getByTestId('monitor-units').getByTestId('unit-rate').allTextContents()).map(squash);
    assert(rates.some((r) => /^\d+\/[\d.]+ = [\d,]+%$/.test(r)), `unit rates: ${rates.join(' | ')}`);
  });

  await step('rounds: a unit tab narrows the board to that unit; "Tất cả" brings everyone back', async () => {
    const page = s.page;
    const tabs = page.getByRole('group', { name: 'Lọc theo đơn vị' }).getByRole('button');
    assert((await tabs.count()) >= 2, 'no unit tabs');
    // A's unit is under "Đoàn Tổng công ty Điện lực (demo)"; B's too. Viễn thông has neither.
    await tabs.filter({ hasText: 'Viễn thông' }).click();
    await page.waitForURL((u) => u.searchParams.has('don-vi'));
    await page.getByTestId('monitor-board').getByText('Chưa có ai thuộc').waitFor();
    await tabs.filter({ hasText: 'Điện lực' }).first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-board"] tbody tr td[data-label="Họ và tên"]').length === 2);
    await tabs.filter({ hasText: 'Tất cả' }).click();
    await page.waitForURL((u) => !u.searchParams.has('don-vi'));
    await shoot(page, 'rounds-monitor');
    await axeCheck(page, 'Theo dõi trực tiếp');
  });

  await step('rounds: the big screen fills 1920×1080 with the top 10, the units and the join QR code, without the app header', async () => {
    const screen = await (await ctx.browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    ctx.watch(screen);
    await screen.goto(`${base}/dang-nhap`);
    await screen.locator('#phone').fill(demo.organizer);
    await screen.locator('#password').fill(demo.password);
    await screen.getByRole('button', { name: 'Đăng nhập' }).click();
    await screen.waitForURL((u) => !u.pathname.startsWith('/dang-nhap'));
    await screen.goto(`${base}/live/${s.round.id}`);
    await screen.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    await screen.getByTestId('live-top').getByTestId('board-line').first().waitFor();
    assert((await screen.locator('header.topbar').count()) === 0, 'the app header is on the big screen');
    assert((await screen.getByTestId('live-top').getByTestId('board-line').count()) === 2, 'two lines in the top 10');
    assert((await screen.getByTestId('live-units').getByTestId('unit-line').count()) >= 1, 'no unit beside the top 10');
    const qr = screen.getByTestId('live-join').locator('img');
    await screen.waitForFunction((el) => el.complete && el.naturalWidth > 0, await qr.elementHandle());
    const top = await screen.getByTestId('live-top').boundingBox();
    const units = await screen.getByTestId('live-units').boundingBox();
    assert(top && units && units.x > top.x + top.width - 1, 'the unit ranking is not beside the top 10');
    const big = await screen.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.live')).fontSize));
    assert(big >= 20, `the big screen's type is ${big}px (a page's is 16px)`);
    await screen.screenshot({ path: join(outDir, 'rounds-big-screen-1080p.png') });
    // A busy round fills the top 10 and the unit list: copies of the lines stand in for them,
    // and the screen must still not scroll.
    await screen.evaluate(() => {
      const fill = (list, n) => {
        while (list.children.length < n) list.appendChild(list.firstElementChild.cloneNode(true));
      };
      fill(document.querySelector('[data-testid="live-top"] ol'), 10);
      fill(document.querySelector('[data-testid="live-units"] ol'), 6);
    });
    const fits = await screen.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1);
    await screen.screenshot({ path: join(outDir, 'rounds-big-screen-1080p-full.png') });
    assert(fits, 'the big screen scrolls at 1920×1080 with ten lines and six units');
    await screen.reload();
    await screen.getByTestId('live-top').getByTestId('board-line').first().waitFor();
    await axeCheck(screen, 'Màn hình trực tiếp');
    await shoot(screen, 'rounds-big-screen');
    // The older address still opens it.
    await screen.goto(`${base}/truc-tiep/${s.round.id}`);
    await screen.getByTestId('live-top').getByTestId('board-line').first().waitFor();
    await screen.context().close();
    ctx.watch(s.page);
  });

  await step('rounds: once the round has closed, the organizer publishes the results with the prizes', async () => {
    const page = s.page;
    const wait = s.closesAt + (GRACE_SECONDS + 2) * 1000 - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    await page.goto(`${base}/quan-ly/vong-thi/${s.round.id}?xem=ket-qua`);
    await page.getByRole('heading', { name: 'Công bố kết quả', level: 2 }).waitFor();
    assert(squash(await page.getByTestId('round-state').textContent()) === 'Đã kết thúc', 'the round is not shown as closed');
    await page.getByTestId('publish-round').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Công bố', exact: true }).click();
    await page.getByTestId('published-summary').waitFor();
    const summary = squash(await page.getByTestId('published-summary').textContent());
    assert(summary.includes('2 người được xếp hạng') && summary.includes('2 giải'), `summary: ${summary}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="final-results"] td[data-label="Giải"]').length === 2);
    const prizes = (await page.getByTestId('final-results').locator('td[data-label="Giải"]').allTextContents()).map(squash);
    assert(prizes[0] === 'Giải Nhất' && prizes[1] === 'Giải Nhì', `prizes: ${prizes.join(' | ')}`);
    await shoot(page, 'rounds-results');
    await axeCheck(page, 'Kết quả và công bố');
  });

  await step('rounds: voiding a result asks for a reason, and the result leaves the board', async () => {
    const page = s.page;
    await page.getByRole('tab', { name: 'Theo dõi trực tiếp' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-board"] tbody tr td[data-label="Họ và tên"]').length === 2);
    await page.getByRole('button', { name: `Hủy kết quả của ${s.a.name}` }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Hủy kết quả' });
    assert(await confirm.isDisabled(), 'a void without a reason is offered');
    await dialog.getByLabel('Lý do hủy (được lưu lại)').fill('Thi hộ: hai lượt cùng một thiết bị');
    await shoot(page, 'rounds-void-dialog', { fullPage: false });
    await confirm.click();
    await page.getByTestId('monitor-notice').getByText(`Đã hủy kết quả của ${s.a.name}.`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-board"] tbody tr td[data-label="Họ và tên"]').length === 1);
    const left = squash(await boardRows(page).first().locator('td[data-label="Họ và tên"]').textContent());
    assert(left === s.b.name, `left on the board: "${left}"`);
    const item = page.getByTestId('void-item').filter({ hasText: s.a.name });
    assert(squash(await item.textContent()).includes('Lý do: Thi hộ: hai lượt cùng một thiết bị'), 'the reason is not shown');
    await shoot(page, 'rounds-voided');
  });

  await step('rounds: publishing again shows what changed for whom', async () => {
    const page = s.page;
    await page.getByRole('tab', { name: 'Kết quả và công bố' }).click();
    await page.getByTestId('publish-round').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Công bố lại' }).click();
    await page.getByTestId('changes').waitFor();
    const rows = await page.getByTestId('changes').locator('tbody tr').allTextContents();
    const text = rows.map(squash);
    assert(text.length === 2, `changes: ${text.join(' | ')}`);
    assert(text[0].includes(s.b.name) && text[0].includes('Lên 1 hạng, nhận Giải Nhất'), `first change: ${text[0]}`);
    assert(text[1].includes(s.a.name) && text[1].includes('Bị loại khỏi bảng xếp hạng'), `second change: ${text[1]}`);
    await shoot(page, 'rounds-republished');
  });

  await step('rounds: restoring the result asks for a reason and brings it back on the board', async () => {
    const page = s.page;
    await page.getByRole('tab', { name: 'Theo dõi trực tiếp' }).click();
    await page.getByTestId('void-item').filter({ hasText: s.a.name }).getByRole('button', { name: 'Khôi phục' }).click();
    await page.getByRole('dialog').getByLabel('Lý do khôi phục (được lưu lại)').fill('Đã xác minh: không thi hộ');
    await page.getByRole('dialog').getByRole('button', { name: 'Khôi phục' }).click();
    await page.getByTestId('monitor-notice').getByText(`Đã khôi phục kết quả của ${s.a.name}.`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-board"] tbody tr td[data-label="Họ và tên"]').length === 2);
    await page.getByTestId('void-item').filter({ hasText: s.a.name }).getByText('Đã khôi phục lúc').waitFor();
    const item = squash(await page.getByTestId('void-item').filter({ hasText: s.a.name }).textContent());
    assert(item.includes('Đã khôi phục lúc') && item.includes('Đã xác minh: không thi hộ'), `restored: ${item}`);
  });

  await step('rounds: the prize list exports as an XLSX named for the contest, round and day, read back with Vietnam times', async () => {
    const page = s.page;
    await page.getByRole('tab', { name: 'Xuất báo cáo' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Danh sách giải: Xuất Excel' }).click(),
    ]);
    const name = download.suggestedFilename();
    const day = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    assert(name === `cuoc-thi-theo-doi-truc-tiep-${runId}_tuan-thi-thu-1_giai-thuong_${day}.xlsx`, `file name: ${name}`);
    await page.getByTestId('export-done').getByText(name).waitFor();
    const { sheetName, rows } = readXlsx(readFileSync(await download.path()));
    assert(sheetName === 'Giải thưởng', `sheet: ${sheetName}`);
    const headerAt = rows.findIndex((r) => r[0] === 'Hạng');
    assert(headerAt > 0, 'no header row');
    assert(rows.slice(0, headerAt).some((r) => /^Xuất lúc: .*\(giờ Việt Nam, UTC\+7\)$/.test(String(r[0]))), 'no export time above the header');
    const header = rows[headerAt];
    const col = (label) => header.indexOf(label);
    const timeCol = col('Nộp bài lúc (giờ Việt Nam, UTC+7)');
    assert(timeCol >= 0, `header: ${header.join(' | ')}`);
    // The published ranking is the second publication: B alone, first prize (A was voided then).
    const lines = rows.slice(headerAt + 1).filter((r) => r[col('Giải')]);
    assert(lines.length === 1, `prize lines: ${JSON.stringify(lines)}`);
    const [line] = lines;
    assert(line[col('Họ và tên')] === s.b.name && line[col('Giải')] === 'Giải Nhất', `prize line: ${JSON.stringify(line)}`);
    assert(/xx xxx \d{3}$/.test(String(line[col('Điện thoại')])), `phone not masked: ${line[col('Điện thoại')]}`);
    const expected = new Date(Date.parse(s.resultB.finished_at) + 7 * 3600_000);
    const p = (n) => String(n).padStart(2, '0');
    const want = `${p(expected.getUTCDate())}/${p(expected.getUTCMonth() + 1)}/${expected.getUTCFullYear()} ${p(expected.getUTCHours())}:${p(expected.getUTCMinutes())}`;
    assert(serialToText(line[timeCol]) === want, `hand-in time ${serialToText(line[timeCol])}, expected ${want} (Vietnam time)`);
    await shoot(page, 'rounds-exports');
    await axeCheck(page, 'Xuất báo cáo');
    await page.context().close();
  });
}
