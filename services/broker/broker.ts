/**
 * The embedded MQTT broker (aedes) with our policy hooks. A PUBLISH from a
 * device is handed to the intake (one transaction per loop turn: journal,
 * rules, alarms) inside authorizePublish and the hook answers only after the
 * commit, so aedes sends the QoS 1 PUBACK after the reading is on disk. (aedes 1.2.0 writes PUBACK before its own publish chain,
 * so authorizePublish is the last point before the ack.)
 *
 * Overload: aedes reads a connection's next chunk only when every packet of
 * the previous one has completed. Because each completes after its commit
 * (QoS 0 too), a connection has at most about two socket chunks in flight and
 * TCP flow control slows a flooding sender. Device telemetry never enters
 * aedes' fan-out (see skipTelemetryFanOut), which is where 1.2.0 overflowed
 * its stack. Limits: services/broker/README.md.
 *
 * Internal services (`service:<name>`, GW_MQTT_SERVICE_ACCOUNTS) publish device
 * commands only: those are not stored and do fan out, to the device's own
 * .../cmd subscription.
 */
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { PresenceRepo } from '../store/presence-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import type { ServiceAccount } from '../config/service-config.js';
import { createAuthenticate, identityOf, serviceOf } from './authenticate.js';
import { createAuthorizeSubscribe, mayPublish, serviceMayPublish } from './authorize.js';
import { FrameGuard } from './frame-guard.js';
import { preConnect, topicIsWellFormed } from './conformance.js';
import { MAX_DEAD_LETTER_TOPIC_CHARS, truncateText } from '../../schemas/src/redact.js';
import { createLagMonitor, createLimitReporter, MAX_RATE_DELAY_MS, TokenBucket, type BrokerLimits } from './limits.js';
import { createListeners, type ListenAddresses, type ListenOptions } from './listeners.js';
import { createBrokerMetrics } from './metrics.js';
import { createSessions, type DisconnectReason } from './sessions.js';

export type { BrokerLimits, ListenOptions, ListenAddresses };

export interface BrokerDeps {
  registry: RegistryRepo;
  /** Where device messages go (services/ingest/intake.ts); `done` fires after they are committed. */
  intake: {
    append(clientId: string, topic: string, payload: Buffer, qos: number, done: (err: Error | null) => void): void;
    /** Messages handed over and not yet answered: a graceful close waits for 0 (bounded). */
    waiting(): number;
  };
  presence: PresenceRepo;
  bus: Pick<EventBus, 'emit'>;
  metricsRegistry: Registry;
  logger: Logger;
  limits: BrokerLimits;
  /** Internal services allowed to send device commands (none by default). */
  serviceAccounts?: readonly ServiceAccount[];
  onDenied?: (reason: string) => void;
  /** True while more messages wait for ingest than it takes at once (a backlog, not a momentary wait): counts as overload like event-loop lag. */
  intakeBacklogged?: () => boolean;
  now?: () => number;
}

const FLUSH_PRESENCE_MS = 5_000;
/**
 * Most a graceful close waits for the batches in flight to be answered and their PUBACKs written, before it
 * closes the connections anyway (their messages, journaled or not, are then resent by the devices and
 * de-duplicated). Inside the 10 s a supervisor usually gives between SIGTERM and SIGKILL.
 */
export const CLOSE_DRAIN_MS = 5_000;
/** Most a close then waits for the devices to close their side after the broker ended its own. */
const CLOSE_LINGER_MS = 500;
/** A socket that has not sent CONNECT by then is closed (it holds a connection slot). */
const CONNECT_TIMEOUT_MS = 10_000;

type PublishFn = (packet: PublishPacket, client: Client | null, done?: (err?: Error | null) => void) => void;

/**
 * aedes.publish() is the broker's fan-out (retained store, offline queues,
 * mqemitter). Device telemetry has no subscribers by construction (a device
 * may subscribe only to its own .../cmd, which it may not publish to), so it
 * stops here once stored. That also removes aedes 1.2.0's flood crash from
 * the path: mqemitter queues emits beyond its concurrency without bound and
 * releases them recursively ("Maximum call stack size exceeded",
 * moscajs/aedes#193, mcollina/mqemitter#204). Completion is always deferred
 * to the next turn, so a packet never completes inside the parse of its chunk.
 * The broker's own publishes ($SYS) and services' commands to devices fan out
 * as before, except a command authorizePublish shed (`dropped`: QoS 0 over the
 * rate or under overload, since a PUBLISH it lets through is otherwise sent on).
 */
function skipTelemetryFanOut(aedes: Aedes, dropped: WeakSet<PublishPacket>): void {
  const target = aedes as unknown as { publish: PublishFn };
  const fanOut = target.publish.bind(aedes);
  target.publish = (packet, clientOrDone, maybeDone) => {
    const client = typeof clientOrDone === 'function' ? null : clientOrDone;
    const done = typeof clientOrDone === 'function' ? clientOrDone : maybeDone;
    if (client && (identityOf(client) || dropped.has(packet))) {
      setImmediate(() => done?.(null));
      return;
    }
    fanOut(packet, client, done);
  };
}

