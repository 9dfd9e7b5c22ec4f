// Đơn vị (#14): the demo unit admin sees the tree of their scope, finds a unit without
// diacritics, creates a branch, sets its member count, is told clearly that a unit cannot move
// under its own branch, moves the new branch, and imports units from a file whose bad row is
// fixed after the preview.

export async function run(ctx) {
  const { step, assert, squash, shoot, axeCheck, base, demo } = ctx;
  let page;
  let branchUrl;

  await step('units: the tree of the scope, expandable, with member counts', async () => {
    page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/don-vi`);
    await page.getByRole('heading', { name: 'Đơn vị', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Đoàn Tổng công ty Điện lực (demo)' }).waitFor();
    await page.getByRole('button', { name: 'Mở Đoàn Tổng công ty Điện lực (demo)' }).click();
    await page.getByRole('link', { name: 'Đoàn cơ sở Công ty Truyền tải điện 1' }).waitFor();
    const text = squash(await page.locator('.org-tree').first().textContent());
    assert(text.includes('1.200 đoàn viên'), `member counts are written 1.200: ${text.slice(0, 200)}`);
    await shoot(page, 'units-tree');
    await axeCheck(page, 'Cây đơn vị');
  });

  await step('units: the unit page shows participation per round, with the demo closed round', async () => {
    await page.getByRole('link', { name: 'Đoàn Tổng công ty Điện lực (demo)' }).click();
    await page.getByRole('heading', { name: 'Đoàn Tổng công ty Điện lực (demo)', level: 1 }).waitFor();
    const card = page.locator('section[aria-labelledby="rounds-title"]');
    await card.getByRole('columnheader', { name: 'Cuộc thi / Vòng thi' }).waitFor();
    const row = card.getByRole('row', { name: /Luật Thanh niên – tuần thi đã kết thúc/ });
    await row.waitFor();
    const cells = (await row.getByRole('cell').allTextContents()).map(squash);
    // Three demo members of this unit finished once each (100, 80 and 80 points) of its 600.
    assert(cells[0].endsWith('/ Tuần 1'), `round cell reads "${cells[0]}"`);
    assert(cells[2] === '3', `entrants read "${cells[2]}"`);
    assert(cells[3] === '3/600 = 0,5%', `rate reads "${cells[3]}"`);
    assert(cells[4] === '3', `attempts read "${cells[4]}"`);
    assert(cells[5] === '86,7' && cells[6] === '100', `scores read "${cells[5]}", "${cells[6]}"`);
    await row.scrollIntoViewIfNeeded();
    await shoot(page, 'units-rounds-participation');
    await axeCheck(page, 'Tham gia theo vòng thi');
    await page.goto(`${base}/quan-ly/don-vi`);
    await page.getByRole('link', { name: 'Đoàn Tổng công ty Điện lực (demo)' }).waitFor();
  });

  await step('units: a search without diacritics finds "Chi đoàn Kỹ thuật số"', async () => {
    await page.getByLabel('Tìm đơn vị (tên hoặc mã)').fill('chi doan ky thuat so');
    await page.getByTestId('unit-search-results').getByRole('link', { name: 'Chi đoàn Kỹ thuật số' }).waitFor();
    assert(page.url().includes('q=chi+doan'), `the search is kept in the address: ${page.url()}`);
  });

  await step('units: a unit admin creates a branch and sets its member count and date', async () => {
    await page.goto(`${base}/quan-ly/don-vi?q=DEMO-DCS-TT1`);
    await page.getByTestId('unit-search-results').getByRole('link', { name: 'Đoàn cơ sở Công ty Truyền tải điện 1' }).click();
    await page.getByRole('heading', { name: 'Đoàn cơ sở Công ty Truyền tải điện 1', level: 1 }).waitFor();
    await page.locator('#child-name').fill('Chi đoàn Thanh niên Vận hành E2E');
    await page.locator('#child-code').fill('E2E-CD-VH');
    await page.locator('#child-count').fill('18');
    await page.getByRole('button', { name: 'Tạo đơn vị' }).click();
    await page.getByRole('heading', { name: 'Chi đoàn Thanh niên Vận hành E2E', level: 1 }).waitFor();
    branchUrl = page.url();
    await page.locator('#unit-count').fill('1250');
    await page.locator('#unit-count-date').fill('2026-11-30');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.getByText('Đã lưu.').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="unit-member-count"]')?.textContent?.includes('1.250'));
    const count = squash(await page.getByTestId('unit-member-count').textContent());
    assert(count === '1.250 đoàn viên (tính đến 30/11/2026)', `member count reads "${count}"`);
    await shoot(page, 'units-unit-page');
    await axeCheck(page, 'Trang đơn vị');
  });

  await step('units: moving a unit under its own branch is refused with a clear message', async () => {
    await page.goto(`${base}/quan-ly/don-vi?q=DEMO-DCS-TT1`);
    await page.getByTestId('unit-search-results').getByRole('link', { name: 'Đoàn cơ sở Công ty Truyền tải điện 1' }).click();
    await page.locator('#move-search').fill('thanh nien van hanh e2e');
    await page.getByLabel(/Chi đoàn Thanh niên Vận hành E2E/).check();
    await page.getByRole('button', { name: 'Chuyển về Chi đoàn Thanh niên Vận hành E2E' }).click();
    const message = squash(await page.getByTestId('move-error').textContent());
    assert(message.includes('vòng lặp') && message.includes('trực thuộc'), `the cycle reads "${message}"`);
    await shoot(page, 'units-move-refused');
  });

  await step('units: the new branch moves under another unit', async () => {
    await page.goto(branchUrl);
    await page.locator('#move-search').fill('trung tam mang luoi');
    await page.getByLabel(/Đoàn cơ sở Trung tâm Mạng lưới/).check();
    await page.getByRole('button', { name: 'Chuyển về Đoàn cơ sở Trung tâm Mạng lưới' }).click();
    await page.getByText('Đã chuyển Chi đoàn Thanh niên Vận hành E2E về trực thuộc Đoàn cơ sở Trung tâm Mạng lưới.').waitFor();
    // The page reloads the unit: its breadcrumb now runs through the new parent.
    await page.locator('.unit-path').getByRole('link', { name: 'Đoàn cơ sở Trung tâm Mạng lưới' }).waitFor();
    const path = squash(await page.locator('.unit-path').first().textContent());
    assert(!path.includes('Truyền tải điện 1'), `the breadcrumb still names the old parent: "${path}"`);
  });

  await step('units: an import with a bad row is previewed row by row, fixed, then written', async () => {
    await page.goto(`${base}/quan-ly/don-vi/nhap`);
    await page.getByRole('heading', { name: 'Nhập đơn vị từ tệp', level: 1 }).waitFor();
    const bad = 'ma,ten,ma_cap_tren,so_doan_vien,ngay_so_lieu\nE2E-CD-A,Chi đoàn Nhập A,DEMO-DCS-HN,20,01/12/2026\nE2E-CD-B,Chi đoàn Nhập B,KHONG-CO,hai mươi,\n';
    await page.locator('#unit-file').setInputFiles({ name: 'don-vi.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    const text = squash(await problems.textContent());
    assert(text.includes('chưa có dữ liệu nào được ghi'), `nothing-written notice: ${text}`);
    assert(text.includes('Mã đơn vị cấp trên') && text.includes('KHONG-CO'), `the parent column is named: ${text}`);
    assert(text.includes('«hai mươi» không phải là số nguyên'), `the count is explained: ${text}`);
    await shoot(page, 'units-import-problems');
    await axeCheck(page, 'Nhập đơn vị — lỗi');
    const good = bad.replace('KHONG-CO', 'DEMO-DCS-HN').replace('hai mươi', '15');
    await page.locator('#unit-file').setInputFiles({ name: 'don-vi-da-sua.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    const rows = squash(await preview.textContent());
    assert(rows.includes('Chi đoàn Nhập B') && rows.includes('Đoàn cơ sở Công ty Điện lực Hà Nội'), `preview: ${rows}`);
    await shoot(page, 'units-import-preview');
    await page.getByRole('button', { name: 'Nhập 2 đơn vị' }).click();
    await page.getByTestId('import-done').getByText('Đã tạo 2 đơn vị.').waitFor();
    await page.goto(`${base}/quan-ly/don-vi?q=chi doan nhap`);
    await page.getByTestId('unit-search-results').getByRole('link', { name: 'Chi đoàn Nhập B' }).waitFor();
    await page.context().close();
  });
}
