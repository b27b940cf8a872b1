/**
 * Access control in one place: every route declares `config.access`, either
 * 'public' or the roles allowed. A route without it refuses to register, so no
 * endpoint is open by accident. Machines authenticate with a Bearer API token;
 * people with the session cookie set by POST /api/v1/session. A request made
 * with the cookie that changes something must also pass the CSRF check (the
 * page's custom header, and same-origin Origin / Sec-Fetch-Site when sent).
 *
 * Order of the checks: authentication (onRequest: 401, CSRF 403), validation
 * (400), tenancy (tenancy.ts, preHandler: 404 for another company's object),
 * then the role (preHandler: 403). Tenancy comes before the role so that an
 * operator gets 404 for another company's object on every route, including
 * those its role may not use (403 only for its own company's objects).
 */
import { parseCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sessions } from '../auth/sessions.js';
import type { Role } from '../domain/role.js';
import type { TokensRepo } from '../store/tokens-repo.js';
import { HttpError } from './errors.js';

export type Access = 'public' | readonly Role[];

/** Who is calling: an API token or a signed-in account. */
export interface Identity {
  via: 'token' | 'session';
  /** The token's or the account's id. */
  id: number;
  sessionId?: number;
  name: string;
  displayName: string;
  role: Role;
  /** An operator's property company; null = the whole county (inspectors, admins). */
  company: string | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    identity?: Identity;
  }
}

export interface CookieSettings {
  secure: boolean;
}

/** `__Host-` cookies must be Secure, Path=/ and have no Domain: the browser enforces it. */
export const sessionCookieName = (c: CookieSettings): string => (c.secure ? '__Host-gw_session' : 'gw_session');
/** The header the page sends with every request; a cross-site form or image cannot. */
export const CSRF_HEADER = 'x-gatewatch-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With the `cookie` package (jshttp): a value that is not valid percent-encoding
 * (`gw_session=%E0%A4%A`) comes back as it was sent, matches no session and
 * is answered 401 like any unknown one. The hand-written parser called
 * decodeURIComponent, which threw: 500 and a stack trace in the log, to anyone.
 */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  return parseCookie(request.headers.cookie ?? '')[name];
}

export function setSessionCookie(reply: FastifyReply, c: CookieSettings, token: string, maxAgeSeconds: number): void {
  const attrs = [`${sessionCookieName(c)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (c.secure) attrs.push('Secure');
  reply.header('set-cookie', attrs.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, c: CookieSettings): void {
  reply.header('set-cookie', [`${sessionCookieName(c)}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(c.secure ? ['Secure'] : [])].join('; '));
}

/**
 * A browser request that changes something must come from our own page:
 * the custom header (needs a CORS preflight cross-site, which we never grant),
 * and when the browser says where it comes from, the same origin.
 */
export function checkSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new HttpError(403, 'CSRF_REJECTED', `cross-site request refused (Sec-Fetch-Site: ${String(site)})`);
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let same: boolean;
    try {
      const from = new URL(origin);
      // Compared as URLs, so a default port (":80", ":443") is the same host with or without it.
      same = from.host === new URL(`${from.protocol}//${request.headers.host ?? ''}`).host;
    } catch {
      same = false;
    }
    if (!same) throw new HttpError(403, 'CSRF_REJECTED', 'cross-site request refused (Origin is not this site)');
  } else if (origin === 'null') {
    throw new HttpError(403, 'CSRF_REJECTED', 'cross-site request refused (Origin: null)');
  }
  if (request.headers[CSRF_HEADER] !== '1') throw new HttpError(403, 'CSRF_REJECTED', `send the ${CSRF_HEADER}: 1 header`);
}

export interface AuthDeps {
  tokens: TokensRepo;
  sessions: Sessions;
  cookie: CookieSettings;
}

function authenticate(request: FastifyRequest, deps: AuthDeps): Identity | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const t = match ? deps.tokens.verify(match[1]!) : undefined;
    if (!t) throw new HttpError(401, 'UNAUTHENTICATED', 'unknown or revoked API token');
    return { via: 'token', id: t.tokenId, name: t.name, displayName: t.name, role: t.role, company: t.company };
  }
  const cookie = readCookie(request, sessionCookieName(deps.cookie));
  if (!cookie) return undefined;
  const s = deps.sessions.verify(cookie);
  if (!s) throw new HttpError(401, 'SESSION_EXPIRED', 'the session has expired or ended: sign in again');
  if (!SAFE_METHODS.has(request.method)) checkSameOrigin(request);
  return { via: 'session', id: s.accountId, sessionId: s.sessionId, name: s.username, displayName: s.displayName, role: s.role, company: s.company };
}

export function installAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.addHook('onRoute', (route) => {
    // @fastify/swagger's own routes and HEAD twins inherit public access.
    if (route.method === 'HEAD' || route.url.startsWith('/openapi')) return;
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no config.access`);
  });
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    const identity = authenticate(request, deps);
    if (!identity) throw new HttpError(401, 'UNAUTHENTICATED', 'sign in, or send an API token: Authorization: Bearer <token>');
    request.identity = identity;
  });
}

/** The role check; buildApp installs it after the tenancy hook (see the order above). */
export function installRoleCheck(app: FastifyInstance): void {
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    const role = request.identity?.role;
    if (!role) throw new HttpError(401, 'UNAUTHENTICATED', 'no identity');
    if (!access.includes(role)) throw new HttpError(403, 'FORBIDDEN', `role ${role} may not do this`);
  });
}

/** How a caller is named in records (acknowledgedBy, signedBy, inspector). */
export const actorOf = (request: FastifyRequest): string => (request.identity ? `${request.identity.role}:${request.identity.name}` : 'anonymous');

/** How a caller is named in the audit log: unambiguous between tokens and accounts. */
export const auditActorOf = (request: FastifyRequest): string => {
  const i = request.identity;
  if (!i) return 'anonymous';
  return `${i.role}:${i.name} (${i.via === 'token' ? 'token' : 'account'} #${i.id})`;
};
