import { ApiError, parseProblem, parseRetryAfter } from './problem';
import type {
  AnswerSaved,
  Attempt,
  BoardResponse,
  CertificateVerification,
  MyProgrammes,
  MyTheory,
  Contest,
  ContestDetail,
  MyPlace,
  ResultsResponse,
  UnitOrder,
  UnitsResponse,
  LoginRequest,
  MyAttempt,
  ResultView,
  Round,
  Me,
  Page,
  RegisterRequest,
  RefreshRequest,
  RegisterResponse,
  TokenResponse,
  UnitQuery,
  ListedUnit,
  UnitWithAncestors,
} from './types';

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Where tokens live between page loads. */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens): void;
  clear(): void;
}

/** The minimal Storage surface we use (localStorage in the browser). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const ACCESS_KEY = 'dautri.access_token';
const REFRESH_KEY = 'dautri.refresh_token';

export function storageTokenStore(storage: KeyValueStorage): TokenStore {
  return {
    get() {
      try {
        const access = storage.getItem(ACCESS_KEY);
        const refresh = storage.getItem(REFRESH_KEY);
        return access && refresh ? { access_token: access, refresh_token: refresh } : null;
      } catch {
        return null; // storage disabled (private mode on some phones)
      }
    },
    set(tokens) {
      try {
        storage.setItem(ACCESS_KEY, tokens.access_token);
        storage.setItem(REFRESH_KEY, tokens.refresh_token);
      } catch {
        /* storage full or disabled: the session lasts for this page only */
      }
    },
    clear() {
      try {
        storage.removeItem(ACCESS_KEY);
        storage.removeItem(REFRESH_KEY);
      } catch {
        /* ignore */
      }
    },
  };
}

/** Keeps tokens in memory, falling back to it when storage is unavailable. */
export function memoryTokenStore(initial: Tokens | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (t) => {
      tokens = { ...t };
    },
    clear: () => {
      tokens = null;
    },
  };
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Defaults to "/api/v1" (same origin). */
  baseUrl?: string;
  fetch?: FetchLike;
  tokens: TokenStore;
  /** Called once the session is lost (refresh failed): go to the login page. */
  onAuthFailure?: () => void;
  /** Abort a request that got no answer in this time. Default 20 s. */
  timeoutMs?: number;
  /**
   * Runs `fn` exclusively across the browser's tabs (Web Locks). The server
   * treats a rotated refresh token used twice as theft and ends the session,
   * so two tabs must never refresh with the same token.
   */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

export interface RequestOptions {
  /** A value, or a function evaluated per try (so a retry sees fresh tokens). */
  body?: unknown | (() => unknown);
  query?: Record<string, string | number | undefined | null>;
  /** Send the access token and handle 401 by refreshing. Default true. */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface StreamOptions {
  query?: RequestOptions['query'];
  /** Sent as Last-Event-ID, so the server can skip a snapshot we already have. */
  lastEventId?: string | null;
  signal?: AbortSignal;
}

/** Which board: a round's, or a contest's cumulative one. */
export interface BoardScope {
  kind: 'round' | 'contest';
  id: string;
}

export interface BoardQuery {
  unit_id?: string | null;
  offset?: number;
  limit?: number;
}

export type ApiClient = ReturnType<typeof createApiClient>;

function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function createApiClient(options: ApiClientOptions) {
  const baseUrl = (options.baseUrl ?? '/api/v1').replace(/\/$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const store = options.tokens;
  const timeoutMs = options.timeoutMs ?? 20_000;
  /** One refresh at a time: concurrent 401s share it. */
  let refreshing: Promise<'ok' | 'rejected'> | null = null;

  /** One HTTP exchange, with a timeout; network failures become ApiError(status 0). */
  async function send(
    method: string,
    url: string,
    body: unknown,
    accessToken: string | null,
    signal?: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    // A FormData body (a file upload) sets its own multipart boundary.
    const multipart = typeof FormData !== 'undefined' && body instanceof FormData;
    if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
    if (accessToken) headers.Authorization = `Bearer ${accessToken}`;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    if (signal) {
      if (signal.aborted) controller.abort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      return await doFetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : multipart ? (body as FormData) : JSON.stringify(body),
        signal: controller.signal,
        credentials: 'same-origin',
      });
    } catch (err) {
      if (signal?.aborted) throw err; // the caller cancelled: let it see an AbortError
      const detail = timedOut
        ? 'Máy chủ phản hồi quá lâu. Vui lòng kiểm tra mạng và thử lại.'
        : 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.';
      throw new ApiError({ status: 0, code: timedOut ? 'timeout' : 'network_error', detail }, 0);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function readBody<T>(res: Response): Promise<T> {
    if (res.status === 204 || res.status === 205) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    const type = res.headers.get('Content-Type') ?? '';
    if (/json/i.test(type)) return JSON.parse(text) as T;
    return text as unknown as T;
  }

  async function toError(res: Response): Promise<ApiError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      /* body lost on a flaky connection */
    }
    const problem = parseProblem(res.status, res.headers.get('Content-Type'), text);
    return new ApiError(problem, res.status, parseRetryAfter(res.headers.get('Retry-After')));
  }

