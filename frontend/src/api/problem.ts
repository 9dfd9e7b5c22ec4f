import { translateMessage } from './messages';
import type { Problem, ProblemFieldError } from './types';

/**
 * Vietnamese messages for stable problem `code`s whose server `detail` is
 * generic (and in English). Codes not listed here show the server's `detail`.
 */
const CODE_MESSAGES: Record<string, string> = {
  invalid_credentials: 'Số điện thoại hoặc mật khẩu không đúng.',
  invalid_token: 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.',
  unauthorized: 'Vui lòng đăng nhập để tiếp tục.',
  forbidden: 'Bạn không có quyền thực hiện thao tác này.',
  phone_taken: 'Số điện thoại này đã được đăng ký.',
  too_many_requests: 'Bạn thao tác quá nhiều lần. Vui lòng đợi một lát rồi thử lại.',
  citizen_id_taken: 'Số CCCD này đã được đăng ký.',
  payload_too_large: 'Dữ liệu gửi lên quá lớn.',
  unavailable: 'Hệ thống đang bận. Vui lòng thử lại sau ít phút.',
  internal_error: 'Máy chủ gặp sự cố. Vui lòng thử lại sau.',
};

/** Fallback messages by HTTP status when the body is not a problem document. */
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

/** "thử lại sau 2 phút" — a human wait time. */
export function waitText(seconds: number): string {
  if (seconds < 60) return `thử lại sau ${Math.ceil(seconds)} giây`;
  return `thử lại sau ${Math.ceil(seconds / 60)} phút`;
}

/** Retry-After in seconds: a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - now) / 1000));
}

/** An error answered by the API (or a failure to reach it: status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  /** Field errors keyed by field name ("/phone" → "phone"). */
  readonly fieldErrors: Record<string, string>;

  /** Seconds to wait before trying again (from Retry-After), if given. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, status: number, retryAfter: number | null = null) {
    let message = problemMessage(problem, status);
    if (retryAfter !== null && retryAfter > 0 && (status === 429 || status === 503)) {
      message = `${message.replace(/\.$/, '')} (${waitText(retryAfter)}).`;
    }
    super(message);
    this.retryAfter = retryAfter;
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.problem = problem;
    this.fieldErrors = fieldErrorsFromProblem(problem);
  }

  /** True when the request never got an answer (offline, timeout). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

/** The message to show for a problem as a whole (not tied to a field). */
export function problemMessage(problem: Problem, status: number): string {
  const byCode = problem.code ? CODE_MESSAGES[problem.code] : undefined;
  if (byCode) return byCode;
  if (problem.detail && problem.detail.trim()) return translateMessage(problem.detail);
  if (problem.title && problem.title.trim() && status !== 0) return problem.title;
  return statusMessage(status);
}

/**
 * JSON Pointer (RFC 6901) to a field key: "/phone" → "phone",
 * "/eligibility/unit_id" → "eligibility.unit_id". "" or "/" → "".
 */
export function pointerToField(pointer: string): string {
  const trimmed = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  return trimmed
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Collects `errors[]` into `{field: detail}`; several errors on one field are joined. */
export function fieldErrorsFromProblem(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const err of problem.errors ?? []) {
    const pointer = typeof err.pointer === 'string' ? err.pointer : '';
    const field = pointerToField(pointer);
    if (!field || !err.detail) continue;
    const detail = translateMessage(err.detail);
    out[field] = out[field] ? `${out[field]} ${detail}` : detail;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a response body as a problem document, tolerating anything else. */
export function parseProblem(status: number, contentType: string | null, body: string): Problem {
  const fallback: Problem = { status, detail: statusMessage(status) };
  if (!body || !contentType || !/json/i.test(contentType)) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fallback;
  }
  if (!isObject(parsed)) return fallback;
  const errors: ProblemFieldError[] = [];
  if (Array.isArray(parsed.errors)) {
    for (const e of parsed.errors) {
      if (!isObject(e)) continue;
      const pointer = typeof e.pointer === 'string' ? e.pointer : typeof e.field === 'string' ? `/${e.field}` : '';
      const detail = typeof e.detail === 'string' ? e.detail : typeof e.message === 'string' ? e.message : '';
      if (detail) errors.push({ pointer, detail });
    }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    type: str(parsed.type),
    title: str(parsed.title),
    status: typeof parsed.status === 'number' ? parsed.status : status,
    detail: str(parsed.detail),
    code: str(parsed.code),
    errors: errors.length ? errors : undefined,
  };
}

/**
 * Splits an error for a form: messages for the fields the form shows, and one
 * general message for everything else (including field errors for fields the
 * form does not have, so that nothing is silently dropped).
 */
export function errorsForForm(
  err: unknown,
  formFields: readonly string[],
): { fields: Record<string, string>; general: string | null } {
  if (!(err instanceof ApiError)) {
    return { fields: {}, general: 'Có lỗi không mong muốn. Vui lòng thử lại.' };
  }
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const [field, detail] of Object.entries(err.fieldErrors)) {
    if (formFields.includes(field)) fields[field] = detail;
    else unplaced.push(detail);
  }
  let general: string | null = null;
  if (Object.keys(fields).length === 0 || unplaced.length > 0) {
    general = unplaced.length > 0 ? unplaced.join(' ') : err.message;
  }
  // A conflict such as phone_taken carries a pointer: prefer our own wording there.
  if (err.code === 'phone_taken' && formFields.includes('phone')) {
    fields.phone = CODE_MESSAGES.phone_taken!;
    if (general === err.message) general = null;
  }
  return { fields, general };
}
