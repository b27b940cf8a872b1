/**
 * HTTP bodies of accounts, sessions, API tokens and the audit log
 * (services/api/routes/accounts.ts, session.ts, audit.ts).
 */
import { z } from 'zod';

export const Role = z.enum(['admin', 'operator', 'inspector']);
export const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$/, 'must be 2-64 chars of letters, digits, "_", "." or "-"')
  .describe('Login name (case-insensitive)');
export const Password = z.string().min(10, 'must be at least 10 characters').max(200);
export const Company = z.string().min(1).max(120).describe('Property company (物业公司), as in communities.propertyCompany');

export const LoginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).meta({ id: 'Login' });
export const SessionBody = z
  .object({
    username: z.string(),
    displayName: z.string(),
    role: Role,
    company: z.string().nullable(),
    expiresAt: z.iso.datetime({ offset: true }).describe('Absolute expiry; the session also ends after the idle timeout'),
  })
  .meta({ id: 'Session' });

export const AccountBody = z
  .object({
    id: z.number().int(),
    username: z.string(),
    displayName: z.string(),
    role: Role,
    company: z.string().nullable(),
    enabled: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Account' });

export const AccountCreateBody = z
  .object({
    username: Username,
    displayName: z.string().min(1).max(80),
    role: Role,
    company: Company.optional().describe('Required for operators; inspectors and admins see the county and take none'),
    password: Password,
  })
  .meta({ id: 'AccountCreate' });

export const AccountPatchBody = z
  .object({
    displayName: z.string().min(1).max(80).optional(),
    enabled: z.boolean().optional().describe('false refuses sign-in and ends the account’s sessions at once'),
    password: Password.optional().describe('A new password; ends the account’s sessions'),
  })
  .refine((b) => Object.keys(b).length > 0, 'change at least one field')
  .meta({ id: 'AccountPatch' });

export const TokenBody = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: Role,
    company: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().nullable(),
    revokedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'ApiToken' });

export const TokenCreateBody = z
  .object({ name: z.string().min(1).max(80), role: Role, company: Company.optional().describe('Required for operators') })
  .meta({ id: 'ApiTokenCreate' });
export const TokenSecretBody = TokenBody.extend({ token: z.string().describe('The token; shown in this answer only') }).meta({ id: 'ApiTokenSecret' });

export const AuditEntryBody = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime({ offset: true }),
    actor: z.string().describe('role:name (token #id | account #id), or cli:<user>'),
    action: z.string().describe('e.g. community.save, device.disable, alarm.acknowledge, inspection.sign'),
    objectType: z.string(),
    objectId: z.string(),
    communityId: z.string().nullable(),
    before: z.unknown().describe('The object before the change; null when it did not exist'),
    after: z.unknown().describe('The object after the change'),
  })
  .meta({ id: 'AuditEntry' });

export const AuditQuery = z.object({
  objectType: z.string().max(40).optional(),
  objectId: z.string().max(120).optional(),
  action: z.string().max(60).optional(),
  actor: z.string().max(200).optional(),
  communityId: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('At or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('Before this instant'),
  beforeId: z.coerce.number().int().min(1).optional().describe('Page: entries older than this id'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export type AccountCreateBody = z.infer<typeof AccountCreateBody>;
