// Học tập › Chương trình (#20): the demo organizer creates a listed programme for their bloc in
// the console, a bad period is refused beside its field, the list of members is uploaded, and
// the member on it finds the programme in Học tập.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function run(ctx) {
  const { base, demo, step, assert, squash, shoot, axeCheck } = ctx;
  const title = `Học tập Nghị quyết – e2e ${Date.now() % 100000}`;

  await step('programmes: the organizer creates a listed programme for the bloc; a bad period is refused beside its field', async () => {
    const page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/ly-luan?tab=chuong-trinh`);
    await page.getByRole('heading', { name: 'Chương trình học tập đang triển khai' }).waitFor();
    // The demo's programmes are listed with their audience and period.
    const table = page.locator('table');
    await table.getByText('Học tập chuyên đề năm').first().waitFor();
    await page.getByRole('button', { name: 'Tạo chương trình' }).click();
    await page.locator('#programme-title').fill(title);
    await page.locator('#programme-code').fill(`NQ-E2E-${Date.now() % 100000}`);
    await page.locator('#programme-audience').selectOption('listed');
    await page.locator('#programme-opens').fill('2026-06-01');
    await page.locator('#programme-due').fill('2026-05-01');
    await page.locator('#lesson-title-0').fill('Những nội dung cơ bản của Nghị quyết');
    await page.locator('#lesson-topic-0').fill('theory.lesson2');
    await page.getByRole('button', { name: 'Tạo chương trình' }).last().click();
    const error = page.locator('.programme-form .field-error').first();
    await error.waitFor();
    assert(squash(await error.textContent()).length > 0, 'no error beside the deadline');
    await shoot(page, 'programme-form-error');
    await page.locator('#programme-due').fill('2099-12-31');
    await page.getByRole('button', { name: 'Tạo chương trình' }).last().click();
    const row = page.locator('tr', { hasText: title });
    await row.waitFor();
    const text = squash(await row.textContent());
    assert(text.includes('theo danh sách') && text.includes('01/06/2026 – 31/12/2099'), `the new programme's line reads "${text}"`);
    await axeCheck(page, 'Học tập — chương trình');

    // The list: one demo member, by phone.
    const file = join(tmpdir(), `danh-sach-${Date.now()}.csv`);
    writeFileSync(file, `Số điện thoại\n${demo.members[1]}\n`);
    await row.locator('input[type="file"]').setInputFiles(file);
    await row.getByText('Đã nhập 1 đoàn viên.').waitFor();
    await shoot(page, 'programmes');
    await page.context().close();
  });

  await step('programmes: the member on the list finds the programme in Học tập', async () => {
    const page = await ctx.pageAs(demo.members[1]);
    await page.goto(`${base}/hoc-tap`);
    await page.getByRole('heading', { name: 'Học tập', level: 1 }).waitFor();
    const card = page.getByTestId('programme').filter({ hasText: title });
    await card.waitFor();
    const period = squash(await card.getByTestId('programme-period').textContent());
    assert(period === 'Từ 01/06/2026 đến hết 31/12/2099', `the period reads "${period}"`);
    await page.context().close();
  });
}
