import { useEffect, useRef } from 'preact/hooks';
import { api } from './api';
import { lazyPage } from './components/LazyPage';
import { OfflineBanner } from './components/OfflineBanner';
import { AttemptPage } from './pages/Attempt';
import { CertificatePage } from './pages/Certificate';
import { HomePage } from './pages/Home';
import { LoginPage } from './pages/Login';
import { ResultPage } from './pages/Result';
import { StudyPage } from './pages/Study';
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
  studyIdOf,
  useLocation,
} from './router';
import { useMe } from './session';

// Pages that are not on a member's first screen are their own chunks, loaded when opened: the
// boards, the big screen, the pages members rarely open, and the console (members never
// download it). scripts/bundle-size.mjs holds the member bundle to its budget.
const LeaderboardPage = lazyPage(() => import('./pages/Leaderboard').then((m) => m.LeaderboardPage), 'Bảng xếp hạng');
const LivePage = lazyPage(() => import('./pages/Live').then((m) => m.LivePage), 'Kết quả trực tiếp');
// Registration is visited once; its unit picker (search and the tree, level by level) need not
// weigh on every later visit.
const RegisterPage = lazyPage(() => import('./pages/Register').then((m) => m.RegisterPage), 'Đăng ký');
const ForgotPasswordPage = lazyPage(() => import('./pages/ForgotPassword').then((m) => m.default), 'Quên mật khẩu');
const AccountPage = lazyPage(() => import('./pages/Account').then((m) => m.default), 'Tài khoản');
const Console = lazyPage(() => import('./console/Console').then((m) => m.default), 'Quản lý');

const TITLES: Record<string, string> = {
  [routes.home]: 'Trang chủ',
  [routes.login]: 'Đăng nhập',
  [routes.register]: 'Đăng ký',
  [routes.theory]: 'Học lý luận',
  [routes.study]: 'Học tập',
  [routes.forgot]: 'Quên mật khẩu',
  [routes.account]: 'Tài khoản',
};

export function App() {
  const { path, state } = useLocation();
  const target = resolveRoute(path, api.isLoggedIn());
  const attemptRoute = attemptIdOf(target);
  const boardRoute = boardRouteOf(target);
  const certificateCode = certificateCodeOf(target);
  const studyId = studyIdOf(target);
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
          : studyId
            ? 'Học tập'
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
      {boardRoute?.page === 'live' && <LivePage key={`l-${boardRoute.id}`} roundId={boardRoute.id} />}
      {target === routes.theory && <TheoryPage />}
      {target === routes.study && <StudyPage />}
      {studyId && <TheoryPage key={`s-${studyId}`} courseId={studyId} />}
      {target === routes.forgot && <ForgotPasswordPage key="forgot" />}
      {target === routes.account && <AccountPage key="account" />}
      {certificateCode && <CertificatePage key={`c-${certificateCode}`} code={certificateCode} />}
      {inConsole && <Console path={target} />}
    </>
  );
}
