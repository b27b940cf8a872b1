/**
 * Real RabbitMQ servers for tests: Debian's rabbitmq-server 3.10 with the MQTT
 * plugin and the HTTP auth backend, one node or a cluster of several, every
 * node on its own free loopback ports (AMQP, MQTT, Erlang distribution) with
 * its mnesia, log and config in a temp dir.
 *
 * Isolation from anything else on the machine (another helper's nodes, a
 * system RabbitMQ): each run has its own epmd on a free port (ERL_EPMD_PORT),
 * started here, and its own HOME holding the shared Erlang cookie, so the node
 * names (gw-r1@localhost, …) only have to be unique within the run.
 *
 * It never skips: a node that does not open its ports within the start bound
 * is an error carrying the tail of its output. Only processes started here are
 * signalled, each by its own pid: the rabbitmq-server wrapper script (SIGTERM
 * makes it stop the VM gracefully), the VM (beam.smp, pid from its pid file)
 * if it outlives the wrapper, and the epmd of the run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { alive, freePort, sleep } from './process.js';

/** The scripts themselves, not /usr/sbin's wrappers, which switch to the rabbitmq user and its HOME (and cookie). */
const RABBIT_BIN = process.env.GW_TEST_RABBITMQ_BIN ?? '/usr/lib/rabbitmq/bin';
/** A node alone starts in 8-14 s here, a 3-node cluster in 27-56 s beside other tests: the bound leaves room for a loaded CI machine. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_KEEP = 16_384;
const DEFAULT_PLUGINS = ['rabbitmq_mqtt', 'rabbitmq_auth_backend_http'] as const;

export interface RabbitNode {
  /** Erlang node name, e.g. gw-r1@localhost. */
  name: string;
  amqpPort: number;
  mqttPort: number;
  distPort: number;
  /** amqp://<admin>:<password>@127.0.0.1:<port> (the internal-database administrator). */
  amqpUrl: string;
  /** mqtt://127.0.0.1:<port>. */
  mqttUrl: string;
  /** http://127.0.0.1:<port> of the management HTTP API, when `management` was asked for. */
  managementUrl?: string;
  dir: string;
  /** How long the node took from spawn to both listeners open, in ms. */
  startMs: number;
  /** Runs rabbitmqctl against this node; rejects with its output on a non-zero exit. */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** The node's own log file (rabbit@… .log), for assertions and failures. */
  log(): string;
  /** Stops the node gracefully (SIGTERM to the wrapper; SIGKILL to the VM after 20 s). */
  stop(): Promise<void>;
  /** kill -9 of the VM, as a crash. */
  kill(): Promise<void>;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  /** The administrator of the internal database (default_user), the same on every node. */
  admin: { user: string; password: string };
  epmdPort: number;
  /** Milliseconds from the first spawn until every node has joined and is running. */
  startMs: number;
  /** Stops every node and epmd, and removes the temp dir. */
  dispose(): Promise<void>;
}

export interface RabbitOptions {
  /** Extra rabbitmq.conf lines (e.g. the auth_http.* paths), appended to every node's config. */
  config?: readonly string[];
  /** advanced.config (Erlang terms), for settings rabbitmq.conf has no key for, e.g. `[{rabbitmq_mqtt, [{ignore_colons_in_username, true}]}].` */
  advanced?: string;
  /** Plugins to enable (default: the MQTT plugin and the HTTP auth backend). */
  plugins?: readonly string[];
  startTimeoutMs?: number;
  /** Also enable rabbitmq_management on a free loopback port (node.managementUrl); the start waits for it. */
  management?: boolean;
}

interface Run {
  dir: string;
  home: string;
  epmdPort: number;
  epmd: ChildProcess;
  admin: { user: string; password: string };
}

function requireBinaries(): void {
  for (const bin of ['rabbitmq-server', 'rabbitmqctl']) {
    try {
      accessSync(join(RABBIT_BIN, bin), constants.X_OK);
    } catch {
      throw new Error(`${join(RABBIT_BIN, bin)} not found: install Debian's rabbitmq-server (scripts/install-system-deps.sh)`);
    }
  }
}

function baseEnv(run: Run): NodeJS.ProcessEnv {
  // RABBITMQ_CONF_ENV_FILE=/dev/null: /etc/rabbitmq/rabbitmq-env.conf must not change a test node.
  return { ...process.env, HOME: run.home, ERL_EPMD_PORT: String(run.epmdPort), RABBITMQ_CONF_ENV_FILE: '/dev/null' };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

async function startRun(): Promise<Run> {
  requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'gatewatch-rabbitmq-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  // The cookie every node and rabbitmqctl of this run share; Erlang refuses a cookie file others can read.
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(24).toString('hex').toUpperCase(), { mode: 0o400 });
  const epmdPort = await freePort();
  // Our own epmd in the foreground (no -daemon), so it is our child and stopped by its pid.
  const epmd = spawn('epmd', ['-port', String(epmdPort)], { stdio: 'ignore', env: { ...process.env, HOME: home } });
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(epmdPort))) {
    if (epmd.exitCode !== null || Date.now() > deadline) {
      epmd.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`epmd did not listen on 127.0.0.1:${epmdPort} (exit ${epmd.exitCode})`);
    }
    await sleep(50);
  }
  return { dir, home, epmdPort, epmd, admin: { user: 'gw-admin', password: randomBytes(12).toString('hex') } };
}

