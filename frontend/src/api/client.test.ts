import { describe, expect, it, vi } from 'vitest';
import { createApiClient, memoryTokenStore, storageTokenStore, type FetchLike } from './client';
import { ApiError, errorsForForm, parseProblem, pointerToField } from './problem';

interface Call {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

type Reply = { status: number; body?: unknown; type?: string } | Error;

/** A fake fetch answering from a script, recording what it was asked. */
function fakeFetch(script: Array<Reply | ((call: Call) => Reply)>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      auth: headers.Authorization ?? null,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const next = script.shift();
    if (!next) throw new Error(`unexpected request ${call.method} ${url}`);
    const reply = typeof next === 'function' ? next(call) : next;
    if (reply instanceof Error) throw reply;
    const type =
      reply.type ?? (reply.status >= 400 ? 'application/problem+json' : 'application/json');
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(reply.status === 204 ? null : text, {
      status: reply.status,
      headers: { 'Content-Type': type },
    });
  };
  return { fetch, calls };
}

const tokens = (a: string, r: string) => ({
  access_token: a,
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: r,
});
const unauthorized = {
  status: 401,
  body: { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'authentication required', code: 'unauthorized' },
};
const me = { id: 'u1', full_name: 'Nguyễn Văn An', unit_id: 'unit1', roles: [] };

