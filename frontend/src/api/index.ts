import { createApiClient, memoryTokenStore, storageTokenStore, type TokenStore } from './client';
import { navigate, routes } from '../router';

function browserTokenStore(): TokenStore {
  try {
    const probe = '__dautri_probe__';
    window.localStorage.setItem(probe, '1');
    window.localStorage.removeItem(probe);
    return storageTokenStore(window.localStorage);
  } catch {
    return memoryTokenStore();
  }
}

/** Serialises token refreshes across tabs where the browser has Web Locks. */
function webLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request(name, fn) : fn();
}

/** The app's one API client: same origin, tokens in localStorage. */
export const api = createApiClient({
  tokens: browserTokenStore(),
  lock: webLock,
  onAuthFailure: () => {
    navigate(routes.login, { notice: 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.' }, true);
  },
});

export { ApiError } from './problem';
export type * from './types';
