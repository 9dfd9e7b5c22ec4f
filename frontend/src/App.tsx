import { useEffect } from 'preact/hooks';
import { api } from './api';
import { HomePage } from './pages/Home';
import { LoginPage } from './pages/Login';
import { RegisterPage } from './pages/Register';
import { navigate, resolveRoute, routes, useLocation } from './router';

const TITLES: Record<string, string> = {
  [routes.home]: 'Trang chủ',
  [routes.login]: 'Đăng nhập',
  [routes.register]: 'Đăng ký',
};

export function App() {
  const { path, state } = useLocation();
  const target = resolveRoute(path, api.isLoggedIn());

  useEffect(() => {
    if (target !== path) navigate(target, state, true);
  }, [target, path]);

  useEffect(() => {
    document.title = `${TITLES[target] ?? ''} · Thi trực tuyến`;
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
      {target === routes.home && <HomePage />}
      {target === routes.login && <LoginPage key={`login-${state.phone ?? ''}`} state={state} />}
      {target === routes.register && <RegisterPage />}
    </>
  );
}
