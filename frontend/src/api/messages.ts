// Vietnamese for the server's problems, chosen by their stable `code` and typed extensions
// (`opens_at`, `attempts_allowed`, …), never by the English `detail`, which the server may
// reword at any time. The code lists come from the generated schema (`ProblemCode`,
// `FieldErrorCode`), so a code the server adds fails `tsc` here until it has a message, and
// `messages.test.ts` checks the same against the committed `openapi.json`.

import { formatVietnamTime } from '../attempt/clock';
import type { FieldErrorCode, Problem, ProblemCode, ProblemFieldError } from './types';

/** "08:30 ngày 29/11/2026 (giờ Việt Nam)". */
export function vietnamDateTime(iso: string): string {
  const [time, date] = formatVietnamTime(iso).split(' ');
  return date ? `${time} ngày ${date} (giờ Việt Nam)` : iso;
}

type Message = string | ((problem: Problem) => string);

/** The message for every code the server can answer, as the member or officer should read it. */
export const PROBLEM_MESSAGES: Record<ProblemCode, Message> = {
  validation_failed: 'Thông tin chưa hợp lệ. Vui lòng kiểm tra lại.',
  bad_request: 'Yêu cầu không hợp lệ. Vui lòng tải lại trang rồi thử lại.',
  unauthorized: 'Vui lòng đăng nhập để tiếp tục.',
  invalid_credentials: 'Số điện thoại hoặc mật khẩu không đúng.',
  invalid_token: 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.',
  forbidden: 'Bạn không có quyền thực hiện thao tác này.',
  managers_may_not_enter:
    'Bạn thuộc Ban Tổ chức cuộc thi này nên không được dự thi. Ban Tổ chức theo dõi cuộc thi qua Bảng xếp hạng và Màn hình trực tiếp.',
  reads_answer_key:
    'Bạn có quyền xem đáp án các câu hỏi của vòng thi này (ngân hàng câu hỏi của đơn vị mình) nên không được dự thi, để bảo đảm công bằng.',
  results_not_published:
    'Vòng thi này không công bố điểm trong khi thi. Bảng xếp hạng sẽ có khi Ban Tổ chức công bố kết quả chính thức.',
  account_disabled:
    'Tài khoản của bạn đã bị khoá. Nếu cần mở khoá, vui lòng liên hệ Quản trị đơn vị hoặc Ban Tổ chức.',
  not_found: 'Không tìm thấy dữ liệu.',
  method_not_allowed: 'Thao tác này không được hỗ trợ.',
  retry_too_soon: (p) =>
    p.allowed_at
      ? `Chưa thể làm lại ngay. Lượt tiếp theo được bắt đầu từ ${vietnamDateTime(p.allowed_at)}.`
      : 'Chưa thể làm lại ngay. Vui lòng chờ thêm rồi thử lại.',
  payload_too_large: 'Dữ liệu gửi lên quá lớn.',
  unsupported_media_type: 'Định dạng dữ liệu gửi lên không được hỗ trợ.',
  too_many_requests: 'Bạn thao tác quá nhiều lần. Vui lòng đợi một lát rồi thử lại.',
  busy: 'Đang có rất nhiều người đăng nhập cùng lúc. Vui lòng chờ giây lát.',
  crowded: 'Đang có rất nhiều người dùng cùng lúc. Vui lòng chờ giây lát rồi thử lại.',
  unavailable: 'Hệ thống đang bận. Vui lòng thử lại sau ít phút.',
  internal_error: 'Máy chủ gặp sự cố. Vui lòng thử lại sau.',
  // 409s (the server's Conflict::CODES)
  conflict: 'Dữ liệu này đã tồn tại.',
  attempt_closed: 'Lượt thi này đã kết thúc, không nhận thêm câu trả lời.',
  round_not_open: (p) =>
    p.opens_at
      ? `Vòng thi chưa mở. Vòng thi mở lúc ${vietnamDateTime(p.opens_at)}.`
      : p.closes_at
        ? `Vòng thi đã kết thúc lúc ${vietnamDateTime(p.closes_at)}.`
        : 'Vòng thi này hiện không mở.',
  attempt_in_progress: 'Bạn đang có một lượt thi chưa nộp ở vòng thi này. Hãy tiếp tục lượt thi đó.',
  attempts_exhausted: (p) =>
    p.attempts_allowed != null
      ? `Bạn đã dùng hết ${p.attempts_allowed} lượt thi của vòng thi này.`
      : 'Bạn đã dùng hết số lượt thi của vòng thi này.',
  pool_too_small: 'Vòng thi chưa đủ câu hỏi để bắt đầu. Ban Tổ chức đã được báo.',
  phone_taken: 'Số điện thoại này đã được đăng ký.',
  citizen_id_taken: 'Số CCCD này đã được đăng ký.',
  unit_code_taken: 'Mã đơn vị này đã được dùng cho đơn vị khác.',
  not_published: 'Danh sách giải có sau khi Công bố kết quả.',
  round_not_closed: (p) =>
    p.closes_at
      ? `Chỉ công bố được kết quả sau khi vòng thi kết thúc (${vietnamDateTime(p.closes_at)}) và các bài thi cuối cùng đã nộp. Vòng thi thử không có kết quả để công bố.`
      : 'Chỉ công bố được kết quả sau khi vòng thi kết thúc và các bài thi cuối cùng đã nộp.',
  rounds_not_published: 'Cần công bố kết quả của từng vòng thi trước khi công bố kết quả chung của cuộc thi.',
  already_voided: 'Kết quả này đã được hủy trước đó.',
  certificate_revoked: 'Giấy chứng nhận này đã bị thu hồi trước đó.',
  course_version_exists: 'Phiên bản này của chương trình học tập đã có.',
  duplicate_question: 'Câu hỏi này đã có trong ngân hàng câu hỏi.',
  question_in_use:
    'Câu hỏi này đã được dùng và có thể đã hiện cho thí sinh nên không xóa được. Hãy chuyển câu hỏi sang trạng thái ngừng sử dụng.',
  round_started:
    'Vòng thi đã có người vào thi: câu hỏi và thể lệ không thay đổi được nữa; chỉ có thể lùi thời gian kết thúc.',
  transfer_pending: 'Bạn đang có một đề nghị chuyển đơn vị chờ duyệt. Hãy hủy đề nghị đó trước khi gửi đề nghị mới.',
  transfer_closed: 'Đề nghị chuyển đơn vị này đã được xử lý hoặc đã hủy trước đó.',
  last_admin:
    'Đây là Quản trị hệ thống cuối cùng đang hoạt động: không thể thu hồi vai trò hoặc khoá tài khoản này. Hãy giao vai trò Quản trị hệ thống cho người khác trước.',
};

