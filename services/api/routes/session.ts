/**
 * Sign-in for people: POST /api/v1/session (username, password) sets the
 * HttpOnly, SameSite=Strict session cookie; DELETE /api/v1/session ends it.
 * Wrong password and unknown username answer alike; repeated failures lock
 * the username and the client address for a while (429 with Retry-After).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LoginBody, SessionBody } from '../../../schemas/src/accounts.js';
import { ErrorBody } from '../../../schemas/src/http.js';
import type { Sessions } from '../../auth/sessions.js';
import { checkSameOrigin, clearSessionCookie, setSessionCookie, type CookieSettings } from '../auth.js';
import { HttpError } from '../errors.js';

export async function sessionRoutes(app: FastifyInstance, deps: { sessions: Sessions; cookie: CookieSettings; now: () => number }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/session',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'postSession',
        tags: ['accounts'],
        summary: 'Sign in with username and password: sets the session cookie (the browser page uses it; machines use API tokens)',
        security: [],
        body: LoginBody,
        response: { 200: SessionBody, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      // Login CSRF: a cross-site page must not sign a victim in to the attacker's account.
      checkSameOrigin(req);
      const result = await deps.sessions.login(req.body.username, req.body.password, req.ip);
      if (result.kind === 'locked') {
        reply.header('retry-after', String(result.retryAfterSeconds));
        throw new HttpError(429, 'LOGIN_LOCKED', `too many failed sign-ins: try again in ${result.retryAfterSeconds} s`);
      }
      if (result.kind === 'invalid') throw new HttpError(401, 'LOGIN_FAILED', 'wrong username or password');
      setSessionCookie(reply, deps.cookie, result.token, Math.floor((result.expiresAt - deps.now()) / 1000));
      req.log.info({ account: result.identity.accountId, username: result.identity.username }, 'signed in');
      const { username, displayName, role, company } = result.identity;
      return { username, displayName, role, company, expiresAt: new Date(result.expiresAt).toISOString() };
    },
  );

  r.delete(
    '/api/v1/session',
    {
      config: { access: ['admin', 'operator', 'inspector'], tenant: { kind: 'county' } },
      schema: { operationId: 'deleteSession', tags: ['accounts'], summary: 'Sign out: ends the session and clears its cookie', response: { 204: z.null().describe('No content'), 401: ErrorBody, 403: ErrorBody } },
    },
    async (req, reply) => {
      if (req.identity?.sessionId !== undefined) deps.sessions.logout(req.identity.sessionId);
      clearSessionCookie(reply, deps.cookie);
      return reply.code(204).send(null);
    },
  );
}
