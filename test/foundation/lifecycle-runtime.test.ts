/**
 * The real runtime's components (services/lifecycle/README.md): a failed start
 * names the component and frees what already started, in reverse; starting
 * and stopping many times in one process leaves no listener behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/observability/logger.js';
import { capturingLogger } from '../support/logs.js';
import { loadStartupConfig, startRuntime, StartError } from '../../services/runtime.js';
import { freePort } from '../support/process.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-lifecycle-'));
  dirs.push(dir);
  return dir;
}

async function hold(port = 0): Promise<Server & { port: number }> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });
  return Object.assign(srv, { port: (srv.address() as { port: number }).port });
}
const release = (srv: Server) => new Promise<void>((r) => srv.close(() => r()));

function startup(env: Record<string, string>) {
  return loadStartupConfig({ GW_MQTT_HOST: '127.0.0.1', GW_HTTP_HOST: '127.0.0.1', GW_MQTT_PORT: '0', GW_HTTP_PORT: '0', GW_DATA_DIR: dataDir(), GW_LOG_LEVEL: 'silent', ...env });
}

/** Every outbound target of the service configured, each at a port nothing listens on. */
async function everyParticipantEnv(): Promise<Record<string, string>> {
  const closed = `http://127.0.0.1:${await freePort()}`;
  return { GW_ALARM_WEBHOOK_URL: `${closed}/alarms`, GW_ANNOUNCE_WEBHOOK_URL: `${closed}/announce`, GW_INFLUX_URL: closed, GW_INFLUX_TIMEOUT_MS: '300' };
}

const stoppedComponents = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'component stopped').map((l) => l.component);

describe('a start that fails', () => {
  it('at http (its port in use): rejects naming http, and stops broker, rabbitmq-intake, checkpointer, ingest, influx, webhooks, ... database in reverse', async () => {
    const busy = await hold();
    const mqttPort = await freePort();
    const { logger, lines } = capturingLogger('debug');
    try {
      const error = (await startRuntime(startup({ ...(await everyParticipantEnv()), GW_HTTP_PORT: String(busy.port), GW_MQTT_PORT: String(mqttPort) }), logger).catch(
        (e: unknown) => e,
      )) as StartError;
      expect(error).toBeInstanceOf(StartError);
      expect(error.component).toBe('http');
      expect((error.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      expect(error.stopError).toBeUndefined();
      expect(lines.filter((l) => l.level === 50).map((l) => [l.component, l.msg])).toEqual([['http', 'component failed to start; stopping the ones started']]);
      expect(stoppedComponents(lines)).toEqual(['broker', 'rabbitmq-intake', 'checkpointer', 'ingest', 'influx', 'webhooks', 'inspections', 'registry', 'database']);
      // The broker thread that had started is gone: its MQTT port is free again.
      await release(await hold(mqttPort));
    } finally {
      await release(busy);
    }
  }, 60_000);

  it('at the broker (its MQTT port in use): rejects naming broker; http never starts, ingest ... database stop', async () => {
    const busy = await hold();
    const httpPort = await freePort();
    const { logger, lines } = capturingLogger('debug');
    try {
      const error = (await startRuntime(startup({ GW_MQTT_PORT: String(busy.port), GW_HTTP_PORT: String(httpPort) }), logger).catch((e: unknown) => e)) as StartError;
      expect(error).toBeInstanceOf(StartError);
      expect(error.component).toBe('broker');
      expect(error.message).toMatch(/^starting failed at broker: /);
      expect(stoppedComponents(lines)).toEqual(['rabbitmq-intake', 'checkpointer', 'ingest', 'influx', 'webhooks', 'inspections', 'registry', 'database']);
      await release(await hold(httpPort));
    } finally {
      await release(busy);
    }
  }, 60_000);

  it('at the registry (a file that is not there): rejects naming registry, and closes the database', async () => {
    const { logger, lines } = capturingLogger('debug');
    const error = (await startRuntime(startup({ GW_REGISTRY_FILE: join(dataDir(), 'missing.json') }), logger).catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.component).toBe('registry');
    expect(stoppedComponents(lines)).toEqual(['database']);
  });
});

describe('starting and stopping the runtime many times in one process', () => {
  it('each stop removes every participant and listener its components added; no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    const processListeners = () => Object.fromEntries(process.eventNames().map((e) => [String(e), process.listenerCount(e)]));
    const env = await everyParticipantEnv();
    const dir = dataDir();
    const seen: { participants: string[]; subscribers: number }[] = [];
    let before: Record<string, number> = {};
    let after: Record<string, number> = {};
    process.on('warning', onWarning);
    try {
      // More runs than EventEmitter's default limit (10): a listener added per run on anything shared would warn.
      for (let run = 0; run < 12; run++) {
        const runtime = await startRuntime(startup({ ...env, GW_DATA_DIR: dir }), createLogger('silent'));
        seen.push({ participants: runtime.inCommit.names(), subscribers: runtime.bus.size });
        await runtime.stop();
        expect([runtime.inCommit.size, runtime.bus.size]).toEqual([0, 0]);
        // After the first run: what a module adds once on first use (a process 'exit' hook) is not per run.
        if (run === 0) before = processListeners();
      }
      after = processListeners();
    } finally {
      process.off('warning', onWarning);
    }
    // The three in-commit participants, and the live feed's three subscriptions (alarm.created, alarm.updated, device.presence).
    expect(seen).toEqual(Array.from({ length: 12 }, () => ({ participants: ['alarm-webhook', 'announcements', 'influx'], subscribers: 3 })));
    expect(after).toEqual(before);
    expect(warnings.map((w) => w.name)).toEqual([]);
  }, 180_000);
});
