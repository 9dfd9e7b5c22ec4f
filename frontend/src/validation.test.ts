import { describe, expect, it } from 'vitest';
import { attemptIdOf, boardRouteOf, resolveRoute, routes, safeNext } from './router';
import { validateRegister } from './validation';

describe('routing guard', () => {
  it('sends visitors without a session to login, and members away from login', () => {
    expect(resolveRoute(routes.home, false)).toBe(routes.login);
    expect(resolveRoute(routes.register, false)).toBe(routes.register);
    expect(resolveRoute(routes.login, true)).toBe(routes.home);
    expect(resolveRoute(routes.register, true)).toBe(routes.home);
    expect(resolveRoute('/khong-co', false)).toBe(routes.login);
    expect(resolveRoute('/khong-co', true)).toBe(routes.home);
  });

  it('keeps attempt and result URLs (with their id) for members only', () => {
    const id = '01a22551-05e8-707f-88cd-ff4b73018581';
    expect(resolveRoute(`/lam-bai/${id}`, true)).toBe(`/lam-bai/${id}`);
    expect(resolveRoute(`/ket-qua/${id}`, true)).toBe(`/ket-qua/${id}`);
    expect(resolveRoute(`/lam-bai/${id}`, false)).toBe(routes.login);
    expect(resolveRoute('/lam-bai/<script>', true)).toBe(routes.home);
    expect(attemptIdOf(`/ket-qua/${id}`)).toEqual({ page: 'result', id });
  });

  it('keeps board and live URLs for members, and maps the API-style live address', () => {
    const id = '0192f0c4-1b2c-7d3e-8f40-123456789abc';
    expect(resolveRoute(`/bang-xep-hang/${id}`, true)).toBe(`/bang-xep-hang/${id}`);
    expect(resolveRoute(`/bang-xep-hang-chung/${id}`, true)).toBe(`/bang-xep-hang-chung/${id}`);
    expect(resolveRoute(`/truc-tiep/${id}`, true)).toBe(`/truc-tiep/${id}`);
    expect(resolveRoute(`/truc-tiep/${id}`, false)).toBe(routes.login);
    expect(resolveRoute(`/rounds/${id}/live`, true)).toBe(`/live/${id}`);
    // The big screen's address, and the join address its QR code holds.
    expect(resolveRoute(`/live/${id}`, true)).toBe(`/live/${id}`);
    expect(resolveRoute(`/live/${id}`, false)).toBe(routes.login);
    expect(boardRouteOf(`/live/${id}`)).toEqual({ page: 'live', id });
    expect(resolveRoute(`/vao-thi/${id}`, true)).toBe(routes.home);
    expect(resolveRoute(`/vao-thi/${id}`, false)).toBe(routes.login);
    expect(resolveRoute('/vao-thi/<x>', true)).toBe(routes.home);
    expect(resolveRoute('/bang-xep-hang/<x>', true)).toBe(routes.home);
    expect(boardRouteOf(`/bang-xep-hang-chung/${id}`)).toEqual({ page: 'contest-board', id });
    expect(boardRouteOf(`/truc-tiep/${id}`)).toEqual({ page: 'live', id });
    expect(boardRouteOf(`/bang-xep-hang/${id}/x`)).toBeNull();
  });

  it('returns after login only to in-app pages worth it', () => {
    const id = '0192f0c4-1b2c-7d3e-8f40-123456789abc';
    expect(safeNext(`/truc-tiep/${id}`)).toBe(`/truc-tiep/${id}`);
    expect(safeNext(`/bang-xep-hang/${id}?xem=xep-hang-don-vi`)).toBe(`/bang-xep-hang/${id}?xem=xep-hang-don-vi`);
    expect(safeNext('//evil.example/truc-tiep/x')).toBeNull();
    expect(safeNext('https://evil.example/')).toBeNull();
    expect(safeNext('/dang-ky')).toBeNull();
    expect(safeNext(undefined)).toBeNull();
  });
});

describe('register form checks', () => {
  const good = {
    full_name: 'Nguyễn Văn An',
    phone: '0912345678',
    password: 'mat-khau-dai',
    birth_date: '2001-05-19',
    unit: { id: 'u1', parent_id: null, name: 'Chi đoàn 1', code: 'CD1', depth: 3 },
    admitted_at: '',
    consent: true,
  };

  it('accepts a complete form and leaves formats to the server', () => {
    expect(validateRegister(good)).toEqual({});
    expect(validateRegister({ ...good, phone: '12345' })).toEqual({});
  });

  it('requires consent, a unit and the required fields', () => {
    const e = validateRegister({ ...good, full_name: ' ', unit: null, consent: false, birth_date: '' });
    expect(Object.keys(e).sort()).toEqual(['birth_date', 'consent', 'full_name', 'unit_id']);
  });

  it('rejects dates in the future', () => {
    const e = validateRegister({ ...good, birth_date: '2999-01-01', admitted_at: '2999-01-01' });
    expect(Object.keys(e).sort()).toEqual(['admitted_at', 'birth_date']);
  });
});