/** Fallback messages by HTTP status when the body is not a problem document, or its code is new. */
export function statusMessage(status: number): string {
  if (status === 0) return 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.';
  if (status === 400) return 'Yêu cầu không hợp lệ.';
  if (status === 401) return 'Vui lòng đăng nhập để tiếp tục.';
  if (status === 403) return 'Bạn không có quyền thực hiện thao tác này.';
  if (status === 404) return 'Không tìm thấy dữ liệu.';
  if (status === 409) return 'Dữ liệu bị trùng hoặc xung đột.';
  if (status === 413) return 'Dữ liệu gửi lên quá lớn.';
  if (status === 422) return 'Thông tin chưa hợp lệ. Vui lòng kiểm tra lại.';
  if (status === 429) return 'Bạn thao tác quá nhiều lần. Vui lòng đợi một lát rồi thử lại.';
  if (status >= 500) return 'Máy chủ gặp sự cố. Vui lòng thử lại sau.';
  return `Có lỗi xảy ra (mã ${status}).`;
}

function isProblemCode(code: string | undefined): code is ProblemCode {
  return code !== undefined && Object.prototype.hasOwnProperty.call(PROBLEM_MESSAGES, code);
}

/**
 * The message for a problem as a whole. By code; a code this build does not know (a newer
 * server) gets the status's message. Only problems the client made itself (status 0: no
 * answer) carry a `detail` worth showing, and it is already Vietnamese.
 */
export function problemMessage(problem: Problem, status: number): string {
  if (isProblemCode(problem.code)) {
    const m = PROBLEM_MESSAGES[problem.code];
    return typeof m === 'function' ? m(problem) : m;
  }
  if (status === 0 && problem.detail?.trim()) return problem.detail;
  return statusMessage(status);
}

// --- Field errors

/** What the forms call each field, mid-sentence. */
const FIELD_NAMES: Record<string, string> = {
  phone: 'số điện thoại',
  password: 'mật khẩu',
  new_password: 'mật khẩu mới',
  full_name: 'họ và tên',
  birth_date: 'ngày sinh',
  admitted_at: 'ngày kết nạp',
  citizen_id: 'số CCCD',
  email: 'email',
  unit_id: 'đơn vị',
  consent: 'sự đồng ý cho xử lý dữ liệu cá nhân',
  q: 'từ khóa tìm kiếm',
  prediction: 'câu trả lời dự đoán',
  option_ids: 'phương án',
  code: 'mã',
  name: 'tên',
  text: 'nội dung câu hỏi',
  version: 'phiên bản',
  closes_at: 'thời gian kết thúc',
  opens_at: 'thời gian bắt đầu',
};

