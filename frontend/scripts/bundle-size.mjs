#!/usr/bin/env node
// The member app's size, after `npm run build`: what a member's phone downloads before the
// first screen (index.html's script and stylesheet), gzipped, and that none of the console
// ("Quản lý") is in it — organizers' code loads only for those who open the console.
// Fails when the member bundle passes its budget; prints the figures either way.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** gzip bytes. Raise only with a reason in the commit: members on weak networks pay for each. */
const BUDGET = { js: 32_500, css: 4_600 };
/** Strings only the console has: if one is in the member bundle, the split broke. */
const CONSOLE_ONLY = ['Phạm vi quản lý', 'Khu vực Quản lý dành cho'];

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(js|css))"/g)].map((m) => ({ file: m[1], kind: m[2] }));
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;

let failed = false;
for (const kind of ['js', 'css']) {
  const files = entry.filter((e) => e.kind === kind);
  const size = files.reduce((sum, e) => sum + gz(e.file), 0);
  const over = size > BUDGET[kind];
  failed ||= over;
  console.log(`member bundle ${kind}: ${kb(size)} gzip (budget ${kb(BUDGET[kind])})${over ? '  OVER BUDGET' : ''}`);
  if (kind === 'js') {
    const text = files.map((e) => readFileSync(join(dist, e.file), 'utf8')).join('\n');
    for (const s of CONSOLE_ONLY) {
      if (text.includes(s)) {
        console.log(`member bundle: contains console text "${s}" — the console must stay a lazy chunk`);
        failed = true;
      }
    }
  }
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => !entry.some((e) => e.file.endsWith(f)));
const lazySize = lazy.reduce((sum, f) => sum + gz(join('assets', f)), 0);
console.log(`lazy chunks (console and others): ${lazy.length} files, ${kb(lazySize)} gzip`);
process.exit(failed ? 1 : 0);
