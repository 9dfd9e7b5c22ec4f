import type { KeyValueStorage } from '../api/client';

/** localStorage when usable (private mode on some phones throws), else null. */
export function localStore(): KeyValueStorage | null {
  try {
    const probe = '__dautri_probe__';
    window.localStorage.setItem(probe, '1');
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    return null;
  }
}

export function sessionGet(key: string): string | null {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function sessionSet(key: string, value: string): void {
  try {
    window.sessionStorage.setItem(key, value);
  } catch {
    /* ignore */
  }
}

export const isOnline = () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false);
