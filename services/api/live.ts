/**
 * The live feed behind GET /api/v1/events (the operators' console): an after-commit
 * subscriber (services/events.ts), so a stream never shows a change that rolled back.
 * One set of bus listeners, fanned out to every open stream, so a hundred open consoles
 * add no listeners to the bus; each stream passes its own filter (what its caller may see).
 * The feed owns its subscriptions and removes them in close() (the HTTP server's preClose).
 */
import type { LiveEvent } from '../../schemas/src/http.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import type { EventBus } from '../events.js';
import type { Alarm } from '../domain/alarm.js';

export interface LiveStream {
  /** Whether this stream's caller may see an event of this community. */
  sees(communityId: string): boolean;
  send(event: LiveEvent): void;
  /** Ends the stream (the service is stopping); the client reconnects to another or later. */
  end(): void;
}

export interface LiveFeed {
  /** Adds a stream; the function returned removes it. */
  add(stream: LiveStream): () => void;
  readonly size: number;
  /** Ends every stream and leaves the bus: open streams would otherwise hold the HTTP server open. */
  close(): void;
}

export function createLiveFeed(bus: EventBus): LiveFeed {
  const streams = new Set<LiveStream>();
  const publish = (communityId: string, event: LiveEvent) => {
    for (const s of streams) if (s.sees(communityId)) s.send(event);
  };
  // Nobody watching (the usual case at 10,000 readings/s): no body is built.
  const onAlarm = (a: Alarm) => {
    if (streams.size > 0) publish(a.communityId, { type: 'alarm', alarm: alarmToBody(a) });
  };
  const unsubscribe = [
    bus.on('alarm.created', onAlarm),
    bus.on('alarm.updated', onAlarm),
    bus.on('device.presence', (p) => {
      if (streams.size > 0) publish(p.communityId, { type: 'presence', deviceId: p.deviceId, communityId: p.communityId, online: p.online, at: new Date(p.at).toISOString(), reason: p.reason });
    }),
  ];
  return {
    add(stream) {
      streams.add(stream);
      return () => void streams.delete(stream);
    },
    get size() {
      return streams.size;
    },
    close() {
      for (const off of unsubscribe) off();
      for (const s of [...streams]) s.end();
      streams.clear();
    },
  };
}
