import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { errorsForForm } from '../api/problem';
import type { Me } from '../api/types';
import { focusFirstError, FormMessage, PasswordField, TextField } from '../components/Field';
import { loadMe } from '../session';
import { linkClick, navigate, routes } from '../router';
import { TransferSection } from './AccountTransfer';

// Tài khoản: my profile (name, birth date), a request to move to another unit, my password, a
// copy of my personal data. Loaded
// only when opened, so the member bundle does not grow.

const dmy = (iso: string | null | undefined) => (iso ? iso.split('-').reverse().join('/') : '');

export default function AccountPage() {
  const [me, setMe] = useState<Me | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    loadMe(true).then(setMe, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return;
      setFailed(err instanceof ApiError ? err.message : 'Không tải được thông tin tài khoản.');
    });
  }, []);
  return (
    <main class="page" id="main">
      <p>
        <a href={routes.home} onClick={linkClick(routes.home)}>
          ‹ Trang chủ
        </a>
      </p>
      <h1>Tài khoản</h1>
      {failed && <FormMessage kind="error">{failed}</FormMessage>}
      {!me && !failed && <p class="muted">Đang tải…</p>}
      {me && (
        <>
          <ProfileForm me={me} onSaved={setMe} />
          <TransferSection me={me} onMoved={() => void loadMe(true).then(setMe, () => {})} />
          <PasswordForm phone={me.phone} />
          <section class="card" aria-labelledby="data-title">
            <h2 id="data-title">Dữ liệu cá nhân</h2>
            <p>Tải về bản sao mọi dữ liệu hệ thống lưu về bạn: tài khoản, vai trò, các bài thi, giấy chứng nhận, phiên đăng nhập.</p>
            <DownloadData />
          </section>
        </>
      )}
    </main>
  );
}

const PROFILE_FIELDS = ['full_name', 'birth_date'] as const;
type ProfileErrors = Partial<Record<(typeof PROFILE_FIELDS)[number], string>>;

function ProfileForm({ me, onSaved }: { me: Me; onSaved: (me: Me) => void }) {
  const [name, setName] = useState(me.full_name);
  const [birth, setBirth] = useState(me.birth_date ?? '');
  const [errors, setErrors] = useState<ProfileErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setSaved(false);
    setGeneral(null);
    const mine: ProfileErrors = {};
    if (!name.trim()) mine.full_name = 'Vui lòng nhập họ và tên.';
    if (!birth) mine.birth_date = 'Vui lòng nhập ngày sinh.';
    if (Object.keys(mine).length) {
      setErrors(mine);
      focusFirstError(PROFILE_FIELDS, mine);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const next = await api.request<Me>('PATCH', '/me', { body: { full_name: name.trim(), birth_date: birth } });
      onSaved(next);
      void loadMe(true).catch(() => {});
      setSaved(true);
    } catch (err) {
      const { fields, general: message } = errorsForForm(err, PROFILE_FIELDS);
      setErrors(fields as ProfileErrors);
      setGeneral(message);
      focusFirstError(PROFILE_FIELDS, fields);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Thông tin cá nhân</h2>
      <dl class="profile__facts">
        <div>
          <dt>Số điện thoại</dt>
          <dd data-testid="account-phone">{me.phone}</dd>
        </div>
        <div>
          <dt>Đơn vị</dt>
          <dd>{me.unit.name}</dd>
        </div>
        <div>
          <dt>Ngày kết nạp</dt>
          <dd>{me.admitted_at ? dmy(me.admitted_at) : <span class="muted">Chưa có (đơn vị cập nhật)</span>}</dd>
        </div>
      </dl>
      <p class="muted">Số điện thoại và ngày kết nạp do Quản trị đơn vị cập nhật; muốn đổi đơn vị, hãy gửi đề nghị chuyển đơn vị bên dưới.</p>
      <form onSubmit={onSubmit} noValidate aria-label="Thông tin cá nhân">
        <TextField id="full_name" label="Họ và tên" value={name} onValue={(v) => (setName(v), setSaved(false))} error={errors.full_name} autoComplete="name" maxLength={100} />
        <TextField id="birth_date" label="Ngày sinh" type="date" value={birth} onValue={(v) => (setBirth(v), setSaved(false))} error={errors.birth_date} autoComplete="bday" />
        {general && <FormMessage kind="error">{general}</FormMessage>}
        {saved && <FormMessage kind="notice">Đã lưu thông tin cá nhân.</FormMessage>}
        <button type="submit" class="button button--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Đang lưu…' : 'Lưu thông tin'}
        </button>
      </form>
    </section>
  );
}

const PASSWORD_FIELDS = ['current_password', 'new_password', 'confirm'] as const;
type PasswordErrors = Partial<Record<(typeof PASSWORD_FIELDS)[number], string>>;

function PasswordForm({ phone }: { phone: string }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<PasswordErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setGeneral(null);
    const mine: PasswordErrors = {};
    if (!current) mine.current_password = 'Vui lòng nhập mật khẩu hiện tại.';
    if (!next) mine.new_password = 'Vui lòng nhập mật khẩu mới.';
    if (next && confirm !== next) mine.confirm = 'Hai lần nhập mật khẩu mới chưa khớp nhau.';
    if (Object.keys(mine).length) {
      setErrors(mine);
      focusFirstError(PASSWORD_FIELDS, mine);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await api.request<void>('POST', '/me/password', { body: { current_password: current, new_password: next } });
      // Every session ended on the server, this one too.
      api.tokens.clear();
      navigate(routes.login, { phone, notice: 'Đã đổi mật khẩu. Mọi phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại bằng mật khẩu mới.' }, true);
    } catch (err) {
      if (err instanceof ApiError && err.problem.code === 'invalid_credentials') {
        const wrong = { current_password: 'Mật khẩu hiện tại không đúng.' };
        setErrors(wrong);
        focusFirstError(PASSWORD_FIELDS, wrong);
      } else {
        const { fields, general: message } = errorsForForm(err, PASSWORD_FIELDS);
        setErrors(fields as PasswordErrors);
        setGeneral(message);
        focusFirstError(PASSWORD_FIELDS, fields);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">Đổi mật khẩu</h2>
      <p class="muted">Sau khi đổi, bạn cần đăng nhập lại trên mọi thiết bị.</p>
      <form onSubmit={onSubmit} noValidate aria-label="Đổi mật khẩu">
        <PasswordField id="current_password" label="Mật khẩu hiện tại" value={current} onValue={setCurrent} error={errors.current_password} autoComplete="current-password" />
        <PasswordField id="new_password" label="Mật khẩu mới" value={next} onValue={setNext} error={errors.new_password} hint="Từ 8 ký tự, có chữ cái và chữ số." autoComplete="new-password" />
        <PasswordField id="confirm" label="Nhập lại mật khẩu mới" value={confirm} onValue={setConfirm} error={errors.confirm} autoComplete="new-password" />
        {general && <FormMessage kind="error">{general}</FormMessage>}
        <button type="submit" class="button button--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Đang đổi…' : 'Đổi mật khẩu'}
        </button>
      </form>
    </section>
  );
}

function DownloadData() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await api.download('/me/data');
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Không tải được dữ liệu. Vui lòng thử lại.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      {error && <FormMessage kind="error">{error}</FormMessage>}
      <button type="button" class="button" onClick={download} disabled={busy} aria-busy={busy}>
        {busy ? 'Đang chuẩn bị…' : 'Tải dữ liệu cá nhân'}
      </button>
    </>
  );
}
