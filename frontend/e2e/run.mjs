#!/usr/bin/env node
// End-to-end test of the app in a real browser (Debian's Chromium via
// playwright-core; no browser is ever downloaded), against a running dautri
// server that serves the built frontend:
//
//   DAUTRI_E2E_BASE_URL=http://127.0.0.1:18090 npm run e2e
//
// The scenario: register (a bad phone first, then a good one), log in,
// reload, log out; then, as a demo member (password from
// DAUTRI_E2E_DEMO_PASSWORD, or DAUTRI_E2E_DATA_DIR/demo-credentials.txt),
// take the demo contest: start, answer all, lose the connection, reload,
// finish with a prediction, see the score; then the boards and the live screen. Signed out, an
// unknown certificate code says so; the demo member opens Học lý luận (four lessons with their
// status), takes one lesson's test and sees it counted. Screenshots go to e2e/out/. The last line printed is
// `e2e: N passed, M failed`; the exit code is 1 on any failure.

import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { axeCheck, noSideScrollAtZoom, shoot, squash } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const CHROMIUM = process.env.DAUTRI_E2E_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const rawBase = process.env.DAUTRI_E2E_BASE_URL;
if (!rawBase) {
  console.error(
    'e2e: DAUTRI_E2E_BASE_URL is not set. Start a dautri server that serves frontend/dist, e.g.\n' +
      '  DAUTRI_DATA_DIR=$(mktemp -d) PORT=18090 DAUTRI_STATIC_DIR=$PWD/dist ../target/debug/api serve\n' +
      'then run: DAUTRI_E2E_BASE_URL=http://127.0.0.1:18090 npm run e2e',
  );
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
const base = rawBase.replace(/\/+$/, '');
const origin = new URL(base).origin;

if (!existsSync(CHROMIUM)) {
  console.error(`e2e: no browser at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

// Fail fast and clearly if nothing answers at the base URL.
try {
  const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(10_000) });
  const html = await res.text();
  if (!res.ok || !html.includes('id="app"')) {
    throw new Error(`GET ${base}/ answered ${res.status} without the app's index.html (is DAUTRI_STATIC_DIR set to frontend/dist, and was it built?)`);
  }
} catch (err) {
  console.error(`e2e: the server at ${base} is not usable: ${err instanceof Error ? err.message : err}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });

const runId = `${Date.now().toString(36)}${randomInt(1000)}`;
const phone = `09${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
const password = `Dautri-e2e-${runId}!`;
// Names allow letters only (no digits): a random suffix of letters tells runs apart.
const letters = (n) => Array.from({ length: n }, (_, i) => String.fromCharCode((i ? 97 : 65) + randomInt(26))).join('');
const fullName = `Nguyễn Thị Thử ${letters(5)}`;

/** The demo accounts' password: given directly, or read from the server's data dir. */
function demoPassword() {
  if (process.env.DAUTRI_E2E_DEMO_PASSWORD) return process.env.DAUTRI_E2E_DEMO_PASSWORD;
  const dir = process.env.DAUTRI_E2E_DATA_DIR;
  if (!dir) return null;
  try {
    const m = /^password:\s*(\S+)/m.exec(readFileSync(join(dir, 'demo-credentials.txt'), 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}
const demoPhone = process.env.DAUTRI_E2E_DEMO_PHONE ?? '0900000002';

/** Every key named "correct" (or a key list) anywhere in a JSON value, as paths. */
function correctnessKeys(value, path = '$', out = []) {
  if (Array.isArray(value)) value.forEach((v, i) => correctnessKeys(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'correct' || k === 'correct_option_ids' || k === 'is_correct') out.push(`${path}.${k}`);
      correctnessKeys(v, `${path}.${k}`, out);
    }
  }
  return out;
}

const results = [];
let failed = false;
let page;

/** Runs one step; after a failure the remaining steps are reported as failed without running. */
async function step(name, fn) {
  if (failed) {
    results.push({ name, ok: false, skipped: true });
    console.log(`  - ${name} (not run: an earlier step failed)`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed = true;
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}\n    ${String(err instanceof Error ? err.message : err).split('\n').join('\n    ')}`);
    if (page) {
      const shot = join(outDir, `failure-${results.length}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.log(`    screenshot: ${shot}`);
    }
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * Answers the first POST to `pattern` in the browser with 503 `code` and `Retry-After: 3`, as a
 * server refusing a crowd would (its queue cannot be filled on cue from here); the rest go
 * through. `refused.count` says how many were answered so.
 */
async function refuseFirstPost(page, pattern, code) {
  const refused = { count: 0 };
  await page.route(pattern, async (route) => {
    if (route.request().method() !== 'POST' || refused.count > 0) return route.continue();
    refused.count += 1;
    await route.fulfill({
      status: 503,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '3' },
      body: JSON.stringify({ type: `https://dautri.vn/problems/${code}`, title: 'Service Unavailable', status: 503, code, detail: code }),
    });
  });
  return refused;
}

const userDataDir = mkdtempSync(join(tmpdir(), 'dautri-e2e-'));
const external = [];
const pageErrors = [];
let context;

console.log(`e2e: ${base} (phone ${phone})`);
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  context.setDefaultTimeout(15_000);
  // The app must make no request outside its own origin: record and block any.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin) return route.continue();
    external.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(err.message));

  await step('opens the app and lands on Đăng nhập', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    assert(new URL(page.url()).pathname === '/dang-nhap', `expected /dang-nhap, got ${page.url()}`);
    await axeCheck(page, 'Đăng nhập');
  });

  await step('goes to Đăng ký', async () => {
    await page.getByRole('link', { name: 'Đăng ký' }).click();
    await page.getByRole('heading', { name: 'Đăng ký tài khoản' }).waitFor();
    // The password rules show before the first try.
    const rules = squash(await page.locator('#password-hint').textContent());
    assert(/8 đến 128 ký tự/.test(rules) && /chữ số/.test(rules), `password rules before submitting: "${rules}"`);
    await axeCheck(page, 'Đăng ký');
  });

  await step('the unit can be picked step by step from the top of the tree, each level showing its path', async () => {
    await page.getByRole('button', { name: 'Chọn lần lượt từ cấp trên' }).click();
    const browse = page.locator('.unit-browse');
    await browse.getByText('Chọn đơn vị cấp cao nhất:').waitFor();
    // Open units with children until a unit without any is reached, then pick it.
    const trail = [];
    for (let level = 0; level < 6; level += 1) {
      await browse.locator('.unit-browse__item').first().waitFor();
      const item = browse.locator('.unit-browse__item').first();
      const name = squash(await item.locator('span').first().textContent());
      const opens = (await item.getAttribute('class'))?.includes('unit-browse__item--open');
      if (!opens) {
        await axeCheck(page, 'Đăng ký, chọn đơn vị theo cấp');
        await shoot(page, 'register-browse');
        await item.click();
        const selected = squash(await page.locator('.unit-selected__name').textContent());
        assert(selected === name, `picked "${selected}", expected "${name}"`);
        const path = squash(await page.locator('.unit-selected .unit-path').textContent());
        assert(path === `Thuộc: ${trail.join(' › ')}`, `the picked unit's path: "${path}", trail ${trail.join(' › ')}`);
        break;
      }
      trail.push(name);
      await item.click();
      await browse.getByText(`Các đơn vị thuộc ${name}:`).waitFor();
    }
    assert(trail.length >= 1, 'the tree has no level under its top');
    await page.getByRole('button', { name: /^Đổi đơn vị/ }).click();
  });

  await step('fills the form and picks a unit by typing "chi doan"', async () => {
    await page.getByRole('textbox', { name: 'Họ và tên' }).fill(fullName);
    await page.getByRole('textbox', { name: 'Số điện thoại' }).fill('12345');
    await page.locator('#password').fill(password);
    await page.locator('#birth_date').fill('2000-05-19');
    await page.getByRole('combobox', { name: /Đơn vị/ }).pressSequentially('chi doan', { delay: 40 });
    const first = page.getByRole('option').first();
    await first.waitFor();
    const name = (await first.locator('.combobox__name').textContent())?.trim() ?? '';
    assert(/^chi đoàn/i.test(name), `the first suggestion should be a "Chi đoàn…" unit, got "${name}"`);
    const optionPath = squash(await first.locator('.unit-path').textContent());
    assert(optionPath.length > 0, `the suggestion "${name}" shows no path`);
    await first.click();
    const selected = (await page.locator('.unit-selected__name').textContent())?.trim();
    assert(selected === name, `selected unit shows "${selected}", expected "${name}"`);
    const path = squash(await page.locator('.unit-selected .unit-path').textContent());
    assert(path === `Thuộc: ${optionPath}`, `selected unit's path "${path}", suggestion's "${optionPath}"`);
    await page.getByRole('textbox', { name: 'Email' }).fill(`e2e-${runId}@example.com`);
    await page.getByRole('checkbox', { name: /Tôi đồng ý/ }).check();
    // Works at 360 px: nothing wider than the screen.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `the page is ${width}px wide at a 360px viewport`);
    await shoot(page, 'register');
  });

  await step('a bad phone (12345) shows the server\'s error next to the phone field', async () => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/register') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Đăng ký' }).click(),
    ]);
    assert(response.status() >= 400 && response.status() < 500, `register with a bad phone answered ${response.status()}`);
    const type = response.headers()['content-type'] ?? '';
    assert(type.includes('application/problem+json'), `error content type is "${type}"`);
    const error = page.locator('#phone-error');
    await error.waitFor();
    const text = (await error.textContent())?.trim() ?? '';
    assert(text.length > 0, 'the phone error is empty');
    assert((await page.locator('#phone').getAttribute('aria-invalid')) === 'true', 'phone input is not aria-invalid');
    await page.screenshot({ path: join(outDir, 'register-error.png'), fullPage: true });
  });

  await step('with a valid phone the registration succeeds', async () => {
    await page.getByRole('textbox', { name: 'Số điện thoại' }).fill(phone);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/register') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Đăng ký' }).click(),
    ]);
    if (response.status() !== 201) {
      throw new Error(`register answered ${response.status()}: ${await response.text().catch(() => '')}`);
    }
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    await page.getByText('Đăng ký thành công').waitFor();
  });

  await step('a wrong password is refused with a message', async () => {
    const phoneField = page.getByRole('textbox', { name: 'Số điện thoại' });
    if ((await phoneField.inputValue()) !== phone) await phoneField.fill(phone);
    await page.locator('#password').fill(`${password}-sai`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
      page.getByRole('button', { name: 'Đăng nhập' }).click(),
    ]);
    assert(response.status() === 401, `login with a wrong password answered ${response.status()}`);
    await page.getByRole('alert').filter({ hasText: /không đúng|sai/i }).waitFor();
    assert(new URL(page.url()).pathname === '/dang-nhap', `expected to stay on /dang-nhap, got ${page.url()}`);
  });

  await step('a busy server (503 + Retry-After) gets a countdown and a retry by itself, then logs in and sees the full name on Trang chủ', async () => {
    const phoneField = page.getByRole('textbox', { name: 'Số điện thoại' });
    if ((await phoneField.inputValue()) !== phone) await phoneField.fill(phone);
    await page.locator('#password').fill(password);
    // The first sign-in meets a full hashing queue, as in a storm; the retry goes through.
    const refused = await refuseFirstPost(page, '**/api/v1/auth/login', 'busy');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const countdown = page.getByRole('status').filter({ hasText: /tự động thử lại sau \d+ giây/ });
    await countdown.waitFor();
    assert((await page.getByRole('alert').count()) === 0, 'a busy server must not show an error');
    await page.screenshot({ path: join(outDir, 'login-busy.png'), fullPage: true });
    await page.getByTestId('full-name').getByText(fullName, { exact: true }).waitFor();
    await page.unroute('**/api/v1/auth/login');
    assert(refused.count === 1, `the busy answer was given ${refused.count} times`);
    assert(new URL(page.url()).pathname === '/', `expected /, got ${page.url()}`);
    // The contest list has loaded: either contests or the empty notice.
    await page.locator('[data-testid="contest"], [data-testid="contests-empty"]').first().waitFor();
    await page.getByTestId('unit-name').getByText(/chi đoàn/i).first().waitFor();
    await page.screenshot({ path: join(outDir, 'home.png'), fullPage: true });
  });

  await step('a reload keeps the session', async () => {
    await page.reload();
    await page.getByTestId('full-name').getByText(fullName, { exact: true }).waitFor();
  });

  await step('an expired access token is refreshed once and the request retried', async () => {
    const before = await page.evaluate(() => localStorage.getItem('dautri.refresh_token'));
    await page.evaluate(() => localStorage.setItem('dautri.access_token', 'expired.invalid.token'));
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
    await page.reload();
    const response = await refreshed;
    assert(response.status() === 200, `refresh answered ${response.status()}`);
    await page.getByTestId('full-name').getByText(fullName, { exact: true }).waitFor();
    const after = await page.evaluate(() => [localStorage.getItem('dautri.access_token'), localStorage.getItem('dautri.refresh_token')]);
    assert(after[0] && after[0] !== 'expired.invalid.token', 'the access token was not replaced');
    assert(after[1] && after[1] !== before, 'the refresh token did not rotate');
  });

  await step('Đăng xuất lands on Đăng nhập and forgets the session', async () => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/logout')),
      page.getByRole('button', { name: 'Đăng xuất' }).click(),
    ]);
    assert(response.status() < 300, `logout answered ${response.status()}`);
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('dautri.')));
    assert(stored.length === 0, `tokens left in localStorage: ${stored.join(', ')}`);
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    await page.screenshot({ path: join(outDir, 'logged-out.png'), fullPage: true });
    await page.goto(`${base}/quen-mat-khau`);
    await page.getByRole('heading', { name: 'Quên mật khẩu' }).waitFor();
    await axeCheck(page, 'Quên mật khẩu');
  });

  await step('signed out, an unknown certificate code (/certificates/ABCDEFGHJK) says so plainly', async () => {
    const errorsBefore = pageErrors.length;
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('dautri.')));
    assert(stored.length === 0, `still signed in: ${stored.join(', ')}`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/certificates/ABCDEFGHJK')),
      page.goto(`${base}/certificates/ABCDEFGHJK`),
    ]);
    assert(response.status() === 404, `the unknown code answered ${response.status()}`);
    const card = page.getByTestId('certificate');
    await card.getByRole('heading', { name: 'Giấy chứng nhận học lý luận chính trị' }).waitFor();
    await card.getByRole('alert').filter({ hasText: 'Không có giấy chứng nhận nào mang mã này.' }).waitFor();
    // Anyone may check a code: no detour to the login page.
    assert(new URL(page.url()).pathname === '/certificates/ABCDEFGHJK', `expected to stay on the certificate page, got ${page.url()}`);
    const code = (await page.getByTestId('certificate-code').textContent())?.trim();
    assert(code === 'ABCDE-FGHJK', `the code is shown as "${code}"`);
    for (const id of ['certificate-status', 'certificate-holder']) {
      assert((await page.getByTestId(id).count()) === 0, `an unknown code shows ${id}`);
    }
    assert((await card.locator('img').count()) === 0, 'an unknown code shows a QR image');
    assert((await page.title()).startsWith('Giấy chứng nhận'), `page title: "${await page.title()}"`);
    assert(pageErrors.length === errorsBefore, `script errors: ${pageErrors.slice(errorsBefore).join(' | ')}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `the certificate page is ${width}px wide at a 360px viewport`);
    await page.screenshot({ path: join(outDir, 'certificate-unknown.png'), fullPage: true });
  });


  // ---- A contest attempt, as a demo member --------------------------------
  const apiBodies = []; // every /api/ JSON response the member's browser saw: [url, promise of text]
  let finishing = false;
  page.on('response', (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/api/`)) return;
    if (!(r.headers()['content-type'] ?? '').includes('json')) return;
    apiBodies.push({ url, beforeFinish: !finishing, text: r.text().catch(() => '') });
  });
  const chosen = new Map(); // question id → option ids the member chose
  let attemptId = null;
  let timeLimitMs = 0;

  /** What the attempt page shows as chosen on the current question. */
  async function currentChoice() {
    const q = page.getByTestId('question');
    const qid = await q.getAttribute('data-question-id');
    const ids = await q.locator('input:checked').evaluateAll((els) => els.map((e) => e.value));
    return { qid, ids };
  }
  async function waitSaved() {
    await page.locator('[data-testid="save-status"][data-state="idle"]').waitFor();
  }

  await step('signs in as a demo member and sees the demo contest with an open round', async () => {
    const pw = demoPassword();
    assert(pw, 'no demo password: set DAUTRI_E2E_DEMO_PASSWORD or DAUTRI_E2E_DATA_DIR (scripts/ci.sh does)');
    await page.goto(`${base}/dang-nhap`);
    await page.getByRole('textbox', { name: 'Số điện thoại' }).fill(demoPhone);
    await page.locator('#password').fill(pw);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByTestId('full-name').waitFor();
    const contest = page.getByTestId('contest').filter({ hasText: '(demo)' }).first();
    await contest.waitFor();
    const round = contest.getByTestId('round').first();
    assert((await round.getByTestId('round-state').textContent())?.trim() === 'Đang mở', 'the demo round is not shown as open');
    const times = (await round.locator('.round__times').textContent()) ?? '';
    assert(/\d\d:\d\d \d\d\/\d\d\/\d{4}/.test(times), `round times not shown as HH:mm dd/MM/yyyy: "${times}"`);
    const used = (await round.getByTestId('attempts-used').textContent())?.trim() ?? '';
    assert(/Đã thi \d+\/3 lượt/.test(used), `attempts used/allowed: "${used}"`);
    await page.screenshot({ path: join(outDir, 'contests.png'), fullPage: true });
  });

  await step('a crowded server (503 crowded + Retry-After) on Vào thi counts down, starts by itself, and the attempt can be resumed from home', async () => {
    const round = page.getByTestId('contest').filter({ hasText: '(demo)' }).first().getByTestId('round').first();
    // When thousands start at once the server refuses the excess with a turn to come back.
    const refused = await refuseFirstPost(page, '**/api/v1/rounds/*/attempts', 'crowded');
    await round.getByRole('button', { name: 'Vào thi' }).click();
    await round.getByRole('status').filter({ hasText: /vào thi cùng lúc\. Hệ thống sẽ tự động thử lại sau \d+ giây/ }).waitFor();
    const waiting = round.getByRole('button', { name: /Đang chờ \(\d+ giây\)…/ });
    await waiting.waitFor();
    assert(await waiting.isDisabled(), 'the button waits disabled while the countdown runs');
    assert((await page.getByRole('alert').count()) === 0, 'a crowded server must not show an error');
    await page.screenshot({ path: join(outDir, 'start-crowded.png'), fullPage: true });
    await page.getByTestId('question').waitFor();
    await page.unroute('**/api/v1/rounds/*/attempts');
    assert(refused.count === 1, `the crowded answer was given ${refused.count} times`);
    assert(new URL(page.url()).pathname.startsWith('/lam-bai/'), `expected the attempt screen, got ${page.url()}`);
    // Back home: the next step resumes this attempt with Tiếp tục.
    await page.goto(base);
    await page.getByTestId('contest').filter({ hasText: '(demo)' }).first().getByRole('button', { name: 'Tiếp tục' }).waitFor();
  });

  await step('Vào thi starts an attempt: one question per screen, countdown from the server', async () => {
    const round = page.getByTestId('contest').filter({ hasText: '(demo)' }).first().getByTestId('round').first();
    const resume = round.getByRole('button', { name: 'Tiếp tục' });
    const [response] = await Promise.all([
      (await resume.count())
        ? page.waitForResponse((r) => /\/api\/v1\/attempts\/[^/]+$/.test(r.url()))
        : page.waitForResponse((r) => /\/api\/v1\/rounds\/[^/]+\/attempts$/.test(r.url()) && r.request().method() === 'POST'),
      (await resume.count()) ? resume.click() : round.getByRole('button', { name: 'Vào thi' }).click(),
    ]);
    assert(response.status() === 201 || response.status() === 200, `starting answered ${response.status()}`);
    const body = await response.json();
    attemptId = body.id;
    timeLimitMs = body.remaining_ms;
    await page.getByTestId('question').waitFor();
    assert(new URL(page.url()).pathname === `/lam-bai/${attemptId}`, `the URL has no attempt id: ${page.url()}`);
    assert((await page.getByTestId('question').count()) === 1, 'more than one question on the screen');
    const ms = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
    assert(ms > 0 && ms <= body.remaining_ms, `countdown ${ms} ms vs server remaining_ms ${body.remaining_ms}`);
    const shown = (await page.getByTestId('countdown').textContent())?.trim() ?? '';
    assert(/^\d\d:\d\d$/.test(shown), `countdown shows "${shown}"`);
    await axeCheck(page, 'Làm bài');
    await noSideScrollAtZoom(page, 'Làm bài');
  });

  await step('answers every question; each choice is saved at once (PUT)', async () => {
    const count = await page.locator('.palette__item').count();
    assert(count >= 5, `only ${count} questions in the palette`);
    for (let i = 0; i < count; i++) {
      await page.locator('.palette__item').nth(i).click();
      const q = page.getByTestId('question');
      const qid = await q.getAttribute('data-question-id');
      const [put] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/answers/${qid}`) && r.request().method() === 'PUT'),
        // An option not chosen yet (a resumed attempt may already have answers).
        q.locator('label.option').filter({ hasNot: page.locator('input:checked') }).first().click(),
      ]);
      assert(put.status() === 200, `PUT answer answered ${put.status()}`);
      await waitSaved();
      const { ids } = await currentChoice();
      assert(ids.length >= 1, `question ${i + 1}: nothing checked after a tap`);
      const sent = JSON.parse(put.request().postData() ?? '{}').option_ids ?? [];
      assert(JSON.stringify([...sent].sort()) === JSON.stringify([...ids].sort()), `question ${i + 1}: sent ${sent}, shown ${ids}`);
      chosen.set(qid, ids);
    }
    const progress = (await page.getByTestId('progress').textContent())?.trim();
    assert(progress === `Đã trả lời ${count}/${count} câu`, `progress shows "${progress}"`);
  });

  await step('offline: a changed answer waits, then is sent on reconnect', async () => {
    await page.locator('.palette__item').first().click();
    const { qid, ids } = await currentChoice();
    const other = page.getByTestId('question').locator('label.option').filter({ hasNot: page.locator('input:checked') }).first();
    await context.setOffline(true);
    await other.click();
    await page.locator('[data-testid="save-status"][data-state="offline"], [data-testid="save-status"][data-state="retrying"]').waitFor();
    const pending = await page.evaluate((id) => localStorage.getItem(`dautri-unsaved:${id}`), attemptId);
    assert(pending && pending.includes(qid), `the unsent choice is not kept in localStorage: ${pending}`);
    const now = await currentChoice();
    assert(JSON.stringify(now.ids) !== JSON.stringify(ids), 'the new choice is not shown while offline');
    await page.screenshot({ path: join(outDir, 'attempt-offline.png') });
    const put = page.waitForResponse((r) => r.url().includes(`/answers/${qid}`) && r.request().method() === 'PUT' && r.status() === 200);
    await context.setOffline(false);
    await put;
    await waitSaved();
    chosen.set(qid, now.ids);
  });

  await step('a reload restores every answer and the remaining time', async () => {
    const before = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
    const t0 = Date.now();
    await page.reload();
    await page.getByTestId('question').waitFor();
    const after = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
    const elapsed = Date.now() - t0;
    assert(after < before + 2_000, `remaining time went up over a reload: ${before} → ${after}`);
    assert(after > before - elapsed - 5_000, `remaining time lost over a reload: ${before} → ${after} in ${elapsed} ms`);
    assert(after <= timeLimitMs, `remaining ${after} exceeds the limit ${timeLimitMs}`);
    const count = await page.locator('.palette__item').count();
    for (let i = 0; i < count; i++) {
      await page.locator('.palette__item').nth(i).click();
      const { qid, ids } = await currentChoice();
      const want = chosen.get(qid);
      assert(want && JSON.stringify(ids) === JSON.stringify(want), `question ${i + 1} after reload: ${JSON.stringify(ids)}, chosen ${JSON.stringify(want)}`);
    }
    await page.locator('.palette__item').nth(1).click();
    await page.screenshot({ path: join(outDir, 'attempt.png') });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `the attempt page is ${width}px wide at a 360px viewport`);
  });

  await step('the app installs: a manifest with icons, a service worker that controls the page', async () => {
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert(href === '/manifest.webmanifest', `manifest link: ${href}`);
    const manifest = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { type: r.headers.get('content-type'), body: await r.json() };
    }, href);
    assert(manifest.type === 'application/manifest+json', `the manifest is served as ${manifest.type}`);
    const m = manifest.body;
    assert(m.display === 'standalone' && m.start_url === '/' && m.lang === 'vi', `manifest: ${JSON.stringify(m)}`);
    for (const [size, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['512x512', 'maskable']]) {
      const icon = m.icons.find((i) => i.sizes === size && i.purpose === purpose);
      assert(icon, `no ${size} ${purpose} icon`);
      const ok = await page.evaluate(async (src) => {
        const r = await fetch(src);
        const b = new Uint8Array(await r.arrayBuffer());
        return r.ok && r.headers.get('content-type') === 'image/png' && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
      }, icon.src);
      assert(ok, `icon ${icon.src} is not a PNG`);
    }
    const sw = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      for (let i = 0; i < 50 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 100));
      return { scope: reg.scope, script: reg.active?.scriptURL ?? null, controlled: !!navigator.serviceWorker.controller };
    });
    assert(sw.script === `${origin}/sw.js` && sw.scope === `${origin}/`, `service worker: ${JSON.stringify(sw)}`);
    assert(sw.controlled, 'the service worker does not control the page');
    // The worker's cache holds the shell, never an API answer.
    const cached = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    assert(cached.includes('/index.html') && cached.some((u) => u.startsWith('/assets/')), `the shell is not cached: ${cached.join(', ')}`);
    assert(!cached.some((u) => u.startsWith('/api')), `an API answer is cached: ${cached.filter((u) => u.startsWith('/api')).join(', ')}`);
  });

  await step('offline: a reload mid-attempt shows the attempt from the app shell with its queued answer, saved when the network returns', async () => {
    await page.locator('.palette__item').nth(2).click();
    const { qid, ids } = await currentChoice();
    const other = page.getByTestId('question').locator('label.option').filter({ hasNot: page.locator('input:checked') }).first();
    await context.setOffline(true);
    try {
      await other.click();
      await page.locator('[data-testid="save-status"][data-state="offline"], [data-testid="save-status"][data-state="retrying"]').waitFor();
      const now = await currentChoice();
      assert(JSON.stringify(now.ids) !== JSON.stringify(ids), 'the new choice is not shown while offline');
      await page.reload();
      // The app, from the service worker's shell, not the browser's error page.
      await page.getByTestId('question').waitFor();
      assert((await page.title()).includes('Làm bài'), `title after an offline reload: ${await page.title()}`);
      const ms = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
      assert(ms > 0 && ms <= timeLimitMs, `countdown after an offline reload: ${ms}`);
      await page.locator('[data-testid="save-status"][data-state="offline"], [data-testid="save-status"][data-state="retrying"]').waitFor();
      // Every chosen answer is there, the queued one included.
      const count = await page.locator('.palette__item').count();
      for (let i = 0; i < count; i++) {
        await page.locator('.palette__item').nth(i).click();
        const c = await currentChoice();
        const want = c.qid === qid ? now.ids : chosen.get(c.qid);
        assert(want && JSON.stringify(c.ids) === JSON.stringify(want), `question ${i + 1} after an offline reload: ${JSON.stringify(c.ids)}, chosen ${JSON.stringify(want)}`);
      }
      await page.screenshot({ path: join(outDir, 'attempt-offline-reload.png') });
      const put = page.waitForResponse((r) => r.url().includes(`/answers/${qid}`) && r.request().method() === 'PUT' && r.status() === 200);
      await context.setOffline(false);
      await put;
      await waitSaved();
      chosen.set(qid, now.ids);
    } finally {
      await context.setOffline(false);
    }
  });

  await step('no response seen before finishing carries a correctness key', async () => {
    const seen = await Promise.all(apiBodies.filter((b) => b.beforeFinish).map(async (b) => ({ url: b.url, text: await b.text })));
    assert(seen.some((b) => b.url.includes('/attempts/')), 'no attempt responses were recorded');
    const leaks = [];
    for (const { url, text } of seen) {
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        continue;
      }
      const keys = correctnessKeys(json);
      if (keys.length) leaks.push(`${url}: ${keys.slice(0, 3).join(', ')}`);
    }
    assert(leaks.length === 0, `correctness leaked before finishing:\n${leaks.join('\n')}`);
  });

  await step('Nộp bài asks for the prediction, then shows the result with a score', async () => {
    await page.getByRole('button', { name: 'Nộp bài' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const summary = (await dialog.getByTestId('unanswered').textContent()) ?? '';
    assert(summary.includes('tất cả'), `the dialog lists unanswered questions: "${summary}"`);
    await dialog.getByLabel(/Dự đoán số người trả lời đúng tất cả/).waitFor();
    await dialog.getByRole('button', { name: 'Nộp bài' }).click();
    await dialog.locator('#prediction-error').waitFor(); // required
    await page.screenshot({ path: join(outDir, 'attempt-confirm.png') });
    await dialog.getByLabel(/Dự đoán/).fill('42');
    finishing = true;
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/attempts/${attemptId}/finish`)),
      dialog.getByRole('button', { name: 'Nộp bài' }).click(),
    ]);
    assert(response.status() === 200, `finish answered ${response.status()}: ${await response.text().catch(() => '')}`);
    await page.getByRole('heading', { name: 'Kết quả' }).waitFor();
    assert(new URL(page.url()).pathname === `/ket-qua/${attemptId}`, `result URL: ${page.url()}`);
    const score = (await page.getByTestId('score').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
    assert(/^\d+\/\d+ điểm$/.test(score), `score shows "${score}"`);
    const used = (await page.getByTestId('time-used').textContent())?.trim() ?? '';
    assert(/^\d\d:\d\d$/.test(used), `time used shows "${used}"`);
    assert(((await page.getByTestId('prediction').textContent()) ?? '').trim() === '42', 'the prediction is not shown');
    await page.getByTestId('counted').waitFor();
    assert((await page.getByTestId('review').count()) === 0, 'the key is shown while the round is still open');
    await page.screenshot({ path: join(outDir, 'result.png'), fullPage: true });
    const gone = await page.evaluate((id) => localStorage.getItem(`dautri-unsaved:${id}`), attemptId);
    assert(gone === null, 'unsent choices left in localStorage after finishing');
    await axeCheck(page, 'Kết quả');
  });

  await step('the home page counts the attempt and links to the result', async () => {
    await page.getByRole('button', { name: 'Về trang chủ' }).click();
    const round = page.getByTestId('contest').filter({ hasText: '(demo)' }).first().getByTestId('round').first();
    await round.getByTestId('attempts-used').getByText(/Đã thi [1-3]\/3 lượt/).waitFor();
    assert((await round.getByRole('button', { name: 'Tiếp tục' }).count()) === 0, 'a finished attempt still offers Tiếp tục');
    await axeCheck(page, 'Trang chủ');
    await page.goto(`${base}/tai-khoan`);
    await page.getByRole('heading', { name: 'Tài khoản', level: 1 }).waitFor();
    await axeCheck(page, 'Tài khoản');
    await page.goto(`${base}/`);
    await round.waitFor();
  });

  await step('home without a network says "Bạn đang ngoại tuyến" and loads again when it returns', async () => {
    await page.getByTestId('recent-results').getByTestId('recent-result').first().waitFor();
    await page.screenshot({ path: join(outDir, 'home.png'), fullPage: true });
    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByTestId('offline-state').getByRole('heading', { name: 'Bạn đang ngoại tuyến' }).waitFor();
      await page.getByTestId('offline-banner').getByText('Bạn đang ngoại tuyến').waitFor();
      await page.screenshot({ path: join(outDir, 'home-offline.png'), fullPage: true });
      await context.setOffline(false);
      await page.getByTestId('contest').filter({ hasText: '(demo)' }).first().waitFor();
    } finally {
      await context.setOffline(false);
    }
  });

  // ---- Leaderboards and the live screen -----------------------------------
  let roundId = null;

  await step('the round\'s leaderboard shows my own line, marked and masked, with my place pinned', async () => {
    const fullNameShown = (await page.getByTestId('full-name').textContent())?.trim() ?? '';
    assert(fullNameShown.split(/\s+/).length >= 2, `no full name on the home page: "${fullNameShown}"`);
    const round = page.getByTestId('contest').filter({ hasText: '(demo)' }).first().getByTestId('round').first();
    roundId = await round.getAttribute('data-round-id');
    await round.getByRole('link', { name: 'Bảng xếp hạng', exact: true }).click();
    await page.getByRole('heading', { name: 'Bảng xếp hạng', exact: true }).waitFor();
    assert(new URL(page.url()).pathname === `/bang-xep-hang/${roundId}`, `board URL: ${page.url()}`);
    assert((await page.getByRole('tab', { name: 'Toàn bộ' }).getAttribute('aria-selected')) === 'true', 'Toàn bộ is not the first tab');
    const mine = page.locator('[data-testid="board-line"][data-me="true"]');
    await mine.waitFor();
    assert((await mine.count()) === 1, `${await mine.count()} lines are marked as mine`);
    const text = (await mine.textContent()) ?? '';
    assert(text.includes('(Bạn)'), `my line is not labelled: "${text}"`);
    assert(!text.includes(fullNameShown), `my line shows the unmasked name "${fullNameShown}": "${text}"`);
    const time = (await mine.locator('.board__time').textContent())?.replace('Thời gian làm bài', '').trim() ?? '';
    assert(/^\d\d:\d\d$/.test(time), `time used on the board: "${time}"`);
    await page.locator('[data-testid="board-state"][data-state="live"]').waitFor(); // the round is still open
    const rank = (await page.getByTestId('my-rank').textContent())?.trim() ?? '';
    assert(/^Hạng \d+\/\d+$/.test(rank), `my place shows "${rank}"`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `the board is ${width}px wide at a 360px viewport`);
    await page.screenshot({ path: join(outDir, 'leaderboard.png'), fullPage: true });
  });

  await step('Đơn vị của tôi ranks within my unit (and those above it)', async () => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/rounds/${roundId}/leaderboard?`) && r.url().includes('unit_id=')),
      page.getByRole('tab', { name: 'Đơn vị của tôi' }).click(),
    ]);
    assert(response.status() === 200, `unit board answered ${response.status()}`);
    await page.locator('[data-testid="board-line"][data-me="true"]').waitFor();
    const options = await page.locator('#board-unit option').count();
    assert(options >= 2, `the unit selector offers ${options} units (my unit and those above it)`);
  });

  await step('Xếp hạng đơn vị shows units as x/y = z% and the order switch asks the server again', async () => {
    await page.getByRole('tab', { name: 'Xếp hạng đơn vị' }).click();
    await page.getByTestId('unit-line').first().waitFor();
    assert(new URL(page.url()).searchParams.get('xem') === 'xep-hang-don-vi', `the tab is not in the URL: ${page.url()}`);
    const rates = await page.getByTestId('unit-rate').allTextContents();
    for (const r of rates) {
      const t = r.replace('Tham gia:', '').trim();
      assert(/^[\d.]+\/[\d.]+ = [\d,]+%$/.test(t) || /^[\d.]+\/— /.test(t), `unit participation shows "${t}"`);
    }
    assert(rates.some((r) => /^[1-9]/.test(r.replace('Tham gia:', '').trim())), `no unit counts a participant: ${rates.join(' | ')}`);
    assert((await page.getByTestId('unit-line').filter({ hasText: 'Đơn vị của bạn' }).count()) === 1, 'my unit\'s branch is not marked');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/rounds/${roundId}/units?`) && r.url().includes('order=rate')),
      page.getByText('Tỷ lệ', { exact: true }).click(),
    ]);
    assert(response.status() === 200, `units by rate answered ${response.status()}`);
    await page.getByTestId('unit-line').first().waitFor();
    await page.screenshot({ path: join(outDir, 'leaderboard-units.png'), fullPage: true });
  });

  await step('the result page shows my place on the board and shares a result card (downloaded where sharing files is not available)', async () => {
    await page.goto(`${base}/ket-qua/${attemptId}`);
    await page.getByTestId('my-place').waitFor();
    const place = squash(await page.getByTestId('my-place').textContent());
    assert(/^\d+\/\d+/.test(place), `my place shows "${place}"`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Chia sẻ kết quả' }).click(),
    ]);
    assert(/^ket-qua-.*\.png$/.test(download.suggestedFilename()), `card file: ${download.suggestedFilename()}`);
    await download.saveAs(join(outDir, 'share-card.png'));
    await page.getByTestId('share-status').getByText(/Đã tải ảnh về máy/).waitFor();
    await axeCheck(page, 'Kết quả, đã chia sẻ');
    await shoot(page, 'result-place');
  });

  await step('the result page links to the round\'s leaderboard', async () => {
    await page.goto(`${base}/ket-qua/${attemptId}`);
    await page.getByTestId('result-board-link').click();
    await page.locator('[data-testid="board-line"][data-me="true"]').waitFor();
    assert(new URL(page.url()).pathname === `/bang-xep-hang/${roundId}`, `board URL: ${page.url()}`);
    // …and from there to the contest's cumulative board (same component, contest endpoints).
    await page.getByRole('link', { name: 'Bảng xếp hạng chung của cuộc thi' }).click();
    await page.getByRole('heading', { name: 'Bảng xếp hạng chung' }).waitFor();
    await page.locator('[data-testid="board-line"][data-me="true"]').waitFor();
    assert(/^\/bang-xep-hang-chung\//.test(new URL(page.url()).pathname), `contest board URL: ${page.url()}`);
    await page.getByTestId('my-rank').waitFor();
    await axeCheck(page, 'Bảng xếp hạng chung');
  });

  await step('the live screen shows a snapshot from the stream and says when the connection drops', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await page.goto(`${base}/truc-tiep/${roundId}`);
      await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
      await page.getByTestId('live-counters').waitFor();
      const participants = Number((await page.getByTestId('live-participants').textContent())?.replace(/\./g, ''));
      assert(participants >= 1, `live participants: ${participants}`);
      assert((await page.getByTestId('live-top').getByTestId('board-line').count()) >= 1, 'no line in the live top 10');
      assert((await page.getByTestId('live-units').getByTestId('unit-line').count()) >= 1, 'no unit on the live screen');
      await page.screenshot({ path: join(outDir, 'live.png') });
      await axeCheck(page, 'Trực tiếp');
      await noSideScrollAtZoom(page, 'Trực tiếp');
      await context.setOffline(true);
      await page.locator('[data-testid="live-status"][data-state="reconnecting"]').getByText('Mất kết nối, đang kết nối lại…').waitFor();
      await page.screenshot({ path: join(outDir, 'live-reconnecting.png') });
      await context.setOffline(false);
      await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    } finally {
      await context.setOffline(false);
      await page.setViewportSize({ width: 360, height: 740 });
    }
  });

  /** The API as a script sees it (the organizer's and the member's own sessions, not the browser's). */
  const call = async (method, path, token, body) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  let shortRound = null; // { id, closesAt, org }

  await step('set-up: the organizer makes a 10-second round and the member finishes an attempt in it (API)', async () => {
    // Its results are published after the next step (which takes longer than the round plus its grace).
    const pw = demoPassword();
    const { access_token: org } = await call('POST', '/auth/login', null, { phone: '0900000001', password: pw });
    const { access_token: member } = await call('POST', '/auth/login', null, { phone: demoPhone, password: pw });
    const demo = (await call('GET', '/contests', org)).items.find((c) => c.title.includes('(demo)'));
    const full = await call('GET', `/contests/${demo.id}`, org);
    const contest = await call('POST', '/contests', org, {
      title: `Thử công bố ${runId}`,
      description: 'Vòng ngắn của e2e để công bố kết quả.',
      rules: '',
      kind: 'contest',
      unit_id: full.unit_id,
      eligibility: full.eligibility,
      leaderboard_visibility: full.leaderboard_visibility,
      tie_break: full.tie_break,
      perfect_only: false,
      prizes: full.prizes,
    });
    const opensAt = new Date(Date.now() + 1_500);
    const closesAt = new Date(opensAt.getTime() + 10_000);
    const round = await call('POST', `/contests/${contest.id}/rounds`, org, {
      name: 'Vòng công bố',
      opens_at: opensAt.toISOString(),
      closes_at: closesAt.toISOString(),
      questions_per_attempt: 3,
      time_limit_seconds: 60,
      pool: { quotas: [{ topic: 'history', count: 3 }] },
      prediction: 'all_correct',
      review: 'after_close',
    });
    await new Promise((r) => setTimeout(r, Math.max(0, opensAt.getTime() - Date.now() + 300)));
    const attempt = await call('POST', `/rounds/${round.id}/attempts`, member);
    const q = attempt.questions[0];
    await call('PUT', `/attempts/${attempt.id}/answers/${q.id}`, member, { option_ids: [q.options[0].id] });
    await call('POST', `/attempts/${attempt.id}/finish`, member, { prediction: 3 });
    shortRound = { id: round.id, closesAt, org };
  });

  await step('time running out finishes the attempt by itself (a 30 s round made by the organizer)', async () => {
    // The organizer makes a contest with one 30-second round over the API (rounds of a contest may not overlap).
    const pw = demoPassword();
    const api = async (method, path, token, body) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : null;
    };
    const { access_token: org } = await api('POST', '/auth/login', null, { phone: '0900000001', password: pw });
    const demo = (await api('GET', '/contests', org)).items.find((c) => c.title.includes('(demo)'));
    assert(demo, 'the organizer does not see the demo contest');
    const contest = await api('POST', '/contests', org, {
      title: `Thử hết giờ ${runId}`,
      description: 'Vòng 30 giây của e2e.',
      rules: '',
      kind: 'contest',
      unit_id: demo.unit_id,
      eligibility: demo.eligibility,
      leaderboard_visibility: demo.leaderboard_visibility,
      tie_break: demo.tie_break,
      perfect_only: false,
    });
    const opensAt = new Date(Date.now() + 3_000);
    await api('POST', `/contests/${contest.id}/rounds`, org, {
      name: 'Vòng nhanh',
      opens_at: opensAt.toISOString(),
      closes_at: new Date(Date.now() + 3_600_000).toISOString(),
      questions_per_attempt: 3,
      time_limit_seconds: 30,
      pool: { quotas: [{ topic: 'history', count: 3 }] },
      prediction: 'all_correct',
      review: 'after_close',
    });
    await page.waitForTimeout(Math.max(0, opensAt.getTime() - Date.now() + 500));
    await page.goto(`${base}/`);
    const card = page.getByTestId('contest').filter({ hasText: `Thử hết giờ ${runId}` });
    await card.getByRole('button', { name: 'Vào thi' }).click();
    await page.getByTestId('question').waitFor();
    await page.getByTestId('question').locator('label.option').first().click();
    await page.getByTestId('time-warning').waitFor(); // under a minute from the start
    // No prediction given: the app finishes at 0; the server refuses that without a prediction
    // and finishes the attempt itself, and the result page waits for it.
    await page.getByRole('heading', { name: 'Kết quả' }).waitFor({ timeout: 45_000 });
    await page.getByTestId('result').waitFor({ timeout: 30_000 });
    const used = (await page.getByTestId('time-used').textContent())?.trim();
    assert(used === '00:30', `time used after running out: "${used}"`);
    // The round asks for a prediction and time ran out before one was given: the result says so.
    const none = squash(await page.getByTestId('no-prediction').textContent());
    assert(/hết giờ/.test(none) && /dự đoán/.test(none), `the result on a time-out without a prediction: "${none}"`);
    assert((await page.getByTestId('prediction').count()) === 0, 'a prediction is shown that was never given');
    await page.screenshot({ path: join(outDir, 'result-timeout.png'), fullPage: true });
  });

  await step('a published round\'s board is final: "Kết quả chính thức", prizes, the prediction\'s answer', async () => {
    assert(shortRound, 'the short round was not set up');
    // Publishing is allowed once the round closed and its grace (5 s) passed.
    const until = shortRound.closesAt.getTime() + 60_000;
    for (;;) {
      const res = await fetch(`${base}/api/v1/rounds/${shortRound.id}/publish`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${shortRound.org}` },
      });
      if (res.ok) break;
      const body = await res.text();
      if (res.status !== 409 || Date.now() > until) throw new Error(`publish answered ${res.status}: ${body.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await page.goto(`${base}/bang-xep-hang/${shortRound.id}`);
    await page.locator('[data-testid="board-state"][data-state="final"]').getByText('Kết quả chính thức').waitFor();
    const mine = page.locator('[data-testid="board-line"][data-me="true"]');
    await mine.waitFor();
    const prize = (await mine.getByTestId('prize').textContent())?.trim() ?? '';
    assert(prize.length > 0, 'the only entrant of a published round has no prize shown');
    await page.getByTestId('prediction-actual').waitFor();
    const place = (await page.getByTestId('my-place').textContent()) ?? '';
    assert(place.includes(prize), `my place does not name my prize "${prize}": "${place}"`);
    await page.screenshot({ path: join(outDir, 'leaderboard-final.png'), fullPage: true });
  });

  // ---- Học lý luận (political theory), as the demo member ------------------
  const LESSON_LABEL = { not_tested: 'Chưa kiểm tra', tested: 'Đã kiểm tra', passed: 'Đạt' };
  const isMyTheory = (r) => new URL(r.url()).pathname === '/api/v1/me/theory' && r.request().method() === 'GET';
  let theory = null; // GET /me/theory as the page got it
  let theoryTest = null; // { lessonIndex, roundId, attemptId } of the test taken

  /** The lessons on the page agree with `data` (GET /me/theory): order, titles, status, progress. */
  async function checkLessons(data) {
    const cards = page.getByTestId('lesson');
    await cards.first().waitFor();
    assert((await cards.count()) === data.lessons.length, `${await cards.count()} lessons shown, the API has ${data.lessons.length}`);
    for (let i = 0; i < data.lessons.length; i++) {
      const l = data.lessons[i];
      const card = cards.nth(i);
      const title = squash(await card.getByRole('heading').textContent());
      assert(title === `Bài ${i + 1}: ${squash(l.title)}`, `lesson ${i + 1} is titled "${title}"`);
      assert((await card.getAttribute('data-status')) === l.status, `lesson ${i + 1}: data-status is not "${l.status}"`);
      const badge = squash(await card.locator('.badge').textContent());
      assert(badge === LESSON_LABEL[l.status], `lesson ${i + 1} (${l.status}) is labelled "${badge}"`);
      const result = squash(await card.getByTestId('lesson-result').textContent());
      assert(result.startsWith(LESSON_LABEL[l.status]), `lesson ${i + 1} (${l.status}) result reads "${result}"`);
      const rows = await card.getByTestId('theory-test').count();
      const want = l.status === 'passed' ? 0 : l.tests.length;
      assert(rows === want, `lesson ${i + 1} shows ${rows} tests, expected ${want}`);
    }
    const passed = data.lessons.filter((l) => l.status === 'passed').length;
    const progress = squash(await page.getByTestId('theory-progress').textContent());
    const expected = `Đã đạt ${passed}/${data.total_lessons} bài.${data.required && passed < data.total_lessons ? ' Đoàn viên mới cần hoàn thành tất cả các bài.' : ''}`;
    assert(progress === expected, `progress reads "${progress}", expected "${expected}"`);
  }

  await step('Học lý luận, opened from Trang chủ, lists the four lessons with their status', async () => {
    await page.goto(`${base}/`);
    const link = page.getByTestId('theory-link');
    await link.waitFor();
    // Home holds contests only: theory tests live in Học lý luận, and this member, who is not
    // required to take the course, gets no reminder pushing it.
    await page.locator('[data-testid="contest"], [data-testid="contests-empty"]').first().waitFor();
    assert((await page.getByTestId('theory-due').count()) === 0, 'a member not required to take the course is pushed to it on home');
    const homeText = (await page.locator('#main').textContent()) ?? '';
    assert(!homeText.includes('Làm bài kiểm tra'), 'home offers a theory test');
    assert(!homeText.includes('Kiểm tra lý luận chính trị đoàn viên mới'), 'the theory-test contest is listed on home');
    const [response] = await Promise.all([page.waitForResponse(isMyTheory), link.click()]);
    assert(response.status() === 200, `GET /me/theory answered ${response.status()}`);
    theory = await response.json();
    await page.getByRole('heading', { name: 'Học lý luận chính trị', level: 1 }).waitFor();
    assert(new URL(page.url()).pathname === '/hoc-ly-luan', `expected /hoc-ly-luan, got ${page.url()}`);
    // The demo: the 2020 course, four lessons with a test each; the demo bloc requires the course
    // of members admitted since 01/01/2025. Demo members all have an admission date (0900000002:
    // 26/03/2016, so the course is not required of them); the page does not show the dates.
    assert(theory.course.title.includes('(2020)'), `course: "${theory.course.title}"`);
    assert(theory.total_lessons === 4 && theory.lessons.length === 4, `${theory.lessons.length} lessons`);
    assert(theory.lessons.every((l) => l.tests.length >= 1), 'a lesson has no test');
    assert(theory.theory_since === '2025-01-01', `theory_since: ${theory.theory_since}`);
    assert(theory.admitted_at !== null, 'the demo member has no admission date');
    assert(theory.required === theory.admitted_at >= theory.theory_since, `required is ${theory.required} for admission on ${theory.admitted_at}`);
    if (demoPhone === '0900000002') {
      assert(theory.admitted_at === '2016-03-26' && theory.required === false, `0900000002: admitted ${theory.admitted_at}, required ${theory.required}`);
    }
    await page.getByTestId('theory-summary').getByText(theory.course.title).waitFor();
    await checkLessons(theory);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `Học lý luận is ${width}px wide at a 360px viewport`);
    await page.screenshot({ path: join(outDir, 'theory.png'), fullPage: true });
    await axeCheck(page, 'Học lý luận');
    await noSideScrollAtZoom(page, 'Học lý luận');
  });

  await step('a lesson\'s test starts from Học lý luận, opens the attempt screen and can be handed in', async () => {
    assert(theory, 'Học lý luận did not load');
    // The first lesson test that can be started (a long-lived server may have used some up).
    const row = page
      .getByTestId('theory-test')
      .filter({ has: page.getByRole('button', { name: /^(Làm bài kiểm tra|Làm lại)$/ }) })
      .first();
    assert((await row.count()) === 1, 'no lesson test can be started (all used up? pick another DAUTRI_E2E_DEMO_PHONE)');
    const roundId = await row.getAttribute('data-round-id');
    const lessonIndex = theory.lessons.findIndex((l) => l.tests.some((t) => t.round_id === roundId));
    assert(lessonIndex >= 0, `round ${roundId} belongs to no lesson`);
    const test = theory.lessons[lessonIndex].tests.find((t) => t.round_id === roundId);
    const facts = squash(await row.textContent());
    const minutes = Math.round(test.time_limit_seconds / 60);
    assert(
      facts.includes(`${test.questions_per_attempt} câu · ${minutes} phút · đạt từ ${test.pass_mark}%`),
      `the test row reads "${facts}"`,
    );
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/rounds/${roundId}/attempts`) && r.request().method() === 'POST'),
      row.getByRole('button').click(),
    ]);
    // 201, or 409 when an attempt of an earlier run is still going (the page then resumes it).
    assert(response.status() === 201 || response.status() === 409, `starting the test answered ${response.status()}`);
    await page.waitForURL(/\/lam-bai\/[^/]+$/);
    const attemptId = new URL(page.url()).pathname.split('/').pop();
    await page.getByTestId('question').waitFor();
    const count = await page.locator('.palette__item').count();
    assert(count === test.questions_per_attempt, `${count} questions, the test has ${test.questions_per_attempt}`);
    const ms = Number(await page.getByTestId('countdown').getAttribute('data-remaining-ms'));
    assert(ms > 0 && ms <= test.time_limit_seconds * 1000, `countdown ${ms} ms for a ${test.time_limit_seconds} s test`);
    await page.screenshot({ path: join(outDir, 'theory-attempt.png') });
    // Any answers will do: the scenario does not depend on passing.
    for (let i = 0; i < count; i++) {
      await page.locator('.palette__item').nth(i).click();
      const q = page.getByTestId('question');
      if ((await q.locator('input:checked').count()) > 0) continue;
      const qid = await q.getAttribute('data-question-id');
      const [put] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/attempts/${attemptId}/answers/${qid}`) && r.request().method() === 'PUT'),
        q.locator('label.option').first().click(),
      ]);
      assert(put.status() === 200, `PUT answer answered ${put.status()}`);
      await waitSaved();
    }
    await page.getByRole('button', { name: 'Nộp bài' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert((await dialog.locator('#prediction').count()) === 0, 'a theory test asks for a prediction');
    const [finish] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/attempts/${attemptId}/finish`)),
      dialog.getByRole('button', { name: 'Nộp bài' }).click(),
    ]);
    assert(finish.status() === 200, `finish answered ${finish.status()}: ${await finish.text().catch(() => '')}`);
    await page.getByRole('heading', { name: 'Kết quả' }).waitFor();
    assert(new URL(page.url()).pathname === `/ket-qua/${attemptId}`, `result URL: ${page.url()}`);
    await page.locator('[data-testid="score"], [data-testid="score-hidden"]').first().waitFor();
    // A theory test's result: the verdict against the pass mark and the next step, no board.
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    const word = squash(await verdict.locator('.verdict__word').textContent());
    const passed = (await verdict.getAttribute('data-passed')) === 'true';
    assert(word === (passed ? 'Đạt' : 'Chưa đạt'), `the verdict reads "${word}" (passed: ${passed})`);
    const mark = squash(await page.getByTestId('pass-mark').textContent());
    assert(mark.startsWith(`từ ${test.pass_mark}%`), `the pass mark reads "${mark}"`);
    assert((await page.getByTestId('attempts-left').count()) === 1, 'the attempts are not shown');
    assert((await page.getByTestId('result-board-link').count()) === 0, 'a theory result links to a board');
    const next = page.getByTestId('next-step');
    const label = squash(await next.textContent());
    assert(/^(Ôn bài và làm lại|Về Học lý luận|Học bài tiếp theo: Bài \d+|Xem giấy chứng nhận)$/.test(label), `the next step reads "${label}"`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `the theory result is ${width}px wide at a 360px viewport`);
    // The demo's lesson tests show the key and explanations right after each attempt.
    await page.getByTestId('review').getByRole('heading', { name: 'Đáp án' }).waitFor();
    await page.screenshot({ path: join(outDir, 'theory-result.png'), fullPage: true });
    theoryTest = { lessonIndex, roundId, attemptId };
  });

  await step('back on Học lý luận, the lesson counts the finished test', async () => {
    assert(theoryTest, 'no theory test was taken');
    const [response] = await Promise.all([page.waitForResponse(isMyTheory), page.goto(`${base}/hoc-ly-luan`)]);
    assert(response.status() === 200, `GET /me/theory answered ${response.status()}`);
    const now = await response.json();
    const before = theory.lessons[theoryTest.lessonIndex];
    const after = now.lessons[theoryTest.lessonIndex];
    assert(after.lesson_id === before.lesson_id, 'the lessons changed order');
    assert(after.attempts === before.attempts + 1, `finished attempts of the lesson: ${before.attempts} → ${after.attempts}`);
    assert(after.status !== 'not_tested', 'the lesson is still "not tested" after a finished test');
    await page.getByRole('heading', { name: 'Học lý luận chính trị', level: 1 }).waitFor();
    await checkLessons(now);
    const result = squash(await page.getByTestId('lesson').nth(theoryTest.lessonIndex).getByTestId('lesson-result').textContent());
    assert(
      /^Đã kiểm tra – cao nhất \d+\/\d+ điểm \([\d.]+%\)$/.test(result) || /^Đạt \(\d\d\/\d\d\/\d{4}\)/.test(result),
      `the lesson's result reads "${result}"`,
    );
    if (after.status !== 'passed') {
      const test = after.tests.find((t) => t.round_id === theoryTest.roundId);
      const row = page.locator(`[data-testid="theory-test"][data-round-id="${theoryTest.roundId}"]`);
      const facts = squash(await row.textContent());
      assert(facts.includes(`đã làm ${test.attempts_used}/${test.attempts_allowed ?? 'không giới hạn'} lượt`), `the test row reads "${facts}"`);
    }
    await page.screenshot({ path: join(outDir, 'theory-after.png'), fullPage: true });
  });

  // ---- A new member who must take the course (admitted 26/03/2026: 0900000005) -------------
  const newMember = { phone: '0900000005', token: null, keys: new Map(), roundId: null };

  /** Answers every question of the attempt on screen, choosing `pick(questionId, optionIds)`. */
  async function answerAll(pick) {
    const count = await page.locator('.palette__item').count();
    for (let i = 0; i < count; i++) {
      await page.locator('.palette__item').nth(i).click();
      const q = page.getByTestId('question');
      // The question on screen is the one picked (a render may lag the click).
      await q.locator('.question__num').getByText(`Câu ${i + 1}/${count}`).waitFor();
      const qid = await q.getAttribute('data-question-id');
      const options = await q.locator('input').evaluateAll((els) => els.map((e) => e.value));
      // One option, or every right one of a multiple-choice question (a PUT per tap).
      for (const choice of pick(qid, options)) {
        const [put] = await Promise.all([
          page.waitForResponse((r) => r.url().includes(`/answers/${qid}`) && r.request().method() === 'PUT'),
          q.locator(`label.option:has(input[value="${choice}"])`).click(),
        ]);
        assert(put.status() === 200, `PUT answer answered ${put.status()}`);
        await waitSaved();
      }
    }
  }
  async function handIn() {
    await page.getByRole('button', { name: 'Nộp bài' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const [finish] = await Promise.all([
      page.waitForResponse((r) => /\/attempts\/[^/]+\/finish$/.test(r.url())),
      dialog.getByRole('button', { name: 'Nộp bài' }).click(),
    ]);
    assert(finish.status() === 200, `finish answered ${finish.status()}`);
    await page.getByTestId('verdict').waitFor();
  }
  /** The right options of a question (several for a multiple-choice one), or one wrong option. */
  const right = (qid) => newMember.keys.get(qid);
  const wrong = (qid, options) => [options.find((o) => !newMember.keys.get(qid).includes(o))];

  await step('set-up: a one-minute wait between attempts of a short lesson-1 test; the organizer knows the keys (API)', async () => {
    const pw = demoPassword();
    const { access_token: org } = await call('POST', '/auth/login', null, { phone: '0900000001', password: pw });
    for (let n = 1; n <= 4; n++) {
      for (let offset = 0; ; offset += 200) {
        const page_ = await call('GET', `/questions?topic=theory.lesson${n}&limit=200&offset=${offset}`, org);
        for (const q of page_.items) newMember.keys.set(q.id, q.options.filter((o) => o.correct).map((o) => o.id));
        if (offset + 200 >= page_.total) break;
      }
    }
    const course = await call('GET', '/courses', org);
    const lesson1 = (course.items ?? course).find((c) => c.title.includes('(2020)')).lessons[0];
    const contest = (await call('GET', '/contests', org)).items.find((c) => c.kind === 'theory_test');
    const now = Date.now();
    const round = await call('POST', `/contests/${contest.id}/rounds`, org, {
      name: 'Bài 1 – ôn tập nhanh',
      opens_at: new Date(now - 60_000).toISOString(),
      closes_at: new Date(now + 30 * 86_400_000).toISOString(),
      questions_per_attempt: 3,
      time_limit_seconds: 300,
      attempts_allowed: 3,
      pool: { quotas: [{ topic: 'theory.lesson1', count: 3 }] },
      review: 'after_each_attempt',
      theory: { lesson_id: lesson1.id, retry_wait_minutes: 1 },
    });
    newMember.roundId = round.id;
    newMember.token = (await call('POST', '/auth/login', null, { phone: newMember.phone, password: pw })).access_token;
  });

  await step('a new member who must take the course is reminded on home, with no test pushed at them', async () => {
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${base}/dang-nhap`);
    await page.getByRole('textbox', { name: 'Số điện thoại' }).fill(newMember.phone);
    await page.locator('#password').fill(demoPassword());
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const due = page.getByTestId('theory-due');
    await due.waitFor();
    const text = squash(await due.textContent());
    assert(/Bạn đã đạt 0\/4 bài/.test(text), `the reminder reads "${text}"`);
    assert(!squash(await page.locator('#main').textContent()).includes('Kiểm tra lý luận chính trị đoàn viên mới'), 'the theory contest is on home');
    await page.screenshot({ path: join(outDir, 'home-required.png'), fullPage: true });
    await due.getByTestId('theory-link').click();
    await page.getByRole('heading', { name: 'Học lý luận chính trị', level: 1 }).waitFor();
  });

  let failedAt = 0;
  await step('fails the lesson test: Chưa đạt, the pass mark, attempts left, the wait, and the key at once', async () => {
    const row = page.locator(`[data-testid="theory-test"][data-round-id="${newMember.roundId}"]`);
    await row.getByRole('button', { name: 'Làm bài kiểm tra' }).click();
    await page.getByTestId('question').waitFor();
    await answerAll(wrong);
    await handIn();
    failedAt = Date.now();
    assert((await page.getByTestId('verdict').getAttribute('data-passed')) === 'false', 'a wrong attempt passed');
    assert(squash(await page.locator('.verdict__word').textContent()) === 'Chưa đạt', 'the verdict is not Chưa đạt');
    assert(squash(await page.getByTestId('pass-mark').textContent()) === 'từ 80% (3/3 điểm)', `pass mark: ${await page.getByTestId('pass-mark').textContent()}`);
    assert(squash(await page.getByTestId('attempts-left').textContent()) === '1/3 (còn 2 lượt)', `attempts: ${await page.getByTestId('attempts-left').textContent()}`);
    const wait = squash(await page.getByTestId('next-attempt').textContent());
    assert(/^\d\d:\d\d \d\d\/\d\d\/\d{4} \(giờ Việt Nam\)$/.test(wait), `the wait reads "${wait}"`);
    assert(squash(await page.getByTestId('next-step').textContent()) === 'Ôn bài và làm lại', 'the next step is not a retake');
    // The round's policy shows the key right after the attempt: every answer marked wrong.
    const review = page.getByTestId('review');
    await review.waitFor();
    const items = review.locator('article');
    assert((await items.count()) === 3, `${await items.count()} questions in the review, the test has 3`);
    for (let i = 0; i < 3; i++) {
      assert((await items.nth(i).locator('.review__option--correct').count()) >= 1, `question ${i + 1}: no right answer shown`);
      assert((await items.nth(i).locator('.review__option--wrong').count()) === 1, `question ${i + 1}: the wrong choice is not marked`);
    }
    assert((await page.getByTestId('result-board-link').count()) === 0, 'a theory result links to a board');
    await page.screenshot({ path: join(outDir, 'theory-failed.png') });
    await axeCheck(page, 'Kết quả lý luận, chưa đạt');
  });

  await step('Học lý luận says when the retake opens; after the wait the member retakes and passes, and the key shows at once', async () => {
    await page.getByTestId('next-step').click();
    const row = page.locator(`[data-testid="theory-test"][data-round-id="${newMember.roundId}"]`);
    await row.getByText(/Lượt tiếp theo được làm từ \d\d:\d\d ngày \d\d\/\d\d\/\d{4}\./).waitFor();
    await page.waitForTimeout(Math.max(0, failedAt + 61_500 - Date.now()));
    await page.reload();
    await row.getByRole('button', { name: 'Làm lại' }).click();
    await page.getByTestId('question').waitFor();
    await answerAll(right);
    await handIn();
    assert((await page.getByTestId('verdict').getAttribute('data-passed')) === 'true', 'a right attempt did not pass');
    assert(squash(await page.locator('.verdict__word').textContent()) === 'Đạt', 'the verdict is not Đạt');
    assert((await page.getByTestId('next-attempt').count()) === 0, 'a wait is shown after passing');
    const next = squash(await page.getByTestId('next-step').textContent());
    assert(next === 'Học bài tiếp theo: Bài 2', `the next step reads "${next}"`);
    await page.getByTestId('review').waitFor();
    assert((await page.locator('.review__option--wrong').count()) === 0, 'a right answer is marked wrong');
    await page.screenshot({ path: join(outDir, 'theory-passed.png'), fullPage: true });
  });

  await step('passing the other three lessons completes the course; the last result leads to the certificate', async () => {
    const theory = await call('GET', '/me/theory', newMember.token);
    let last = null;
    for (const lesson of theory.lessons.slice(1)) {
      const test = lesson.tests[0];
      const attempt = await call('POST', `/rounds/${test.round_id}/attempts`, newMember.token);
      for (const q of attempt.questions) {
        await call('PUT', `/attempts/${attempt.id}/answers/${q.id}`, newMember.token, { option_ids: newMember.keys.get(q.id) });
      }
      await call('POST', `/attempts/${attempt.id}/finish`, newMember.token, {});
      last = attempt.id;
    }
    await page.goto(`${base}/ket-qua/${last}`);
    await page.getByTestId('verdict').waitFor();
    const next = page.getByTestId('next-step');
    assert(squash(await next.textContent()) === 'Xem giấy chứng nhận', `the last result's next step: ${await next.textContent()}`);
    await next.click();
    await page.getByRole('heading', { name: 'Giấy chứng nhận học lý luận chính trị' }).waitFor();
    assert(/^\/certificates\/[0-9A-Z-]+$/.test(new URL(page.url()).pathname), `certificate URL: ${page.url()}`);
    await page.screenshot({ path: join(outDir, 'theory-certificate.png'), fullPage: true });
    await axeCheck(page, 'Giấy chứng nhận');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Chia sẻ giấy chứng nhận' }).click(),
    ]);
    assert(/^chung-nhan-.*\.png$/.test(download.suggestedFilename()), `certificate file: ${download.suggestedFilename()}`);
    await download.saveAs(join(outDir, 'share-certificate.png'));
    await page.goto(`${base}/`);
    await page.getByTestId('theory-link').waitFor();
    assert((await page.getByTestId('theory-due').count()) === 0, 'the reminder stays after the course is complete');
  });

  // ---- Học tập: the study programmes that apply to the new member ---------------------------
  const study = { org: null, unitId: null, thematic: null, before: null };
  /** The organizer's coverage of the thematic study for their unit (the demo bloc). */
  const thematicCoverage = () => call('GET', `/units/${study.unitId}/theory-coverage?course_id=${study.thematic.course.id}`, study.org);

  await step('Học tập, opened from Trang chủ, lists the programmes that apply with their progress and periods', async () => {
    const pw = demoPassword();
    study.org = (await call('POST', '/auth/login', null, { phone: '0900000001', password: pw })).access_token;
    const orgMe = await call('GET', '/me', study.org);
    study.unitId = orgMe.roles.find((r) => r.unit_id)?.unit_id;
    assert(study.unitId, 'the organizer has no unit');
    for (let offset = 0; ; offset += 200) {
      const page_ = await call('GET', `/questions?topic=history.youth_union&limit=200&offset=${offset}`, study.org);
      for (const q of page_.items) newMember.keys.set(q.id, q.options.filter((o) => o.correct).map((o) => o.id));
      if (offset + 200 >= page_.total) break;
    }
    const mine = await call('GET', '/me/programmes', newMember.token);
    study.thematic = mine.items.find((p) => p.course.title.startsWith('Học tập chuyên đề năm'));
    assert(study.thematic, `the thematic study does not apply: ${JSON.stringify(mine.items.map((p) => p.course.title))}`);
    assert(mine.items.length >= 2, `${mine.items.length} programmes apply to the new member`);
    study.before = await thematicCoverage();
    await page.goto(`${base}/`);
    await page.getByTestId('study-link').click();
    await page.getByRole('heading', { name: 'Học tập', level: 1 }).waitFor();
    assert(new URL(page.url()).pathname === '/hoc-tap', `expected /hoc-tap, got ${page.url()}`);
    const cards = page.getByTestId('programme');
    await cards.first().waitFor();
    assert((await cards.count()) === mine.items.length, `${await cards.count()} programmes shown, the API has ${mine.items.length}`);
    for (const p of mine.items) {
      const card = page.locator(`[data-testid="programme"][data-course-id="${p.course.id}"]`);
      const progress = squash(await card.getByTestId('programme-progress').textContent());
      assert(progress === `Đã đạt ${p.passed_lessons}/${p.total_lessons} bài`, `${p.course.title}: progress reads "${progress}"`);
      assert((await card.getByRole('heading', { name: p.course.title }).count()) === 1, `${p.course.title}: no heading`);
    }
    const period = squash(await page.locator(`[data-testid="programme"][data-course-id="${study.thematic.course.id}"]`).getByTestId('programme-period').textContent());
    const year = study.thematic.audience.due_on.slice(0, 4);
    assert(period === `Từ 01/01/${year} đến hết 31/12/${year}`, `the thematic study's period reads "${period}"`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, `Học tập is ${width}px wide at a 360px viewport`);
    await page.screenshot({ path: join(outDir, 'study.png'), fullPage: true });
    await axeCheck(page, 'Học tập');
    await noSideScrollAtZoom(page, 'Học tập');
  });

  await step('the member completes a lesson of the thematic study from Học tập, and the list counts it', async () => {
    const card = page.locator(`[data-testid="programme"][data-course-id="${study.thematic.course.id}"]`);
    await card.getByTestId('programme-open').click();
    await page.getByRole('heading', { name: study.thematic.course.title, level: 1 }).waitFor();
    assert(new URL(page.url()).pathname === `/hoc-tap/${study.thematic.course.id}`, `programme URL: ${page.url()}`);
    const open = page.locator('[data-testid="lesson"]:not([data-status="passed"])').first();
    assert((await open.count()) === 1, 'every lesson of the thematic study is passed already (a long-lived server?)');
    await page.screenshot({ path: join(outDir, 'study-programme.png'), fullPage: true });
    await open.getByRole('button', { name: /^(Làm bài kiểm tra|Làm lại)$/ }).first().click();
    await page.getByTestId('question').waitFor();
    await answerAll(right);
    await handIn();
    assert((await page.getByTestId('verdict').getAttribute('data-passed')) === 'true', 'a right attempt did not pass');
    const next = squash(await page.getByTestId('next-step').textContent());
    assert(/^(Học bài tiếp theo: Bài \d+|Về chương trình học tập|Xem giấy chứng nhận)$/.test(next), `the next step reads "${next}"`);
    await page.getByTestId('next-step').click();
    await page.getByRole('heading', { name: study.thematic.course.title, level: 1 }).waitFor();
    const after = await call('GET', '/me/programmes', newMember.token);
    const now = after.items.find((p) => p.course.id === study.thematic.course.id);
    assert(now.passed_lessons === study.thematic.passed_lessons + 1, `lessons passed: ${study.thematic.passed_lessons} → ${now.passed_lessons}`);
    await page.goto(`${base}/hoc-tap`);
    const progress = squash(await card.getByTestId('programme-progress').textContent());
    assert(progress === `Đã đạt ${now.passed_lessons}/${now.total_lessons} bài`, `after the lesson, progress reads "${progress}"`);
  });

  await step('the unit\'s coverage page of the thematic study shows the lesson passed (console, organizer)', async () => {
    const coverage = await thematicCoverage();
    const lesson1 = (c) => c.summary.lessons[0];
    assert(lesson1(coverage).passed === lesson1(study.before).passed + 1, `lesson 1 passed: ${lesson1(study.before).passed} → ${lesson1(coverage).passed}`);
    await page.evaluate(() => localStorage.clear());
    await page.setViewportSize({ width: 1280, height: 900 });
    try {
      await page.goto(`${base}/dang-nhap`);
      await page.getByRole('textbox', { name: 'Số điện thoại' }).fill('0900000001');
      await page.locator('#password').fill(demoPassword());
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.getByTestId('full-name').waitFor();
      await page.goto(`${base}/quan-ly/ly-luan?course=${study.thematic.course.id}`);
      await page.getByRole('heading', { name: 'Chương trình học tập', level: 1 }).waitFor();
      const chooser = page.locator('#programme');
      assert((await chooser.inputValue()) === study.thematic.course.id, 'the chooser does not show the thematic study');
      const rates = page.locator('.lesson-rates li').first();
      await rates.waitFor();
      const text = squash(await rates.textContent());
      const l = lesson1(coverage);
      assert(text.includes(`${l.passed}/${l.total}`), `lesson 1 reads "${text}", the API says ${l.passed}/${l.total}`);
      await page.screenshot({ path: join(outDir, 'study-coverage.png'), fullPage: true });
      await axeCheck(page, 'Học tập — kết quả của đơn vị');
    } finally {
      await page.setViewportSize({ width: 360, height: 740 });
    }
  });

  await step('an organizer\'s Vào thi on their own contest says why they may not enter, and the button goes', async () => {
    const pw = demoPassword();
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${base}/dang-nhap`);
    await page.getByRole('textbox', { name: 'Số điện thoại' }).fill('0900000001');
    await page.locator('#password').fill(pw);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByTestId('full-name').waitFor();
    const contest = page.getByTestId('contest').filter({ hasText: '(demo)' }).first();
    const round = contest.getByTestId('round').first();
    await round.waitFor();
    const [response] = await Promise.all([
      page.waitForResponse((r) => /\/rounds\/[^/]+\/attempts$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST'),
      round.getByRole('button', { name: 'Vào thi' }).click(),
    ]);
    assert(response.status() === 403, `the organizer's start answered ${response.status()}`);
    const body = await response.json();
    assert(body.code === 'managers_may_not_enter', `code ${body.code}`);
    const alert = squash(await round.getByRole('alert').textContent());
    assert(alert.startsWith('Bạn thuộc Ban Tổ chức cuộc thi này nên không được dự thi.'), `the start error reads "${alert}"`);
    assert(!alert.includes(body.detail), 'the English detail is shown');
    assert((await round.getByRole('button', { name: 'Vào thi' }).count()) === 0, 'Vào thi is still offered');
    await round.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outDir, 'start-refused.png') });
  });

  await step('no request left the server\'s origin and no script error occurred', async () => {
    assert(external.length === 0, `external requests: ${external.join(', ')}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} catch (err) {
  console.error(`e2e: could not run: ${err instanceof Error ? err.stack : err}`);
  results.push({ name: 'browser', ok: false });
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failures = results.length - passed;
console.log(`screenshots: ${outDir}`);
console.log(`e2e: ${passed} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
