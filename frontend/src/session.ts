import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { Me } from './api/types';

// The signed-in account, shared by the pages that need it (the header's "Quản lý" link, Trang
// chủ), so one page load asks GET /me once. Keyed by the refresh token: another sign-in (here
// or in another tab) is another person.

let cached: { key: string; me: Promise<Me> } | null = null;
const listeners = new Set<(me: Me | null) => void>();

function sessionKey(): string | null {
  return api.tokens.get()?.refresh_token ?? null;
}

/** The account of this session (one request per session unless `fresh`). */
export function loadMe(fresh = false, signal?: AbortSignal): Promise<Me> {
  const key = sessionKey();
  if (!key) return Promise.reject(new Error('not signed in'));
  if (!fresh && cached?.key === key) return cached.me;
  const me = api.me(signal);
  cached = { key, me };
  me.then(
    (m) => listeners.forEach((l) => l(m)),
    () => {
      if (cached?.me === me) cached = null;
    },
  );
  return me;
}

/** The account, once known; null while loading, signed out or on failure. */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  const key = sessionKey();
  useEffect(() => {
    if (!key) {
      setMe(null);
      return;
    }
    let live = true;
    const update = (m: Me | null) => live && setMe(m);
    listeners.add(update);
    loadMe().then(update, () => update(null));
    return () => {
      live = false;
      listeners.delete(update);
    };
  }, [key]);
  return key ? me : null;
}
