// Học tập › Chương trình (#20): the demo organizer creates a listed programme for their bloc in
// the console with a lesson's study materials (an uploaded PDF and a link), a bad period is
// refused beside its field, the list of members is uploaded, the materials are changed later,
// and the member on the list finds the programme in Học tập with its materials.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small, whole PDF (its header and its end marker). */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

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
    // Study materials: a PDF uploaded here and a link.
    await page.locator('#lesson-0-material-file').setInputFiles({ name: 'toan-van-nghi-quyet.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('Tệp đã tải lên').waitFor();
    assert((await page.locator('#lesson-0-material-title-0').inputValue()) === 'toan van nghi quyet', 'the upload did not name the material after its file');
    await page.locator('#lesson-0-material-title-0').fill('Toàn văn Nghị quyết');
    // A file that is not a PDF or a picture is refused with a reason.
    await page.locator('#lesson-0-material-file').setInputFiles({ name: 'bai-giang.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\x03\x04 not a pdf') });
    const refused = squash(await page.locator('[data-testid="materials-editor"] .field-error').first().textContent());
    assert(refused.includes('Chỉ nhận tệp PDF'), `a Word file is refused with "${refused}"`);
    await page.getByRole('button', { name: 'Thêm liên kết' }).first().click();
    await page.locator('#lesson-0-material-title-1').fill('Bài viết trên báo Tuổi Trẻ');
    await page.locator('#lesson-0-material-url-1').fill('https://tuoitre.vn/nghi-quyet');
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

    // Later, the materials change in place: a script link is refused beside its field, a
    // good one is saved.
    await row.getByRole('button', { name: `Tài liệu học tập của ${title}` }).click();
    const panel = page.getByTestId('lesson-materials');
    await panel.waitFor();
    assert((await panel.getByTestId('material').count()) === 2, 'the panel does not show the two materials');
    await panel.getByRole('button', { name: 'Thêm liên kết' }).click();
    const third = panel.getByTestId('material').nth(2);
    await third.locator('input[type="text"]').fill('Hỏi đáp về Nghị quyết');
    await third.locator('input[type="url"]').fill('javascript:alert(1)');
    await panel.getByRole('button', { name: 'Lưu tài liệu bài 1' }).click();
    await third.locator('.field-error').waitFor();
    await shoot(page, 'programme-materials-error');
    await third.locator('input[type="url"]').fill('https://doanthanhnien.vn/hoi-dap');
    await panel.getByRole('button', { name: 'Lưu tài liệu bài 1' }).click();
    await panel.getByText('Đã lưu tài liệu của bài 1.').waitFor();
    await axeCheck(page, 'Học tập — tài liệu bài học');
    await shoot(page, 'programme-materials');
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
    // The programme's lesson lists its materials, the PDF first; the PDF opens as a PDF.
    await card.getByTestId('programme-open').click();
    const materials = page.getByTestId('material');
    await materials.first().waitFor();
    const listed = await materials.allTextContents();
    assert(listed.length === 3 && squash(listed[0]).includes('Toàn văn Nghị quyết (PDF)') && squash(listed[1]).includes('(tuoitre.vn)'), `the materials read ${JSON.stringify(listed)}`);
    const href = await materials.first().getByRole('link').getAttribute('href');
    const served = await page.request.get(`${base}${href}`);
    assert(served.status() === 200 && served.headers()['content-type'] === 'application/pdf', `the PDF is served as ${served.status()} ${served.headers()['content-type']}`);
    assert(Buffer.compare(await served.body(), PDF) === 0, 'the served PDF is not the uploaded one');
    await shoot(page, 'programme-lesson-materials');
    await page.context().close();
  });
}
