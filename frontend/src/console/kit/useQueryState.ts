import { navigate, useLocation } from '../../router';

/**
 * A list's state (page, sort, filters, search) kept in the address bar, so Back, reload and a
 * shared link all show the same list. Reads `?key=value` and writes with `replaceState`
 * (typing in a search box should not fill the history).
 */
export function useQueryState(): {
  query: URLSearchParams;
  get: (key: string, fallback?: string) => string;
  getNumber: (key: string, fallback: number) => number;
  set: (changes: Record<string, string | number | null | undefined>, opts?: { push?: boolean }) => void;
} {
  useLocation(); // re-render on navigation
  const query = new URLSearchParams(window.location.search);
  return {
    query,
    get: (key, fallback = '') => query.get(key) ?? fallback,
    getNumber: (key, fallback) => {
      const n = Number(query.get(key));
      return query.has(key) && Number.isFinite(n) ? n : fallback;
    },
    set: (changes, opts = {}) => {
      const next = new URLSearchParams(window.location.search);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === undefined || v === '') next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      const url = `${window.location.pathname}${qs ? `?${qs}` : ''}`;
      navigate(url, window.history.state ?? {}, !opts.push);
    },
  };
}
