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

/** The app's one API client: same origin, tokens in localStorage. */
export const api = createApiClient({
  tokens: browserTokenStore(),
  onAuthFailure: () => {
    navigate(routes.login, { notice: 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.' }, true);
  },
});

export { ApiError } from './problem';
export type * from './types';