describe('api client: auth and refresh', () => {
  it('attaches the bearer token and parses JSON', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: me }]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });
    await expect(api.me()).resolves.toEqual(me);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/v1/me', auth: 'Bearer A1' });
  });

  it('login stores both tokens and sends no Authorization header', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: tokens('A1', 'R1') }]);
    const store = memoryTokenStore();
    const api = createApiClient({ fetch, tokens: store });
    await api.login({ phone: '0912345678', password: 'secret' });
    expect(calls[0]).toMatchObject({ url: '/api/v1/auth/login', auth: null, body: { phone: '0912345678', password: 'secret' } });
    expect(store.get()).toEqual({ access_token: 'A1', refresh_token: 'R1' });
  });

  it('on 401 refreshes once, stores the rotated tokens and retries', async () => {
    const { fetch, calls } = fakeFetch([unauthorized, { status: 200, body: tokens('A2', 'R2') }, { status: 200, body: me }]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: store, onAuthFailure });

    await expect(api.me()).resolves.toEqual(me);

    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/v1/me',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/me',
    ]);
    expect(calls[1]).toMatchObject({ auth: null, body: { refresh_token: 'R1' } });
    expect(calls[2]?.auth).toBe('Bearer A2');
    expect(store.get()).toEqual({ access_token: 'A2', refresh_token: 'R2' });
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it('when the refresh is refused, clears tokens and goes to login', async () => {
    const { fetch, calls } = fakeFetch([
      unauthorized,
      { status: 401, body: { status: 401, code: 'invalid_token', detail: 'the refresh token is not valid' } },
    ]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: store, onAuthFailure });

    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(calls).toHaveLength(2);
    expect(store.get()).toBeNull();
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
  });

  it('a disabled account forgets its tokens and says so in Vietnamese, without refreshing', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 403, body: { status: 403, code: 'account_disabled', detail: 'this account has been disabled' } },
    ]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });

    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('account_disabled');
    expect((err as ApiError).message).toContain('Tài khoản của bạn đã bị khoá');
    expect(calls).toHaveLength(1);
    expect(store.get()).toBeNull();
  });

  it('retries only once: a second 401 after a good refresh ends the session', async () => {
    const { fetch, calls } = fakeFetch([unauthorized, { status: 200, body: tokens('A2', 'R2') }, unauthorized]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: store, onAuthFailure });

    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(3);
    expect(store.get()).toBeNull();
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh between concurrent 401s', async () => {
    const { fetch, calls } = fakeFetch([
      unauthorized,
      unauthorized,
      { status: 200, body: tokens('A2', 'R2') },
      { status: 200, body: me },
      { status: 200, body: me },
    ]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });

    await Promise.all([api.me(), api.me()]);
    expect(calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1);
    expect(calls.slice(3).map((c) => c.auth)).toEqual(['Bearer A2', 'Bearer A2']);
  });

  it('uses the tokens another tab refreshed while this one waited for the lock', async () => {
    const { fetch, calls } = fakeFetch([unauthorized, { status: 200, body: me }]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    // The lock is held by another tab, which rotates the tokens before letting us in.
    const lock = async <T,>(_name: string, fn: () => Promise<T>) => {
      store.set({ access_token: 'A2', refresh_token: 'R2' });
      return fn();
    };
    const api = createApiClient({ fetch, tokens: store, lock });
    await expect(api.me()).resolves.toEqual(me);
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/me', '/api/v1/me']);
    expect(calls[1]?.auth).toBe('Bearer A2');
  });

  it('does not refresh for unauthenticated calls (wrong password on login)', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 401, body: { status: 401, code: 'invalid_credentials', detail: 'wrong phone number or password' } },
    ]);
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: memoryTokenStore(), onAuthFailure });
    const err = (await api.login({ phone: '0912345678', password: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).toBe('Số điện thoại hoặc mật khẩu không đúng.');
    expect(calls).toHaveLength(1);
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it('keeps the session when the refresh fails for network reasons', async () => {
    const { fetch } = fakeFetch([unauthorized, new TypeError('Failed to fetch')]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: store, onAuthFailure });
    const err = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(err.isNetworkError).toBe(true);
    expect(store.get()).not.toBeNull();
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it('logout signs out the current session, even after a refresh, and forgets tokens', async () => {
    const { fetch, calls } = fakeFetch([unauthorized, { status: 200, body: tokens('A2', 'R2') }, { status: 204 }]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });
    await api.logout();
    // The server's logout takes the session from the bearer token and reads no body.
    expect(calls[0]).toMatchObject({ url: '/api/v1/auth/logout', auth: 'Bearer A1', body: undefined });
    expect(calls[2]).toMatchObject({ url: '/api/v1/auth/logout', auth: 'Bearer A2', body: undefined });
    expect(store.get()).toBeNull();
  });

  it('logout forgets tokens even when offline', async () => {
    const { fetch } = fakeFetch([new TypeError('Failed to fetch')]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });
    await api.logout();
    expect(store.get()).toBeNull();
  });

  it('builds unit search queries without empty parameters', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { items: [], total: 0 } }]);
    const api = createApiClient({ fetch, tokens: memoryTokenStore({ access_token: 'A', refresh_token: 'R' }) });
    await api.units({ q: 'chi đoàn', limit: 20, parent_id: undefined });
    expect(calls[0]?.url).toBe('/api/v1/units?q=chi+%C4%91o%C3%A0n&limit=20');
    expect(calls[0]?.auth).toBeNull();
  });

  it('turns a hung request into a timeout error', async () => {
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const api = createApiClient({ fetch, tokens: memoryTokenStore(), timeoutMs: 10 });
    const err = (await api.units({ q: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('timeout');
    expect(err.status).toBe(0);
  });
});

describe('problem+json', () => {
  // As the server sends them: every field error has a code; the English `detail` is never shown.
  const validation = {
    type: 'https://dautri.vn/problems/validation-failed',
    title: 'Unprocessable Entity',
    status: 422,
    detail: '4 field(s) failed validation: /nickname, /password, /password, /phone',
    code: 'validation_failed',
    errors: [
      { pointer: '/phone', code: 'invalid', detail: 'enter a Vietnamese mobile number of 10 digits' },
      { pointer: '/password', code: 'invalid', detail: 'password must be at least 8 characters' },
      { pointer: '/password', code: 'invalid', detail: 'this password is too common; choose another' },
      { pointer: '/nickname', code: 'unknown_field', detail: 'unknown field `nickname`' },
    ],
  };
  const PHONE_RULE = 'Nhập số di động Việt Nam gồm 10 chữ số, ví dụ 0912 345 678 hoặc +84 912 345 678.';
  const PASSWORD_RULE =
    'Mật khẩu cần từ 8 đến 128 ký tự, có ít nhất một chữ cái và một chữ số, không chứa số điện thoại và không quá phổ biến.';
  const UNKNOWN = 'Có thông tin không được hỗ trợ. Vui lòng tải lại trang rồi thử lại.';

  it('maps errors[] pointers to Vietnamese field errors by code on the thrown ApiError', async () => {
    const { fetch } = fakeFetch([{ status: 422, body: validation }]);
    const api = createApiClient({ fetch, tokens: memoryTokenStore() });
    const err = (await api
      .register({
        phone: '12345',
        password: 'x',
        full_name: 'A',
        birth_date: '2000-01-01',
        unit_id: 'u',
        consent: true,
      })
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('validation_failed');
    expect(err.fieldErrors).toEqual({ phone: PHONE_RULE, password: PASSWORD_RULE, nickname: UNKNOWN });
  });

  it('splits field errors between the form fields and a general message', () => {
    const err = new ApiError(parseProblem(422, 'application/problem+json', JSON.stringify(validation)), 422);
    const { fields, general } = errorsForForm(err, ['phone', 'password']);
    expect(fields).toEqual({ phone: PHONE_RULE, password: PASSWORD_RULE });
    expect(general).toBe(UNKNOWN); // not dropped: shown above the form
  });

  it('prefers the server\'s Vietnamese for an invalid value, and never shows its English', () => {
    const body = {
      status: 422,
      code: 'validation_failed',
      detail: 'request failed validation',
      errors: [
        { pointer: '/rows/3/text', code: 'invalid', detail: 'the stem is empty', detail_vi: 'Câu hỏi dòng 3 chưa có nội dung.' },
        { pointer: '/email', code: 'invalid', detail: 'some new rule' },
        { pointer: '/birth_date', code: 'required', detail: 'missing field `birth_date`' },
        { pointer: '/mystery', detail: 'an old server without codes' },
      ],
    };
    const err = new ApiError(parseProblem(422, 'application/problem+json', JSON.stringify(body)), 422);
    expect(err.fieldErrors).toEqual({
      'rows.3.text': 'Câu hỏi dòng 3 chưa có nội dung.',
      email: 'Địa chỉ email không hợp lệ.',
      birth_date: 'Vui lòng nhập ngày sinh.',
      mystery: 'Giá trị không hợp lệ.',
    });
  });

  it('says a code it does not know by its status, not by the server\'s English detail', () => {
    const body = { status: 409, code: 'something_new', detail: 'a brand new kind of conflict' };
    const err = new ApiError(parseProblem(409, 'application/problem+json', JSON.stringify(body)), 409);
    expect(errorsForForm(err, ['phone'])).toEqual({ fields: {}, general: 'Dữ liệu bị trùng hoặc xung đột.' });
  });

  it('puts phone_taken on the phone field', () => {
    const body = {
      status: 409,
      code: 'phone_taken',
      detail: 'an account with this phone number already exists',
      errors: [{ pointer: '/phone', code: 'taken', detail: 'an account with this phone number already exists' }],
    };
    const err = new ApiError(parseProblem(409, 'application/problem+json', JSON.stringify(body)), 409);
    expect(errorsForForm(err, ['phone'])).toEqual({ fields: { phone: 'Số điện thoại này đã được đăng ký.' }, general: null });
  });

  it('reads the typed extensions', () => {
    const body = {
      status: 409,
      code: 'round_not_open',
      detail: 'this round opens at 2026-12-05T01:30:00+00:00',
      opens_at: '2026-12-05T01:30:00Z',
    };
    const p = parseProblem(409, 'application/problem+json', JSON.stringify(body));
    expect(p.opens_at).toBe('2026-12-05T01:30:00Z');
    expect(new ApiError(p, 409).message).toBe('Vòng thi chưa mở. Vòng thi mở lúc 08:30 ngày 05/12/2026 (giờ Việt Nam).');
    const running = parseProblem(
      409,
      'application/problem+json',
      JSON.stringify({ status: 409, code: 'attempt_in_progress', detail: 'x', attempt_id: '0192f0c4-1111-7000-8000-000000000001' }),
    );
    expect(running.attempt_id).toBe('0192f0c4-1111-7000-8000-000000000001');
  });

  it('says how long to wait when rate limited', async () => {
    const fetch: FetchLike = async () =>
      new Response(JSON.stringify({ status: 429, code: 'too_many_requests', detail: 'too many attempts; try again in 120 seconds' }), {
        status: 429,
        headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '120' },
      });
    const api = createApiClient({ fetch, tokens: memoryTokenStore() });
    const err = (await api.login({ phone: '0912345678', password: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(err.retryAfter).toBe(120);
    expect(err.message).toBe('Bạn thao tác quá nhiều lần. Vui lòng đợi một lát rồi thử lại (thử lại sau 2 phút).');
  });

  it('tolerates non-JSON error bodies (a proxy error page)', () => {
    const p = parseProblem(502, 'text/html', '<html>Bad Gateway</html>');
    expect(p.status).toBe(502);
    expect(new ApiError(p, 502).message).toBe('Máy chủ gặp sự cố. Vui lòng thử lại sau.');
    expect(new ApiError(parseProblem(500, 'application/json', '{broken'), 500).message).toBe(
      'Máy chủ gặp sự cố. Vui lòng thử lại sau.',
    );
  });

  it('reads JSON pointers with escapes and nesting', () => {
    expect(pointerToField('/phone')).toBe('phone');
    expect(pointerToField('/eligibility/unit_id')).toBe('eligibility.unit_id');
    expect(pointerToField('/a~1b/c~0d')).toBe('a/b.c~d');
    expect(pointerToField('')).toBe('');
    expect(pointerToField('#/phone')).toBe('phone');
  });
});

describe('token storage', () => {
  it('round-trips through a Storage and survives a throwing one', () => {
    const map = new Map<string, string>();
    const storage = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    };
    const store = storageTokenStore(storage);
    expect(store.get()).toBeNull();
    store.set({ access_token: 'A', refresh_token: 'R' });
    expect(storageTokenStore(storage).get()).toEqual({ access_token: 'A', refresh_token: 'R' });
    store.clear();
    expect(store.get()).toBeNull();

    const broken = storageTokenStore({
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    });
    expect(broken.get()).toBeNull();
    expect(() => broken.set({ access_token: 'A', refresh_token: 'R' })).not.toThrow();
  });
});

describe('boards and the live stream', () => {
  it('asks for a board page with the token when signed in, and without it otherwise', async () => {
    const page = { items: [], total: 0, state: 'live', published_at: null };
    const { fetch, calls } = fakeFetch([{ status: 200, body: page }, { status: 200, body: page }]);
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });
    await api.board({ kind: 'round', id: 'r1' }, { unit_id: 'u9', offset: 20, limit: 20 });
    expect(calls[0]).toMatchObject({ url: '/api/v1/rounds/r1/leaderboard?unit_id=u9&offset=20&limit=20', auth: 'Bearer A1' });
    store.clear();
    await api.board({ kind: 'contest', id: 'c1' }, { offset: 0 });
    expect(calls[1]).toMatchObject({ url: '/api/v1/contests/c1/leaderboard?offset=0', auth: null });
  });

  it('a members-only board without a session is a plain 401, not a redirect to log in', async () => {
    const { fetch } = fakeFetch([unauthorized]);
    const onAuthFailure = vi.fn();
    const api = createApiClient({ fetch, tokens: memoryTokenStore(), onAuthFailure });
    await expect(api.board({ kind: 'round', id: 'r1' })).rejects.toMatchObject({ status: 401 });
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it('units ranking and my place use the scope and its query', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { parent: {}, items: [] } },
      { status: 200, body: { ranked: false, total: 0, state: 'live' } },
    ]);
    const api = createApiClient({ fetch, tokens: memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' }) });
    await api.unitStandings({ kind: 'contest', id: 'c1' }, { parent_id: 'p1', order: 'rate' });
    await api.myPlace({ kind: 'round', id: 'r1' }, null);
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/contests/c1/units?parent_id=p1&order=rate', '/api/v1/rounds/r1/leaderboard/me']);
  });

  it('opens a stream with the token and Last-Event-ID, refreshing once on 401', async () => {
    const seen: Array<Record<string, string>> = [];
    const replies = [
      new Response(JSON.stringify(unauthorized.body), { status: 401, headers: { 'Content-Type': 'application/problem+json' } }),
      new Response(JSON.stringify(tokens('A2', 'R2')), { status: 200, headers: { 'Content-Type': 'application/json' } }),
      new Response('retry: 3000\n\n', { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    ];
    const fetch: FetchLike = async (_url, init = {}) => {
      seen.push({ url: _url, ...((init.headers ?? {}) as Record<string, string>) });
      return replies.shift()!;
    };
    const store = memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' });
    const api = createApiClient({ fetch, tokens: store });
    const res = await api.openStream('/rounds/r1/live', { query: { top: 10 }, lastEventId: '42' });
    expect(await res.text()).toBe('retry: 3000\n\n');
    expect(seen[0]).toMatchObject({ url: '/api/v1/rounds/r1/live?top=10', Authorization: 'Bearer A1', 'Last-Event-ID': '42', Accept: 'text/event-stream' });
    expect(seen[1]!.url).toBe('/api/v1/auth/refresh');
    expect(seen[2]).toMatchObject({ Authorization: 'Bearer A2', 'Last-Event-ID': '42' });
  });

  it('a failed stream open is an ApiError (network: status 0; 404 as answered)', async () => {
    const api = createApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      tokens: memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' }),
    });
    await expect(api.openStream('/rounds/r1/live')).rejects.toMatchObject({ status: 0, code: 'network_error' });
    const { fetch } = fakeFetch([{ status: 404, body: { status: 404, code: 'not_found', detail: 'leaderboard not found' } }]);
    const api2 = createApiClient({ fetch, tokens: memoryTokenStore({ access_token: 'A1', refresh_token: 'R1' }) });
    await expect(api2.openStream('/rounds/r1/live')).rejects.toBeInstanceOf(ApiError);
  });
});
