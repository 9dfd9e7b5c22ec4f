// Báo cáo (/quan-ly/bao-cao) and Nhật ký (/quan-ly/nhat-ky): the participation report of a
// unit over a date range on screen and as the Excel file units send upward (downloaded and
// parsed), and the audit log showing a certificate's revocation with its reason.

import { readFile } from 'node:fs/promises';
import { readXlsx } from './_xlsx.mjs';
import { demoRoot, newBranch, newMember, passCourse, passRound, theoryRounds } from './_theory.mjs';

/** Today in Vietnam, as YYYY-MM-DD. */
const vnToday = () => new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
const dmy = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

/** Waits until no table is loading (a loading table is dimmed, which axe reads as low contrast). */
async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('.table-wrap--loading'));
}

export async function run(ctx) {
  const { api, demo, step, assert, squash, shoot, axeCheck, base } = ctx;
  const state = {};

  await step('reports: set-up — a branch whose member takes a test today (API)', async () => {
    const token = await api.login(demo.organizer, demo.password);
    const root = await demoRoot(api, token);
    const branch = await newBranch(api, token, root.id, 'Chi đoàn Báo cáo');
    const rounds = await theoryRounds(api, token);
    const member = await newMember(api, branch.id, 'Ngô Thị Giang', '2025-05-01');
    await passRound(api, member, rounds[0].id, token);
    Object.assign(state, { token, root, branch, rounds });
  });

  await step('reports: the participation report shows the branch and downloads as the Excel units send upward', async () => {
    const page = await ctx.pageAs(demo.organizer);
    state.page = page;
    const today = vnToday();
    await page.goto(`${base}/quan-ly/bao-cao?unit=${state.root.id}&from=${today}&to=${today}`);
    await page.getByRole('heading', { name: 'Báo cáo tham gia', level: 1 }).waitFor();
    const row = page.locator('tbody tr', { hasText: state.branch.name });
    await row.waitFor();
    const text = squash(await row.textContent());
    assert(text.includes('1/30 = 3,3%'), `the branch's line reads "${text}"`);
    const heading = squash(await page.locator('#report-title').textContent());
    assert(heading.includes(`từ ${dmy(today)} đến hết ${dmy(today)}`) && heading.includes('(giờ Việt Nam)'), `heading "${heading}"`);
    await settle(page);
    await shoot(page, 'reports-participation');
    await settle(page);
    await axeCheck(page, 'Báo cáo tham gia');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Xuất Excel' }).click();
    const file = await download;
    const name = file.suggestedFilename();
    const d = `${today.slice(8, 10)}-${today.slice(5, 7)}-${today.slice(0, 4)}`;
    assert(name === `bao-cao-tham-gia-demo-khoi-tu-${d}-den-${d}.xlsx`, `file name ${name}`);
    const rows = readXlsx(await readFile(await file.path()));
    assert(rows[0][0] === 'BÁO CÁO KẾT QUẢ THAM GIA CÁC CUỘC THI TRỰC TUYẾN', `title: ${rows[0][0]}`);
    assert(rows[1][0].startsWith(`Đơn vị: ${state.root.name}`), `unit line: ${rows[1][0]}`);
    assert(rows[2][0] === `Thời gian: từ ngày ${dmy(today)} đến hết ngày ${dmy(today)} (giờ Việt Nam)`, `period: ${rows[2][0]}`);
    const header = rows.find((r) => r[0] === 'STT');
    assert(
      header && header.join('|') === 'STT|Đơn vị|Mã|Số đoàn viên|Tính đến ngày|Số người tham gia|Số lượt thi|Tỷ lệ tham gia',
      `header: ${header?.join('|')}`,
    );
    const line = rows.find((r) => r[1] === state.branch.name);
    assert(
      line && line[3] === '30' && /^\d\d\/\d\d\/\d{4}$/.test(line[4]) && line[5] === '1' && line[6] === '1' && line[7] === '1/30 = 3.3%',
      `branch line: ${line?.join('|')}`,
    );
    assert(rows.some((r) => r[0] === 'Tổng cộng'), 'a total line');
    await page.getByRole('status').filter({ hasText: name }).waitFor();
  });

  await step('reports: the audit log shows the certificate revocation, with who, when and why', async () => {
    const page = state.page;
    let code = ctx.theory?.lanCode;
    if (!code) {
      // Run on its own (DAUTRI_E2E_ONLY=70): make and revoke a certificate here.
      const m = await newMember(api, state.branch.id, 'Trần Thị Lan', '2025-03-26');
      code = await passCourse(api, m, state.rounds, state.token);
      const r = await api.call('POST', `/certificates/${code}/revoke`, { token: state.token, body: { reason: 'Thi hộ — đã xác minh với chi đoàn' } });
      assert(r.status === 200, `revoke: ${r.status} ${r.text}`);
    }
    await page.goto(`${base}/quan-ly/nhat-ky`);
    await page.getByRole('heading', { name: 'Nhật ký thay đổi', level: 1 }).waitFor();
    await page.getByLabel('Loại việc').selectOption('certificate');
    await page.waitForURL((u) => u.searchParams.get('action') === 'certificate');
    const row = page.locator('tbody tr', { hasText: 'Thu hồi giấy chứng nhận' }).first();
    await row.waitFor();
    const text = squash(await row.textContent());
    assert(text.includes('Lý do: Thi hộ — đã xác minh với chi đoàn') || text.includes('lý do: Thi hộ — đã xác minh với chi đoàn'), `the line reads "${text}"`);
    assert(/[mM]ã xác thực [0-9A-Z]{5}-[0-9A-Z]{5}/.test(text), `the line names the code: "${text}"`);
    assert(text.includes('Trần Thị Bình'), `names who did it: "${text}"`);
    await settle(page);
    await shoot(page, 'audit-revocation');
    await settle(page);
    await axeCheck(page, 'Nhật ký thay đổi');
    // The export of the pending list (personal data) is there too when the theory module ran.
    if (ctx.theory) {
      await page.getByLabel('Loại việc').selectOption('export');
      await page.locator('tbody tr', { hasText: 'Xuất danh sách đoàn viên mới chưa đạt' }).first().waitFor();
    }
    await page.context().close();
  });
}
