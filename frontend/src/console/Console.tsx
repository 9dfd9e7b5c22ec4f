import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { linkClick, routes } from '../router';
import { Overview } from './Overview';
import { consolePath, parseConsolePath } from './paths';
import { loadScope, managesAnything, scopeLabel, type Scope } from './scope';
import { SECTIONS, type Section, type SectionProps } from './sections';
import { ProblemMessage } from './kit/ProblemMessage';
import './console.css';

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; scope: Scope };

/** Sections already loaded, so moving between them does not fetch their code again. */
const loaded = new Map<string, FunctionComponent<SectionProps>>();

/**
 * The "Quản lý" area: its own navigation, the scope always in view, each section loaded when
 * opened. Only for people with a management role; the member screens stay as they are.
 */
export default function Console({ path }: { path: string }) {
  const { section, rest } = parseConsolePath(path) ?? { section: null, rest: [] };
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [retry, setRetry] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    loadScope(controller.signal)
      .then((scope) => setLoad({ state: 'ready', scope }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) return; // the client went to sign in
        setLoad({ state: 'error', error });
      });
    return () => controller.abort();
  }, [retry]);

  if (load.state === 'loading') {
    return (
      <main class="page" id="main">
        <h1 class="visually-hidden">Quản lý</h1>
        <p class="muted">Đang tải khu vực quản lý…</p>
      </main>
    );
  }
  if (load.state === 'error') {
    return (
      <main class="page" id="main">
        <h1>Quản lý</h1>
        <ProblemMessage error={load.error} onRetry={() => setRetry((n) => n + 1)} />
      </main>
    );
  }
  const { scope } = load;
  if (!managesAnything(scope.me)) {
    return (
      <main class="page" id="main">
        <h1>Quản lý</h1>
        <p class="message message--warn">
          Khu vực Quản lý dành cho Ban Tổ chức, Quản trị đơn vị và Quản trị hệ thống. Tài khoản của bạn chưa được giao vai trò
          nào trong số này; nếu cần, hãy liên hệ Quản trị đơn vị của bạn.
        </p>
        <a class="button" href={routes.home} onClick={linkClick(routes.home)}>
          Về Trang chủ
        </a>
      </main>
    );
  }

  const nav = SECTIONS.filter((s) => s.nav && (s.visible?.(scope) ?? true));
  const current = section ? SECTIONS.find((s) => s.key === section) : null;

  return (
    <div class="console">
      <div class="console__bar">
        <p class="console__scope" data-testid="console-scope">
          <span class="console__scope-label">Phạm vi quản lý:</span> {scopeLabel(scope)}
        </p>
      </div>
      <div class="console__body">
        <nav class="console__nav" aria-label="Khu vực quản lý">
          <ul>
            <li>
              <a href={consolePath()} onClick={linkClick(consolePath())} aria-current={section === null ? 'page' : undefined}>
                Tổng quan
              </a>
            </li>
            {nav.map((s) => (
              <li key={s.key}>
                <a
                  href={consolePath(s.key)}
                  onClick={linkClick(consolePath(s.key))}
                  aria-current={s.key === section ? 'page' : undefined}
                >
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main class="console__main" id="main">
          {section === null && <Overview scope={scope} sections={nav} />}
          {section !== null && !current && <NotFound />}
          {current && <SectionView key={current.key} section={current} rest={rest} scope={scope} />}
        </main>
      </div>
    </div>
  );
}

function SectionView({ section, rest, scope }: { section: Section; rest: string[]; scope: Scope }) {
  const [Component, setComponent] = useState<FunctionComponent<SectionProps> | null>(() => loaded.get(section.key) ?? null);
  const [error, setError] = useState<unknown>(null);
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    if (Component) return;
    let live = true;
    section
      .load()
      .then((m) => {
        loaded.set(section.key, m.default);
        if (live) setComponent(() => m.default);
      })
      .catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [retry]);
  if (error) {
    return (
      <div class="message message--error" role="alert">
        <p>Không tải được trang này (mạng chập chờn hoặc ứng dụng vừa được cập nhật). Vui lòng thử lại.</p>
        <button type="button" class="button button--small" onClick={() => (setError(null), setRetry((n) => n + 1))}>
          Thử lại
        </button>
      </div>
    );
  }
  if (!Component) return <p class="muted">Đang tải…</p>;
  return <Component rest={rest} query={new URLSearchParams(window.location.search)} scope={scope} />;
}

function NotFound() {
  return (
    <>
      <h1>Không tìm thấy trang</h1>
      <p>Địa chỉ này không có trong khu vực Quản lý.</p>
      <a class="button" href={consolePath()} onClick={linkClick(consolePath())}>
        Về Tổng quan
      </a>
    </>
  );
}
