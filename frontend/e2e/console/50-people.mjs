// Đoàn viên (#14): the demo unit admin finds members without diacritics, imports admission
// dates from a file whose bad row is fixed after the preview, grants roles, and issues a
// one-time reset code that a member uses on "Quên mật khẩu" to set a new password and sign in,
// locks that member's account with a reason (sign-in then says so in Vietnamese) and unlocks it;
// a manager of one branch never sees another branch's people through the console. New members
// are registered here, so the demo members other modules sign in as keep their passwords and
// dates.

const NEW_PASSWORD = 'Mat-khau-moi-2026';

export async function run(ctx) {
  const { step, assert, squash, shoot, axeCheck, base, demo, api, browser } = ctx;
  const tag = String(Date.now()).slice(-6);
  const people = {};
  let page;

  await step('people: arrange two new members of the demo tree', async () => {
    const unitOf = async (code) => {
      const res = await api.call('GET', '/units', { query: { q: code, limit: 5 } });
      const unit = res.body.items.find((u) => u.code === code);
      assert(unit, `unit ${code}`);
      return unit.id;
    };
    const register = async (key, name, unitCode, phone) => {
      const res = await api.call('POST', '/auth/register', {
        body: { phone, password: demo.password, full_name: name, birth_date: '2002-05-19', unit_id: await unitOf(unitCode), consent: true },
      });
      assert(res.status === 201, `register ${name}: ${res.status} ${res.text}`);
      people[key] = { id: res.body.id, phone, name };
    };
    await register('forgetful', 'Đỗ Thị Hạnh', 'DEMO-CD-KT', `0931${tag}`);
    await register('manager', 'Bùi Văn Toàn', 'DEMO-DCS-TT1', `0932${tag}`);
  });

  await step('people: a search without diacritics and by phone digits, within scope', async () => {
    page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/doan-vien`);
    await page.getByRole('heading', { name: 'Đoàn viên', level: 1 }).waitFor();
    await page.getByLabel('Tìm đoàn viên theo họ tên hoặc số điện thoại').fill('do thi hanh');
    await page.getByRole('link', { name: 'Đỗ Thị Hạnh' }).waitFor();
    await page.getByLabel('Tìm đoàn viên theo họ tên hoặc số điện thoại').fill(people.manager.phone.slice(2));
    await page.getByRole('link', { name: 'Bùi Văn Toàn' }).waitFor();
    await page.getByLabel('Tìm đoàn viên theo họ tên hoặc số điện thoại').fill('');
    await page.getByRole('link', { name: 'Nguyễn Văn An' }).waitFor();
    await shoot(page, 'people-search');
    await axeCheck(page, 'Đoàn viên');
  });

  await step('people: admission dates imported, a bad row explained and fixed after the preview', async () => {
    await page.goto(`${base}/quan-ly/doan-vien/nhap-ngay-ket-nap`);
    await page.getByRole('heading', { name: 'Nhập ngày kết nạp từ tệp', level: 1 }).waitFor();
    const bad = `so_dien_thoai,ngay_ket_nap\n${people.forgetful.phone},26/03/2024\n${people.manager.phone},31/02/2024\n`;
    await page.locator('#admission-file').setInputFiles({ name: 'ket-nap.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    const text = squash(await problems.textContent());
    assert(text.includes('3') && text.includes('Ngày kết nạp') && text.includes('«31/02/2024» không phải là ngày hợp lệ'), `the bad row: ${text}`);
    await shoot(page, 'people-admission-problems');
    const good = bad.replace('31/02/2024', '28/02/2024');
    await page.locator('#admission-file').setInputFiles({ name: 'ket-nap-da-sua.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    const rows = squash(await preview.textContent());
    assert(rows.includes('Đỗ Thị Hạnh') && rows.includes('Chi đoàn Phòng Kỹ thuật') && rows.includes('28/02/2024'), `preview: ${rows}`);
    await shoot(page, 'people-admission-preview');
    await axeCheck(page, 'Nhập ngày kết nạp');
    await page.getByRole('button', { name: 'Ghi ngày kết nạp cho 2 đoàn viên' }).click();
    await page.getByTestId('import-done').waitFor();
    await page.goto(`${base}/quan-ly/doan-vien/${people.manager.id}`);
    await page.getByTestId('person-admitted').getByText('28/02/2024').waitFor();
  });

  await step('people: the unit admin grants an organizer role and a unit-admin role within scope', async () => {
    await page.goto(`${base}/quan-ly/doan-vien/${people.forgetful.id}`);
    await page.getByRole('heading', { name: 'Đỗ Thị Hạnh', level: 1 }).waitFor();
    await page.locator('#grant-role').selectOption('organizer');
    await page.locator('#grant-unit').selectOption({ label: 'Chi đoàn Phòng Kỹ thuật' });
    await page.getByRole('button', { name: 'Giao vai trò' }).click();
    await page.getByText('Đã giao vai trò Ban Tổ chức (Chi đoàn Phòng Kỹ thuật).').waitFor();
    const roles = squash(await page.getByTestId('person-roles').textContent());
    assert(roles.includes('Ban Tổ chức') && roles.includes('Chi đoàn Phòng Kỹ thuật'), `roles: ${roles}`);
    // The branch manager of the isolation check below.
    await page.goto(`${base}/quan-ly/doan-vien/${people.manager.id}`);
    await page.locator('#grant-role').selectOption('unit_admin');
    await page.locator('#grant-unit').selectOption({ label: 'Đoàn Tổng công ty Điện lực (demo)' });
    await page.getByRole('button', { name: 'Giao vai trò' }).click();
    await page.getByText('Đã giao vai trò Quản trị đơn vị (Đoàn Tổng công ty Điện lực (demo)).').waitFor();
  });

  let code;
  await step('people: the unit admin issues a one-time reset code, shown once', async () => {
    await page.goto(`${base}/quan-ly/doan-vien/${people.forgetful.id}`);
    await page.getByRole('button', { name: 'Cấp mã đặt lại mật khẩu' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cấp mã' }).click();
    code = squash(await page.getByTestId('reset-code').textContent());
    assert(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code), `the code reads "${code}"`);
    const notice = squash(await page.getByTestId('reset-code-issued').textContent());
    assert(notice.includes('(giờ Việt Nam)') && notice.includes('30 phút'), `the notice: ${notice}`);
    await shoot(page, 'people-person-reset-code');
    await axeCheck(page, 'Trang đoàn viên');
    await page.reload();
    await page.getByRole('heading', { name: 'Đỗ Thị Hạnh', level: 1 }).waitFor();
    assert((await page.getByTestId('reset-code').count()) === 0, 'the code is shown again after a reload');
    await page.getByText(/Đang có một mã chưa dùng/).waitFor();
  });

  await step('people: the member sets a new password on "Quên mật khẩu" and signs in with it', async () => {
    const ctx2 = await browser.newContext();
    const member = await ctx2.newPage();
    ctx.watch(member);
    // Their old session ends when the password is reset.
    await member.goto(`${base}/dang-nhap`);
    await member.getByRole('link', { name: 'Quên mật khẩu?' }).click();
    await member.getByRole('heading', { name: 'Quên mật khẩu', level: 1 }).waitFor();
    await shoot(member, 'people-forgot-password');
    await axeCheck(member, 'Quên mật khẩu');
    await member.locator('#phone').fill(people.forgetful.phone);
    await member.locator('#code').fill(code.slice(0, 6)); // a mistyped code first
    await member.locator('#new_password').fill(NEW_PASSWORD);
    await member.locator('#confirm').fill(NEW_PASSWORD);
    await member.getByRole('button', { name: 'Đặt mật khẩu mới' }).click();
    await member.getByText('Mã đặt lại mật khẩu gồm 8 chữ cái và chữ số').waitFor();
    await member.locator('#code').fill(code.toLowerCase());
    await member.getByRole('button', { name: 'Đặt mật khẩu mới' }).click();
    await member.waitForURL((u) => u.pathname === '/dang-nhap');
    await member.getByText('Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới.').waitFor();
    assert((await member.locator('#phone').inputValue()) === people.forgetful.phone, 'the phone is filled in');
    await member.locator('#password').fill(NEW_PASSWORD);
    await member.getByRole('button', { name: 'Đăng nhập' }).click();
    await member.waitForURL((u) => u.pathname === '/');
    await member.getByTestId('full-name').getByText('Đỗ Thị Hạnh').waitFor();
    // The code was single use.
    const again = await api.call('POST', '/auth/password-reset', {
      body: { phone: people.forgetful.phone, code, new_password: 'Mat-khau-khac-2026' },
    });
    assert(again.status === 422, `a used code answers ${again.status}`);
    // Tài khoản: the profile, checked like registration.
    await member.getByTestId('account-link').click();
    await member.getByRole('heading', { name: 'Tài khoản', level: 1 }).waitFor();
    await member.locator('#birth_date').fill('2030-01-01');
    await member.getByRole('button', { name: 'Lưu thông tin' }).click();
    await member.getByText('Ngày sinh không hợp lệ').waitFor();
    await member.locator('#birth_date').fill('2002-05-20');
    await member.locator('#full_name').fill('Đỗ Thị Hồng Hạnh');
    await member.getByRole('button', { name: 'Lưu thông tin' }).click();
    await member.getByText('Đã lưu thông tin cá nhân.').waitFor();
    await shoot(member, 'account');
    await axeCheck(member, 'Tài khoản');
    await ctx2.close();
    ctx.watch(page);
  });

  await step('people: the unit admin locks an account with a reason; the member is told, then unlocked', async () => {
    const reason = 'Cho người khác thi hộ';
    await page.goto(`${base}/quan-ly/doan-vien/${people.forgetful.id}`);
    await page.getByRole('heading', { name: /Đỗ Thị Hồng Hạnh/, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Khoá tài khoản' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#confirm-reason').fill(reason);
    await dialog.getByRole('button', { name: 'Khoá tài khoản' }).click();
    await page.getByTestId('person-locked-reason').getByText(reason).waitFor();
    await page.getByTestId('person-locked').waitFor();
    await shoot(page, 'people-person-locked');
    await axeCheck(page, 'Tài khoản đã khoá');
    // The search lists them as locked, with the reason.
    await page.goto(`${base}/quan-ly/doan-vien`);
    await page.getByLabel('Tìm đoàn viên theo họ tên hoặc số điện thoại').fill(people.forgetful.phone);
    await page.getByRole('link', { name: 'Đỗ Thị Hồng Hạnh' }).waitFor();
    const row = squash(await page.locator('.data-table tbody').textContent());
    assert(row.includes('Đã khoá') && row.includes(reason), `the search row: ${row}`);
    // Signing in says why, in Vietnamese.
    const ctx2 = await browser.newContext();
    const member = await ctx2.newPage();
    ctx.watch(member);
    await member.goto(`${base}/dang-nhap`);
    await member.locator('#phone').fill(people.forgetful.phone);
    await member.locator('#password').fill(NEW_PASSWORD);
    await member.getByRole('button', { name: 'Đăng nhập' }).click();
    await member.getByText('Tài khoản của bạn đã bị khoá.', { exact: false }).waitFor();
    await shoot(member, 'login-account-locked');
    // Unlocked, the same sign-in works.
    ctx.watch(page);
    await page.goto(`${base}/quan-ly/doan-vien/${people.forgetful.id}`);
    await page.getByRole('button', { name: 'Mở khoá' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mở khoá' }).click();
    await page.getByText('Đã mở khoá tài khoản.').waitFor();
    await page.getByRole('button', { name: 'Khoá tài khoản' }).waitFor();
    assert((await page.getByTestId('person-locked').count()) === 0, 'still shown as locked');
    ctx.watch(member);
    await member.getByRole('button', { name: 'Đăng nhập' }).click();
    await member.waitForURL((u) => u.pathname === '/');
    await ctx2.close();
    ctx.watch(page);
  });

  await step("people: a branch's manager never sees another branch's people", async () => {
    const manager = await ctx.pageAs(people.manager.phone);
    await manager.goto(`${base}/quan-ly/doan-vien`);
    await manager.getByRole('heading', { name: 'Đoàn viên', level: 1 }).waitFor();
    const box = manager.getByLabel('Tìm đoàn viên theo họ tên hoặc số điện thoại');
    // Nguyễn Văn An is in the Điện lực branch: found. Vũ Quốc Khánh is in Viễn thông: never.
    await box.fill('nguyen van an');
    await manager.getByRole('link', { name: 'Nguyễn Văn An' }).waitFor();
    await box.fill('vu quoc khanh');
    await manager.getByText('Không tìm thấy đoàn viên nào khớp «vu quoc khanh» trong phạm vi của bạn.').waitFor();
    await box.fill('0900000006');
    await manager.getByText('Không tìm thấy đoàn viên nào khớp «0900000006» trong phạm vi của bạn.').waitFor();
    await box.fill('');
    // The whole scope listed (the branch's own members), never another branch's.
    await manager.getByRole('link', { name: 'Phạm Minh Đức' }).waitFor();
    const listed = squash(await manager.locator('.data-table tbody').textContent());
    assert(!listed.includes('Vũ Quốc Khánh') && !listed.includes('Hoàng Thu Hà'), `another branch's people listed: ${listed}`);
    await shoot(manager, 'people-branch-manager');
    // Opening another branch's person directly says there is no such person.
    const khanh = await api.call('GET', '/users', {
      token: await api.login(demo.organizer, demo.password),
      query: { q: '0900000006' },
    });
    const khanhId = khanh.body.items[0].id;
    await manager.goto(`${base}/quan-ly/doan-vien/${khanhId}`);
    await manager.getByText('Không tìm thấy dữ liệu.').waitFor();
    assert((await manager.getByText('Vũ Quốc Khánh').count()) === 0, "another branch's name is shown");
    await manager.context().close();
    await page.context().close();
  });
}