async function stopRun(run: Run): Promise<void> {
  if (run.epmd.exitCode === null && run.epmd.signalCode === null) {
    run.epmd.kill('SIGTERM');
    if (!(await waitGone(run.epmd.pid!, 5_000))) run.epmd.kill('SIGKILL');
  }
  rmSync(run.dir, { recursive: true, force: true });
}

function nodeConfig(run: Run, amqpPort: number, mqttPort: number, extra: readonly string[]): string {
  return [
    `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
    `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
    // The administrator is created in the internal database on first boot; never the guest account.
    `default_user = ${run.admin.user}`,
    `default_pass = ${run.admin.password}`,
    'loopback_users = none',
    'mqtt.allow_anonymous = false',
    'log.console = false',
    'log.file.level = info',
    ...extra,
    '',
  ].join('\n');
}

function ctlRunner(run: Run, name: string) {
  return (args: readonly string[], timeoutMs = 30_000): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', name, ...args], { env: baseEnv(run), timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) reject(new Error(`rabbitmqctl -n ${name} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
}

async function startNode(run: Run, index: number, options: RabbitOptions): Promise<RabbitNode> {
  const name = `gw-r${index}@localhost`;
  const dir = join(run.dir, `r${index}`);
  mkdirSync(dir);
  const [amqpPort, mqttPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const managementPort = options.management ? await freePort() : undefined;
  const managementConfig = managementPort === undefined ? [] : ['management.tcp.ip = 127.0.0.1', `management.tcp.port = ${managementPort}`];
  writeFileSync(join(dir, 'rabbitmq.conf'), nodeConfig(run, amqpPort, mqttPort, [...managementConfig, ...(options.config ?? [])]));
  if (options.advanced !== undefined) writeFileSync(join(dir, 'advanced.config'), `${options.advanced}\n`);
  const plugins = [...(options.plugins ?? DEFAULT_PLUGINS), ...(options.management ? ['rabbitmq_management'] : [])];
  writeFileSync(join(dir, 'enabled_plugins'), `[${plugins.join(',')}].\n`);
  const pidFile = join(dir, 'beam.pid');
  const env = {
    ...baseEnv(run),
    RABBITMQ_NODENAME: name,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: pidFile,
    // Ours or none: RABBITMQ_ADVANCED_CONFIG_FILE would otherwise default to /etc/rabbitmq's.
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
  };
  const started = Date.now();
  const wrapper = spawn(join(RABBIT_BIN, 'rabbitmq-server'), [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-OUTPUT_KEEP); };
  wrapper.stdout!.on('data', keep);
  wrapper.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => wrapper.once('exit', () => resolve()));
  const beamPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const logFile = join(dir, 'log', `${name}.log`);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  // The VM's pid once it is up, should its pid file go (a test deleting the node's directory).
  const known: { beam?: number } = {};
  const stop = async (): Promise<void> => {
    const beam = beamPid() ?? known.beam;
    if (wrapper.exitCode === null && wrapper.signalCode === null) wrapper.kill('SIGTERM');
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
    if (beam !== undefined && !(await waitGone(beam, 1_000))) {
      process.kill(beam, 'SIGKILL');
      await waitGone(beam, 5_000);
    }
    if (wrapper.exitCode === null && wrapper.signalCode === null) wrapper.kill('SIGKILL');
    await exited;
  };
  const kill = async (): Promise<void> => {
    const beam = beamPid() ?? known.beam;
    if (beam !== undefined && alive(beam)) process.kill(beam, 'SIGKILL');
    if (beam !== undefined) await waitGone(beam, 5_000);
    await Promise.race([exited, sleep(5_000)]);
  };
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = started + timeoutMs;
  // The MQTT listener opens after the broker and its plugins have booted: both open means ready for clients.
  while (!((await portOpen(amqpPort)) && (await portOpen(mqttPort)) && (managementPort === undefined || (await portOpen(managementPort))))) {
    if (wrapper.exitCode !== null || Date.now() > deadline) {
      const why = wrapper.exitCode !== null ? `exited with ${wrapper.exitCode}` : `did not open AMQP :${amqpPort} and MQTT :${mqttPort} within ${timeoutMs} ms`;
      await stop();
      throw new Error(`RabbitMQ node ${name} ${why}\n--- output ---\n${out}\n--- log ---\n${log().slice(-OUTPUT_KEEP)}`);
    }
    await sleep(200);
  }
  known.beam = beamPid();
  const { user, password } = run.admin;
  return {
    name, amqpPort, mqttPort, distPort, dir,
    amqpUrl: `amqp://${user}:${password}@127.0.0.1:${amqpPort}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    ...(managementPort !== undefined && { managementUrl: `http://127.0.0.1:${managementPort}` }),
    startMs: Date.now() - started,
    ctl: ctlRunner(run, name),
    log, stop, kill,
  };
}

