/** The console's addresses: /quan-ly/<section>/<rest…>?<query>. */
export const CONSOLE_ROOT = '/quan-ly';

export function consolePath(section?: string, ...parts: Array<string | Record<string, string | number | null | undefined>>): string {
  const rest: string[] = [];
  let query = '';
  for (const p of parts) {
    if (typeof p === 'string') rest.push(encodeURIComponent(p));
    else {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(p)) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
      const s = params.toString();
      query = s ? `?${s}` : '';
    }
  }
  const path = [CONSOLE_ROOT, section, ...rest].filter(Boolean).join('/');
  return `${path}${query}`;
}

/** The section key and the rest of a console path, or null when the path is not the console's. */
export function parseConsolePath(path: string): { section: string | null; rest: string[] } | null {
  if (path !== CONSOLE_ROOT && !path.startsWith(`${CONSOLE_ROOT}/`)) return null;
  const parts = path
    .slice(CONSOLE_ROOT.length)
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { section: parts[0] ?? null, rest: parts.slice(1) };
}
