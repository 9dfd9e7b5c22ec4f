import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Me, RoleAssignment, UnitBrief, UnitWithAncestors } from '../api/types';
import { ContestList } from '../components/ContestList';
import { FormMessage } from '../components/Field';
import { useOnline } from '../components/OfflineBanner';
import { linkClick, navigate, routes } from '../router';

const ROLE_LABELS: Record<string, string> = {
  member: 'Đoàn viên',
  organizer: 'Ban Tổ chức',
  unit_admin: 'Quản trị đơn vị',
  admin: 'Quản trị hệ thống',
};

/** Every account is a member; the server lists only the roles beyond that. */
export function roleLabels(roles: Me['roles'] | undefined): string[] {
  const names = (roles ?? []).map((r) => (typeof r === 'string' ? r : (r as RoleAssignment).role));
  return [...new Set(['member', ...names])].map((n) => ROLE_LABELS[n] ?? n);
}

/** What home needs of my course: whether I must take it, and how far I am. */
interface TheoryBrief {
  required: boolean;
  passed: number;
  total: number;
}

/** The course is due when I must take it (admitted on or after my unit's date) and have not finished it. */
export function isDue(t: TheoryBrief): boolean {
  return t.required && t.passed < t.total;
}

/** The one reminder of the course on home, for those who must take it. */
function TheoryDue({ theory }: { theory: TheoryBrief }) {
  if (!isDue(theory)) return null;
  return (
    <section class="card" aria-labelledby="theory-due-title" data-testid="theory-due">
      <h2 id="theory-due-title">Học lý luận chính trị</h2>
      <p>
        Đoàn viên mới cần hoàn thành {theory.total} bài học lý luận chính trị. Bạn đã đạt {theory.passed}/{theory.total} bài.
      </p>
      <a class="button button--primary" href={routes.theory} onClick={linkClick(routes.theory)} data-testid="theory-link">
        {theory.passed > 0 ? 'Học tiếp' : 'Bắt đầu học'}
      </a>
    </section>
  );
}

type Load =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; me: Me };

export function HomePage() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [unit, setUnit] = useState<UnitBrief | UnitWithAncestors | null>(null);
  const [unitFailed, setUnitFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [loggingOut, setLoggingOut] = useState(false);
  const [theory, setTheory] = useState<TheoryBrief | null>(null);
  const online = useOnline();

  // Opened (or reloaded) without a network, home loads everything again once it is back.
  const wasOffline = useRef(false);
  useEffect(() => {
    if (!online) wasOffline.current = true;
    else if (wasOffline.current) {
      wasOffline.current = false;
      setAttempt((a) => a + 1);
    }
  }, [online]);

  useEffect(() => {
    const controller = new AbortController();
    // No course (404) or a failure: home simply has no theory line.
    api
      .myTheory(controller.signal)
      .then((t) => setTheory({ required: t.required, passed: t.passed_lessons, total: t.total_lessons }))
      .catch(() => {});
    return () => controller.abort();
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setLoad({ state: 'loading' });
    setUnitFailed(false);
    api
      .me(controller.signal)
      .then((me) => {
        setLoad({ state: 'ready', me });
        if (me.unit) setUnit(me.unit);
        else if (me.unit_id) {
          api
            .unit(me.unit_id, controller.signal)
            .then(setUnit)
            .catch(() => {
              // The unit name is a nicety: the page works without it.
              if (!controller.signal.aborted) setUnitFailed(true);
            });
        }
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) return; // the client went to the login page
        setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được thông tin.' });
      });
    return () => controller.abort();
  }, [attempt]);

  async function logout() {
    setLoggingOut(true);
    await api.logout();
    navigate(routes.login, { notice: 'Bạn đã đăng xuất.' }, true);
  }

  const me = load.state === 'ready' ? load.me : null;
  if (load.state === 'error' && !online) {
    return (
      <main class="page" id="main">
        <section class="card offline-state" data-testid="offline-state">
          <h1>Bạn đang ngoại tuyến</h1>
          <p>Không có kết nối mạng nên chưa tải được cuộc thi và kết quả của bạn.</p>
          <p class="muted">Trang sẽ tự tải lại khi có mạng trở lại. Bài thi đang làm dở vẫn được giữ trên máy.</p>
        </section>
      </main>
    );
  }
  const unitName = unit?.name ?? null;
  const unitPath = unit && 'ancestors' in unit ? unit.ancestors?.map((a) => a.name).join(' › ') : undefined;

  return (
    <main class="page" id="main">
      <section class="card profile" aria-labelledby="profile-title" aria-busy={load.state === 'loading'}>
        <h1 id="profile-title" class="visually-hidden">
          Trang chủ
        </h1>
        {load.state === 'loading' && <p class="muted">Đang tải thông tin…</p>}
        {load.state === 'error' && (
          <>
            <FormMessage kind="error">{load.message}</FormMessage>
            <button type="button" class="button" onClick={() => setAttempt((a) => a + 1)}>
              Thử lại
            </button>
          </>
        )}
        {me && (
          <>
            <p class="muted">Xin chào,</p>
            <p class="profile__name" data-testid="full-name">
              {me.full_name}
            </p>
            <dl class="profile__facts">
              <div>
                <dt>Đơn vị</dt>
                <dd data-testid="unit-name">
                  {unitName ?? <span class="muted">{unitFailed ? 'Không tải được tên đơn vị' : 'Đang tải…'}</span>}
                  {unitPath && <span class="profile__path">{unitPath}</span>}
                </dd>
              </div>
              <div>
                <dt>Vai trò</dt>
                <dd data-testid="roles">{roleLabels(me.roles).join(', ')}</dd>
              </div>
            </dl>
          </>
        )}
        {/* Học lý luận is open to everyone; only those who must take it get the reminder below. */}
        <p class="profile__links">
          {theory && !isDue(theory) && (
            <>
              <a href={routes.theory} onClick={linkClick(routes.theory)} data-testid="theory-link">
                Học lý luận chính trị
              </a>
              {' · '}
            </>
          )}
          <a href={routes.study} onClick={linkClick(routes.study)} data-testid="study-link">
            Học tập
          </a>
          {' · '}
          <a href={routes.account} onClick={linkClick(routes.account)} data-testid="account-link">
            Tài khoản
          </a>
        </p>
        <button
          type="button"
          class="button button--ghost"
          onClick={logout}
          disabled={loggingOut}
          aria-busy={loggingOut}
        >
          {loggingOut ? 'Đang đăng xuất…' : 'Đăng xuất'}
        </button>
      </section>

      <ContestList key={attempt} />
      {theory && <TheoryDue theory={theory} />}
    </main>
  );
}
