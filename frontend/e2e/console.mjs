#!/usr/bin/env node
// End-to-end tests of the organizers' console ("Quản lý") in a real browser against a dautri
// server on PostgreSQL + Redis with the demo data loaded:
//
//   DAUTRI_E2E_BASE_URL=http://127.0.0.1:18091 DAUTRI_E2E_DEMO_PASSWORD=… node e2e/console.mjs
//
// (`bash scripts/ci.sh --console-only` starts such a server and runs this.) Every module in
// e2e/console/*.mjs runs in name order; each exports `run(ctx)` and adds its steps with
// `ctx.step`. Screenshots go to e2e/out/. The last line printed is `e2e console: N passed, M
// failed`; the exit code is 1 on any failure.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiClient, assert, axeCheck, createRun, launch, shoot, signIn, SIZES, squash } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const rawBase = process.env.DAUTRI_E2E_BASE_URL;
const demoPassword = process.env.DAUTRI_E2E_DEMO_PASSWORD;
if (!rawBase || !demoPassword) {
  console.error('e2e console: set DAUTRI_E2E_BASE_URL and DAUTRI_E2E_DEMO_PASSWORD (or run scripts/ci.sh --console-only)');
  console.log('e2e console: 0 passed, 1 failed');
  process.exit(1);
}
const base = rawBase.replace(/\/+$/, '');
const origin = new URL(base).origin;
const only = process.env.DAUTRI_E2E_ONLY; // e.g. "10-bank" to run one module while working on it

const modules = readdirSync(join(here, 'console'))
  .filter((f) => /^\d\d-[a-z0-9-]+\.mjs$/.test(f))
  .filter((f) => !only || f.startsWith(only))
  .sort();

const run = createRun();
const browser = await launch(origin);
const api = apiClient(base);

/** The demo accounts (see api/src/demo.rs): the organizer and unit admin of the demo bloc, and members. */
const demo = {
  password: demoPassword,
  organizer: '0900000001',
  members: ['0900000002', '0900000003', '0900000004', '0900000005', '0900000006'],
};

const ctx = {
  base,
  origin,
  demo,
  api,
  browser,
  SIZES,
  step: (name, fn) => run.step(name, fn),
  assert,
  squash,
  shoot,
  axeCheck,
  /**
   * A new browser context (its own storage) at the laptop size, signed in as `phone`; failure
   * screenshots are of this page. `page.context().close()` when done.
   */
  async pageAs(phone, password = demoPassword) {
    const page = await (await browser.newContext()).newPage();
    run.page = page;
    await signIn(page, base, phone, password);
    return page;
  },
  /** Make `page` the one failure screenshots are taken of. */
  watch(page) {
    run.page = page;
  },
};

console.log(`e2e console: ${base}; modules: ${modules.join(', ') || '(none)'}`);
try {
  await run.step('the demo organizer sees "Quản lý" in the header and the console shows the scope', async () => {
    const page = await ctx.pageAs(demo.organizer);
    await page.getByTestId('console-link').click();
    await page.waitForURL((u) => u.pathname === '/quan-ly');
    await page.getByRole('heading', { name: 'Quản lý', level: 1 }).waitFor();
    const scope = squash(await page.getByTestId('console-scope').textContent());
    assert(scope.includes('Đoàn Khối Doanh nghiệp (demo)'), `the scope reads "${scope}"`);
    await shoot(page, 'console-overview');
    await axeCheck(page, 'Tổng quan');
    await page.context().close();
  });

  await run.step('a member has no "Quản lý" link, and /quan-ly tells them it is for managers', async () => {
    const page = await ctx.pageAs(demo.members[0]);
    await page.getByTestId('full-name').waitFor();
    assert((await page.getByTestId('console-link').count()) === 0, 'a member sees the Quản lý link');
    await page.goto(`${base}/quan-ly`);
    await page.getByText('Khu vực Quản lý dành cho Ban Tổ chức').waitFor();
    await page.context().close();
  });

  await run.step('signed out, a console address asks to sign in and comes back after it', async () => {
    const page = await (await browser.newContext()).newPage();
    run.page = page;
    await page.goto(`${base}/quan-ly`);
    await page.waitForURL((u) => u.pathname === '/dang-nhap');
    await page.locator('#phone').fill(demo.organizer);
    await page.locator('#password').fill(demoPassword);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL((u) => u.pathname === '/quan-ly');
    await page.context().close();
  });

  for (const file of modules) {
    console.log(`-- ${file}`);
    const mod = await import(pathToFileURL(join(here, 'console', file)).href);
    await mod.run(ctx);
  }

  await run.step('no request left the server\'s origin and no script error occurred', async () => {
    assert(browser.external.length === 0, `external requests: ${browser.external.join(', ')}`);
    assert(browser.pageErrors.length === 0, `page errors: ${browser.pageErrors.join(' | ')}`);
  });
} catch (err) {
  console.error(`e2e console: could not run: ${err instanceof Error ? err.stack : err}`);
  run.results.push({ name: 'browser', ok: false });
} finally {
  await browser.close();
}

const { passed, failed } = run.summary();
console.log(`e2e console: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
