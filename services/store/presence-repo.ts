/** Device presence rows (online, connected / disconnected, last seen) written by the broker. */
import type { Db } from './db.js';

export interface PresenceRow {
  deviceId: string;
  online: boolean;
  connectedAt: number | null;
  disconnectedAt: number | null;
  disconnectReason: string | null;
  lastSeenAt: number | null;
}

type Row = { device_id: string; online: number; connected_at: number | null; disconnected_at: number | null; disconnect_reason: string | null; last_seen_at: number | null };

export function createPresenceRepo(db: Db) {
  const connected = db.prepare(
    `INSERT INTO device_presence (device_id, online, connected_at, last_seen_at) VALUES (@deviceId, 1, @at, @at)
     ON CONFLICT (device_id) DO UPDATE SET online = 1, connected_at = excluded.connected_at, last_seen_at = MAX(COALESCE(last_seen_at, 0), excluded.last_seen_at)`,
  );
  const disconnected = db.prepare(
    `INSERT INTO device_presence (device_id, online, disconnected_at, disconnect_reason, last_seen_at) VALUES (@deviceId, 0, @at, @reason, @lastSeenAt)
     ON CONFLICT (device_id) DO UPDATE SET online = 0, disconnected_at = excluded.disconnected_at, disconnect_reason = excluded.disconnect_reason,
       last_seen_at = MAX(COALESCE(last_seen_at, 0), COALESCE(excluded.last_seen_at, 0))`,
  );
  const seen = db.prepare('UPDATE device_presence SET last_seen_at = MAX(COALESCE(last_seen_at, 0), ?) WHERE device_id = ?');
  const saveSeen = db.transaction((entries: [string, number][]) => {
    for (const [deviceId, at] of entries) seen.run(at, deviceId);
  });

  return {
    all(): PresenceRow[] {
      return (db.prepare('SELECT * FROM device_presence').all() as Row[]).map((r) => ({
        deviceId: r.device_id, online: r.online === 1, connectedAt: r.connected_at, disconnectedAt: r.disconnected_at, disconnectReason: r.disconnect_reason, lastSeenAt: r.last_seen_at,
      }));
    },
    /** At start: no device is connected to a service that has just started. */
    resetOnline(at: number): number {
      return db.prepare("UPDATE device_presence SET online = 0, disconnected_at = ?, disconnect_reason = 'service_restart' WHERE online = 1").run(at).changes;
    },
    connected(deviceId: string, at: number): void {
      connected.run({ deviceId, at });
    },
    disconnected(deviceId: string, at: number, reason: string, lastSeenAt: number | null): void {
      disconnected.run({ deviceId, at, reason, lastSeenAt });
    },
    saveLastSeen(entries: [deviceId: string, at: number][]): void {
      if (entries.length) saveSeen(entries);
    },
  };
}

export type PresenceRepo = ReturnType<typeof createPresenceRepo>;
