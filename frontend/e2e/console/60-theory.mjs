// Học lý luận (/quan-ly/ly-luan): coverage x/y = z% after new members pass their lessons, the
// drill-down into a branch (?unit=), the pending list, and a certificate looked up, revoked
// with a reason, and shown as revoked on its public page.

import { demoRoot, newBranch, newMember, passCourse, theoryRounds } from './_theory.mjs';

/** Waits until no table is loading (a loading table is dimmed, which axe reads as low contrast). */
async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('.table-wrap--loading'));
}

export async function run(ctx) {
  const { api, demo, step, assert, squash, shoot, axeCheck, base } = ctx;
  const state = {};

  await step('theory: set-up — a new branch, three new members, two of them pass all four lessons (API)', async () => {
    const token = await api.login(demo.organizer, demo.password);
    const root = await demoRoot(api, token);
    const branch = await newBranch(api, token, root.id, 'Chi đoàn Lý luận');
    const rounds = await theoryRounds(api, token);
    assert(rounds.length === 4, `the demo course has ${rounds.length} lesson tests`);
    const lan = await newMember(api, branch.id, 'Trần Thị Lan', '2025-03-26');
    const minh = await newMember(api, branch.id, 'Phạm Văn Minh', '2025-09-02');
    const hoa = await newMember(api, branch.id, 'Lê Thu Hòa', '2025-10-15');
    const lanCode = await passCourse(api, lan, rounds, token);
    await passCourse(api, minh, rounds, token);
    Object.assign(state, { token, root, branch, lan, minh, hoa, lanCode });
    ctx.theory = state; // the reports module reads the revocation from the audit log
  });

  await step('theory: the bloc\'s coverage lists the branch, and drilling down shows 2/3 = 67%', async () => {
    const page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/ly-luan`);
    await page.getByRole('heading', { name: 'Học lý luận chính trị', level: 1 }).waitFor();
    await page.getByTestId('coverage-total').waitFor();
    const row = page.locator('tr', { hasText: state.branch.name });
    await row.waitFor();
    const rowText = squash(await row.textContent());
    assert(rowText.includes('2/3 = 67%'), `the branch's line reads "${rowText}"`);
    await settle(page);
    await shoot(page, 'theory-coverage-bloc');
    await settle(page);
    await axeCheck(page, 'Học lý luận — khối');
    await row.getByRole('link', { name: state.branch.name }).click();
    await page.waitForURL((u) => u.searchParams.get('unit') === state.branch.id);
    await page.waitForFunction(
      (name) => document.querySelector('[data-testid="coverage-total"]')?.closest('.card')?.textContent?.includes(name),
      state.branch.name,
    );
    const total = squash(await page.getByTestId('coverage-total').textContent());
    assert(total === '2/3 = 67%', `the branch's coverage reads "${total}"`);
    const lessons = squash(await page.locator('.lesson-rates').textContent());
    assert(lessons.includes('Bài 1') && lessons.includes('2/3 = 67%'), `per lesson: "${lessons}"`);
    // Week by week, for reports upward: the two who passed, both this week.
    const weeks = page.getByRole('table', { name: /hoàn thành theo tuần/ });
    await weeks.waitFor();
    const lastWeek = (await weeks.locator('tbody tr').last().locator('td').allTextContents()).map(squash);
    assert(lastWeek[1] === '2' && lastWeek[2] === '2', `the last week reads "${lastWeek.join(' | ')}"`);
    await settle(page);
    await shoot(page, 'theory-coverage-branch');
    await settle(page);
    await axeCheck(page, 'Học lý luận — chi đoàn');
    // Back returns to the bloc.
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.get('unit'));
    await page.locator('tr', { hasText: state.branch.name }).waitFor();
    state.page = page;
  });

  await step('theory: a later admission date for the branch leaves out the member admitted before it', async () => {
    const page = state.page;
    await page.goto(`${base}/quan-ly/ly-luan?unit=${state.branch.id}`);
    await page.getByTestId('coverage-total').waitFor();
    await page.getByRole('button', { name: 'Đổi ngày' }).click();
    await page.getByLabel('Đoàn viên kết nạp từ ngày (phải học lý luận chính trị)').fill('2025-06-01');
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Đoàn viên kết nạp từ ngày 01/06/2025 phải học' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="coverage-total"]')?.textContent === '1/2 = 50%');
    await settle(page);
    await shoot(page, 'theory-since-changed');
    await axeCheck(page, 'Đổi ngày kết nạp');
  });

  await step('theory: the pending list of the branch shows the one new member who has not passed', async () => {
    const page = state.page;
    await page.goto(`${base}/quan-ly/ly-luan?tab=chua-dat&unit=${state.branch.id}`);
    await page.getByRole('heading', { name: 'Đoàn viên mới chưa đạt' }).waitFor();
    const row = page.locator('tbody tr', { hasText: 'Lê Thu Hòa' });
    await row.waitFor();
    await page.locator('.pager__count', { hasText: '1–1 / 1 đoàn viên' }).waitFor();
    assert((await page.locator('tbody tr').count()) === 1, 'only Hòa is pending');
    const text = squash(await row.textContent());
    assert(text.includes('15/10/2025') && text.includes('Chưa học') && text.includes('0/4'), `Hòa's line: "${text}"`);
    assert(!text.includes(state.hoa.phone), 'the phone is masked');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Xuất Excel danh sách' }).click();
    const file = await download;
    assert(/^doan-vien-moi-chua-dat-ly-luan-e2e-.*\.xlsx$/.test(file.suggestedFilename()), `file name ${file.suggestedFilename()}`);
    await settle(page);
    await shoot(page, 'theory-pending');
    await settle(page);
    await axeCheck(page, 'Đoàn viên mới chưa đạt');
  });

  await step('theory: a certificate is looked up by its code and revoked with a reason', async () => {
    const page = state.page;
    await page.goto(`${base}/quan-ly/ly-luan?tab=chung-nhan&unit=${state.root.id}`);
    await page.getByRole('heading', { name: 'Giấy chứng nhận' }).waitFor();
    const printed = `${state.lanCode.slice(0, 5)}-${state.lanCode.slice(5)}`.toLowerCase();
    await page.getByLabel('Tra cứu mã xác thực').fill(printed);
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await page.waitForURL((u) => u.searchParams.get('code') === printed);
    const row = page.locator('tbody tr', { hasText: 'Trần Thị Lan' });
    await row.waitFor();
    // The whole list was showing before the look-up: wait for its answer.
    await page.locator('.pager__count', { hasText: '1–1 / 1 giấy chứng nhận' }).waitFor();
    assert((await page.locator('tbody tr').count()) === 1, 'one certificate has the code');
    await settle(page);
    await shoot(page, 'theory-certificate-found');
    await row.getByRole('button', { name: 'Thu hồi' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await settle(page);
    await axeCheck(page, 'Thu hồi giấy chứng nhận');
    await dialog.getByLabel('Lý do thu hồi (bắt buộc)').fill('Thi hộ — đã xác minh với chi đoàn');
    await dialog.getByRole('button', { name: 'Thu hồi' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã thu hồi giấy chứng nhận' }).waitFor();
    await row.getByText('Lý do: Thi hộ — đã xác minh với chi đoàn').waitFor();
    await settle(page);
    await shoot(page, 'theory-certificate-revoked');
    // The revoked list has it.
    await page.getByRole('button', { name: 'Xem tất cả' }).click();
    await page.getByText('Đã thu hồi', { exact: true }).first().click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'revoked');
    await page.locator('tbody tr', { hasText: 'Trần Thị Lan' }).waitFor();
    await settle(page);
    await axeCheck(page, 'Giấy chứng nhận đã thu hồi');
  });

  await step('theory: the certificate\'s public page says it was revoked', async () => {
    const page = state.page;
    await page.goto(`${base}/certificates/${state.lanCode}`);
    await page.getByText('Đã bị thu hồi').waitFor();
    await settle(page);
    await shoot(page, 'theory-certificate-public-revoked');
    await page.context().close();
  });
}