export async function createBroker(deps: BrokerDeps) {
  const { intake, limits: cfg } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'broker' });
  let inflight = 0;
  const metrics = createBrokerMetrics(deps.metricsRegistry, () => inflight);
  const limits = createLimitReporter(metrics, log, now);
  const sessions = createSessions({ presence: deps.presence, bus: deps.bus, metrics, limits, logger: log, maxPerDevice: cfg.maxConnectionsPerDevice, now });
  // Counts only while an MQTT connection is open: before that (start-up work
  // such as building the HTTP app blocks the loop) there is nothing to shed.
  let openConnections = 0;
  const lag = createLagMonitor(
    cfg.overloadLagMs,
    (overloaded, lagMs) => {
      metrics.overloaded.set(overloaded ? 1 : 0);
      if (overloaded) log.warn({ lagMs: Math.round(lagMs) }, 'mqtt overloaded: shedding QoS 0 until the event loop catches up');
      else log.info({ lagMs: Math.round(lagMs) }, 'mqtt overload over');
    },
    undefined,
    () => openConnections > 0,
    deps.intakeBacklogged,
  );
  /** Token buckets by device id, and by `service:<name>` (a device id has no ':'). */
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (key: string): TokenBucket => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = new TokenBucket(cfg.ratePerDevice, cfg.burstPerDevice, now())));
    return b;
  };
  /** Set by close(): nothing new is handed over to the intake. */
  let closing = false;
  /** Service commands shed by authorizePublish, so that the fan-out drops them. */
  const dropped = new WeakSet<PublishPacket>();

  /** Hands over to the intake and completes after the commit: PUBACK for QoS 1, the next read for both. */
  function store(client: Client, packet: PublishPacket, payload: Buffer, done: (err?: Error | null) => void): void {
    // Closing: a publish not handed over yet is held, never completed, so it is neither journaled nor acknowledged
    // (the device resends it); the connection is closed once what was handed over is answered.
    if (closing) return;
    inflight++;
    intake.append(client.id, packet.topic, payload, packet.qos, (err) => {
      inflight--;
      done(err);
    });
  }

  type Forward = (done: (err?: Error | null) => void) => void;

  /**
   * The rate limit of `key` (a device id or `service:<name>`) and overload
   * shedding, then `forward`. QoS 0 under overload or over the rate is shed
   * (counted, `onShed`); QoS 1/2 is never dropped: over the rate it waits for
   * its token (no PUBACK yet, and the connection is not read meanwhile); far
   * over it, the connection closes.
   */
  function throttle(client: Client, key: string, who: Record<string, unknown>, qos: number, forward: Forward, onShed: () => void, done: (err?: Error | null) => void): void {
    const t = now();
    if (qos === 0) {
      // "At most once": under overload or over the rate it is dropped, counted.
      const shed = lag.overloaded() ? 'overload' : bucketOf(key).tryTake(t) ? null : 'rate';
      if (!shed) return forward(done);
      limits.hit(shed, 'shed', who);
      onShed();
      return done(null);
    }
    const bucket = bucketOf(key);
    const waitMs = bucket.reserve(t);
    if (waitMs === 0) return forward(done);
    if (waitMs > MAX_RATE_DELAY_MS) {
      bucket.refund();
      limits.hit('rate', 'closed', { ...who, waitMs });
      sessions.flag(client, 'protocol_error');
      return done(new Error(`rate limit: ${key} is more than ${MAX_RATE_DELAY_MS} ms over its rate`));
    }
    limits.hit('rate', 'delayed', { ...who, waitMs });
    inflight++;
    setTimeout(() => {
      inflight--;
      forward(done);
    }, waitMs);
  }

  function authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    if (!client) return done(null); // the broker's own publishes ($SYS heartbeats)
    // [MQTT-4.7.3-2] no U+0000, [MQTT-1.5.3-1] well-formed UTF-8: close the connection (conformance.ts).
    if (!topicIsWellFormed(packet.topic)) {
      log.warn({ clientId: client.id, device: identityOf(client)?.deviceId }, 'mqtt publish refused: topic with U+0000 or ill-formed UTF-8');
      sessions.flag(client, 'protocol_error');
      return done(new Error('topic with U+0000 or ill-formed UTF-8'));
    }
    const identity = identityOf(client);
    const service = identity ? undefined : serviceOf(client);
    // A service sends commands to devices, never retained (a stale command must not be replayed on subscribe).
    const allowed = identity ? mayPublish(client, packet.topic) : service ? serviceMayPublish(packet.topic) && !packet.retain : false;
    if (!allowed) {
      deps.onDenied?.('topic_not_allowed');
      log.warn({ clientId: client.id, device: identity?.deviceId, service: service?.service, topic: truncateText(packet.topic, MAX_DEAD_LETTER_TOPIC_CHARS), retain: packet.retain }, 'mqtt publish refused: topic not allowed');
      sessions.flag(client, 'protocol_error');
      return done(new Error(`not allowed to publish on ${packet.topic}`));
    }
    if (service) {
      // Not telemetry: not stored; once done, aedes fans it out to the device.
      const forward: Forward = (d) => d(null);
      return throttle(client, `service:${service.service}`, { service: service.service }, packet.qos, forward, () => dropped.add(packet), done);
    }
    const { deviceId } = identity!;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.length > cfg.maxPayloadBytes) {
      // Stored and acknowledged, so the device stops resending it; ingest dead-letters it with the reason.
      limits.hit('payload_size', 'dead_lettered', { deviceId, bytes: payload.length, topic: truncateText(packet.topic, MAX_DEAD_LETTER_TOPIC_CHARS) });
    }
    throttle(client, deviceId, { deviceId }, packet.qos, (d) => store(client, packet, payload, d), () => {}, done);
  }

  const aedes = new Aedes({
    authenticate: createAuthenticate(
      deps.registry,
      log,
      (client, identity) => sessions.admit(client, identity),
      deps.serviceAccounts ?? [],
      (client, identity) => sessions.admitService(client, identity),
    ),
    preConnect,
    authorizePublish,
    authorizeSubscribe: createAuthorizeSubscribe(log),
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  skipTelemetryFanOut(aedes, dropped);
  await aedes.listen();
  aedes.on('clientReady', (client) => sessions.ready(client));
  aedes.on('keepaliveTimeout', (client) => sessions.flag(client, 'keepalive_timeout'));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'mqtt connection error'));

  function accept(stream: Duplex, transport: string): void {
    openConnections++;
    stream.once('close', () => openConnections--);
    const guard: FrameGuard = new FrameGuard(stream, {
      maxPacketBytes: cfg.maxPacketBytes,
      onOversize: (bytes, type) => {
        const client = (guard as FrameGuard & { client?: Client }).client;
        limits.hit('packet_size', 'closed', { deviceId: identityOf(client ?? null)?.deviceId, transport, bytes: Number.isFinite(bytes) ? bytes : 'malformed', packetType: type });
        if (client) sessions.flag(client, 'protocol_error');
      },
      now,
      // Under overload a connection with a backlog is read at most once per lag period.
      pace: () => (lag.overloaded() ? Math.min(1000, Math.max(20, lag.lagMs())) : 0),
    });
    aedes.handle(guard);
  }

  const listeners = createListeners({ maxConnections: cfg.maxConnections, maxPacketBytes: cfg.maxPacketBytes, metrics, limits, logger: log, accept });
  const ticker = setInterval(() => {
    sessions.flush();
    limits.prune();
  }, FLUSH_PRESENCE_MS);
  ticker.unref();

  const clientTransports = (): Duplex[] =>
    Object.values((aedes as unknown as { clients: Record<string, Client> }).clients).map((c) => (c.conn as Duplex & { inner?: Duplex }).inner ?? c.conn);

  /** Until nothing handed over waits for its answer and every socket's writes (PUBACKs) are flushed, or the bound. */
  async function drain(boundMs: number): Promise<boolean> {
    // The wall clock, not `now` (tests may freeze that): the bound must pass.
    const deadline = performance.now() + boundMs;
    const unwritten = () => clientTransports().some((t) => t.writableLength > 0 && !t.destroyed);
    while (intake.waiting() > 0 || unwritten()) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /**
   * Ends each connection's sending side (FIN after the PUBACKs) and waits, bounded, for the devices to close
   * theirs. Destroying a socket whose peer still sends resets it (RST), and a client that reads the reset
   * before the PUBACKs queued ahead of it drops them: a committed, acknowledged reading the device never
   * learns of.
   */
  async function endConnections(boundMs: number): Promise<void> {
    const open = clientTransports().filter((t) => !t.destroyed);
    const closed = open.map((t) => new Promise<void>((resolve) => (t.destroyed ? resolve() : t.once('close', () => resolve()))));
    for (const t of open) if (!t.writableEnded) t.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
  }

  return {
    aedes,
    listen: (opts: ListenOptions): Promise<ListenAddresses> => listeners.listen(opts),
    /** Live state of a device for the API: online, since when, last heard. */
    presenceOf: (deviceId: string) => sessions.presenceOf(deviceId),
    /** Closes every live connection of a device; returns how many. */
    disconnectDevice: (deviceId: string, reason: DisconnectReason) => sessions.disconnectDevice(deviceId, reason),
    async close(drainMs = CLOSE_DRAIN_MS): Promise<void> {
      clearInterval(ticker);
      lag.stop();
      sessions.shuttingDown();
      // Stop accepting and stop handing over new publishes; then the batches in flight are answered and their
      // PUBACKs written (aedes writes them when the batch's callback fires) before the connections close:
      // closing at once would destroy sockets with PUBACKs of committed batches still unwritten.
      closing = true;
      const closed = listeners.close();
      const drained = await drain(drainMs);
      if (!drained) log.warn({ waiting: intake.waiting(), drainMs }, 'mqtt close: batches still unanswered after the bound; closing the connections anyway');
      await endConnections(CLOSE_LINGER_MS);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
      sessions.flush();
    },
  };
}

export type Broker = Awaited<ReturnType<typeof createBroker>>;
