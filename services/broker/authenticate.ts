/**
 * MQTT CONNECT authentication: username is the device id, password its secret.
 * Anonymous clients, unknown devices and disabled devices are refused with
 * CONNACK "bad username or password" / "not authorised" [MQTT-3.2.2-5].
 */
import type { AuthenticateError, Client } from 'aedes';
import { verifySecret, sha256Hex } from '../auth/secrets.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Logger } from '../observability/logger.js';

export interface DeviceIdentity {
  deviceId: string;
  communityId: string;
}

/** The identity we attach to an authenticated aedes client. */
export const identityOf = (client: Client | null): DeviceIdentity | undefined =>
  (client as (Client & { gatewatch?: DeviceIdentity }) | null)?.gatewatch;

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Last word on an authenticated client (connection limits): a refusal message, or null to let it in. */
export type Admit = (client: Client, identity: DeviceIdentity) => string | null;

export function createAuthenticate(registry: RegistryRepo, logger: Logger, admit: Admit = () => null) {
  // scrypt is slow on purpose; remember (device, secret hash, password digest)
  // triples that verified so a reconnect storm does not burn the CPU.
  const verified = new Map<string, string>();

  return function authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (!username || !password) {
      logger.warn({ clientId: client.id }, 'mqtt connect refused: anonymous');
      return done(authError('anonymous clients are not allowed', 4), false);
    }
    const device = registry.getDevice(username);
    if (!device || !device.enabled) {
      logger.warn({ clientId: client.id, username }, 'mqtt connect refused: unknown or disabled device');
      return done(authError('unknown or disabled device', device ? 5 : 4), false);
    }
    const secret = password.toString('utf8');
    const cacheKey = `${device.id}\u0000${device.secretHash}`;
    const accept = () => {
      const identity = { deviceId: device.id, communityId: device.communityId };
      const refusal = admit(client, identity);
      // CONNACK 0x02 "identifier rejected" [MQTT-3.2.2-3]: the client id is another device's.
      if (refusal) return done(authError(refusal, 2), false);
      (client as Client & { gatewatch?: DeviceIdentity }).gatewatch = identity;
      done(null, true);
    };
    if (verified.get(cacheKey) === sha256Hex(secret)) return accept();
    verifySecret(secret, device.secretHash).then(
      (ok) => {
        if (!ok) {
          logger.warn({ clientId: client.id, username }, 'mqtt connect refused: wrong secret');
          return done(authError('wrong secret', 4), false);
        }
        verified.set(cacheKey, sha256Hex(secret));
        accept();
      },
      (err: Error) => done(authError(`authentication failed: ${err.message}`, 4), false),
    );
  };
}
