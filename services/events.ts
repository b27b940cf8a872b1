/**
 * The typed in-process event bus between features (zigbee2mqtt style). Each
 * listener is wrapped so that one failing feature cannot take the process down.
 */
import { EventEmitter } from 'node:events';
import type { Alarm } from './domain/alarm.js';
import type { Logger } from './observability/logger.js';

export interface EventBusMap {
  'alarm.created': [alarm: Alarm];
  'alarm.updated': [alarm: Alarm];
  'reading.accepted': [reading: { id: number; communityId: string; deviceId: string; kind: string; eventTime: number }];
  /** A device's MQTT presence changed (services/broker/sessions.ts); `at` is unix ms. */
  'device.presence': [presence: { deviceId: string; communityId: string; online: boolean; at: number; reason: string }];
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor(private readonly logger: Logger) {
    this.emitter.setMaxListeners(100);
  }
  /** Adds a listener; the function returned removes it (whoever subscribes owns the removal). */
  on<K extends keyof EventBusMap>(event: K, listener: (...args: EventBusMap[K]) => void | Promise<void>): () => void {
    const wrapped = (...args: EventBusMap[K]) => {
      try {
        const result = listener(...args);
        if (result instanceof Promise) result.catch((err: unknown) => this.logger.error({ err, event }, 'event listener failed'));
      } catch (err) {
        this.logger.error({ err, event }, 'event listener failed');
      }
    };
    this.emitter.on(event, wrapped);
    return () => void this.emitter.off(event, wrapped);
  }
  emit<K extends keyof EventBusMap>(event: K, ...args: EventBusMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
