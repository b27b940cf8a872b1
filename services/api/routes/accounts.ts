/**
 * Admins manage accounts (people) and API tokens (machines). Each change is in
 * the audit log. Passwords and tokens are never shown again after creation
 * (a token is shown once, in the answer that creates it).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountBody, AccountCreateBody, AccountPatchBody, TokenBody, TokenCreateBody, TokenSecretBody } from '../../../schemas/src/accounts.js';
import { ErrorBody, IdParams } from '../../../schemas/src/http.js';
import type { AccountAdmin } from '../../auth/admin.js';
import type { Account, AccountsRepo } from '../../store/accounts-repo.js';
import type { TokenInfo, TokensRepo } from '../../store/tokens-repo.js';
import { auditActorOf } from '../auth.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const accountBody = (a: Account): AccountBody => ({ ...a, createdAt: iso(a.createdAt), updatedAt: iso(a.updatedAt) });
const tokenBody = (t: TokenInfo): TokenBody => ({ ...t, createdAt: iso(t.createdAt), revokedAt: isoOrNull(t.revokedAt) });
type AccountBody = z.infer<typeof AccountBody>;
type TokenBody = z.infer<typeof TokenBody>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
// Accounts and tokens are the county's, not a community's: admins only.
const ADMIN = { access: ['admin'] as const, tenant: { kind: 'county' as const } };

export async function accountRoutes(app: FastifyInstance, deps: { admin: AccountAdmin; accounts: AccountsRepo; tokens: TokensRepo }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/accounts',
    { config: ADMIN, schema: { operationId: 'getAccounts', tags: ['accounts'], summary: 'Every account', response: { 200: z.object({ items: z.array(AccountBody) }), ...errors } } },
    async () => ({ items: deps.accounts.list().map(accountBody) }),
  );

  r.post(
    '/api/v1/accounts',
    {
      config: ADMIN,
      schema: { operationId: 'postAccounts', tags: ['accounts'], summary: 'Create an account (operators belong to one property company)', body: AccountCreateBody, response: { 201: AccountBody, ...errors } },
    },
    async (req, reply) => reply.code(201).send(accountBody(await deps.admin.createAccount(req.body, auditActorOf(req)))),
  );

  r.patch(
    '/api/v1/accounts/:id',
    {
      config: ADMIN,
      schema: {
        operationId: 'patchAccountsById',
        tags: ['accounts'], summary: 'Rename, disable / enable, or set a new password; disabling or a new password ends its sessions',
        params: IdParams, body: AccountPatchBody, response: { 200: AccountBody, ...errors },
      },
    },
    async (req) => accountBody(await deps.admin.updateAccount(req.params.id, req.body, auditActorOf(req))),
  );

  r.get(
    '/api/v1/tokens',
    { config: ADMIN, schema: { operationId: 'getTokens', tags: ['accounts'], summary: 'Every API token (never the token itself)', response: { 200: z.object({ items: z.array(TokenBody) }), ...errors } } },
    async () => ({ items: deps.tokens.list().map(tokenBody) }),
  );

  r.post(
    '/api/v1/tokens',
    {
      config: ADMIN,
      schema: { operationId: 'postTokens', tags: ['accounts'], summary: 'Create an API token for a machine; the token is in this answer only', body: TokenCreateBody, response: { 201: TokenSecretBody, ...errors } },
    },
    async (req, reply) => {
      const { info, token } = deps.admin.createToken(req.body, auditActorOf(req));
      return reply.code(201).send({ ...tokenBody(info), token });
    },
  );

  r.delete(
    '/api/v1/tokens/:id',
    { config: ADMIN, schema: { operationId: 'deleteTokensById', tags: ['accounts'], summary: 'Revoke an API token', params: IdParams, response: { 200: TokenBody, ...errors } } },
    async (req) => tokenBody(deps.admin.revokeToken(req.params.id, auditActorOf(req))),
  );
}
