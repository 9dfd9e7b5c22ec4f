import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';
import { OfflineBanner } from './components/OfflineBanner';
import { AttemptPage } from './pages/Attempt';
import { CertificatePage } from './pages/Certificate';
import { HomePage } from './pages/Home';
import { LoginPage } from './pages/Login';
import { RegisterPage } from './pages/Register';
import { LeaderboardPage } from './pages/Leaderboard';
import { ResultPage } from './pages/Result';
import { TheoryPage } from './pages/Theory';
import {
  attemptIdOf,
  boardRouteOf,
  certificateCodeOf,
  isConsolePath,
  linkClick,
  navigate,
  resolveRoute,
  routes,
  safeNext,
  useLocation,
} from './router';
import { useMe } from './session';

const TITLES: Record<string, string> = {
  [routes.home]: 'Trang chủ',
  [routes.login]: 'Đăng nhập',
  [routes.register]: 'Đăng ký',
  [routes.theory]: 'Học lý luận',
};

export function App() {
  const { path, state } = useLocation();
  const target = resolveRoute(path, api.isLoggedIn());
  const attemptRoute = attemptIdOf(target);
  const boardRoute = boardRouteOf(target);
  const certificateCode = certificateCodeOf(target);
  const inConsole = isConsolePath(target);
  const me = useMe();
  const manager = (me?.roles ?? []).length > 0;

  useEffect(() => {
    if (target === path) return;
    // Sent to log in from a page worth coming back to (a shared board link, the big screen).
    const back = target === routes.login ? safeNext(path + window.location.search) : null;
    navigate(target, back ? { ...state, next: back } : state, true);
  }, [target, path]);

  const first = useRef(true);
  useEffect(() => {
    const title = attemptRoute
      ? attemptRoute.page === 'attempt'
        ? 'Làm bài'
        : 'Kết quả'
      : boardRoute
        ? boardRoute.page === 'live'
          ? 'Trực tiếp'
          : 'Bảng xếp hạng'
        : certificateCode
          ? 'Giấy chứng nhận'
          : inConsole
            ? 'Quản lý'
            : (TITLES[target] ?? '');
    document.title = `${title} · Thi trực tuyến`;
    // After an in-app navigation, move focus to the new page's heading so
    // screen readers announce it (not on the first load).
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>('#main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [target]);

  return (
    <>
      <a class="skip-link" href="#main">
        Bỏ qua đến nội dung
      </a>
      {/* The big screen is projected: no app header, every pixel for the standings. */}
      {boardRoute?.page !== 'live' && (
      <header class={`topbar${inConsole ? ' topbar--console' : ''}`}>
        <span class="topbar__brand">
          <span class="topbar__org">Đoàn TNCS Hồ Chí Minh</span>
          <span class="topbar__app">{inConsole ? 'Quản lý cuộc thi' : 'Thi trực tuyến'}</span>
        </span>
        {/* The console's entry, for people who hold a management role (the server decides the rest). */}
        {manager && !inConsole && (
          <a class="topbar__link" href={routes.console} onClick={linkClick(routes.console)} data-testid="console-link">
            Quản lý
          </a>
        )}
        {inConsole && (
          <a class="topbar__link" href={routes.home} onClick={linkClick(routes.home)}>
            Trang Đoàn viên
          </a>
        )}
      </header>
      )}
      {/* The attempt screen shows the connection in its own sticky bar, next to the timer. */}
      {attemptRoute?.page !== 'attempt' && boardRoute?.page !== 'live' && <OfflineBanner />}
      {target === routes.home && <HomePage />}
      {target === routes.login && <LoginPage key={`login-${state.phone ?? ''}`} state={state} />}
      {target === routes.register && <RegisterPage />}
      {attemptRoute?.page === 'attempt' && <AttemptPage key={`a-${attemptRoute.id}`} id={attemptRoute.id} />}
      {attemptRoute?.page === 'result' && <ResultPage key={`r-${attemptRoute.id}`} id={attemptRoute.id} />}
      {boardRoute?.page === 'round-board' && (
        <LeaderboardPage key={`b-${boardRoute.id}`} scope={{ kind: 'round', id: boardRoute.id }} />
      )}
      {boardRoute?.page === 'contest-board' && (
        <LeaderboardPage key={`c-${boardRoute.id}`} scope={{ kind: 'contest', id: boardRoute.id }} />
      )}
      {boardRoute?.page === 'live' && <LazyLive key={`l-${boardRoute.id}`} roundId={boardRoute.id} />}
      {target === routes.theory && <TheoryPage />}
      {certificateCode && <CertificatePage key={`c-${certificateCode}`} code={certificateCode} />}
      {inConsole && <LazyConsole path={target} />}
    </>
  );
}

type LiveModule = typeof import('./pages/Live');

/** The big screen is its own chunk too: only the organizers who project it download it. */
function LazyLive({ roundId }: { roundId: string }) {
  const [module, setModule] = useState<LiveModule | null>(null);
  const [failed, setFailed] = useState(false);
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    let live = true;
    import('./pages/Live').then(
      (m) => live && setModule(m),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [retry]);
  if (failed) {
    return (
      <main class="page" id="main">
        <h1>Kết quả trực tiếp</h1>
        <p class="message message--error" role="alert">
          Không tải được màn hình trực tiếp. Vui lòng kiểm tra mạng và thử lại.
        </p>
        <button type="button" class="button" onClick={() => (setFailed(false), setRetry((n) => n + 1))}>
          Thử lại
        </button>
      </main>
    );
  }
  if (!module) {
    return (
      <main class="page" id="main">
        <p class="muted">Đang tải màn hình trực tiếp…</p>
      </main>
    );
  }
  return <module.LivePage roundId={roundId} />;
}

type ConsoleModule = { default: FunctionComponent<{ path: string }> };
type ConsoleLoad = { state: 'loading' } | { state: 'failed' } | { state: 'ready'; module: ConsoleModule };

/** The console is its own chunk: members never download it. */
function LazyConsole({ path }: { path: string }) {
  const [load, setLoad] = useState<ConsoleLoad>({ state: 'loading' });
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    let live = true;
    import('./console/Console').then(
      (module) => live && setLoad({ state: 'ready', module }),
      () => live && setLoad({ state: 'failed' }),
    );
    return () => {
      live = false;
    };
  }, [retry]);
  if (load.state === 'failed') {
    return (
      <main class="page" id="main">
        <h1>Quản lý</h1>
        <p class="message message--error" role="alert">
          Không tải được khu vực Quản lý. Vui lòng kiểm tra mạng và thử lại.
        </p>
        <button type="button" class="button" onClick={() => (setLoad({ state: 'loading' }), setRetry((n) => n + 1))}>
          Thử lại
        </button>
      </main>
    );
  }
  if (load.state === 'loading') {
    return (
      <main class="page" id="main">
        <p class="muted">Đang tải khu vực Quản lý…</p>
      </main>
    );
  }
  const Console = load.module.default;
  return <Console path={path} />;
}
