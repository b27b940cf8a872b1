/**
 * Closes a device's live connections on a RabbitMQ cluster through the
 * management HTTP API (rabbitmq_management 3.10, paths checked in the plugin's
 * own priv/www/api/index.html): GET /api/connections/username/{user} lists the
 * user's connections on every node of the cluster (how many are closed), DELETE
 * on the same path with an `X-Reason` header closes them.
 *
 * Any node answers for the whole cluster, so the nodes are tried in order and
 * the next is asked when one does not answer (refused, timed out, 5xx).
 * Presence is not served here: the embedded broker's presence API stays as is.
 */
import type { Logger } from '../observability/logger.js';

export interface RabbitmqManagement {
  /** http(s)://host:port of each node's management listener, tried in order. */
  urls: readonly string[];
  user: string;
  password: string;
  /** Per request, ms: a node that does not answer within this is skipped. */
  timeoutMs?: number;
}

export class RabbitmqManagementUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RabbitmqManagementUnavailable';
  }
}

/** A node that answered, but not with success: asking another node would not help. */
class Refused extends Error {}

export interface RabbitmqControl {
  disconnectDevice(deviceId: string, reason: 'disabled' | 'secret_rotated'): Promise<number>;
}

export function createRabbitmqControl(config: RabbitmqManagement, logger: Logger): RabbitmqControl {
  const auth = `Basic ${Buffer.from(`${config.user}:${config.password}`).toString('base64')}`;
  const timeoutMs = config.timeoutMs ?? 2_000;

  async function call(base: string, method: 'GET' | 'DELETE', path: string, reason?: string): Promise<Response> {
    const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: auth, ...(reason !== undefined && { 'x-reason': reason }) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status >= 500) throw new Error(`${method} ${path}: HTTP ${res.status}`);
    return res;
  }

  async function closeOn(base: string, deviceId: string, reason: string): Promise<number> {
    const res = await call(base, 'GET', `/api/connections/username/${encodeURIComponent(deviceId)}`);
    if (!res.ok) throw new Refused(`GET connections of a device: HTTP ${res.status}`);
    // The per-user list comes from connection tracking and is current at once; /api/connections (the stats
    // database) lists a new connection only after the stats interval (5 s), and DELETE /api/connections/{name}
    // answers 404 until then (measured on 3.10.8). So the count is taken from the tracked list and the
    // user's connections are closed with one DELETE on the same path.
    const connections = (await res.json()) as unknown[];
    if (connections.length === 0) return 0;
    const del = await call(base, 'DELETE', `/api/connections/username/${encodeURIComponent(deviceId)}`, reason);
    if (!del.ok && del.status !== 404) throw new Refused(`DELETE connections of a device: HTTP ${del.status}`);
    return connections.length;
  }

  return {
    async disconnectDevice(deviceId, reason) {
      const failures: string[] = [];
      for (const base of config.urls) {
        try {
          return await closeOn(base, deviceId, `gatewatch: ${reason}`);
        } catch (err) {
          if (err instanceof Refused) throw new RabbitmqManagementUnavailable(`${base}: ${err.message}`);
          failures.push(`${base}: ${(err as Error).message}`);
          logger.warn({ node: base, err: (err as Error).message }, 'rabbitmq management node did not answer; trying the next');
        }
      }
      throw new RabbitmqManagementUnavailable(`no RabbitMQ management node answered (${failures.join('; ')})`);
    },
  };
}

/**
 * The API's deviceControl with devices on both brokers: presence from the
 * embedded broker as before, disconnects on both (the sum of what each closed).
 */
export function withRabbitmqDisconnect<P>(embedded: RabbitmqControl & { presenceOf: P }, rabbit: RabbitmqControl): RabbitmqControl & { presenceOf: P } {
  return {
    presenceOf: embedded.presenceOf,
    async disconnectDevice(deviceId, reason) {
      const [local, remote] = await Promise.all([embedded.disconnectDevice(deviceId, reason), rabbit.disconnectDevice(deviceId, reason)]);
      return local + remote;
    },
  };
}
