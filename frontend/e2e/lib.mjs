// What every browser test shares: Debian's Chromium through playwright-core (never a
// downloaded browser), steps that stop at the first failure with a screenshot, screenshots at
// the two sizes the screens are judged at, and an axe-core accessibility check.

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const outDir = join(here, 'out');
export const CHROMIUM = process.env.DAUTRI_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The browser's own language decides how date inputs read (dd/mm/yyyy in Vietnamese); the
  // context's locale alone leaves them in the US order.
  '--lang=vi-VN',
];

/** The sizes screens are judged at: an officer's laptop and a member's phone. */
export const SIZES = {
  laptop: { width: 1366, height: 768 },
  phone: { width: 360, height: 740 },
};

// Evaluated through the DevTools protocol: the app's Content-Security-Policy (script-src 'self')
// rightly refuses an injected <script>, and the check must not weaken it.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Collapses whitespace, for comparing on-screen text. */
export const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

/**
 * A run of steps: after a failure the remaining steps are reported as not run; each failure
 * saves a screenshot of the page it names.
 */
export function createRun() {
  const results = [];
  let failed = false;
  let current = null;
  return {
    results,
    /** The page a failure screenshot is taken of. */
    set page(p) {
      current = p;
    },
    get page() {
      return current;
    },
    async step(name, fn) {
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
        console.log(`  ✗ ${name}\n    ${String(err instanceof Error ? err.stack ?? err.message : err).split('\n').join('\n    ')}`);
        if (current) {
          const shot = join(outDir, `failure-${results.length}.png`);
          await current.screenshot({ path: shot, fullPage: true }).catch(() => {});
          console.log(`    screenshot: ${shot}`);
        }
      }
    },
    summary() {
      const passed = results.filter((r) => r.ok).length;
      return { passed, failed: results.length - passed };
    },
  };
}

/**
 * A browser for one origin. Each person gets a context of their own (`newContext`), so two
 * people's sessions never share storage; in every one, requests elsewhere are recorded and
 * blocked (the app must make none) and script errors are collected.
 */
export async function launch(origin) {
  mkdirSync(outDir, { recursive: true });
  const external = [];
  const pageErrors = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  async function newContext(options = {}) {
    const context = await browser.newContext({
      viewport: SIZES.laptop,
      locale: 'vi-VN',
      timezoneId: 'Asia/Ho_Chi_Minh',
      acceptDownloads: true,
      ...options,
    });
    context.setDefaultTimeout(15_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin) return route.continue();
      external.push(url);
      return route.abort();
    });
    context.on('page', (p) => p.on('pageerror', (err) => pageErrors.push(err.message)));
    return context;
  }
  return {
    browser,
    newContext,
    external,
    pageErrors,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Screenshots of the page at the laptop and the phone size: out/<name>-laptop.png, -phone.png. */
export async function shoot(page, name, { fullPage = true } = {}) {
  const before = page.viewportSize();
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150); // let the layout settle
    await page.screenshot({ path: join(outDir, `${name}-${size}.png`), fullPage });
  }
  if (before) await page.setViewportSize(before);
}

/**
 * Runs axe-core on the page and fails on any serious or critical violation, listing each with
 * its first offending element.
 */
export async function axeCheck(page, label) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      target: v.nodes[0]?.target?.join(' ') ?? '',
      count: v.nodes.length,
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(
    bad.length === 0,
    `axe (${label}): ${bad.map((v) => `${v.impact} ${v.id} ×${v.count} (${v.help}) at ${v.target}`).join('; ')}`,
  );
  return violations;
}

/** Signs in through the login page and waits for Trang chủ. */
export async function signIn(page, base, phone, password) {
  await page.goto(`${base}/dang-nhap`);
  await page.locator('#phone').fill(phone);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/dang-nhap'));
}

/** A small API client for set-up steps (what a test arranges, not what it checks). */
export function apiClient(base) {
  async function call(method, path, { token, body, query } = {}) {
    const url = new URL(`${base}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(url, { method, headers, body: payload });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json, text, headers: res.headers };
  }
  return {
    call,
    /** A session's access token (fails loudly: set-up must not silently go wrong). */
    async login(phone, password) {
      const res = await call('POST', '/auth/login', { body: { phone, password } });
      assert(res.status === 200, `login ${phone}: ${res.status} ${res.text}`);
      return res.body.access_token;
    },
  };
}

/**
 * 200% zoom on a 1280×720 screen is a 640×360 CSS-pixel viewport: the page must not scroll
 * sideways there (WCAG 1.4.10). Restores the viewport afterwards.
 */
export async function noSideScrollAtZoom(page, label) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 640, height: 360 });
  try {
    await page.waitForTimeout(150); // let the layout settle
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    assert(scroll <= client, `${label}: ${scroll - client}px of horizontal scrolling at 200% zoom (640×360)`);
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
