import { useState } from 'preact/hooks';
import { api } from '../api';
import { errorsForForm } from '../api/problem';
import { focusFirstError, FormMessage, PasswordField, TextField } from '../components/Field';
import { busyText, useBusyRetry, waitText } from '../components/useBusyRetry';
import { linkClick, navigate, routes, safeNext, type NavState } from '../router';

const FIELDS = ['phone', 'password'] as const;
type Errors = Partial<Record<(typeof FIELDS)[number], string>>;

export function LoginPage({ state }: { state: NavState }) {
  const [phone, setPhone] = useState(state.phone ?? '');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const busy = useBusyRetry();

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (submitting) return;
    busy.cancel();
    setGeneral(null);
    const clientErrors: Errors = {};
    if (!phone.trim()) clientErrors.phone = 'Vui lòng nhập số điện thoại.';
    if (!password) clientErrors.password = 'Vui lòng nhập mật khẩu.';
    if (Object.keys(clientErrors).length) {
      setErrors(clientErrors);
      focusFirstError(FIELDS, clientErrors);
      return;
    }
    setErrors({});
    await submit({ phone: phone.replace(/[\s.-]/g, ''), password });
  }

  /** Signs in; when the server is busy, waits the time it asks and tries again by itself. */
  async function submit(body: { phone: string; password: string }) {
    setSubmitting(true);
    try {
      await api.login(body);
      navigate(safeNext(state.next) ?? routes.home, {}, true);
    } catch (err) {
      if (busy.handle(err, () => void submit(body))) return;
      const { fields, general: message } = errorsForForm(err, FIELDS);
      setErrors(fields as Errors);
      setGeneral(message);
      focusFirstError(FIELDS, fields);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <main class="page" id="main">
      <h1>Đăng nhập</h1>
      {state.notice && !general && <FormMessage kind="notice">{state.notice}</FormMessage>}
      <form onSubmit={onSubmit} noValidate aria-label="Đăng nhập">
        <TextField
          id="phone"
          label="Số điện thoại"
          type="tel"
          inputMode="tel"
          value={phone}
          onValue={(v) => {
            setPhone(v);
            if (errors.phone) setErrors((p) => ({ ...p, phone: undefined }));
          }}
          error={errors.phone}
          autoComplete="tel"
          maxLength={20}
        />
        <PasswordField
          id="password"
          label="Mật khẩu"
          value={password}
          onValue={(v) => {
            setPassword(v);
            if (errors.password) setErrors((p) => ({ ...p, password: undefined }));
          }}
          error={errors.password}
          autoComplete="current-password"
        />
        {/* Next to the button, where the member is looking after tapping it. */}
        {general && <FormMessage kind="error">{general}</FormMessage>}
        {busy.secondsLeft !== null && (
          <FormMessage kind="notice">{busyText('đăng nhập', busy.secondsLeft)}</FormMessage>
        )}
        <button
          type="submit"
          class="button button--primary"
          disabled={submitting || busy.secondsLeft !== null}
          aria-busy={submitting || busy.secondsLeft !== null}
        >
          {busy.secondsLeft !== null
            ? `Đang chờ (${waitText(busy.secondsLeft)})…`
            : submitting
              ? 'Đang đăng nhập…'
              : 'Đăng nhập'}
        </button>
      </form>
      <p class="switch">
        <a href={routes.forgot} onClick={linkClick(routes.forgot)}>
          Quên mật khẩu?
        </a>
      </p>
      <p class="switch">
        Chưa có tài khoản?{' '}
        <a href={routes.register} onClick={linkClick(routes.register)}>
          Đăng ký
        </a>
      </p>
    </main>
  );
}
