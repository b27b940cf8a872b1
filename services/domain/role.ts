/** Who a person or a token acts as: the one list lives in schemas/src/accounts.ts. */
import type { z } from 'zod';
import type { Role as RoleSchema } from '../../schemas/src/accounts.js';

export type Role = z.infer<typeof RoleSchema>;
