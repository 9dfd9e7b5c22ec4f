// The app's service worker (built into dist/sw.js by vite.config.ts, which fills in VERSION and
// SHELL: the hash of this build and the files of its app shell).
//
// What it does, and why no more:
// - Page loads (navigations) go to the network first; without a network they get the cached
//   index.html, so a reload offline — mid-attempt included — shows the app, not the browser's
//   error page. Every page of the app is the same index.html (client-side routes).
// - The built files (/assets/…, hashed, never changing) and the icons come from the cache.
// - /api/ is never touched: not intercepted, never cached. Answers, results, names and tokens
//   are personal and the Cache Storage is shared by everyone using this browser profile; the
//   attempt's own offline queue (localStorage, per attempt) keeps unsent answers and resends them,
//   exactly as without a service worker. Nothing personal is ever in this cache: only the shell.
// A new build changes this file (VERSION), so the browser installs the new shell and the old
// cache is deleted when it takes over.

const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const CACHE = `dautri-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('dautri-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The API (and the server's probes) always go to the network, untouched.
  if (url.pathname.startsWith('/api/') || url.pathname === '/api' || /^\/(healthz|readyz|metrics)$/.test(url.pathname)) return;

  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() =>
        caches.match('/index.html', { cacheName: CACHE }).then((hit) => hit || Response.error()),
      ),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/')) {
    event.respondWith(
      caches.match(request, { cacheName: CACHE }).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            // Hashed files never change: keep what the shell did not list (a lazy chunk).
            if (response.ok && url.pathname.startsWith('/assets/')) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});
