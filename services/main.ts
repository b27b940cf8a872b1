/**
 * Entry point of `npm start`: reads the configuration once, starts the
 * service on embedded defaults (MQTT 1883, HTTP 3000, SQLite in ./data),
 * and stops gracefully on SIGINT / SIGTERM.
 */
import { ConfigError } from './config/env.js';
import { createLogger } from './observability/logger.js';
import { loadStartupConfig, startRuntime, StartError, type StartupConfig } from './runtime.js';

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EACCES: 'may not be bound by this user (a port below 1024 needs privileges)',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

/** A listener that could not bind, as one line naming host:port and the variable to change; null for other errors. */
function listenFailure(err: unknown, config: StartupConfig['service']): string | null {
  const e = err as { code?: string; port?: number; address?: string };
  const why = e.code ? LISTEN_ERRORS[e.code] : undefined;
  if (!why) return null;
  const listeners: Array<[string, number | undefined, string]> = [
    ['GW_HTTP_PORT', config.GW_HTTP_PORT, config.GW_HTTP_HOST],
    ['GW_MQTT_PORT', config.GW_MQTT_PORT, config.GW_MQTT_HOST],
    ['GW_MQTTS_PORT', config.GW_MQTTS_PORT, config.GW_MQTT_HOST],
    ['GW_MQTT_WS_PORT', config.GW_MQTT_WS_PORT, config.GW_MQTT_HOST],
  ];
  const match = listeners.find(([, port]) => port === e.port);
  const [variable, , host] = match ?? ['the port settings', e.port, e.address ?? '?'];
  const hostVar = variable === 'GW_HTTP_PORT' ? 'GW_HTTP_HOST' : 'GW_MQTT_HOST';
  return `cannot listen on ${e.address ?? host}:${e.port} (${e.code}): the address ${why}; set ${variable}${match ? ` (or ${hostVar})` : ''} to another value`;
}

async function main(): Promise<void> {
  let startup: StartupConfig;
  try {
    startup = loadStartupConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const config = startup.service;
  const logger = createLogger(config.GW_LOG_LEVEL);
  // Without its broker thread the service takes no readings: exit, and let the supervisor (compose: restart) start it again.
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime(startup, logger, { onBrokerDied: () => process.exit(1) });
  } catch (err) {
    // The runtime names the component that failed (lifecycle/start.ts); a busy port is its cause.
    const line = listenFailure(err instanceof StartError ? err.cause : err, config);
    if (line === null) throw err;
    console.error(line);
    process.exit(2);
  }
  logger.info(
    { node: process.version, mqttPort: runtime.mqttPort, httpPort: runtime.httpPort, dataDir: config.GW_DATA_DIR, influx: startup.influx ? startup.influx.url : 'off' },
    'gatewatch started',
  );
  // There is no default password: the first admin is created from the command line.
  if (runtime.enabledAdmins() === 0) {
    const hint = 'npm run admin -- create-account --username <you> --name <your name> --role admin';
    logger.warn({ command: hint }, 'no admin account exists yet: create the first one (it asks for a password) with the command below, then sign in at the web page');
    console.error(`\n  No admin account yet. Create the first one (you will be asked for a password):\n    ${hint}\n`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
