import { useState } from 'preact/hooks';
import { api } from '../api';
import { errorsForForm } from '../api/problem';
import { focusFirstError, FormMessage, PasswordField, TextField } from '../components/Field';
import { linkClick, navigate, routes } from '../router';

// Quên mật khẩu: there is no SMS, so the member asks their unit admin (usually the branch
// secretary) for a one-time code, then sets a new password here with it. Loaded only when
// opened, so the member bundle does not grow.

const FIELDS = ['phone', 'code', 'new_password', 'confirm'] as const;
type Errors = Partial<Record<(typeof FIELDS)[number], string>>;

export default function ForgotPasswordPage() {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setGeneral(null);
    const mine: Errors = {};
    if (!phone.trim()) mine.phone = 'Vui lòng nhập số điện thoại.';
    if (!code.trim()) mine.code = 'Vui lòng nhập mã đặt lại mật khẩu.';
    if (!password) mine.new_password = 'Vui lòng nhập mật khẩu mới.';
    if (password && confirm !== password) mine.confirm = 'Hai lần nhập mật khẩu mới chưa khớp nhau.';
    if (Object.keys(mine).length) {
      setErrors(mine);
      focusFirstError(FIELDS, mine);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const cleanPhone = phone.replace(/[\s.-]/g, '');
      await api.request<void>('POST', '/auth/password-reset', {
        auth: false,
        body: { phone: cleanPhone, code: code.trim(), new_password: password },
      });
      navigate(routes.login, { phone: cleanPhone, notice: 'Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới.' }, true);
    } catch (err) {
      const { fields, general: message } = errorsForForm(err, FIELDS);
      setErrors(fields as Errors);
      setGeneral(message);
      focusFirstError(FIELDS, fields);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="page" id="main">
      <h1>Quên mật khẩu</h1>
      <p>
        Đề nghị <strong>Quản trị đơn vị</strong> (thường là Bí thư Chi đoàn của bạn) cấp <strong>Mã đặt lại mật khẩu</strong>. Mã
        chỉ dùng được một lần, trong 30 phút. Nhập mã cùng số điện thoại đăng nhập để đặt mật khẩu mới.
      </p>
      <form onSubmit={onSubmit} noValidate aria-label="Đặt lại mật khẩu">
        <TextField id="phone" label="Số điện thoại" type="tel" inputMode="tel" value={phone} onValue={setPhone} error={errors.phone} autoComplete="tel" maxLength={20} />
        <TextField
          id="code"
          label="Mã đặt lại mật khẩu"
          value={code}
          onValue={setCode}
          error={errors.code}
          hint="8 ký tự, ví dụ ABCD-2345 (không phân biệt chữ hoa, chữ thường)"
          autoComplete="one-time-code"
          maxLength={20}
        />
        <PasswordField id="new_password" label="Mật khẩu mới" value={password} onValue={setPassword} error={errors.new_password} hint="Từ 8 ký tự, có chữ cái và chữ số." autoComplete="new-password" />
        <PasswordField id="confirm" label="Nhập lại mật khẩu mới" value={confirm} onValue={setConfirm} error={errors.confirm} autoComplete="new-password" />
        {general && <FormMessage kind="error">{general}</FormMessage>}
        <button type="submit" class="button button--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Đang xử lý…' : 'Đặt mật khẩu mới'}
        </button>
      </form>
      <p class="switch">
        Đã nhớ mật khẩu?{' '}
        <a href={routes.login} onClick={linkClick(routes.login)}>
          Đăng nhập
        </a>
      </p>
    </main>
  );
}
