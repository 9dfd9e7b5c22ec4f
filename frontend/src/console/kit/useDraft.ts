import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';

/**
 * Form state that outlives the page: kept in localStorage under the signed-in person's id, so
 * a session that expires mid-edit (the sign-in page comes, then brings the officer back), a
 * reload or a closed tab never loses a half-written contest or question. `clear()` once the
 * server has accepted it. Another person signing in on the same browser never sees it.
 */
export function useDraft<T>(key: string, initial: T): [T, (next: T | ((prev: T) => T)) => void, { clear: () => void; restored: boolean }] {
  const storageKey = `dautri.draft.${ownerOf()}.${key}`;
  const restoredRef = useRef(false);
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = window.localStorage.getItem(storageKey);
      if (raw) {
        const parsed = JSON.parse(raw) as { v: T };
        restoredRef.current = true;
        return parsed.v;
      }
    } catch {
      /* storage disabled or a corrupt draft: start afresh */
    }
    return initial;
  });
  const cleared = useRef(false);

  useEffect(() => {
    if (cleared.current) return;
    const t = setTimeout(() => {
      try {
        window.localStorage.setItem(storageKey, JSON.stringify({ v: value, at: Date.now() }));
      } catch {
        /* storage full: the form still works, it just is not kept */
      }
    }, 300);
    return () => clearTimeout(t);
  }, [storageKey, value]);

  const set = (next: T | ((prev: T) => T)) => {
    cleared.current = false;
    setValue(next as T);
  };
  const clear = () => {
    cleared.current = true;
    try {
      window.localStorage.removeItem(storageKey);
    } catch {
      /* ignore */
    }
  };
  return [value, set, { clear, restored: restoredRef.current }];
}

/** Who the drafts belong to: the access token's subject, read without verifying (it is ours). */
function ownerOf(): string {
  const token = api.tokens.get()?.access_token;
  if (!token) return 'anon';
  try {
    const payload = token.split('.')[1] ?? '';
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string };
    return json.sub ?? 'anon';
  } catch {
    return 'anon';
  }
}
