/**
 * Every shared repository over one database, built once. The composition
 * roots (services/runtime.ts; the CLI and the broker thread over their own
 * connections) call this and pass the repositories down; nothing else
 * constructs one (enforced by `npm run lint`). Tables private to one component
 * (the InfluxDB and webhook outboxes, the scoring sources' queries, the
 * tenant router's company lookup) are built by that component from `db`.
 */
import { createAccountsRepo } from './accounts-repo.js';
import { createAlarmsRepo } from './alarms-repo.js';
import { createAuditRepo } from './audit-repo.js';
import { createCheckpointsRepo } from './checkpoints-repo.js';
import type { Db } from './db.js';
import { createFactsRepo } from './facts-repo.js';
import { createLegacyInbox } from './inbox.js';
import { createInspectionsRepo } from './inspections-repo.js';
import { createJournal } from './journal.js';
import { createLayoutVersionsRepo } from './layout-versions-repo.js';
import { createPresenceRepo } from './presence-repo.js';
import { createReevaluationRepo } from './reevaluation-repo.js';
import { createRegistryRepo } from './registry-repo.js';
import { createScopeStore } from './scope-repo.js';
import { createTokensRepo } from './tokens-repo.js';

export function createRepositories(db: Db) {
  return {
    accounts: createAccountsRepo(db),
    alarms: createAlarmsRepo(db),
    audit: createAuditRepo(db),
    checkpoints: createCheckpointsRepo(db),
    facts: createFactsRepo(db),
    inspections: createInspectionsRepo(db),
    journal: createJournal(db),
    layoutVersions: createLayoutVersionsRepo(db),
    legacyInbox: createLegacyInbox(db),
    presence: createPresenceRepo(db),
    reevaluation: createReevaluationRepo(db),
    registry: createRegistryRepo(db),
    scope: createScopeStore(db),
    tokens: createTokensRepo(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
