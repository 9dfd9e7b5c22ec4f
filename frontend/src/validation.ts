import type { Unit } from './api/types';

export type RegisterField =
  | 'full_name'
  | 'phone'
  | 'password'
  | 'birth_date'
  | 'unit_id'
  | 'citizen_id'
  | 'email'
  | 'admitted_at'
  | 'consent';
export type RegisterErrors = Partial<Record<RegisterField, string>>;

/** Today as YYYY-MM-DD in local time (what <input type=date> uses). */
export function today(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Checks what the server cannot help with; formats (phone, email…) are the server's call. */
export function validateRegister(f: {
  full_name: string;
  phone: string;
  password: string;
  birth_date: string;
  unit: Unit | null;
  admitted_at: string;
  consent: boolean;
}): RegisterErrors {
  const e: RegisterErrors = {};
  if (!f.full_name.trim()) e.full_name = 'Vui lòng nhập họ và tên.';
  if (!f.phone.trim()) e.phone = 'Vui lòng nhập số điện thoại.';
  if (!f.password) e.password = 'Vui lòng nhập mật khẩu.';
  if (!f.birth_date) e.birth_date = 'Vui lòng nhập ngày sinh.';
  else if (f.birth_date > today()) e.birth_date = 'Ngày sinh không được ở tương lai.';
  if (!f.unit) e.unit_id = 'Vui lòng chọn đơn vị của bạn.';
  if (f.admitted_at && f.admitted_at > today()) e.admitted_at = 'Ngày kết nạp không được ở tương lai.';
  if (!f.consent) e.consent = 'Bạn cần đồng ý để hoàn tất đăng ký.';
  return e;
}

