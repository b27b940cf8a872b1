/**
 * MQTT CONNECT authentication: username is the device id, password its secret.
 * Anonymous clients, unknown devices and disabled devices are refused with
 * CONNACK "bad username or password" / "not authorised" [MQTT-3.2.2-5].
 * Internal services sign in as `service:<name>` with the secret whose SHA-256
 * is configured (GW_MQTT_SERVICE_ACCOUNTS); a device id never contains ':'.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client } from 'aedes';
import { verifySecret, sha256Hex } from '../crypto/secrets.js';
import type { ServiceAccount } from '../config/service-config.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Logger } from '../observability/logger.js';
import { clientIdOwner } from './client-ids.js';
import { emptyPersistentClientId } from './conformance.js';

export interface DeviceIdentity {
  deviceId: string;
  communityId: string;
}

/** An internal service (MQTT username `service:<name>`): not a device, no presence, no device topics of its own. */
export interface ServiceIdentity {
  service: string;
}

export const SERVICE_USERNAME_PREFIX = 'service:';

/** The device identity we attach to an authenticated aedes client (undefined for services). */
export const identityOf = (client: Client | null): DeviceIdentity | undefined =>
  (client as (Client & { gatewatch?: DeviceIdentity }) | null)?.gatewatch;

/** The service identity of an authenticated service client. */
export const serviceOf = (client: Client | null): ServiceIdentity | undefined =>
  (client as (Client & { gatewatchService?: ServiceIdentity }) | null)?.gatewatchService;

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Last word on an authenticated client (connection limits): a refusal message, or null to let it in. */
export type Admit = (client: Client, identity: DeviceIdentity) => string | null;
export type AdmitService = (client: Client, identity: ServiceIdentity) => string | null;

export function createAuthenticate(
  registry: RegistryRepo,
  logger: Logger,
  admit: Admit = () => null,
  serviceAccounts: readonly ServiceAccount[] = [],
  admitService: AdmitService = () => null,
) {
  const services = new Map(serviceAccounts.map((a) => [a.name, Buffer.from(a.secretSha256, 'hex')]));
  // scrypt is slow on purpose; remember (device, secret hash, password digest)
  // triples that verified so a reconnect storm does not burn the CPU.
  const verified = new Map<string, string>();

  return function authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    // [MQTT-3.1.3-8]: an empty client id with clean session off gets CONNACK 0x02 (conformance.ts).
    if (emptyPersistentClientId(client)) return done(authError('an empty client id needs clean session [MQTT-3.1.3-8]', 2), false);
    if (!username || !password) {
      logger.warn({ clientId: client.id }, 'mqtt connect refused: anonymous');
      return done(authError('anonymous clients are not allowed', 4), false);
    }
    if (username.startsWith(SERVICE_USERNAME_PREFIX)) {
      const name = username.slice(SERVICE_USERNAME_PREFIX.length);
      const expected = services.get(name);
      const given = Buffer.from(sha256Hex(password.toString('utf8')), 'hex');
      if (!expected || !timingSafeEqual(given, expected)) {
        logger.warn({ clientId: client.id, username }, 'mqtt connect refused: unknown service or wrong secret');
        return done(authError('unknown service or wrong secret', 4), false);
      }
      const identity = { service: name };
      const owner = clientIdOwner(registry, client.id);
      if (owner) {
        logger.warn({ clientId: client.id, service: name, owner }, 'mqtt connect refused: client id belongs to a device');
        return done(authError(`client id ${client.id} belongs to device ${owner}`, 2), false);
      }
      const refusal = admitService(client, identity);
      if (refusal) return done(authError(refusal, 2), false);
      (client as Client & { gatewatchService?: ServiceIdentity }).gatewatchService = identity;
      logger.info({ clientId: client.id, service: name }, 'mqtt service connected');
      return done(null, true);
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
      // CONNACK 0x02 [MQTT-3.2.2-3]: another device's client id is refused whether or not it is connected (client-ids.ts).
      const owner = clientIdOwner(registry, client.id);
      if (owner && owner !== device.id) {
        logger.warn({ clientId: client.id, device: device.id, owner }, 'mqtt connect refused: client id belongs to another device');
        return done(authError(`client id ${client.id} belongs to another device`, 2), false);
      }
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
