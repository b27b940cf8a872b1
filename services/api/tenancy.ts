/**
 * Tenancy in one place. An operator belongs to one property company and sees
 * only its communities (communities.property_company); inspectors and admins
 * see the county. Every non-public route declares `config.tenant`:
 *
 * - `{ kind, param }` / `{ kind: 'community', body }`: the route addresses one
 *   object (a community, alarm, device or inspection). The preHandler hook
 *   resolves its community and answers 404 when it does not exist or belongs
 *   to another company, with the same body either way, so a guessed id
 *   tells nothing (never 403).
 * - `{ kind: 'list' }`: the route answers many objects; it filters them with
 *   `visibleCommunities(req)`, passed to the repository queries.
 * - `{ kind: 'county' }`: nothing community-bound (the checklist, who am I),
 *   or admin-only objects (accounts, tokens), or county-only routes (audit).
 *
 * onRoute refuses a route that has a path parameter but does not say how it
 * is scoped, so a new route cannot forget it. The role check (auth.ts) runs
 * after this one: another company's object is 404 even on a route the
 * operator may not use; its own company's object is 403 there.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ObjectKind, ScopeStore } from '../store/scope-repo.js';
import { HttpError } from './errors.js';

export type { ObjectKind, ScopeStore } from '../store/scope-repo.js';
export type Tenant = { kind: ObjectKind; param: string } | { kind: 'community'; body: string } | { kind: 'list' } | { kind: 'county' };

declare module 'fastify' {
  interface FastifyContextConfig {
    tenant?: Tenant;
  }
}

/** Which communities an identity sees: null = all (the county). */
export function companyScope(identity: { role: string; company: string | null } | undefined): string | null {
  if (!identity) throw new HttpError(401, 'UNAUTHENTICATED', 'no identity');
  if (identity.role === 'operator') {
    // Tokens and accounts cannot be operators without a company (checked on creation and verification).
    if (!identity.company) throw new HttpError(403, 'FORBIDDEN', 'operator without a property company');
    return identity.company;
  }
  return null;
}

const PARAM = /:([A-Za-z0-9_]+)/g;

/** Throws at registration for a route whose scoping is missing or does not fit its path. */
export function checkTenantDeclaration(route: { method: string | string[]; url: string; config?: { access?: unknown; tenant?: Tenant } }): void {
  const where = `route ${String(route.method)} ${route.url}`;
  const access = route.config?.access;
  if (access === undefined || access === 'public') return;
  const tenant = route.config?.tenant;
  if (!tenant) throw new Error(`${where} declares no config.tenant (how its data is scoped to a property company)`);
  const params = [...route.url.matchAll(PARAM)].map((m) => m[1]!);
  if ('param' in tenant && !params.includes(tenant.param)) throw new Error(`${where}: config.tenant.param '${tenant.param}' is not a path parameter`);
  const adminOnly = Array.isArray(access) && access.length === 1 && access[0] === 'admin';
  if (params.length > 0 && !('param' in tenant) && !(tenant.kind === 'county' && adminOnly)) {
    throw new Error(`${where} addresses an object (:${params.join(', :')}) but config.tenant does not say which parameter scopes it`);
  }
}

/** The communities the caller sees, for list queries: null = all. */
export function visibleCommunities(request: FastifyRequest, store: ScopeStore): string[] | null {
  const company = companyScope(request.identity);
  return company === null ? null : store.communitiesOf(company);
}

export function installTenancy(app: FastifyInstance, store: ScopeStore): void {
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    checkTenantDeclaration(route);
  });
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const tenant = request.routeOptions.config?.tenant;
    if (!tenant || tenant.kind === 'list' || tenant.kind === 'county') return;
    const source = 'param' in tenant ? (request.params as Record<string, unknown>)[tenant.param] : (request.body as Record<string, unknown> | undefined)?.[tenant.body];
    const id = String(source ?? '');
    const owner = store.owner(tenant.kind, id);
    const company = companyScope(request.identity);
    // Absent and not yours answer alike.
    if (!owner || (company !== null && owner.company !== company)) throw new HttpError(404, 'NOT_FOUND', `${tenant.kind} not found`);
  });
}
