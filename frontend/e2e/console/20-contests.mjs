// Contests and rounds in the console (section `cuoc-thi`): the demo organizer finds the demo
// contest in the list, creates a contest with a quota pool through the wizard (the live count
// refuses a quota the bank cannot fill, a reload loses nothing), checks the summary, previews
// the round as a member would (the preview counts nowhere), and sees a started round's locked
// settings with the reason. A theory test is created through the same wizard: its first step
// tests a lesson, with a pass mark, a wait between attempts, the key right after each attempt,
// a year's opening and neither prediction question nor board; a combined test is added later.

export async function run(ctx) {
  const { base, demo, api, assert, squash, shoot, axeCheck, step } = ctx;
  const title = `Cuộc thi tìm hiểu Luật An ninh mạng ${Date.now() % 100000}`;
  let page;
  let contestId;
  let roundId;
  const theoryTitle = `Kiểm tra lý luận chính trị đoàn viên mới ${Date.now() % 100000}`;
  let theoryId;

  await step('contests: the list shows the demo contest with its status, and searches without diacritics', async () => {
    page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/cuoc-thi`);
    await page.getByRole('heading', { name: 'Cuộc thi', level: 1 }).waitFor();
    const row = page.locator('tr', { hasText: 'Tìm hiểu lịch sử Đoàn và pháp luật về không gian mạng (demo)' });
    await row.waitFor();
    assert(squash(await row.textContent()).includes('Đang mở'), `the demo contest's row reads "${squash(await row.textContent())}"`);
    await page.locator('#contest-search').fill('khong gian mang');
    await page.waitForURL((u) => u.searchParams.get('q') === 'khong gian mang');
    await row.waitFor();
    await page.locator('#contest-search').fill('khong co cuoc thi nay');
    await page.getByText('Không có cuộc thi nào khớp bộ lọc.').waitFor();
    await page.locator('#contest-search').fill('');
    await row.waitFor();
    await shoot(page, 'contests-list');
    await axeCheck(page, 'Cuộc thi');
  });

  await step('contests: the wizard takes the title and formatted rules, with a preview as members see it', async () => {
    await page.getByRole('link', { name: '+ Tạo cuộc thi' }).click();
    await page.getByRole('heading', { name: 'Tạo cuộc thi', level: 1 }).waitFor();
    await page.locator('#contest-title').fill(title);
    await page.locator('#contest-description').fill('Cuộc thi dành cho đoàn viên **Đoàn Khối Doanh nghiệp**.');
    await page.locator('#contest-rules').fill('Mỗi lượt thi có **4 câu hỏi**.\n\n- Thi trong 10 phút\n- Lượt có điểm cao nhất được tính\n\n<script>alert(1)</script>');
    await page.getByRole('button', { name: 'Xem trước' }).nth(1).click();
    const preview = page.locator('.formatted__preview').last();
    assert((await preview.locator('strong', { hasText: '4 câu hỏi' }).count()) === 1, 'bold shows as bold');
    assert((await preview.locator('li').count()) === 2, 'the list shows as a list');
    assert(squash(await preview.textContent()).includes('<script>alert(1)</script>'), 'markup shows as text');
    await shoot(page, 'contest-wizard-info');
    await axeCheck(page, 'Tạo cuộc thi: thông tin');
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
  });

  await step('contests: eligibility defaults to the host unit\'s subtree; a branch is excluded on the tree', async () => {
    await page.getByRole('heading', { name: /Bước 2\/5/ }).waitFor();
    assert((await page.locator('#contest-unit').inputValue()) !== '', 'a host unit is chosen');
    assert(await page.getByLabel('Đoàn viên của một đơn vị và các đơn vị trực thuộc (chọn trên cây đơn vị)').isChecked(), 'subtree by default');
    const branch = page.locator('.unit-tree__row', { hasText: 'Đoàn Tập đoàn Viễn thông (demo)' });
    await branch.waitFor();
    await branch.getByLabel('Loại trừ').check();
    await page.getByText('Không dự thi: Đoàn Tập đoàn Viễn thông (demo).').waitFor();
    await shoot(page, 'contest-wizard-eligibility');
    await axeCheck(page, 'Tạo cuộc thi: đối tượng');
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
  });

  await step('contests: the tie-break chain is reordered with its buttons', async () => {
    await page.getByRole('heading', { name: /Bước 3\/5/ }).waitFor();
    await page.getByRole('button', { name: 'Đưa "Thời gian làm bài ít hơn" lên' }).click();
    const chain = squash(await page.getByTestId('tie-break').textContent());
    assert(chain.indexOf('Thời gian làm bài ít hơn') < chain.indexOf('Dự đoán gần đúng hơn'), `chain: ${chain}`);
    await shoot(page, 'contest-wizard-ranking');
    await axeCheck(page, 'Tạo cuộc thi: xếp hạng');
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
  });

  await step('contests: the live count refuses a quota the bank cannot fill, and a reload keeps the draft', async () => {
    await page.getByRole('heading', { name: /Bước 4\/5/ }).waitFor();
    await page.locator('#round-name').fill('Tuần thi thứ 1');
    await page.getByLabel('Chủ đề của dòng 1').selectOption('history');
    await page.getByLabel('Mức độ của dòng 1').selectOption('hard');
    await page.getByLabel('Số câu của dòng 1').fill('150');
    const count = page.getByTestId('quota-count').first();
    await count.getByText(/Chỉ có .* câu phù hợp, không đủ 150 câu/).waitFor();
    const next = page.getByRole('button', { name: 'Tiếp tục ›' });
    assert(await next.isDisabled(), 'an impossible quota cannot go on');
    await page.getByText('Ngân hàng câu hỏi không đủ câu cho nguồn câu hỏi này').waitFor();
    await shoot(page, 'contest-wizard-quota-short');
    await axeCheck(page, 'Tạo cuộc thi: vòng thi');
    // A reload (or a session that expired) keeps everything typed.
    await page.reload();
    await page.getByText('Đã khôi phục bản nháp bạn đang soạn dở.').waitFor();
    await page.getByRole('heading', { name: /Bước 4\/5/ }).waitFor();
    assert((await page.getByLabel('Số câu của dòng 1').inputValue()) === '150', 'the quota survived the reload');
    await page.getByLabel('Mức độ của dòng 1').selectOption('');
    await page.getByLabel('Số câu của dòng 1').fill('2');
    await count.getByText(/^\d+ câu phù hợp$/).waitFor();
    await page.getByRole('button', { name: '+ Thêm dòng' }).click();
    await page.getByLabel('Chủ đề của dòng 2').selectOption('cyber');
    await page.getByLabel('Số câu của dòng 2').fill('2');
    await page.getByTestId('quota-count').nth(1).getByText(/^\d+ câu phù hợp$/).waitFor();
    assert(squash(await page.getByTestId('questions-per-attempt').textContent()) === '4', 'four questions per attempt');
    await next.waitFor({ state: 'visible' });
    await page.waitForFunction(() => !document.querySelector('.wizard__nav .button--primary')?.hasAttribute('disabled'));
    await shoot(page, 'contest-wizard-round');
    await next.click();
  });

  await step('contests: the summary shows what will be created, then the contest and its round are created', async () => {
    await page.getByRole('heading', { name: /Bước 5\/5/ }).waitFor();
    const summary = squash(await page.getByTestId('wizard-summary').textContent());
    for (const part of [title, 'trừ Đoàn Tập đoàn Viễn thông (demo)', 'Ban Tổ chức không dự thi', 'Điểm cao hơn → Thời gian làm bài ít hơn', '4 câu, 10 phút mỗi lượt', '(giờ Việt Nam)']) {
      assert(summary.includes(part), `the summary lacks "${part}": ${summary}`);
    }
    await shoot(page, 'contest-wizard-summary');
    await axeCheck(page, 'Tạo cuộc thi: xem lại');
    await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();
    await page.waitForURL((u) => /^\/quan-ly\/cuoc-thi\/[0-9a-f-]{36}$/.test(u.pathname));
    contestId = new URL(page.url()).pathname.split('/').pop();
    await page.getByText('Đã tạo cuộc thi.').waitFor();
    const text = squash(await page.getByTestId('contest-summary').textContent());
    assert(text.includes('Nháp') || squash(await page.locator('h1').textContent()).includes('Nháp'), 'a new contest is a draft');
    assert(text.includes('Đoàn Khối Doanh nghiệp (demo)'), `summary: ${text}`);
    const card = page.getByTestId('round-card');
    await card.waitFor();
    assert(squash(await card.textContent()).includes('Chưa mở'), 'the round is upcoming');
    assert((await page.locator('.rich-text strong', { hasText: '4 câu hỏi' }).count()) === 1, 'the rules keep their formatting');
    await shoot(page, 'contest-page');
    await axeCheck(page, 'Cuộc thi: trang');
    const token = await api.login(demo.organizer, demo.password);
    const rounds = await api.call('GET', `/contests/${contestId}/rounds`, { token });
    roundId = rounds.body.items[0].id;
    assert(rounds.body.items[0].pool.quotas.length === 2, 'the round keeps the two quotas');
    const found = await api.call('GET', '/contests', { token, query: { q: 'luat an ninh mang', status: 'draft', managed: 'true' } });
    assert(found.body.items.some((c) => c.id === contestId), 'the list finds the new contest by its title without diacritics');
  });

  await step('contests: a preview is the round as a member takes it, and counts nowhere', async () => {
    await page.getByRole('button', { name: 'Xem thử như thí sinh' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/lam-bai/'));
    await page.getByTestId('practice-notice').waitFor();
    await page.getByTestId('countdown').waitFor();
    await shoot(page, 'contest-preview');
    const token = await api.login(demo.organizer, demo.password);
    const round = await api.call('GET', `/rounds/${roundId}`, { token });
    assert(round.body.started_at === null && !round.body.locks, 'a preview leaves the round unstarted');
    const attemptId = new URL(page.url()).pathname.split('/').pop();
    const finished = await api.call('POST', `/attempts/${attemptId}/finish`, { token, body: { prediction: 10 } });
    assert(finished.status === 200 && finished.body.counted !== true, `the preview does not count: ${finished.text}`);
  });

  await step('contests: the contest\'s settings are edited on one page and saved', async () => {
    await page.goto(`${base}/quan-ly/cuoc-thi/${contestId}`);
    await page.getByRole('link', { name: 'Sửa thông tin' }).click();
    await page.getByRole('heading', { name: 'Sửa thông tin cuộc thi' }).waitFor();
    assert(await page.locator('#contest-kind').isDisabled(), 'the kind stays as created');
    await page.locator('#contest-title').fill(`${title} (sửa)`);
    await page.locator('.unit-tree__row', { hasText: 'Đoàn Tập đoàn Viễn thông (demo)' }).getByLabel('Loại trừ').waitFor();
    assert(await page.locator('.unit-tree__row', { hasText: 'Đoàn Tập đoàn Viễn thông (demo)' }).getByLabel('Loại trừ').isChecked(), 'the exclusion is shown');
    await shoot(page, 'contest-edit');
    await axeCheck(page, 'Sửa thông tin cuộc thi');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.getByRole('heading', { name: `${title} (sửa)` }).waitFor();
  });

  await step('contests: a started round shows its locked settings and why', async () => {
    const token = await api.login(demo.organizer, demo.password);
    // A second round, running now, that a member has started.
    const now = Date.now();
    const created = await api.call('POST', `/contests/${contestId}/rounds`, {
      token,
      body: {
        name: 'Vòng thi thử nghiệm khóa cài đặt',
        opens_at: new Date(now - 60_000).toISOString(),
        closes_at: new Date(now + 30 * 60_000).toISOString(),
        questions_per_attempt: 2,
        time_limit_seconds: 300,
        practice: true,
        pool: { quotas: [{ topic: 'history', count: 2 }] },
      },
    });
    assert(created.status === 201, `round: ${created.text}`);
    // A member of the Điện lực branch (the Viễn thông branch was excluded above).
    const member = await api.login(demo.members[2], demo.password);
    const started = await api.call('POST', `/rounds/${created.body.id}/attempts`, { token: member });
    assert(started.status === 201, `member start: ${started.text}`);
    await page.goto(`${base}/quan-ly/cuoc-thi/${contestId}`);
    const lockedCard = page.getByTestId('round-card').filter({ hasText: 'Vòng thi thử nghiệm khóa cài đặt' });
    await lockedCard.getByTestId('round-locks').waitFor();
    await lockedCard.getByRole('link', { name: 'Gia hạn / đổi tên' }).click();
    await page.getByText('Vòng thi đã bắt đầu').waitFor();
    const notice = squash(await page.getByTestId('round-locks').textContent());
    assert(notice.includes('Nguồn câu hỏi') && notice.includes('Thời gian làm bài'), `notice: ${notice}`);
    assert(await page.locator('#round-minutes').isDisabled(), 'the time limit is locked');
    assert(!(await page.locator('#round-closes').isDisabled()), 'the close time may still move later');
    await shoot(page, 'round-locked');
    await axeCheck(page, 'Vòng thi đã bắt đầu');
    // Hand the member's attempt in, so later modules find nobody mid-attempt.
    const done = await api.call('POST', `/attempts/${started.body.id}/finish`, { token: member, body: {} });
    assert(done.status === 200, `finish: ${done.text}`);
    await page.context().close();
  });

  await step('contests: a theory test from the wizard offers what its tests need and hides what does not apply', async () => {
    page = await ctx.pageAs(demo.organizer);
    await page.goto(`${base}/quan-ly/cuoc-thi`);
    await page.getByRole('link', { name: '+ Tạo cuộc thi' }).click();
    await page.getByRole('heading', { name: 'Tạo cuộc thi', level: 1 }).waitFor();
    if (await page.getByText('Đã khôi phục bản nháp').count()) await page.getByRole('button', { name: 'Bắt đầu lại từ đầu' }).click();
    await page.locator('#contest-title').fill(theoryTitle);
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
    await page.getByRole('heading', { name: /Bước 2\/5/ }).waitFor();
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
    await page.getByRole('heading', { name: /Bước 3\/5/ }).waitFor();
    await page.locator('#contest-kind').selectOption('theory_test');
    await page.getByRole('heading', { name: 'Bước 3/5: Loại và điểm đạt' }).waitFor();
    await page.locator('#contest-pass').fill('70');
    assert((await page.locator('#contest-visibility').count()) === 0, 'a theory test offers a leaderboard');
    assert((await page.getByTestId('tie-break').count()) === 0 && (await page.getByTestId('prizes-round').count()) === 0, 'a theory test offers ranking or prizes');
    await page.getByTestId('kind-note').waitFor();
    await shoot(page, 'contest-wizard-theory-kind');
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
    await page.getByRole('heading', { name: 'Bước 4/5: Bài kiểm tra đầu tiên' }).waitFor();
    assert((await page.locator('#round-prediction').count()) === 0, 'a theory test asks a prediction question');
    assert((await page.getByText('Vòng thi thử (không tính điểm, không xếp hạng)').count()) === 0, 'a theory test offers the practice switch');
    assert((await page.locator('#round-review').inputValue()) === 'after_each_attempt', 'a theory test does not show the key after each attempt by default');
    assert((await page.locator('#round-attempts').inputValue()) === '', 'a theory test limits attempts by default');
    const opens = await page.locator('#round-opens').inputValue();
    const closes = await page.locator('#round-closes').inputValue();
    assert(Date.parse(closes) - Date.parse(opens) > 360 * 24 * 3600_000, `a theory test is open ${opens} – ${closes}`);
    await page.getByText('Chọn bài học được kiểm tra.').waitFor();
    await page.locator('#round-lesson').selectOption({ index: 1 }); // Bài 1 of the demo course
    assert((await page.locator('#round-name').inputValue()) === 'Bài 1', 'the test is not named after its lesson');
    assert((await page.getByLabel('Chủ đề của dòng 1').inputValue()) === 'theory.lesson1', 'the pool does not draw from the lesson\'s topic');
    await page.getByLabel('Số câu của dòng 1').fill('4');
    await page.getByTestId('quota-count').first().getByText(/^\d+ câu phù hợp$/).waitFor();
    await page.locator('#round-wait').fill('30');
    await page.waitForFunction(() => !document.querySelector('.wizard__nav .button--primary')?.hasAttribute('disabled'));
    await shoot(page, 'contest-wizard-theory-round');
    await axeCheck(page, 'Tạo bài kiểm tra lý luận: bài kiểm tra');
    await page.getByRole('button', { name: 'Tiếp tục ›' }).click();
    await page.getByRole('heading', { name: /Bước 5\/5/ }).waitFor();
    const summary = squash(await page.getByTestId('wizard-summary').textContent());
    for (const part of ['Bài kiểm tra lý luận', 'Điểm đạt70%', 'Bài 1:', '4 câu, 15 phút mỗi lượt', 'không giới hạn lượt', 'điểm đạt 70%', 'chờ 30 phút giữa hai lượt', 'ngay sau mỗi lượt']) {
      assert(summary.includes(part), `the summary lacks "${part}": ${summary}`);
    }
    assert(!summary.includes('Bảng xếp hạng') && !summary.includes('dự đoán'), `the summary speaks of a board or a prediction: ${summary}`);
    await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();
    await page.waitForURL((u) => /^\/quan-ly\/cuoc-thi\/[0-9a-f-]{36}$/.test(u.pathname));
    const id = new URL(page.url()).pathname.split('/').pop();
    const token = await api.login(demo.organizer, demo.password);
    const contest = await api.call('GET', `/contests/${id}`, { token });
    assert(contest.body.kind === 'theory_test' && contest.body.pass_mark === 70 && contest.body.leaderboard_visibility === 'organizers', `contest: ${contest.text}`);
    const rounds = await api.call('GET', `/contests/${id}/rounds`, { token });
    const [test] = rounds.body.items;
    assert(test.theory?.lesson_id && test.theory.pass_mark === 70 && test.theory.retry_wait_minutes === 30, `theory: ${JSON.stringify(test.theory)}`);
    assert(test.review === 'after_each_attempt' && test.prediction == null && test.attempts_allowed == null, `round: ${JSON.stringify(test)}`);
    const card = page.getByTestId('round-card');
    await card.waitFor();
    assert(squash(await card.textContent()).includes('điểm đạt 70%; chờ 30 phút giữa hai lượt'), `card: ${squash(await card.textContent())}`);
    theoryId = id;
  });

  await step('contests: a combined test of the whole course is added from the contest page with its own pass mark', async () => {
    await page.getByRole('link', { name: '+ Thêm bài kiểm tra' }).click();
    await page.getByRole('heading', { name: 'Thêm bài kiểm tra', level: 1 }).waitFor();
    const combined = await page.locator('#round-lesson option', { hasText: 'Kiểm tra tổng hợp' }).first().getAttribute('value');
    await page.locator('#round-lesson').selectOption(combined);
    assert((await page.locator('#round-name').inputValue()) === 'Kiểm tra tổng hợp', 'the combined test is not named');
    await page.locator('#round-pass').fill('80');
    // The pool draws two questions from each of the course's four lessons.
    for (let i = 1; i <= 4; i++) assert((await page.getByLabel(`Chủ đề của dòng ${i}`).inputValue()) === `theory.lesson${i}`, `row ${i} of the pool`);
    assert(squash(await page.getByTestId('questions-per-attempt').textContent()) === '8', 'eight questions per attempt');
    for (let i = 0; i < 4; i++) await page.getByTestId('quota-count').nth(i).getByText(/^\d+ câu phù hợp$/).waitFor();
    await shoot(page, 'round-theory-combined');
    await axeCheck(page, 'Thêm bài kiểm tra');
    await page.getByRole('button', { name: 'Thêm bài kiểm tra' }).click();
    await page.waitForURL((u) => u.pathname === `/quan-ly/cuoc-thi/${theoryId}`);
    await page.getByRole('heading', { name: 'Bài kiểm tra (2)' }).waitFor();
    const token = await api.login(demo.organizer, demo.password);
    const rounds = await api.call('GET', `/contests/${theoryId}/rounds`, { token });
    const combinedTest = rounds.body.items.find((r) => r.name === 'Kiểm tra tổng hợp');
    assert(combinedTest?.theory && combinedTest.theory.lesson_id == null && combinedTest.theory.pass_mark === 80, `combined: ${JSON.stringify(combinedTest?.theory)}`);
    await shoot(page, 'contest-page-theory');
    await axeCheck(page, 'Bài kiểm tra lý luận: trang');
    await page.context().close();
  });
}
