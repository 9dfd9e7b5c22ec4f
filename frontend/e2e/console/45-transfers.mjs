// Chuyển đơn vị (#14): a member who moved asks, on their phone, to join another unit (picked
// step by step from the top of the tree), withdraws the request and sends it again; the
// receiving unit's officer finds it on the unit page, approves it, and the member's account
// then shows the new unit and the decision. A new member is registered here, so the demo
// members other modules sign in as keep their units.

export async function run(ctx) {
  const { step, assert, squash, shoot, axeCheck, base, demo, api, browser, SIZES } = ctx;
  const tag = String(Date.now()).slice(-6);
  const mover = { phone: `0935${tag}`, name: 'Lê Thị Chuyển' };
  let page;

  await step('transfers: arrange a new member of Chi đoàn Phòng Kỹ thuật', async () => {
    const res = await api.call('GET', '/units', { query: { q: 'DEMO-CD-KT', limit: 5 } });
    const unit = res.body.items.find((u) => u.code === 'DEMO-CD-KT');
    assert(unit, 'unit DEMO-CD-KT');
    const made = await api.call('POST', '/auth/register', {
      body: { phone: mover.phone, password: demo.password, full_name: mover.name, birth_date: '2003-03-26', unit_id: unit.id, consent: true },
    });
    assert(made.status === 201, `register: ${made.status} ${made.text}`);
  });

  await step('transfers: on a phone, the member asks to move, picking the unit level by level', async () => {
    page = await (await browser.newContext({ viewport: SIZES.phone })).newPage();
    ctx.watch(page);
    await page.goto(`${base}/dang-nhap`);
    await page.locator('#phone').fill(mover.phone);
    await page.locator('#password').fill(demo.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/dang-nhap'));
    await page.goto(`${base}/tai-khoan`);
    const section = page.getByTestId('account-transfer');
    await section.getByRole('heading', { name: 'Chuyển đơn vị' }).waitFor();
    // Sending without a unit is refused in words, before any request.
    await section.getByRole('button', { name: 'Gửi đề nghị chuyển đơn vị' }).click();
    await section.getByText('Vui lòng chọn đơn vị muốn chuyển đến.').waitFor();
    await section.getByRole('button', { name: 'Chọn lần lượt từ cấp trên' }).click();
    const browse = section.locator('#to_unit_id-browse');
    for (const level of ['Đoàn Khối Doanh nghiệp (demo)', 'Đoàn Tập đoàn Viễn thông (demo)', 'Đoàn cơ sở Trung tâm Mạng lưới']) {
      await browse.getByRole('button', { name: `${level}: xem các đơn vị trực thuộc`, exact: true }).click();
      await browse.getByText(`Các đơn vị thuộc ${level}:`).waitFor();
    }
    await browse.getByRole('button', { name: 'Chọn Chi đoàn Vận hành', exact: true }).click();
    const picked = squash(await section.locator('.unit-selected__name').textContent());
    assert(picked === 'Chi đoàn Vận hành', `picked "${picked}"`);
    await section.locator('#reason').fill('Chuyển công tác sang Trung tâm Mạng lưới');
    await shoot(page, 'transfers-member-form');
    await section.getByRole('button', { name: 'Gửi đề nghị chuyển đơn vị' }).click();
    const pending = section.getByTestId('transfer-pending');
    await pending.waitFor();
    const text = squash(await pending.textContent());
    assert(text.includes('Chi đoàn Phòng Kỹ thuật') && text.includes('Chi đoàn Vận hành'), `pending reads "${text}"`);
    await shoot(page, 'transfers-member-pending');
    await axeCheck(page, 'Tài khoản — chuyển đơn vị');
  });

  await step('transfers: the member withdraws the request, then sends it again', async () => {
    const section = page.getByTestId('account-transfer');
    await section.getByRole('button', { name: 'Hủy đề nghị' }).click();
    await section.getByTestId('transfer-past').filter({ hasText: 'Đã hủy' }).waitFor();
    await section.getByPlaceholder('Tìm đơn vị…').pressSequentially('chi doan van hanh', { delay: 30 });
    await section.getByRole('option', { name: /Chi đoàn Vận hành/ }).first().click();
    await section.getByRole('button', { name: 'Gửi đề nghị chuyển đơn vị' }).click();
    await section.getByTestId('transfer-pending').waitFor();
  });

  await step('transfers: the receiving unit approves it from the unit page', async () => {
    const officer = await ctx.pageAs(demo.organizer);
    await officer.goto(`${base}/quan-ly/don-vi?q=DEMO-CD-VH`);
    await officer.getByTestId('unit-search-results').getByRole('link', { name: 'Chi đoàn Vận hành' }).click();
    await officer.getByRole('heading', { name: 'Chi đoàn Vận hành', level: 1 }).waitFor();
    const card = officer.getByTestId('unit-transfers');
    const row = card.getByRole('row', { name: new RegExp(mover.name) });
    await row.waitFor();
    const cells = squash(await row.textContent());
    assert(cells.includes('Chi đoàn Phòng Kỹ thuật') && cells.includes(mover.phone), `row reads "${cells}"`);
    await shoot(officer, 'transfers-console-pending');
    await axeCheck(officer, 'Đề nghị chuyển đơn vị');
    await row.getByRole('button', { name: 'Duyệt' }).click();
    const dialog = officer.getByRole('dialog');
    await dialog.getByText(/sẽ chuyển từ Chi đoàn Phòng Kỹ thuật sang Chi đoàn Vận hành/).waitFor();
    await dialog.getByRole('button', { name: 'Duyệt' }).click();
    await card.getByText(`Đã duyệt: ${mover.name} chuyển sang Chi đoàn Vận hành.`).waitFor();
    await card.getByText('Không có đề nghị nào chờ duyệt.').waitFor();
    await officer.context().close();
  });

  await step('transfers: the member sees the new unit and the approval', async () => {
    ctx.watch(page);
    await page.reload();
    const section = page.getByTestId('account-transfer');
    await section.getByTestId('transfer-past').filter({ hasText: 'Đã duyệt' }).waitFor();
    const facts = squash(await page.locator('.profile__facts').textContent());
    assert(facts.includes('Chi đoàn Vận hành'), `the account reads "${facts}"`);
    await section.getByRole('button', { name: 'Gửi đề nghị chuyển đơn vị' }).waitFor();
    await shoot(page, 'transfers-member-approved');
    await page.context().close();
  });
}
