/**
 * Who is connected: every authenticated MQTT connection of every device, the
 * per-device connection limit (one more takes over the oldest, like MQTT's
 * client-id takeover [MQTT-3.1.4-2]), client ids that may not be borrowed
 * across devices, and presence (online, connected at, last seen) kept in
 * memory, written to SQLite, and announced on the event bus. Service
 * connections (`service:<name>`) only hold their client ids here: no
 * presence, no per-device limit, and no client id of a device.
 */
import type { Client } from 'aedes';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import type { PresenceRepo } from '../store/presence-repo.js';
import type { DeviceIdentity, ServiceIdentity } from './authenticate.js';
import { FrameGuard } from './frame-guard.js';
import type { LimitReporter } from './limits.js';
import type { BrokerMetrics } from './metrics.js';

export type DisconnectReason =
  | 'disconnect' // the device sent DISCONNECT
  | 'connection_lost' // the transport closed without DISCONNECT (the will, if any, is published)
  | 'keepalive_timeout' // nothing heard for 1.5 x keep-alive [MQTT-3.1.2-24]
  | 'taken_over' // a newer connection of the same device
  | 'disabled' // an admin disabled the device
  | 'secret_rotated' // an admin rotated its secret
  | 'protocol_error' // oversize packet, rate far over the limit, ACL violation
  | 'shutdown';

export interface Presence {
  online: boolean;
  connectedAt: number | null;
  lastSeenAt: number | null;
}

/** Who holds a client id: a device id, or `service:<name>`. */
interface ClientIdHolder {
  client: Client;
  owner: string;
}

interface Session extends ClientIdHolder {
  identity: DeviceIdentity;
  connectedAt: number;
  ready: boolean;
  reason?: DisconnectReason;
}

interface DeviceState {
  sessions: Session[];
  online: boolean;
  connectedAt: number | null;
  lastSeenAt: number | null;
  dirty: boolean;
}

export interface SessionsDeps {
  presence: PresenceRepo;
  bus: Pick<EventBus, 'emit'>;
  metrics: BrokerMetrics;
  limits: LimitReporter;
  logger: Logger;
  maxPerDevice: number;
  now: () => number;
}

const lastActivity = (client: Client): number | null => (client.conn instanceof FrameGuard ? client.conn.lastActivityAt : null);