async function startNodes(count: number, options: RabbitOptions): Promise<{ run: Run; nodes: RabbitNode[]; started: number }> {
  const run = await startRun();
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => startNode(run, i + 1, options)));
  const nodes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    await stopRun(run);
    throw failed.reason;
  }
  return { run, nodes, started };
}

function clusterOf(run: Run, nodes: RabbitNode[], started: number): RabbitCluster {
  let disposed = false;
  return {
    nodes, admin: run.admin, epmdPort: run.epmdPort, startMs: Date.now() - started,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all(nodes.map((n) => n.stop()));
      await stopRun(run);
    },
  };
}

/** One node (gw-r1@localhost) with the MQTT plugin and the HTTP auth backend enabled. */
export async function startRabbitNode(options: RabbitOptions = {}): Promise<RabbitCluster> {
  const { run, nodes, started } = await startNodes(1, options);
  return clusterOf(run, nodes, started);
}

/**
 * `count` nodes (3 by default), started side by side, then nodes 2… joined to
 * node 1 with `rabbitmqctl stop_app; join_cluster; start_app`, and checked to
 * see every node running. Any step failing stops everything and throws.
 */
export async function startRabbitCluster(count = 3, options: RabbitOptions = {}): Promise<RabbitCluster> {
  const { run, nodes, started } = await startNodes(count, options);
  const cluster = clusterOf(run, nodes, started);
  try {
    const [first, ...rest] = nodes as [RabbitNode, ...RabbitNode[]];
    // One at a time: a node joining while another is mid-join can see a half-changed membership.
    for (const node of rest) {
      await node.ctl(['stop_app']);
      await node.ctl(['join_cluster', first.name]);
      await node.ctl(['start_app'], options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      await node.ctl(['await_startup'], options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    }
    const running = await runningNodes(first);
    const missing = nodes.map((n) => n.name).filter((n) => !running.includes(n));
    if (missing.length > 0) throw new Error(`cluster formed without ${missing.join(', ')}: running ${running.join(', ')}`);
    cluster.startMs = Date.now() - started;
    return cluster;
  } catch (err) {
    await cluster.dispose();
    throw err;
  }
}

/** The running nodes as `node` sees them (rabbitmqctl cluster_status --formatter json). */
export async function runningNodes(node: RabbitNode): Promise<string[]> {
  const status = JSON.parse(await node.ctl(['cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
  return status.running_nodes ?? [];
}

/**
 * rabbitmq.conf lines that send logins and permission checks to gatewatch's
 * endpoint (services/api/routes/rabbitmq-auth.ts) at `baseUrl`
 * (http://127.0.0.1:<port>). The internal database comes first, so the
 * administrator (and, later, the partition workers) log in without the
 * endpoint; everyone else (devices, service accounts) is the endpoint's.
 */
export function httpAuthConfig(baseUrl: string): string[] {
  const path = (p: string) => `${baseUrl}/internal/rabbitmq/${p}`;
  return [
    'auth_backends.1 = internal',
    'auth_backends.2 = http',
    'auth_http.http_method = post',
    `auth_http.user_path = ${path('user')}`,
    `auth_http.vhost_path = ${path('vhost')}`,
    `auth_http.resource_path = ${path('resource')}`,
    `auth_http.topic_path = ${path('topic')}`,
  ];
}

/**
 * The MQTT plugin reads a username `a:b` as vhost `a`, user `b`, so
 * `service:dispatcher` would look for a vhost "service". 3.10 has no
 * rabbitmq.conf key to turn that off, only this application setting.
 */
export const MQTT_KEEP_COLONS_ADVANCED = '[{rabbitmq_mqtt, [{ignore_colons_in_username, true}]}].';

/**
 * Devices' MQTT 3.1.1 clients on a node (the protocol its MQTT plugin speaks), as the tests with gatewatch
 * as the node's auth backend connect them; `endAll()` (afterAll) ends every one still open.
 */
export function deviceClientsOn(node: RabbitNode) {
  const clients: MqttClient[] = [];
  async function connect(username: string, password: string, clientId: string): Promise<MqttClient> {
    const client = await mqtt.connectAsync(node.mqttUrl, { username, password, clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
    clients.push(client);
    return client;
  }
  return {
    connect,
    /** The CONNACK return code of a CONNECT: 0 when accepted (that client is ended at once), the refusal's code otherwise. */
    async connackOf(username: string, password: string, clientId: string): Promise<number | undefined> {
      try {
        const client = await connect(username, password, clientId);
        await client.endAsync(true);
        return 0;
      } catch (err) {
        return (err as { code?: number }).code;
      }
    },
    async endAll(): Promise<void> {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    },
  };
}
export type DeviceClients = ReturnType<typeof deviceClientsOn>;