/** A value the field's rules refuse, per field: what the rules are. */
const INVALID_BY_FIELD: Record<string, string> = {
  phone: 'Nhập số di động Việt Nam gồm 10 chữ số, ví dụ 0912 345 678 hoặc +84 912 345 678.',
  password:
    'Mật khẩu cần từ 8 đến 128 ký tự, có ít nhất một chữ cái và một chữ số, không chứa số điện thoại và không quá phổ biến.',
  new_password:
    'Mật khẩu mới cần từ 8 đến 128 ký tự, có ít nhất một chữ cái và một chữ số, không chứa số điện thoại và không quá phổ biến.',
  full_name: 'Họ và tên gồm 2 đến 100 ký tự: chữ cái, dấu cách, dấu nháy, dấu chấm, dấu gạch ngang.',
  birth_date: 'Ngày sinh không hợp lệ (không ở tương lai, từ 6 tuổi trở lên).',
  admitted_at:
    'Ngày kết nạp không hợp lệ (sau ngày sinh, không ở tương lai, không trước ngày thành lập Đoàn 26/3/1931).',
  citizen_id: 'Số CCCD phải gồm đúng 12 chữ số.',
  email: 'Địa chỉ email không hợp lệ.',
  unit_id: 'Đơn vị không tồn tại. Vui lòng chọn lại.',
  consent: 'Bạn cần đồng ý cho xử lý dữ liệu cá nhân để tham gia.',
  q: 'Từ khóa tìm kiếm không được dài quá 100 ký tự.',
  prediction: 'Câu trả lời dự đoán phải là một số nguyên không âm.',
  option_ids: 'Phương án đã chọn không thuộc câu hỏi này.',
  closes_at: 'Vòng thi đã có người vào thi: thời gian kết thúc chỉ có thể lùi lại.',
};

/** A value something else already holds, per field. */
const TAKEN_BY_FIELD: Record<string, string> = {
  phone: 'Số điện thoại này đã được đăng ký.',
  citizen_id: 'Số CCCD này đã được đăng ký.',
  code: 'Mã này đã được dùng cho đơn vị khác.',
  version: 'Phiên bản này đã có.',
  text: 'Câu hỏi này đã có trong ngân hàng câu hỏi.',
};

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The generic message per field error code, naming the field when the forms know it. */
export const FIELD_CODE_MESSAGES: Record<FieldErrorCode, (field: string) => string> = {
  invalid: (f) => (FIELD_NAMES[f] ? `${capital(FIELD_NAMES[f])} không hợp lệ.` : 'Giá trị không hợp lệ.'),
  required: (f) => (FIELD_NAMES[f] ? `Vui lòng nhập ${FIELD_NAMES[f]}.` : 'Còn thiếu thông tin bắt buộc.'),
  unknown_field: () => 'Có thông tin không được hỗ trợ. Vui lòng tải lại trang rồi thử lại.',
  invalid_type: (f) =>
    FIELD_NAMES[f] ? `${capital(FIELD_NAMES[f])} sai định dạng.` : 'Có thông tin sai định dạng.',
  taken: (f) => TAKEN_BY_FIELD[f] ?? (FIELD_NAMES[f] ? `${capital(FIELD_NAMES[f])} này đã được dùng.` : 'Giá trị này đã được dùng.'),
};

function isFieldErrorCode(code: string | undefined): code is FieldErrorCode {
  return code !== undefined && Object.prototype.hasOwnProperty.call(FIELD_CODE_MESSAGES, code);
}

/**
 * The message for one field error (`field` as `pointerToField` gives it, e.g. "phone").
 * `invalid` says only that a rule failed, so the server's own Vietnamese (`detail_vi`, where
 * the layer that found it wrote one, e.g. a bank row) comes first, then what the field's rules
 * are; the other codes say exactly what happened, so their message comes first and
 * `detail_vi` after. Last, the code's generic message; never the English `detail`.
 */
export function fieldMessage(error: ProblemFieldError, field: string): string {
  const code: FieldErrorCode = isFieldErrorCode(error.code) ? error.code : 'invalid';
  const vi = error.detail_vi?.trim() || null;
  if (code === 'invalid') return vi ?? INVALID_BY_FIELD[field] ?? FIELD_CODE_MESSAGES.invalid(field);
  if (code === 'taken' && TAKEN_BY_FIELD[field]) return TAKEN_BY_FIELD[field];
  if (code !== 'taken' && FIELD_NAMES[field]) return FIELD_CODE_MESSAGES[code](field);
  return vi ?? FIELD_CODE_MESSAGES[code](field);
}
