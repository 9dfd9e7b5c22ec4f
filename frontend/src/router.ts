import { useEffect, useState } from 'preact/hooks';

/**
 * A tiny history-API router: the server answers index.html for unknown
 * non-API GET paths, so clean URLs survive a reload.
 */
export const routes = {
  home: '/',
  login: '/dang-nhap',
  register: '/dang-ky',
  /** Quên mật khẩu: a new password with a code from the unit admin (signed out). */
  forgot: '/quen-mat-khau',
  /** Tài khoản: my profile, password and personal data. */
  account: '/tai-khoan',
  /** /lam-bai/{attempt id}: taking an attempt (reload-safe: the id is in the URL). */
  attempt: '/lam-bai',
  /** /ket-qua/{attempt id}: an attempt's result. */
  result: '/ket-qua',
  /** /bang-xep-hang/{round id}: a round's leaderboard. */
  roundBoard: '/bang-xep-hang',
  /** /bang-xep-hang-chung/{contest id}: a contest's cumulative leaderboard. */
  contestBoard: '/bang-xep-hang-chung',
  /** /live/{round id}: the organizers' big-screen live standings (also /truc-tiep/{round id}). */
  live: '/live',
  /** /vao-thi/{round id}: the join address the big screen's QR code holds. */
  join: '/vao-thi',
  /** Học lý luận: my political-theory lessons, tests and certificate. */
  theory: '/hoc-ly-luan',
  /** Học tập: the study programmes that apply to me; /hoc-tap/{course id} is one of them. */
  study: '/hoc-tap',
  /** /certificates/{code}: a certificate's public page (the QR code points here). */
  certificate: '/certificates',
  /** Quản lý: the organizers' console (/quan-ly/<section>/…), for people with a management role. */
  console: '/quan-ly',
} as const;

/** Whether a path is the console's (/quan-ly or below). */
export function isConsolePath(path: string): boolean {
  return path === routes.console || path.startsWith(`${routes.console}/`);
}

export type RouteName = keyof typeof routes;

const ID = /^[0-9a-fA-F-]{8,64}$/;

export const attemptPath = (id: string) => `${routes.attempt}/${id}`;
export const resultPath = (id: string) => `${routes.result}/${id}`;

export const roundBoardPath = (roundId: string) => `${routes.roundBoard}/${roundId}`;
export const contestBoardPath = (contestId: string) => `${routes.contestBoard}/${contestId}`;
export const livePath = (roundId: string) => `${routes.live}/${roundId}`;

export type BoardPage = 'round-board' | 'contest-board' | 'live';

/**
 * The page and id of a board URL (/bang-xep-hang/{id}, /bang-xep-hang-chung/{id}, and the big
 * screen at /live/{id} or its older address /truc-tiep/{id}), else null.
 */
export function boardRouteOf(path: string): { page: BoardPage; id: string } | null {
  const m = /^\/(bang-xep-hang|bang-xep-hang-chung|truc-tiep|live)\/([^/]+)$/.exec(path);
  if (!m || !ID.test(m[2]!)) return null;
  const page: BoardPage =
    m[1] === 'bang-xep-hang' ? 'round-board' : m[1] === 'truc-tiep' || m[1] === 'live' ? 'live' : 'contest-board';
  return { page, id: m[2]! };
}

/** The attempt id in /lam-bai/{id} or /ket-qua/{id}, else null. */
export function attemptIdOf(path: string): { page: 'attempt' | 'result'; id: string } | null {
  const m = /^\/(lam-bai|ket-qua)\/([^/]+)$/.exec(path);
  if (!m || !ID.test(m[2]!)) return null;
  return { page: m[1] === 'lam-bai' ? 'attempt' : 'result', id: m[2]! };
}

export const studyPath = (courseId: string) => `${routes.study}/${courseId}`;

/** The programme's course id in /hoc-tap/{id}, else null. */
export function studyIdOf(path: string): string | null {
  const m = /^\/hoc-tap\/([^/]+)$/.exec(path);
  return m && ID.test(m[1]!) ? m[1]! : null;
}

/** Certificate codes: 10 characters of Crockford base 32, printed with a dash. */
const CODE = /^[0-9A-Za-z]{5}-?[0-9A-Za-z]{5}$/;

export const certificatePath = (code: string) => `${routes.certificate}/${code}`;

/** The code in /certificates/{code}, else null. */
export function certificateCodeOf(path: string): string | null {
  const m = /^\/certificates\/([^/]+)$/.exec(path);
  return m && CODE.test(m[1]!) ? m[1]! : null;
}

/** Where a path should really go, given whether we hold a session. */
export function resolveRoute(path: string, loggedIn: boolean): string {
  if (attemptIdOf(path) || boardRouteOf(path)) return loggedIn ? path : routes.login;
  // The API's shape of the live screen's address, for organizers who type it.
  const live = /^\/rounds\/([^/]+)\/live$/.exec(path);
  if (live && ID.test(live[1]!)) return loggedIn ? livePath(live[1]!) : routes.login;
  // The big screen's QR code: members sign in if needed, then see the open contests.
  const join = /^\/vao-thi\/([^/]+)$/.exec(path);
  if (join && ID.test(join[1]!)) return loggedIn ? routes.home : routes.login;
  // Anyone may check a certificate, signed in or not.
  if (certificateCodeOf(path)) return path;
  if (path === routes.theory || path === routes.study || studyIdOf(path) || path === routes.account || isConsolePath(path)) {
    return loggedIn ? path : routes.login;
  }
  const known = path === routes.home || path === routes.login || path === routes.register || path === routes.forgot;
  if (!known) return loggedIn ? routes.home : routes.login;
  if (path === routes.home && !loggedIn) return routes.login;
  if (path !== routes.home && loggedIn) return routes.home;
  return path;
}

/** Optional state carried to the next page (e.g. a notice, a prefilled phone). */
export interface NavState {
  notice?: string;
  phone?: string;
  /** Where to go after logging in (an in-app path the guard sent to the login page). */
  next?: string;
}

/** `next` if it is a page worth returning to after login (an in-app board, attempt or result). */
export function safeNext(next: string | undefined): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return null;
  const path = next.split('?')[0]!;
  return boardRouteOf(path) || attemptIdOf(path) || isConsolePath(path) ? next : null;
}

const listeners = new Set<() => void>();

export function currentPath(): string {
  const path = window.location.pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

export function currentState(): NavState {
  const s: unknown = window.history.state;
  return typeof s === 'object' && s !== null ? (s as NavState) : {};
}

export function navigate(path: string, state: NavState = {}, replace = false): void {
  if (replace) window.history.replaceState(state, '', path);
  else window.history.pushState(state, '', path);
  window.scrollTo(0, 0);
  listeners.forEach((l) => l());
}

export function useLocation(): { path: string; state: NavState } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    // Logging in or out in another tab changes localStorage: re-check the route.
    const onStorage = (e: StorageEvent) => {
      if (e.key === null || e.key.startsWith('dautri.')) update();
    };
    listeners.add(update);
    window.addEventListener('popstate', update);
    window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
      window.removeEventListener('storage', onStorage);
    };
  }, []);
  return { path: currentPath(), state: currentState() };
}

/** Click handler for in-app links: keeps modified clicks (new tab) working. */
export function linkClick(path: string) {
  return (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(path);
  };
}
