// The question bank in the organizers' console: an organizer imports a bank file with one bad
// row, reads the Vietnamese error beside the row, fixes the file and imports it; searches
// without diacritics; adds a question with a picture and sees it in "Đoàn viên sẽ thấy"; a
// half-written question survives a reload. Screenshots at both sizes; axe on every page.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const HEADER = 'Mã chủ đề,Tên chủ đề,Nội dung câu hỏi,Phương án A,Phương án B,Phương án C,Đáp án đúng,Độ khó';
const GOOD_ROWS = [
  'phap_luat.hien_phap,Hiến pháp,Quốc hội là cơ quan nào của nước Cộng hòa xã hội chủ nghĩa Việt Nam?,Cơ quan đại biểu cao nhất của Nhân dân,Cơ quan hành chính,Cơ quan xét xử,A,Dễ',
];
const BAD_ROW = 'phap_luat.hien_phap,Hiến pháp,Nhiệm kỳ của mỗi khóa Quốc hội là mấy năm?,5 năm,4 năm,,C,Trung bình';
const FIXED_ROW = 'phap_luat.hien_phap,Hiến pháp,Nhiệm kỳ của mỗi khóa Quốc hội là mấy năm?,5 năm,4 năm,,A,Trung bình';

export async function run(ctx) {
  const { step, assert, squash, shoot, axeCheck, base } = ctx;
  const dir = mkdtempSync(join(tmpdir(), 'dautri-bank-'));
  const csv = (rows) => `\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`;
  const badFile = join(dir, 'ngan-hang-hien-phap.csv');
  writeFileSync(badFile, csv([...GOOD_ROWS, BAD_ROW]));
  const pictureFile = join(dir, 'huy-hieu-doan.png');
  writeFileSync(pictureFile, stripedPng(240, 120));
  let page;

  await step('bank: the organizer opens Ngân hàng câu hỏi and sees the demo questions, sortable', async () => {
    page = await ctx.pageAs(ctx.demo.organizer);
    await page.goto(`${base}/quan-ly/ngan-hang`);
    await page.getByRole('heading', { name: 'Ngân hàng câu hỏi', level: 1 }).waitFor();
    await page.locator('.data-table tbody a.bank-list__text').first().waitFor();
    const rows = await page.locator('.data-table tbody a.bank-list__text').count();
    assert(rows > 0, 'the demo bank is empty on screen');
    const pager = squash(await page.locator('.pager__count').textContent());
    assert(/câu hỏi$/.test(pager), `the pager reads "${pager}"`);
    await page.getByRole('button', { name: /Câu hỏi/ }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'text' && u.searchParams.get('order') === 'asc');
    await shoot(page, 'bank-list');
    await axeCheck(page, 'Ngân hàng câu hỏi');
  });

  await step('bank: an import with one bad row shows "Dòng 3, cột Đáp án đúng" in Vietnamese and imports nothing', async () => {
    await page.goto(`${base}/quan-ly/ngan-hang/nhap`);
    await page.getByRole('heading', { name: 'Nhập câu hỏi từ tệp' }).waitFor();
    await page.locator('#import-file').setInputFiles(badFile);
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    const row = problems.locator('[data-testid="import-problem"][data-row="3"]');
    assert((await row.count()) === 1, `no problem on row 3: ${squash(await problems.textContent())}`);
    const text = squash(await row.textContent());
    assert(text.includes('Đáp án đúng'), `row 3 does not name the column: ${text}`);
    assert(text.includes('phương án') && !/option|answer/i.test(text), `row 3's message is not Vietnamese: ${text}`);
    assert((await page.getByRole('button', { name: /Nhập tất cả/ }).count()) === 0, 'Nhập tất cả offered for a bad file');
    await shoot(page, 'bank-import-errors');
    await axeCheck(page, 'Nhập câu hỏi — lỗi');
  });

  await step('bank: the fixed file checks clean, then "Nhập tất cả" imports both questions', async () => {
    writeFileSync(badFile, csv([...GOOD_ROWS, FIXED_ROW]));
    await page.locator('#import-file').setInputFiles(badFile);
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    const heading = squash(await preview.locator('h2').textContent());
    assert(heading.includes('2 câu hỏi'), `the preview says: ${heading}`);
    await shoot(page, 'bank-import-preview');
    await page.getByRole('button', { name: /Nhập tất cả/ }).click();
    const done = page.getByTestId('import-done');
    await done.waitFor();
    assert(squash(await done.textContent()).includes('Đã nhập 2 câu hỏi'), 'no confirmation of 2 questions');
  });

  await step('bank: "quoc hoi" typed without diacritics finds "Quốc hội …"', async () => {
    await page.goto(`${base}/quan-ly/ngan-hang`);
    await page.locator('#bank-q').fill('quoc hoi la co quan');
    await page.waitForURL((u) => u.searchParams.get('q') === 'quoc hoi la co quan');
    // Every row must match the folded words (the demo bank holds another question about
    // "Quốc hội … là cơ quan"), and ours must be among them.
    await page.waitForFunction(() => {
      const fold = (t) => t.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
      const rows = [...document.querySelectorAll('.data-table tbody a.bank-list__text')].map((r) => r.textContent ?? '');
      return rows.length > 0 && rows.every((t) => fold(t).includes('quoc hoi la co quan')) && rows.some((t) => t.includes('Quốc hội là cơ quan nào'));
    });
    await shoot(page, 'bank-search');
  });

  await step('bank: a new question with a picture shows it in "Đoàn viên sẽ thấy", and saves', async () => {
    await page.goto(`${base}/quan-ly/ngan-hang/moi`);
    await page.getByRole('heading', { name: 'Thêm câu hỏi' }).waitFor();
    await page.locator('#q-text').fill('Huy hiệu trong hình là của tổ chức nào?');
    await page.locator('#q-option-0').fill('Đoàn TNCS Hồ Chí Minh');
    await page.locator('#q-option-1').fill('Hội Liên hiệp Thanh niên Việt Nam');
    await page.locator('#q-option-2').fill('Đội TNTP Hồ Chí Minh');
    await page.locator('#q-option-3').fill('Hội Sinh viên Việt Nam');
    await page.locator('#q-image').setInputFiles(pictureFile);
    const picture = page.getByTestId('question-preview').locator('img.question__image');
    await picture.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="question-preview"] img.question__image');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth === 240;
    });
    const preview = squash(await page.getByTestId('question-preview').textContent());
    assert(preview.includes('Huy hiệu trong hình') && preview.includes('✓ Đáp án đúng'), `the preview reads: ${preview}`);
    const topic = page.locator('#q-topic');
    const firstTopic = await topic.locator('option').nth(1).getAttribute('value');
    await topic.selectOption(firstTopic);
    await page.locator('#q-explanation').fill('Huy hiệu Đoàn có hình lá cờ Đoàn và dòng chữ “Đoàn TNCS Hồ Chí Minh”.');
    await shoot(page, 'bank-form');
    await axeCheck(page, 'Thêm câu hỏi');
    await page.getByRole('button', { name: 'Lưu câu hỏi' }).click();
    await page.getByRole('heading', { name: 'Câu hỏi', level: 1 }).waitFor();
    const img = page.locator('.bank-preview img.question__image');
    await img.waitFor();
    const src = await img.getAttribute('src');
    assert(/^\/api\/v1\/images\/[0-9a-f]{64}\.png$/.test(src ?? ''), `the saved picture is at ${src}`);
    const served = await page.request.get(`${base}${src}`);
    assert(served.headers()['cache-control']?.includes('immutable'), `picture cache: ${served.headers()['cache-control']}`);
    await shoot(page, 'bank-question');
    await axeCheck(page, 'Câu hỏi');
  });

  await step('bank: editing the active question warns of a new version, shows the server\'s error beside the field, then keeps both versions', async () => {
    await page.getByRole('link', { name: 'Sửa', exact: true }).click();
    await page.getByRole('heading', { name: 'Sửa câu hỏi' }).waitFor();
    const note = squash(await page.getByTestId('new-version-note').textContent());
    assert(note.includes('phiên bản mới'), `the note reads: ${note}`);
    await page.locator('#q-text').fill('   ');
    await page.getByRole('button', { name: 'Lưu câu hỏi' }).click();
    const fieldError = page.locator('#q-text-error');
    await fieldError.waitFor();
    const message = squash(await fieldError.textContent());
    assert(message.length > 0 && !/required|must|empty/i.test(message), `the stem's error reads: ${message}`);
    await shoot(page, 'bank-form-error');
    await page.locator('#q-text').fill('Huy hiệu trong hình là biểu tượng của tổ chức nào?');
    await page.getByRole('button', { name: 'Lưu câu hỏi' }).click();
    await page.getByRole('heading', { name: 'Câu hỏi', level: 1 }).waitFor();
    const versions = page.locator('.bank-versions');
    await versions.waitFor();
    const heading = squash(await versions.locator('h2').textContent());
    assert(heading === 'Các phiên bản (2)', `the versions heading reads: ${heading}`);
    await shoot(page, 'bank-question-versions');
    await axeCheck(page, 'Câu hỏi — phiên bản');
  });

  await step('bank: a file that is not a picture is refused beside the field, in Vietnamese', async () => {
    await page.goto(`${base}/quan-ly/ngan-hang/moi`);
    const fake = join(dir, 'khong-phai-anh.png');
    writeFileSync(fake, 'đây không phải ảnh');
    await page.locator('#q-image').setInputFiles(fake);
    const error = page.locator('.bank-image .field-error').first();
    await error.waitFor();
    assert(squash(await error.textContent()).includes('PNG, JPEG hoặc WebP'), `the refusal reads: ${await error.textContent()}`);
  });

  await step('bank: a half-written question survives a reload (the draft is kept)', async () => {
    await page.goto(`${base}/quan-ly/ngan-hang/moi`);
    await page.locator('#q-text').fill('Câu hỏi đang soạn dở');
    await page.waitForTimeout(600); // the draft is written after a short pause
    await page.reload();
    await page.getByRole('heading', { name: 'Thêm câu hỏi' }).waitFor();
    assert((await page.locator('#q-text').inputValue()) === 'Câu hỏi đang soạn dở', 'the draft was lost');
    await page.getByText('Đã khôi phục bản đang soạn dở').waitFor();
    await page.getByRole('button', { name: 'Soạn lại từ đầu' }).click();
    await page.context().close();
  });
}

/** A real PNG (horizontal stripes in the Youth Union's blue and red) of `w`×`h` pixels. */
function stripedPng(w, h) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const [r, g, b] = Math.floor(y / 20) % 2 === 0 ? [0x1d, 0x4e, 0x9e] : [0xd7, 0x26, 0x26];
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
