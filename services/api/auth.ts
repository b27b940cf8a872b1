/**
 * Access control in one place: every route declares `config.access`, either
 * 'public' or the roles allowed. A route without it refuses to register, so no
 * endpoint is open by accident. Callers authenticate with a Bearer API token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role, TokenIdentity, TokensRepo } from '../store/tokens-repo.js';
import { HttpError } from './errors.js';

export type Access = 'public' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    identity?: TokenIdentity;
  }
}

export function installAuth(app: FastifyInstance, tokens: TokensRepo): void {
  app.addHook('onRoute', (route) => {
    // @fastify/swagger's own routes and HEAD twins inherit public access.
    if (route.method === 'HEAD' || route.url.startsWith('/openapi')) return;
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no config.access`);
  });
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'UNAUTHENTICATED', 'send an API token: Authorization: Bearer <token>');
    const identity = tokens.verify(match[1]!);
    if (!identity) throw new HttpError(401, 'UNAUTHENTICATED', 'unknown or revoked API token');
    if (!access.includes(identity.role)) throw new HttpError(403, 'FORBIDDEN', `role ${identity.role} may not do this`);
    request.identity = identity;
  });
}

export const actorOf = (request: FastifyRequest): string => (request.identity ? `${request.identity.role}:${request.identity.name}` : 'anonymous');
