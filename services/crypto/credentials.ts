/**
 * Who a username and password are: a device (its id and scrypt-hashed secret,
 * enabled) or an internal service (`service:<name>`, the SHA-256 of its
 * secret configured in GW_MQTT_SERVICE_ACCOUNTS). The one statement of the
 * rule, asked by the embedded broker's CONNECT (services/broker/authenticate.ts)
 * and by RabbitMQ's HTTP auth backend (services/api/routes/rabbitmq-auth.ts).
 * The registry comes in as a lookup so this file imports no store.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256Hex, verifySecret } from './secrets.js';

export const SERVICE_USERNAME_PREFIX = 'service:';

/** What the check needs of a registered device. */
export interface CredentialDevice {
  id: string;
  communityId: string;
  enabled: boolean;
  secretHash: string;
}

/** A service account: its name and the SHA-256 (hex) of its secret. */
export interface ServiceSecret {
  name: string;
  secretSha256: string;
}

export type Credentials =
  | { ok: true; kind: 'device'; deviceId: string; communityId: string }
  | { ok: true; kind: 'service'; service: string }
  | { ok: false; reason: 'unknown-service' | 'unknown-device' | 'disabled-device' | 'wrong-secret' };

export function createCredentialCheck(lookup: (deviceId: string) => CredentialDevice | undefined, services: readonly ServiceSecret[]) {
  const serviceHashes = new Map(services.map((a) => [a.name, Buffer.from(a.secretSha256, 'hex')]));
  // scrypt is slow on purpose; remember (device, secret hash) → digest of the
  // password that verified, so a reconnect storm does not burn the CPU. A
  // rotated secret changes the key, so the old password no longer hits.
  const verified = new Map<string, string>();

  return async function check(username: string, password: string): Promise<Credentials> {
    if (username.startsWith(SERVICE_USERNAME_PREFIX)) {
      const name = username.slice(SERVICE_USERNAME_PREFIX.length);
      const expected = serviceHashes.get(name);
      const given = Buffer.from(sha256Hex(password), 'hex');
      if (!expected || !timingSafeEqual(given, expected)) return { ok: false, reason: 'unknown-service' };
      return { ok: true, kind: 'service', service: name };
    }
    const device = lookup(username);
    if (!device) return { ok: false, reason: 'unknown-device' };
    if (!device.enabled) return { ok: false, reason: 'disabled-device' };
    const cacheKey = `${device.id}\u0000${device.secretHash}`;
    const digest = sha256Hex(password);
    if (verified.get(cacheKey) !== digest) {
      if (!(await verifySecret(password, device.secretHash))) return { ok: false, reason: 'wrong-secret' };
      verified.set(cacheKey, digest);
    }
    return { ok: true, kind: 'device', deviceId: device.id, communityId: device.communityId };
  };
}

export type CredentialCheck = ReturnType<typeof createCredentialCheck>;
