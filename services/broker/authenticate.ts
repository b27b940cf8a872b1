/**
 * MQTT CONNECT authentication: username is the device id, password its secret.
 * Anonymous clients, unknown devices and disabled devices are refused with
 * CONNACK "bad username or password" / "not authorised" [MQTT-3.2.2-5].
 * Internal services sign in as `service:<name>` with the secret whose SHA-256
 * is configured (GW_MQTT_SERVICE_ACCOUNTS); a device id never contains ':'.
 */
import type { AuthenticateError, Client } from 'aedes';
import { createCredentialCheck } from '../crypto/credentials.js';
import type { ServiceAccount } from '../config/service-config.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Logger } from '../observability/logger.js';
import { clientIdTakenBy } from './client-ids.js';
import { emptyPersistentClientId } from './conformance.js';

export interface DeviceIdentity {
  deviceId: string;
  communityId: string;
}

/** An internal service (MQTT username `service:<name>`): not a device, no presence, no device topics of its own. */
export interface ServiceIdentity {
  service: string;
}

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
type Done = (error: AuthenticateError | null, success: boolean | null) => void;

export function createAuthenticate(
  registry: RegistryRepo,
  logger: Logger,
  admit: Admit = () => null,
  serviceAccounts: readonly ServiceAccount[] = [],
  admitService: AdmitService = () => null,
) {
  // The rule of who a username and password are lives in crypto/credentials.ts (RabbitMQ's auth endpoint asks it too).
  const check = createCredentialCheck((id) => registry.getDevice(id), serviceAccounts);

  const acceptService = (client: Client, identity: ServiceIdentity, done: Done): void => {
    const owner = clientIdTakenBy(registry, client.id);
    if (owner) {
      logger.warn({ clientId: client.id, service: identity.service, owner }, 'mqtt connect refused: client id belongs to a device');
      return done(authError(`client id ${client.id} belongs to device ${owner}`, 2), false);
    }
    const refusal = admitService(client, identity);
    if (refusal) return done(authError(refusal, 2), false);
    (client as Client & { gatewatchService?: ServiceIdentity }).gatewatchService = identity;
    logger.info({ clientId: client.id, service: identity.service }, 'mqtt service connected');
    done(null, true);
  };

  const acceptDevice = (client: Client, identity: DeviceIdentity, done: Done): void => {
    // CONNACK 0x02 [MQTT-3.2.2-3]: another device's client id is refused whether or not it is connected (client-ids.ts).
    const owner = clientIdTakenBy(registry, client.id, identity.deviceId);
    if (owner) {
      logger.warn({ clientId: client.id, device: identity.deviceId, owner }, 'mqtt connect refused: client id belongs to another device');
      return done(authError(`client id ${client.id} belongs to another device`, 2), false);
    }
    const refusal = admit(client, identity);
    // CONNACK 0x02 "identifier rejected" [MQTT-3.2.2-3]: the client id is another device's.
    if (refusal) return done(authError(refusal, 2), false);
    (client as Client & { gatewatch?: DeviceIdentity }).gatewatch = identity;
    done(null, true);
  };

  return function authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: Done,
  ): void {
    // [MQTT-3.1.3-8]: an empty client id with clean session off gets CONNACK 0x02 (conformance.ts).
    if (emptyPersistentClientId(client)) return done(authError('an empty client id needs clean session [MQTT-3.1.3-8]', 2), false);
    if (!username || !password) {
      logger.warn({ clientId: client.id }, 'mqtt connect refused: anonymous');
      return done(authError('anonymous clients are not allowed', 4), false);
    }
    check(username, password.toString('utf8')).then(
      (who) => {
        if (who.ok) {
          if (who.kind === 'service') return acceptService(client, { service: who.service }, done);
          return acceptDevice(client, { deviceId: who.deviceId, communityId: who.communityId }, done);
        }
        switch (who.reason) {
          case 'unknown-service':
            logger.warn({ clientId: client.id, username }, 'mqtt connect refused: unknown service or wrong secret');
            return done(authError('unknown service or wrong secret', 4), false);
          case 'unknown-device':
          case 'disabled-device':
            logger.warn({ clientId: client.id, username }, 'mqtt connect refused: unknown or disabled device');
            return done(authError('unknown or disabled device', who.reason === 'disabled-device' ? 5 : 4), false);
          case 'wrong-secret':
            logger.warn({ clientId: client.id, username }, 'mqtt connect refused: wrong secret');
            return done(authError('wrong secret', 4), false);
        }
      },
      (err: Error) => done(authError(`authentication failed: ${err.message}`, 4), false),
    );
  };
}
