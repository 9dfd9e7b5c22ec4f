#!/usr/bin/env node
// A throwaway stand-in for the dautri server, for working on the frontend
// without building the Rust workspace. It serves dist/ (index.html for unknown
// paths) and a tiny in-memory subset of /api/v1 shaped after API.md.
//
//   npm run build && node dev/mock-api.mjs            # http://127.0.0.1:18091
//   MOCK_PORT=18092 MOCK_ACCESS_TTL=5 node dev/mock-api.mjs
//
// It is NOT the server: the e2e only counts when run against the real one.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const port = Number(process.env.MOCK_PORT ?? 18091);
const accessTtl = Number(process.env.MOCK_ACCESS_TTL ?? 900);

const fold = (s) =>
  s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

const units = [];
function unit(name, code, parent) {
  const u = { id: randomUUID(), parent_id: parent?.id ?? null, name, code, member_count: 30, member_count_date: '2026-01-01' };
  units.push(u);
  return u;
}
const bloc = unit('Đoàn Khối Doanh nghiệp Trung ương', 'DKDN');
const corp = unit('Đoàn Tổng công ty Điện lực', 'EVN', bloc);
const grass = unit('Đoàn cơ sở Công ty Truyền tải', 'TT', corp);
for (let i = 1; i <= 3; i++) unit(`Chi đoàn Phòng Kỹ thuật ${i}`, `CDKT${i}`, grass);
unit('Chi đoàn Văn phòng', 'CDVP', corp);

const users = new Map(); // phone -> user
const access = new Map(); // token -> {userId, exp}
const refresh = new Map(); // token -> userId

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}
function problem(res, status, code, detail, errors) {
  send(res, status, { type: `about:blank#${code}`, title: code, status, detail, code, ...(errors ? { errors } : {}) }, 'application/problem+json');
}
function issue(userId) {
  const a = randomUUID();
  const r = randomUUID();
  access.set(a, { userId, exp: Date.now() + accessTtl * 1000 });
  refresh.set(r, userId);
  return { access_token: a, token_type: 'Bearer', expires_in: accessTtl, refresh_token: r };
}
function authUser(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  const t = m && access.get(m[1]);
  if (!t || t.exp < Date.now()) return null;
  return [...users.values()].find((u) => u.id === t.userId) ?? null;
}
async function json(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data ? JSON.parse(data) : {};
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  try {
    if (p.startsWith('/api/')) {
      await new Promise((r) => setTimeout(r, 150)); // a slow network
      if (req.method === 'POST' && p === '/api/v1/auth/register') {
        const b = await json(req);
        const errors = [];
        if (!/^0[35789]\d{8}$/.test(b.phone ?? '')) errors.push({ pointer: '/phone', code: 'invalid', detail: 'enter a Vietnamese mobile number of 10 digits, e.g. 0912 345 678 or +84 912 345 678' });
        if ((b.password ?? '').length < 8) errors.push({ pointer: '/password', code: 'invalid', detail: 'password must be at least 8 characters' });
        if (!/^[\p{L} '.-]{2,100}$/u.test(b.full_name ?? '')) errors.push({ pointer: '/full_name', code: 'invalid', detail: 'full name may contain only letters, spaces, apostrophes, dots and dashes' });
        if (!units.some((u) => u.id === b.unit_id)) errors.push({ pointer: '/unit_id', code: 'invalid', detail: 'no such unit' });
        if (b.consent !== true) errors.push({ pointer: '/consent', code: 'invalid', detail: 'consent is required' });
        if (errors.length) return problem(res, 422, 'validation_failed', 'request failed validation', errors);
        if (users.has(b.phone)) return problem(res, 409, 'phone_taken', 'phone already registered', [{ pointer: '/phone', code: 'taken', detail: 'an account with this phone number already exists' }]);
        const user = { ...b, id: randomUUID(), roles: [] };
        users.set(b.phone, user);
        return send(res, 201, { id: user.id });
      }
      if (req.method === 'POST' && p === '/api/v1/auth/login') {
        const b = await json(req);
        const user = users.get(b.phone);
        if (!user || user.password !== b.password) return problem(res, 401, 'invalid_credentials', 'wrong phone number or password');
        return send(res, 200, issue(user.id));
      }
      if (req.method === 'POST' && p === '/api/v1/auth/refresh') {
        const b = await json(req);
        const userId = refresh.get(b.refresh_token);
        if (!userId) return problem(res, 401, 'invalid_token', 'the refresh token is not valid');
        refresh.delete(b.refresh_token);
        return send(res, 200, issue(userId));
      }
      if (req.method === 'GET' && p === '/api/v1/units') {
        const q = fold(url.searchParams.get('q') ?? '');
        const limit = Number(url.searchParams.get('limit') ?? 50);
        const items = units.filter((u) => fold(u.name).includes(q));
        return send(res, 200, { items: items.slice(0, limit), total: items.length });
      }
      const user = authUser(req);
      if (!user) return problem(res, 401, 'unauthorized', 'authentication required');
      if (req.method === 'POST' && p === '/api/v1/auth/logout') {
        const b = await json(req);
        refresh.delete(b.refresh_token);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && p === '/api/v1/me') {
        const { password: _pw, ...me } = user;
        return send(res, 200, me);
      }
      const m = /^\/api\/v1\/units\/([^/]+)$/.exec(p);
      if (req.method === 'GET' && m) {
        const u = units.find((x) => x.id === m[1]);
        if (!u) return problem(res, 404, 'not_found', 'unit not found');
        const ancestors = [];
        for (let a = units.find((x) => x.id === u.parent_id); a; a = units.find((x) => x.id === a.parent_id)) ancestors.unshift(a);
        return send(res, 200, { ...u, ancestors });
      }
      return problem(res, 404, 'not_found', 'no such route');
    }
    let file = normalize(join(root, p));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  } catch (err) {
    problem(res, 500, 'internal_error', String(err));
  }
}).listen(port, '127.0.0.1', () => console.log(`mock dautri on http://127.0.0.1:${port} (dist: ${root})`));
