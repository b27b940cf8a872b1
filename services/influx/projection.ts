/**
 * The InfluxDB projection of what is not a journal row, as one in-commit
 * participant (services/events.ts): every alarm change, recomputed day and
 * signed inspection queues its lines in the outbox inside the transaction
 * that made it, so a point exists exactly when what it describes was
 * committed. Readings are not here: the journal is their outbox, and their
 * own processor projects them (readings.ts).
 */
import type { CommitParticipant } from '../events.js';
import type { ItemScore } from '../scoring/types.js';
import { inspectionToLines, telemetryScoreToLines } from './checklist-points.js';
import { alarmEventToLine, alarmToEvent, dailyFactToLine } from './points.js';
import type { InfluxSink } from './sink.js';

/** The checklist side, read from the inspections service. */
export interface ChecklistSource {
  /** Telemetry's sub-scores of one community for one local day. */
  itemScores(communityId: string, from: string, to: string): readonly ItemScore[];
  /** The community's zone, as the inspections date it. */
  zoneOf(communityId: string): string;
}

export function influxProjection(sink: Pick<InfluxSink, 'enqueue'>, checklist: ChecklistSource): CommitParticipant {
  return {
    name: 'influx',
    'alarm.changed': (a, event) => sink.enqueue([alarmEventToLine(alarmToEvent(a, event))], a.communityId),
    'day.recomputed': ({ communityId, day, timeZone, facts }) => {
      sink.enqueue(facts.map((f) => dailyFactToLine(f, timeZone)), communityId);
      // Telemetry's checklist sub-scores of the day, for the county dashboard.
      sink.enqueue(telemetryScoreToLines(communityId, day, checklist.itemScores(communityId, day, day), checklist.zoneOf(communityId)), communityId);
    },
    'inspection.signed': (signed, result) =>
      sink.enqueue(inspectionToLines(signed.communityId, signed.date, result, checklist.zoneOf(signed.communityId)), signed.communityId),
  };
}
