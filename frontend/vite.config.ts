import { defineConfig } from 'vitest/config';

// The dev server proxies the API to a running dautri server
// (DAUTRI_API, default http://127.0.0.1:8080), so the app always talks to
// its own origin, as in production where the server serves `dist/`.
const apiTarget = process.env.DAUTRI_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
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
