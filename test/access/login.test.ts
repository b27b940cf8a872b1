/**
 * Sign-in for people: the cookie's flags, idle and absolute expiry, lock-out
 * with exponential back-off (per username, unknown ones alike, and per
 * address), sign-out, disabled accounts, and the CSRF check on changes made
 * with the cookie. The API runs on an in-memory database with a test clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildClockApp, createAccount, login, PASSWORD, SAME_ORIGIN, type ClockApp } from './support.js';

let t: ClockApp;
afterEach(async () => t?.close());

const MIN = 60_000;
const me = (cookie: string | undefined, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { ...(cookie ? { cookie } : {}), ...headers } });
const FAILED = { statusCode: 401, code: 'LOGIN_FAILED', message: 'wrong username or password' };

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict, expiring cookie that identifies the account', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'li.ming', 'operator', '安居物业', '李明');
    const { res, cookie } = await login(t.app, 'LI.MING'); // usernames are case-insensitive
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ username: 'li.ming', displayName: '李明', role: 'operator', company: '安居物业', expiresAt: '2021-02-03T12:00:00.000Z' });
    expect(res.headers['set-cookie']).toMatch(/^gw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect((await me(cookie)).json()).toEqual({ name: 'li.ming', displayName: '李明', role: 'operator', company: '安居物业', via: 'session' });
    // Only the hash of the session id and a scrypt hash of the password are stored.
    const value = cookie!.split('=')[1]!;
    expect(t.db.prepare('SELECT COUNT(*) FROM sessions WHERE token_hash = ?').pluck().get(value)).toBe(0);
    expect(t.db.prepare("SELECT password_hash FROM accounts WHERE username = 'li.ming'").pluck().get()).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('marks the cookie Secure with a __Host- name when GW_COOKIE_SECURE is on', async () => {
    t = await buildClockApp({}, true);
    await createAccount(t.db, 'wang', 'inspector');
    const { res, cookie } = await login(t.app, 'wang');
    expect(res.headers['set-cookie']).toMatch(/^__Host-gw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await me(cookie!.replace('__Host-', ''))).statusCode).toBe(401);
  });

  it('ends a session after 30 idle minutes, and 12 hours after sign-in however busy', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'wang', 'inspector');
    const idle = (await login(t.app, 'wang')).cookie;
    t.clock.now += 30 * MIN - 1;
    expect((await me(idle)).statusCode).toBe(200); // used: the idle time starts again
    t.clock.now += 30 * MIN - 1;
    expect((await me(idle)).statusCode).toBe(200);
    t.clock.now += 30 * MIN;
    expect((await me(idle)).json()).toEqual({ statusCode: 401, code: 'SESSION_EXPIRED', message: 'the session has expired or ended: sign in again' });

    const busy = (await login(t.app, 'wang')).cookie;
    for (let i = 0; i < 35; i++) {
      t.clock.now += 20 * MIN;
      expect((await me(busy)).statusCode, `after ${(i + 1) * 20} min`).toBe(200);
    }
    t.clock.now += 20 * MIN; // 12 h after sign-in
    expect((await me(busy)).statusCode).toBe(401);
  });

  it('answers a wrong password and an unknown user alike, then locks with exponential back-off (429 + Retry-After)', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'wang', 'inspector');
    for (let i = 1; i <= 5; i++) {
      const wrong = await login(t.app, 'wang', 'not the password');
      expect([wrong.res.statusCode, wrong.json, wrong.cookie], `failure ${i}`).toEqual([401, FAILED, undefined]);
      const unknown = await login(t.app, 'nobody', 'not the password');
      expect([unknown.res.statusCode, unknown.json], `unknown ${i}`).toEqual([401, FAILED]);
    }
    // Locked now, even with the right password, and the unknown user the same way.
    for (const username of ['wang', 'nobody']) {
      const locked = await login(t.app, username);
      expect(locked.res.statusCode).toBe(429);
      expect(locked.res.headers['retry-after']).toBe('60');
      expect(locked.json).toEqual({ statusCode: 429, code: 'LOGIN_LOCKED', message: 'too many failed sign-ins: try again in 60 s' });
    }
    t.clock.now += 30_000;
    expect((await login(t.app, 'wang')).res.headers['retry-after']).toBe('30');
    t.clock.now += 30_000;
    // After the lock another failure locks again, twice as long: 120 s, then 240 s.
    expect((await login(t.app, 'wang', 'still wrong')).res.statusCode).toBe(401);
    expect((await login(t.app, 'wang')).res.headers['retry-after']).toBe('120');
    t.clock.now += 120_000;
    expect((await login(t.app, 'wang', 'still wrong')).res.statusCode).toBe(401);
    expect((await login(t.app, 'wang')).res.headers['retry-after']).toBe('240');
    t.clock.now += 240_000;
    const ok = await login(t.app, 'wang');
    expect(ok.res.statusCode).toBe(200);
    // A success clears the username's count: four more failures do not lock it.
    for (let i = 0; i < 4; i++) expect((await login(t.app, 'wang', 'wrong again')).res.statusCode).toBe(401);
    expect((await login(t.app, 'wang')).res.statusCode).toBe(200);
  });

  it('locks an address that tries many usernames, not other addresses', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'wang', 'inspector');
    const from = (ip: string, username: string, password = 'guess-guess') =>
      t.app.inject({ method: 'POST', url: '/api/v1/session', headers: SAME_ORIGIN, remoteAddress: ip, payload: { username, password } });
    for (let i = 0; i < 20; i++) expect((await from('203.0.113.9', `user${i}`)).statusCode).toBe(401);
    const locked = await from('203.0.113.9', 'wang', PASSWORD);
    expect([locked.statusCode, locked.headers['retry-after']]).toEqual([429, '60']);
    expect((await from('198.51.100.7', 'wang', PASSWORD)).statusCode).toBe(200);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'wang', 'inspector');
    const { cookie } = await login(t.app, 'wang');
    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: cookie!, ...SAME_ORIGIN } });
    expect(out.statusCode).toBe(204);
    expect(out.headers['set-cookie']).toBe('gw_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session' })).statusCode).toBe(401);
  });

  it('refuses a disabled account at sign-in (like a wrong password) and ends its sessions at once', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'root', 'admin');
    const li = await createAccount(t.db, 'li', 'operator', '安居物业');
    const admin = (await login(t.app, 'root')).cookie!;
    const session = (await login(t.app, 'li')).cookie;
    expect((await me(session)).statusCode).toBe(200);
    const disable = await t.app.inject({ method: 'PATCH', url: `/api/v1/accounts/${li.id}`, headers: { cookie: admin, ...SAME_ORIGIN }, payload: { enabled: false } });
    expect(disable.json()).toMatchObject({ id: li.id, enabled: false });
    expect((await me(session)).statusCode).toBe(401);
    const refused = await login(t.app, 'li');
    expect([refused.res.statusCode, refused.json, refused.cookie]).toEqual([401, FAILED, undefined]);
    await t.app.inject({ method: 'PATCH', url: `/api/v1/accounts/${li.id}`, headers: { cookie: admin, ...SAME_ORIGIN }, payload: { enabled: true } });
    expect((await login(t.app, 'li')).res.statusCode).toBe(200);
    // The last admin cannot lock everyone out.
    const root = t.db.prepare("SELECT id FROM accounts WHERE username = 'root'").pluck().get();
    const last = await t.app.inject({ method: 'PATCH', url: `/api/v1/accounts/${root}`, headers: { cookie: admin, ...SAME_ORIGIN }, payload: { enabled: false } });
    expect(last.json()).toEqual({ statusCode: 409, code: 'LAST_ADMIN', message: 'the last enabled admin account cannot be disabled' });
  });

  it('refuses changes made with the cookie from another site, or without the page header', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'root', 'admin');
    const cookie = (await login(t.app, 'root')).cookie!;
    const create = (headers: Record<string, string>, username: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { cookie, ...headers }, payload: { username, displayName: username, role: 'inspector', password: PASSWORD } });
    const csrf = (message: string) => ({ statusCode: 403, code: 'CSRF_REJECTED', message });
    expect((await create({}, 'a1')).json()).toEqual(csrf('send the x-gatewatch-csrf: 1 header'));
    expect((await create({ ...SAME_ORIGIN, origin: 'https://evil.example' }, 'a2')).json()).toEqual(csrf('cross-site request refused (Origin is not this site)'));
    expect((await create({ ...SAME_ORIGIN, 'sec-fetch-site': 'cross-site' }, 'a3')).json()).toEqual(csrf('cross-site request refused (Sec-Fetch-Site: cross-site)'));
    expect((await create({ ...SAME_ORIGIN, origin: 'null' }, 'a4')).json()).toEqual(csrf('cross-site request refused (Origin: null)'));
    expect(t.db.prepare('SELECT COUNT(*) FROM accounts').pluck().get()).toBe(1);
    expect((await create(SAME_ORIGIN, 'a5')).statusCode).toBe(201);
    expect((await create({ 'x-gatewatch-csrf': '1' }, 'a6')).statusCode).toBe(201); // a client that sends no Origin at all
    // Reading needs no header; signing in from another site is refused too (login CSRF).
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await login(t.app, 'root', PASSWORD, { ...SAME_ORIGIN, origin: 'https://evil.example' })).res.statusCode).toBe(403);
    expect((await login(t.app, 'root', PASSWORD, { 'content-type': 'application/json' })).res.statusCode).toBe(403);
  });

  it('binds operators to a company and no one else: 400 otherwise; usernames are unique', async () => {
    t = await buildClockApp();
    await createAccount(t.db, 'root', 'admin');
    const cookie = (await login(t.app, 'root')).cookie!;
    const create = (body: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { cookie, ...SAME_ORIGIN }, payload: { displayName: 'x', password: PASSWORD, ...body } });
    expect((await create({ username: 'op', role: 'operator' })).json()).toEqual({ statusCode: 400, code: 'COMPANY_INVALID', message: 'an operator needs a property company' });
    expect((await create({ username: 'insp', role: 'inspector', company: '安居物业' })).json()).toEqual({
      statusCode: 400, code: 'COMPANY_INVALID', message: 'an inspector sees the whole county and takes no property company',
    });
    expect((await create({ username: 'op', role: 'operator', company: '安居物业', password: 'short' })).json().fields).toEqual([
      { path: 'body.password', message: 'must be at least 10 characters' },
    ]);
    expect((await create({ username: 'op', role: 'operator', company: '安居物业' })).statusCode).toBe(201);
    expect((await create({ username: 'OP', role: 'inspector' })).json()).toEqual({ statusCode: 409, code: 'ACCOUNT_EXISTS', message: 'username OP is taken' });
  });
});
