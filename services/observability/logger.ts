/** Structured JSON logs (pino). One root logger per process, children per component. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'gatewatch' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that writes nothing: for unit tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
