import { useState } from 'preact/hooks';
import { api } from '../api';
import { errorsForForm } from '../api/problem';
import type { ListedUnit, RegisterRequest } from '../api/types';
import { today, validateRegister, type RegisterErrors } from '../validation';
import { focusFirstError, FormMessage, PasswordField, TextField } from '../components/Field';
import { UnitPicker } from '../components/UnitPicker';
import { busyText, useBusyRetry, waitText } from '../components/useBusyRetry';
import { linkClick, navigate, routes } from '../router';

/** Field keys, in the order they appear (API field names). */
const FIELDS = [
  'full_name',
  'phone',
  'password',
  'birth_date',
  'unit_id',
  'citizen_id',
  'email',
  'admitted_at',
  'consent',
] as const;
type FieldName = (typeof FIELDS)[number];
type Errors = RegisterErrors;

/** The server's password rules, shown before the first try. */
const PASSWORD_RULES =
  'Từ 8 đến 128 ký tự, có ít nhất một chữ cái và một chữ số, không chứa số điện thoại và không phải mật khẩu quá phổ biến (như 12345678).';

export function RegisterPage() {
  const [fullName, setFullName] = useState('');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [birthDate, setBirthDate] = useState('');
  const [unit, setUnit] = useState<ListedUnit | null>(null);
  const [citizenId, setCitizenId] = useState('');
  const [email, setEmail] = useState('');
  const [admittedAt, setAdmittedAt] = useState('');
  const [consent, setConsent] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const busy = useBusyRetry();

  /** Editing a field clears its error. */
  function edit<T>(field: FieldName, set: (v: T) => void) {
    return (v: T) => {
      set(v);
      if (errors[field]) setErrors((prev) => ({ ...prev, [field]: undefined }));
    };
  }

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (submitting) return;
    busy.cancel();
    setGeneral(null);
    const clientErrors = validateRegister({
      full_name: fullName,
      phone,
      password,
      birth_date: birthDate,
      unit,
      admitted_at: admittedAt,
      consent,
    });
    if (Object.keys(clientErrors).length > 0) {
      setErrors(clientErrors);
      focusFirstError(FIELDS, clientErrors);
      return;
    }
    const body: RegisterRequest = {
      full_name: fullName.trim(),
      phone: phone.replace(/[\s.-]/g, ''),
      password,
      birth_date: birthDate,
      unit_id: unit!.id,
      consent,
    };
    if (citizenId.trim()) body.citizen_id = citizenId.replace(/\s/g, '');
    if (email.trim()) body.email = email.trim();
    if (admittedAt) body.admitted_at = admittedAt;

    await submit(body);
  }

  /** Registers; when the server is busy, waits the time it asks and tries again by itself. */
  async function submit(body: RegisterRequest) {
    setSubmitting(true);
    try {
      await api.register(body);
      // The server answers a number that already has an account exactly like a new one (so the
      // form tells nobody who is a member); the notice covers both without saying which.
      navigate(routes.login, {
        notice:
          'Đăng ký thành công. Mời bạn đăng nhập. Nếu số điện thoại đã có tài khoản từ trước, hãy dùng mật khẩu cũ hoặc nhờ cán bộ Đoàn đặt lại mật khẩu.',
        phone: body.phone,
      });
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
      <h1>Đăng ký tài khoản</h1>
      <p class="lead">Dành cho đoàn viên tham gia các cuộc thi trực tuyến.</p>
      <form onSubmit={onSubmit} noValidate aria-label="Đăng ký">
        <TextField
          id="full_name"
          label="Họ và tên"
          value={fullName}
          onValue={edit('full_name', setFullName)}
          error={errors.full_name}
          autoComplete="name"
          maxLength={200}
        />
        <TextField
          id="phone"
          label="Số điện thoại"
          type="tel"
          inputMode="tel"
          value={phone}
          onValue={edit('phone', setPhone)}
          error={errors.phone}
          autoComplete="tel"
          hint="Dùng để đăng nhập. Mỗi số chỉ đăng ký một tài khoản."
          maxLength={20}
        />
        <PasswordField
          id="password"
          label="Mật khẩu"
          value={password}
          onValue={edit('password', setPassword)}
          error={errors.password}
          autoComplete="new-password"
          hint={PASSWORD_RULES}
        />
        <TextField
          id="birth_date"
          label="Ngày sinh"
          type="date"
          value={birthDate}
          onValue={edit('birth_date', setBirthDate)}
          error={errors.birth_date}
          autoComplete="bday"
          max={today()}
        />
        <UnitPicker id="unit_id" label="Đơn vị (chi đoàn)" value={unit} onChange={edit('unit_id', setUnit)} error={errors.unit_id} />
        <TextField
          id="citizen_id"
          label="Số CCCD"
          inputMode="numeric"
          value={citizenId}
          onValue={edit('citizen_id', setCitizenId)}
          error={errors.citizen_id}
          optional
          autoComplete="off"
          maxLength={20}
        />
        <TextField
          id="email"
          label="Email"
          type="email"
          inputMode="email"
          value={email}
          onValue={edit('email', setEmail)}
          error={errors.email}
          optional
          autoComplete="email"
          maxLength={254}
        />
        <TextField
          id="admitted_at"
          label="Ngày kết nạp Đoàn"
          type="date"
          value={admittedAt}
          onValue={edit('admitted_at', setAdmittedAt)}
          error={errors.admitted_at}
          optional
          max={today()}
        />
        <div class={`field${errors.consent ? ' field--invalid' : ''}`} data-field="consent">
          <label class="checkbox">
            <input
              id="consent"
              name="consent"
              type="checkbox"
              checked={consent}
              onChange={(e) => edit('consent', setConsent)((e.currentTarget as HTMLInputElement).checked)}
              aria-required
              aria-invalid={errors.consent ? true : undefined}
              aria-describedby={errors.consent ? 'consent-error' : undefined}
            />
            <span id="consent-text">
              Tôi đồng ý để Ban Tổ chức thu thập và xử lý dữ liệu cá nhân của tôi (họ tên, ngày sinh, số điện thoại,
              đơn vị; số CCCD và email nếu cung cấp) nhằm tổ chức cuộc thi, theo Luật Bảo vệ dữ liệu cá nhân số
              91/2025/QH15. Số điện thoại và CCCD không được hiển thị công khai; tôi có thể yêu cầu xuất hoặc xóa dữ
              liệu của mình.
            </span>
          </label>
          {errors.consent && (
            <p class="field-error" id="consent-error">
              {errors.consent}
            </p>
          )}
        </div>
        {/* Next to the button, where the member is looking after tapping it. */}
        {general && <FormMessage kind="error">{general}</FormMessage>}
        {busy.secondsLeft !== null && (
          <FormMessage kind="notice">{busyText('đăng ký', busy.secondsLeft)}</FormMessage>
        )}
        <button
          type="submit"
          class="button button--primary"
          disabled={submitting || busy.secondsLeft !== null}
          aria-busy={submitting || busy.secondsLeft !== null}
        >
          {busy.secondsLeft !== null ? `Đang chờ (${waitText(busy.secondsLeft)})…` : submitting ? 'Đang gửi…' : 'Đăng ký'}
        </button>
      </form>
      <p class="switch">
        Đã có tài khoản?{' '}
        <a href={routes.login} onClick={linkClick(routes.login)}>
          Đăng nhập
        </a>
      </p>
    </main>
  );
}