export function createSessions(deps: SessionsDeps) {
  const { presence, metrics, logger, now } = deps;
  const devices = new Map<string, DeviceState>();
  const byClient = new Map<Client, Session>();
  const byClientId = new Map<string, ClientIdHolder>();

  presence.resetOnline(now());
  for (const row of presence.all()) {
    devices.set(row.deviceId, { sessions: [], online: false, connectedAt: null, lastSeenAt: row.lastSeenAt, dirty: false });
  }

  const stateOf = (deviceId: string): DeviceState => {
    let s = devices.get(deviceId);
    if (!s) devices.set(deviceId, (s = { sessions: [], online: false, connectedAt: null, lastSeenAt: null, dirty: false }));
    return s;
  };

  function seen(state: DeviceState, at: number | null): void {
    if (at !== null && (state.lastSeenAt === null || at > state.lastSeenAt)) {
      state.lastSeenAt = at;
      state.dirty = true;
    }
  }

  // Presence is bookkeeping: a failed write (the database closing at shutdown)
  // is logged, never thrown into a socket event handler.
  function persist(write: () => void): void {
    try {
      write();
    } catch (err) {
      logger.error({ err }, 'presence write failed');
    }
  }

  function announce(identity: DeviceIdentity, online: boolean, at: number, reason: string): void {
    metrics.presenceChanges.inc({ state: online ? 'online' : 'offline', reason });
    metrics.devicesOnline.inc(online ? 1 : -1);
    logger.info({ device: identity.deviceId, community: identity.communityId, reason }, online ? 'device online' : 'device offline');
    deps.bus.emit('device.presence', { deviceId: identity.deviceId, communityId: identity.communityId, online, at, reason });
  }

  function closed(session: Session): void {
    if (byClient.get(session.client) !== session) return;
    byClient.delete(session.client);
    if (byClientId.get(session.client.id) === session) byClientId.delete(session.client.id);
    const state = stateOf(session.identity.deviceId);
    state.sessions = state.sessions.filter((s) => s !== session);
    const at = now();
    seen(state, lastActivity(session.client));
    // Offline only when no connection is left, not even one still in its
    // handshake (a takeover closes the old one before the new one is ready).
    if (state.online && state.sessions.length === 0) {
      const guard = session.client.conn instanceof FrameGuard ? session.client.conn : undefined;
      const reason = session.reason ?? (guard?.sawDisconnect ? 'disconnect' : 'connection_lost');
      state.online = false;
      state.connectedAt = null;
      persist(() => presence.disconnected(session.identity.deviceId, at, reason, state.lastSeenAt));
      state.dirty = false;
      announce(session.identity, false, at, reason);
    }
  }

  function close(session: Session, reason: DisconnectReason): void {
    session.reason ??= reason;
    session.client.close();
  }

  return {
    /**
     * Called when a CONNECT authenticated, before CONNACK. Returns a refusal
     * (the client id is held by another device) or null after making room.
     */
    admit(client: Client, identity: DeviceIdentity): string | null {
      if (client.closed || client.conn.destroyed) return 'connection closed during authentication';
      const holder = byClientId.get(client.id);
      if (holder && holder.owner !== identity.deviceId && !holder.client.closed) {
        deps.limits.hit('client_id', 'refused', { deviceId: identity.deviceId, clientId: client.id, holder: holder.owner });
        return `client id ${client.id} is in use by another device`;
      }
      const state = stateOf(identity.deviceId);
      while (state.sessions.length >= deps.maxPerDevice) {
        const oldest = state.sessions.shift()!;
        deps.limits.hit('device_connections', 'taken_over', { deviceId: identity.deviceId, clientId: oldest.client.id, newClientId: client.id });
        close(oldest, 'taken_over');
      }
      const session: Session = { client, owner: identity.deviceId, identity, connectedAt: now(), ready: false };
      state.sessions.push(session);
      byClient.set(client, session);
      byClientId.set(client.id, session);
      client.conn.once('close', () => closed(session));
      return null;
    },

    /**
     * A service connection: it only claims its client id. One held by a device
     * (or another service) is refused, so a service never takes a device over;
     * a service may have several connections (distinct client ids).
     */
    admitService(client: Client, identity: ServiceIdentity): string | null {
      if (client.closed || client.conn.destroyed) return 'connection closed during authentication';
      const owner = `service:${identity.service}`;
      const holder = byClientId.get(client.id);
      if (holder && holder.owner !== owner && !holder.client.closed) {
        deps.limits.hit('client_id', 'refused', { service: identity.service, clientId: client.id, holder: holder.owner });
        return `client id ${client.id} is in use by another client`;
      }
      const entry: ClientIdHolder = { client, owner };
      byClientId.set(client.id, entry);
      client.conn.once('close', () => {
        if (byClientId.get(client.id) === entry) byClientId.delete(client.id);
      });
      return null;
    },

    /** aedes 'clientReady': CONNACK sent. */
    ready(client: Client): void {
      const session = byClient.get(client);
      if (!session) return;
      session.ready = true;
      const state = stateOf(session.identity.deviceId);
      state.connectedAt = session.connectedAt;
      seen(state, session.connectedAt);
      if (!state.online) {
        state.online = true;
        persist(() => presence.connected(session.identity.deviceId, session.connectedAt));
        state.dirty = false;
        announce(session.identity, true, session.connectedAt, 'connect');
      }
    },

    /** Gives the close that follows its reason (aedes 'keepaliveTimeout', a protocol error). */
    flag(client: Client, reason: DisconnectReason): void {
      const session = byClient.get(client);
      if (session) session.reason ??= reason;
    },

    /** Closes every connection of a device (disabled, secret rotated, protocol error). */
    disconnectDevice(deviceId: string, reason: DisconnectReason): number {
      const state = devices.get(deviceId);
      const sessions = state ? [...state.sessions] : [];
      for (const s of sessions) close(s, reason);
      return sessions.length;
    },

    disconnectClient(client: Client, reason: DisconnectReason): void {
      const session = byClient.get(client);
      if (session) close(session, reason);
      else client.close();
    },

    presenceOf(deviceId: string): Presence {
      const state = devices.get(deviceId);
      if (!state) return { online: false, connectedAt: null, lastSeenAt: null };
      for (const s of state.sessions) seen(state, lastActivity(s.client));
      return { online: state.online, connectedAt: state.online ? state.connectedAt : null, lastSeenAt: state.lastSeenAt };
    },

    /** Writes last-seen times that moved since the last call (every few seconds). */
    flush(): void {
      const entries: [string, number][] = [];
      for (const [deviceId, state] of devices) {
        for (const s of state.sessions) seen(state, lastActivity(s.client));
        if (state.dirty && state.lastSeenAt !== null) {
          entries.push([deviceId, state.lastSeenAt]);
          state.dirty = false;
        }
      }
      persist(() => presence.saveLastSeen(entries));
    },

    /** Marks every live session as closing for shutdown, so its offline reason says so. */
    shuttingDown(): void {
      for (const session of byClient.values()) session.reason ??= 'shutdown';
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
