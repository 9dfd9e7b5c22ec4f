// Hand-written from /work/shared/API.md for now.
// TODO: generate these from the server's /api/openapi.json once it is stable.

/** RFC 9457 problem details, as every API error is returned. */
export interface ProblemFieldError {
  /** JSON Pointer into the request body, e.g. "/phone". */
  pointer: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** Stable snake_case word, e.g. "validation_failed", "not_found". */
  code?: string;
  errors?: ProblemFieldError[];
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | string;
  /** Lifetime of the access token in seconds. */
  expires_in: number;
  refresh_token: string;
}

export interface LoginRequest {
  phone: string;
  password: string;
}

export interface RefreshRequest {
  refresh_token: string;
}

export interface LogoutRequest {
  refresh_token: string;
}

/** Dates are ISO calendar dates (YYYY-MM-DD). */
export interface RegisterRequest {
  phone: string;
  password: string;
  full_name: string;
  birth_date: string;
  unit_id: string;
  citizen_id?: string;
  email?: string;
  /** The date the member was admitted to the Union (ngày kết nạp). */
  admitted_at?: string;
  consent: boolean;
}

export interface RegisterResponse {
  id: string;
  [key: string]: unknown;
}

export type RoleName = 'member' | 'organizer' | 'unit_admin' | 'admin';

export interface RoleAssignment {
  role: RoleName | string;
  unit_id: string | null;
}

export interface Me {
  id: string;
  full_name: string;
  unit_id: string;
  /** API.md leaves the element shape open: plain names or {role, unit_id}. */
  roles: Array<RoleAssignment | string>;
  phone?: string;
  email?: string | null;
  birth_date?: string;
  admitted_at?: string | null;
  /** Some servers embed the unit; otherwise fetch GET /units/{id}. */
  unit?: Unit;
  unit_name?: string;
  [key: string]: unknown;
}

export interface Unit {
  id: string;
  parent_id: string | null;
  name: string;
  code: string;
  member_count?: number | null;
  member_count_date?: string | null;
}

/** GET /units/{id} adds the path from the root. */
export interface UnitWithAncestors extends Unit {
  ancestors?: Unit[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface UnitQuery {
  q?: string;
  parent_id?: string;
  offset?: number;
  limit?: number;
}
