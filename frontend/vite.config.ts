import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Writes dist/sw.js from sw/service-worker.js once the build is on disk: the app shell it
 * caches (index.html with the files it loads, the manifest and icons) and a version that
 * changes with them, so each build installs afresh.
 * The worker is its own file, never part of the member bundle.
 */
function serviceWorker(): Plugin {
  let outDir = 'dist';
  return {
    name: 'dautri-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      // What index.html loads (the entry script and stylesheet); lazy chunks (boards, the
      // console) are cached by the worker when first fetched, so members never download the
      // organizers' code just by installing the app.
      const html = readFileSync(join(outDir, 'index.html'), 'utf8');
      const assets = [...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!))];
      const icons = readdirSync(join(outDir, 'icons')).map((f) => `/icons/${f}`);
      const shell = ['/index.html', '/manifest.webmanifest', '/favicon.svg', ...icons, ...assets].sort();
      const hash = createHash('sha256');
      hash.update(html);
      for (const f of shell) hash.update(f);
      const version = hash.digest('hex').slice(0, 12);
      const source = readFileSync(join(__dirname, 'sw', 'service-worker.js'), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(version))
        .replace('__SHELL__', JSON.stringify(shell));
      writeFileSync(join(outDir, 'sw.js'), source);
    },
  };
}

// The dev server proxies the API to a running dautri server
// (DAUTRI_API, default http://127.0.0.1:8080), so the app always talks to
// its own origin, as in production where the server serves `dist/`.
const apiTarget = process.env.DAUTRI_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [serviceWorker()],
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Phones in the field run older browsers; lower the syntax accordingly.
    target: ['es2020', 'chrome87', 'safari14', 'firefox78'],
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget },
    },
  },
  preview: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
