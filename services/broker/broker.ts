/**
 * The embedded MQTT broker (aedes) with our policy hooks. A PUBLISH from a
 * device is written to the inbox (group commit) inside authorizePublish and the
 * hook answers only after the commit, so aedes sends the QoS 1 PUBACK after the
 * reading is on disk. (aedes 1.2.0 writes PUBACK before its own publish chain,
 * so authorizePublish is the last point before the ack.)
 */
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { createServer, type Server, type AddressInfo } from 'node:net';
import type { Inbox } from '../store/inbox.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Logger } from '../observability/logger.js';
import { createAuthenticate, identityOf } from './authenticate.js';
import { createAuthorizeSubscribe, mayPublish } from './authorize.js';

export interface BrokerDeps {
  registry: RegistryRepo;
  inbox: Inbox;
  logger: Logger;
  onDenied?: (reason: string) => void;
}

export interface BrokerListenOptions {
  host: string;
  port: number;
}

export async function createBroker(deps: BrokerDeps) {
  const { inbox, logger } = deps;
  const log = logger.child({ component: 'broker' });

  function authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    if (!client) return done(null); // the broker's own publishes ($SYS heartbeats)
    if (!mayPublish(client, packet.topic)) {
      deps.onDenied?.('topic_not_allowed');
      log.warn({ clientId: client.id, device: identityOf(client)?.deviceId, topic: packet.topic }, 'mqtt publish refused: topic not allowed');
      return done(new Error(`not allowed to publish on ${packet.topic}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (packet.qos === 0) {
      // QoS 0 is "at most once": no ack to wait for, but it still goes through the inbox.
      inbox.append(client.id, packet.topic, payload, 0, () => {});
      return done(null);
    }
    inbox.append(client.id, packet.topic, payload, packet.qos, (err) => done(err));
  }

  const aedes = new Aedes({
    authenticate: createAuthenticate(deps.registry, log),
    authorizePublish,
    authorizeSubscribe: createAuthorizeSubscribe(log),
    // Devices never receive each other's telemetry; nothing to forward but commands.
  });
  await aedes.listen();
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'));

  let server: Server | undefined;

  return {
    aedes,
    async listen(opts: BrokerListenOptions): Promise<AddressInfo> {
      server = createServer((socket) => {
        // Nagle's algorithm added ~20 ms to every small ack; devices want them now.
        socket.setNoDelay(true);
        aedes.handle(socket);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(opts.port, opts.host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      log.info({ host: address.address, port: address.port }, 'mqtt listening');
      return address;
    },
    async close(): Promise<void> {
      // Stop accepting first, then let aedes close the client connections the server waits for.
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
    },
  };
}

export type Broker = Awaited<ReturnType<typeof createBroker>>;
