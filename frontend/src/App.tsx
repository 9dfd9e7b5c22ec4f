import { useEffect, useRef } from 'preact/hooks';
import { api } from './api';
import { OfflineBanner } from './components/OfflineBanner';
import { AttemptPage } from './pages/Attempt';
import { CertificatePage } from './pages/Certificate';
import { HomePage } from './pages/Home';
import { LoginPage } from './pages/Login';
import { RegisterPage } from './pages/Register';
import { LeaderboardPage } from './pages/Leaderboard';
import { LivePage } from './pages/Live';
import { ResultPage } from './pages/Result';
import { TheoryPage } from './pages/Theory';
import {
  attemptIdOf,
  boardRouteOf,
  certificateCodeOf,
  navigate,
  resolveRoute,
  routes,
  safeNext,
  useLocation,
} from './router';

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
      <header class="topbar">
        <span class="topbar__org">Đoàn TNCS Hồ Chí Minh</span>
        <span class="topbar__app">Thi trực tuyến</span>
      </header>
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
      {certificateCode && <CertificatePage key={`c-${certificateCode}`} code={certificateCode} />}
    </>
  );
}