  function sessionLost(): ApiError {
    store.clear();
    options.onAuthFailure?.();
    return new ApiError({ status: 401, code: 'unauthorized' }, 401);
  }

  /** Exchanges the refresh token for new tokens; 'rejected' means the session is over. */
  function refreshTokens(): Promise<'ok' | 'rejected'> {
    if (refreshing) return refreshing;
    const startedWith = store.get()?.refresh_token;
    const exclusive = options.lock ?? ((_name, fn) => fn());
    refreshing = exclusive('dautri-token-refresh', async () => {
      const current = store.get();
      if (!current) return 'rejected' as const;
      // Another tab refreshed while we waited for the lock: use its tokens.
      if (current.refresh_token !== startedWith) return 'ok' as const;
      const res = await send('POST', `${baseUrl}/auth/refresh`, { refresh_token: current.refresh_token } satisfies RefreshRequest, null);
      if (res.ok) {
        const tokens = await readBody<TokenResponse>(res);
        if (tokens?.access_token && tokens.refresh_token) {
          store.set({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
          return 'ok' as const;
        }
        return 'rejected' as const;
      }
      if (res.status === 400 || res.status === 401 || res.status === 403) return 'rejected' as const;
      // 5xx, 429…: the refresh token may still be good; report the failure as is.
      throw await toError(res);
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return readBody<T>(await exchange(method, path, opts));
  }

  /** One request with the session: refreshes the token once on 401; any non-2xx becomes an ApiError. */
  async function exchange(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = `${baseUrl}${path}${buildQuery(opts.query)}`;
    const auth = opts.auth ?? true;
    const bodyOf = () => (typeof opts.body === 'function' ? (opts.body as () => unknown)() : opts.body);

    const usedToken = auth ? (store.get()?.access_token ?? null) : null;
    let res = await send(method, url, bodyOf(), usedToken, opts.signal);

    // A wrong password typed to confirm an action (change password, erase) is the answer, not a
    // lost session: refreshing and then signing the person out would be wrong.
    if (res.status === 401 && auth && !(await isWrongPassword(res))) {
      if (!store.get()) throw sessionLost();
      // Another request may have refreshed meanwhile: then just retry with the new token.
      if (store.get()?.access_token === usedToken) {
        const outcome = await refreshTokens();
        if (outcome === 'rejected') throw sessionLost();
      }
      res = await send(method, url, bodyOf(), store.get()?.access_token ?? null, opts.signal);
      if (res.status === 401) throw sessionLost();
    }

    if (!res.ok) {
      const error = await toError(res);
      // A disabled account's session is over: forget the tokens, and let the page say why.
      if (error.status === 403 && error.problem.code === 'account_disabled') store.clear();
      throw error;
    }
    return res;
  }

  async function isWrongPassword(res: Response): Promise<boolean> {
    try {
      return (JSON.parse(await res.clone().text()) as { code?: string }).code === 'invalid_credentials';
    } catch {
      return false;
    }
  }

  /** The file name of a download, from Content-Disposition (RFC 6266, `filename*` first). */
  function fileNameOf(res: Response, fallback: string): string {
    const cd = res.headers.get('Content-Disposition') ?? '';
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(cd);
    if (star) {
      try {
        return decodeURIComponent(star[1]!.trim());
      } catch {
        /* a malformed escape: fall through to the plain name */
      }
    }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(cd);
    return plain ? plain[1]!.trim() : fallback;
  }

  /**
   * Opens a long-lived GET (server-sent events) with the bearer token, refreshing it once on
   * 401 like `request`. Resolves with the response once its headers arrive; its body is then
   * read by the caller and stays open until the server ends it or `signal` aborts.
   *
   * # Implementation notes
   * `send` drops its link to the caller's signal once the headers are in (fine for a JSON
   * body read at once), so the stream has its own fetch: aborting `signal` must also cut the
   * body. Only the wait for the headers has a timeout.
   */
  async function openStream(path: string, opts: StreamOptions = {}): Promise<Response> {
    const url = `${baseUrl}${path}${buildQuery(opts.query)}`;
    const attempt = async (token: string | null): Promise<Response> => {
      const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (opts.lastEventId) headers['Last-Event-ID'] = opts.lastEventId;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onAbort = () => controller.abort();
      if (opts.signal?.aborted) controller.abort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await doFetch(url, { method: 'GET', headers, signal: controller.signal, credentials: 'same-origin', cache: 'no-store' });
      } catch (err) {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) throw err;
        const detail = timedOut
          ? 'Máy chủ phản hồi quá lâu. Vui lòng kiểm tra mạng và thử lại.'
          : 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.';
        throw new ApiError({ status: 0, code: timedOut ? 'timeout' : 'network_error', detail }, 0);
      } finally {
        clearTimeout(timer);
      }
    };
    const usedToken = store.get()?.access_token ?? null;
    let res = await attempt(usedToken);
    if (res.status === 401 && usedToken) {
      if (store.get()?.access_token === usedToken) {
        const outcome = await refreshTokens();
        if (outcome === 'rejected') throw sessionLost();
      }
      res = await attempt(store.get()?.access_token ?? null);
      if (res.status === 401) throw sessionLost();
    }
    if (!res.ok) throw await toError(res);
    return res;
  }

  /** Send the token when we have one: boards may be public, and `is_me` needs it. */
  const optionalAuth = () => store.get() !== null;
  const boardQuery = (q: BoardQuery) => ({ unit_id: q.unit_id, offset: q.offset, limit: q.limit });
  const enc = encodeURIComponent;

  return {
    openStream,
    request,

    /** Sends a file (multipart/form-data) with the session, e.g. an import or an image. */
    upload<T>(path: string, form: FormData, opts: Omit<RequestOptions, 'body'> & { method?: string } = {}): Promise<T> {
      return request<T>(opts.method ?? 'POST', path, { ...opts, body: form });
    },

    /** Downloads a file with the session (an export): its bytes and the server's file name. */
    async download(path: string, opts: Omit<RequestOptions, 'body'> = {}): Promise<{ blob: Blob; filename: string }> {
      const res = await exchange('GET', path, opts);
      const fallback = path.split('/').filter(Boolean).pop() ?? 'tep';
      return { blob: await res.blob(), filename: fileNameOf(res, fallback) };
    },
    tokens: store,

    isLoggedIn(): boolean {
      return store.get() !== null;
    },

    async login(body: LoginRequest): Promise<TokenResponse> {
      const tokens = await request<TokenResponse>('POST', '/auth/login', { body, auth: false });
      store.set({ access_token: tokens.access_token, refresh_token: tokens.refresh_token });
      return tokens;
    },

    register(body: RegisterRequest): Promise<RegisterResponse> {
      return request<RegisterResponse>('POST', '/auth/register', { body, auth: false });
    },

    /**
     * Ends this session on the server (best effort) and forgets the tokens. The server finds
     * the session from the access token (its refresh tokens stop working); it reads no body.
     */
    async logout(): Promise<void> {
      try {
        if (store.get()) {
          await request<void>('POST', '/auth/logout');
        }
      } catch {
        /* offline or already expired: forgetting the tokens locally is what matters */
      } finally {
        store.clear();
      }
    },

    me(signal?: AbortSignal): Promise<Me> {
      return request<Me>('GET', '/me', { signal });
    },

    units(query: UnitQuery, signal?: AbortSignal): Promise<Page<ListedUnit>> {
      return request<Page<ListedUnit>>('GET', '/units', {
        query: { ...query },
        auth: false,
        signal,
      });
    },

    unit(id: string, signal?: AbortSignal): Promise<UnitWithAncestors> {
      return request<UnitWithAncestors>('GET', `/units/${encodeURIComponent(id)}`, { signal });
    },

    contests(signal?: AbortSignal): Promise<Page<Contest>> {
      return request<Page<Contest>>('GET', '/contests', { query: { limit: 50 }, signal });
    },

    rounds(contestId: string, signal?: AbortSignal): Promise<Page<Round>> {
      return request<Page<Round>>('GET', `/contests/${encodeURIComponent(contestId)}/rounds`, { signal });
    },

    myAttempts(query: { contest_id?: string; round_id?: string }, signal?: AbortSignal): Promise<Page<MyAttempt>> {
      return request<Page<MyAttempt>>('GET', '/me/attempts', { query: { ...query }, signal });
    },

    /** 201 with the drawn questions; 409 round_not_open / attempts_exhausted / attempt_in_progress / pool_too_small. */
    startAttempt(roundId: string): Promise<Attempt> {
      return request<Attempt>('POST', `/rounds/${encodeURIComponent(roundId)}/attempts`);
    },

    attempt(id: string, signal?: AbortSignal): Promise<Attempt> {
      return request<Attempt>('GET', `/attempts/${encodeURIComponent(id)}`, { signal });
    },

    /** Idempotent; 409 attempt_closed after the deadline (plus grace), 422 for a foreign option. */
    saveAnswer(attemptId: string, questionId: string, optionIds: string[], signal?: AbortSignal): Promise<AnswerSaved> {
      return request<AnswerSaved>(
        'PUT',
        `/attempts/${encodeURIComponent(attemptId)}/answers/${encodeURIComponent(questionId)}`,
        { body: { option_ids: optionIds }, signal },
      );
    },

    round(id: string, signal?: AbortSignal): Promise<Round> {
      return request<Round>('GET', `/rounds/${enc(id)}`, { signal });
    },

    contest(id: string, signal?: AbortSignal): Promise<ContestDetail> {
      return request<ContestDetail>('GET', `/contests/${enc(id)}`, { signal });
    },

    /** A page of a round's or a contest's board (401 for a members' board without a session, 404 if not visible). */
    board(scope: BoardScope, q: BoardQuery = {}, signal?: AbortSignal): Promise<BoardResponse> {
      return request<BoardResponse>('GET', `/${scope.kind}s/${enc(scope.id)}/leaderboard`, {
        query: boardQuery(q),
        auth: optionalAuth(),
        signal,
      });
    },

    /** My place on that board (needs a session). */
    myPlace(scope: BoardScope, unitId?: string | null, signal?: AbortSignal): Promise<MyPlace> {
      return request<MyPlace>('GET', `/${scope.kind}s/${enc(scope.id)}/leaderboard/me`, {
        query: { unit_id: unitId },
        signal,
      });
    },

    /** A unit's children ranked (default: the contest's host unit). */
    unitStandings(
      scope: BoardScope,
      q: { parent_id?: string | null; order?: UnitOrder },
      signal?: AbortSignal,
    ): Promise<UnitsResponse> {
      return request<UnitsResponse>('GET', `/${scope.kind}s/${enc(scope.id)}/units`, {
        query: { parent_id: q.parent_id, order: q.order },
        auth: optionalAuth(),
        signal,
      });
    },

    /** Published results (404 before publication). */
    results(roundId: string, q: { offset?: number; limit?: number; prizes_only?: boolean } = {}, signal?: AbortSignal) {
      return request<ResultsResponse>('GET', `/rounds/${enc(roundId)}/results`, {
        query: { offset: q.offset, limit: q.limit, prizes_only: q.prizes_only ? 'true' : undefined },
        auth: optionalAuth(),
        signal,
      });
    },

    /** Same result when called again; 422 (/prediction) when a required prediction is missing. */
    finishAttempt(attemptId: string, prediction?: number | null): Promise<ResultView> {
      const body = prediction === undefined || prediction === null ? {} : { prediction };
      return request<ResultView>('POST', `/attempts/${encodeURIComponent(attemptId)}/finish`, { body });
    },

    /**
     * My lessons of a programme (the new members' theory course by default), their status, my
     * tests and certificate.
     */
    myTheory(signal?: AbortSignal, courseId?: string): Promise<MyTheory> {
      return request<MyTheory>('GET', '/me/theory', { signal, query: courseId ? { course_id: courseId } : undefined });
    },

    /** The study programmes that apply to me, with my progress (Học tập). */
    myProgrammes(signal?: AbortSignal): Promise<MyProgrammes> {
      return request<MyProgrammes>('GET', '/me/programmes', { signal });
    },

    /** Public: checks a certificate code (404 when no certificate has it). */
    certificate(code: string, signal?: AbortSignal): Promise<CertificateVerification> {
      return request<CertificateVerification>('GET', `/certificates/${encodeURIComponent(code)}`, {
        auth: false,
        signal,
      });
    },
  };
}
