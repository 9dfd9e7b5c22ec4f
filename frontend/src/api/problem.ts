import { fieldMessage, problemMessage } from './messages';
import type { Problem, ProblemFieldError } from './types';

export { problemMessage, statusMessage } from './messages';

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

/**
 * Collects `errors[]` into `{field: message}`, in Vietnamese by each error's code (see
 * `fieldMessage`); several errors on one field are joined, each message once.
 */
export function fieldErrorsFromProblem(problem: Problem): Record<string, string> {
  const out: Record<string, string[]> = {};
  for (const err of problem.errors ?? []) {
    const field = pointerToField(typeof err.pointer === 'string' ? err.pointer : '');
    if (!field) continue;
    const message = fieldMessage(err, field);
    const list = (out[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return Object.fromEntries(Object.entries(out).map(([field, list]) => [field, list.join(' ')]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a response body as a problem document, tolerating anything else. */
export function parseProblem(status: number, contentType: string | null, body: string): Problem {
  const fallback: Problem = { status };
  if (!body || !contentType || !/json/i.test(contentType)) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fallback;
  }
  if (!isObject(parsed)) return fallback;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const errors: ProblemFieldError[] = [];
  if (Array.isArray(parsed.errors)) {
    for (const e of parsed.errors) {
      if (!isObject(e)) continue;
      const pointer = str(e.pointer) ?? (typeof e.field === 'string' ? `/${e.field}` : '');
      errors.push({
        pointer,
        code: str(e.code),
        detail: str(e.detail) ?? str(e.message) ?? '',
        detail_vi: str(e.detail_vi),
      });
    }
  }
  return {
    type: str(parsed.type),
    title: str(parsed.title),
    status: typeof parsed.status === 'number' ? parsed.status : status,
    detail: str(parsed.detail),
    code: str(parsed.code),
    errors: errors.length ? errors : undefined,
    // Typed extensions: the data a client acts on (resume this attempt, come back at …).
    attempt_id: str(parsed.attempt_id),
    opens_at: str(parsed.opens_at),
    closes_at: str(parsed.closes_at),
    allowed_at: str(parsed.allowed_at),
    question_id: str(parsed.question_id),
    attempts_allowed: typeof parsed.attempts_allowed === 'number' ? parsed.attempts_allowed : undefined,
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
  return { fields, general };
}
