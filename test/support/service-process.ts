/** The service as a real child process on a data directory, with the test registry loaded at start (kill -9 tests). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService, waitReady, type ServiceProcess } from './process.js';
import { TEST_REGISTRY } from './service.js';

/** Spawns it on loopback ports with `dir` as GW_DATA_DIR (and `env` on top), pushes it to `procs`, waits for /readyz. */
export async function startServiceProcess(dir: string, mqttPort: number, httpPort: number, procs: ServiceProcess[], env: Record<string, string> = {}): Promise<ServiceProcess> {
  const registryFile = join(dir, 'registry.json');
  writeFileSync(registryFile, JSON.stringify(TEST_REGISTRY));
  const proc = spawnService({
    GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(mqttPort), GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort),
    GW_DATA_DIR: dir, GW_REGISTRY_FILE: registryFile, GW_LOG_LEVEL: 'warn', ...env,
  });
  procs.push(proc);
  await waitReady(httpPort, proc);
  return proc;
}
