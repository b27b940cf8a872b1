/** Loads a registry file (demo or bulk provisioning) into the store, hashing device secrets. */
import { readFileSync } from 'node:fs';
import { RegistryFile, staffAtUnknownGates } from '../../schemas/src/registry.js';
import { formatIssues } from '../../schemas/src/decode.js';
import { hashSecret } from '../crypto/secrets.js';
import type { Db } from './db.js';
import type { RegistryRepo } from './registry-repo.js';

export async function loadRegistryFile(path: string, db: Db, registry: RegistryRepo, now: number): Promise<{ communities: number; devices: number }> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`registry file ${path}: ${(err as Error).message}`);
  }
  const parsed = RegistryFile.safeParse(json);
  if (!parsed.success) throw new Error(`registry file ${path} is invalid: ${formatIssues(parsed.error)}`);
  return applyRegistry(parsed.data, db, registry, now);
}

export async function applyRegistry(file: RegistryFile, db: Db, registry: RegistryRepo, now: number): Promise<{ communities: number; devices: number }> {
  for (const c of file.communities) {
    const misplaced = staffAtUnknownGates(c.staff, [...registry.gates(c.id).map((g) => g.id), ...c.gates.map((g) => g.id)]);
    if (misplaced.length > 0) throw new Error(`community ${c.id}: staff posted at a gate the community does not have: ${misplaced.join(', ')}`);
  }
  // Hash outside the transaction (scrypt is async), then write everything at once.
  const hashes = new Map<string, string>();
  for (const c of file.communities) for (const d of c.devices) hashes.set(d.id, await hashSecret(d.secret));
  let devices = 0;
  db.transaction(() => {
    for (const c of file.communities) {
      registry.upsertCommunity({ id: c.id, name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone });
      for (const g of c.gates) registry.upsertGate({ communityId: c.id, ...g });
      for (const a of c.areas) registry.upsertArea({ communityId: c.id, ...a });
      for (const s of c.staff) registry.upsertStaff({ communityId: c.id, ...s });
      for (const d of c.devices) {
        registry.upsertDevice({ id: d.id, communityId: c.id, kind: d.kind, location: d.location, enabled: d.enabled, secretHash: hashes.get(d.id)! }, now);
        devices++;
      }
    }
  })();
  return { communities: file.communities.length, devices };
}
