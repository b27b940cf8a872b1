/**
 * Start-up is not an overload: building the HTTP app blocks the event loop
 * for a few hundred ms after the MQTT listeners are up, before any client
 * connects; the lag monitor must not report "mqtt overloaded" for that.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../services/observability/logger.js';
import { loadStartupConfig, startRuntime } from '../../services/runtime.js';
import { sleep } from './helpers.js';

describe('start-up', () => {
  it('logs no "mqtt overloaded" while no client is connected', async () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'gatewatch-test-'));
    const startup = loadStartupConfig({ GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: '0', GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: '0', GW_DATA_DIR: dir });
    const runtime = await startRuntime(startup, createLogger('info', dest));
    try {
      await sleep(300);
      expect(lines.some((l) => l.includes('http listening'))).toBe(true);
      expect(lines.filter((l) => l.includes('overload'))).toEqual([]);
    } finally {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
