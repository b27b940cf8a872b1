/**
 * Backfill, deliberately: what did not arrive live goes in through the same decode / admit /
 * journal / de-duplicate / rules path as live data (pipeline.admit), by an admin's decision:
 *
 * - an import: a file of recorded device messages, one JSON object per line, `{ "topic", "payload" }`
 *   (the MQTT contract: the payload is the message's JSON, as an object or as a string), for any
 *   past date the journal still keeps. A line that is not such an object is reported with its
 *   number; a message ingest refuses is reported and dead-lettered, so it can be re-admitted once
 *   its cause is fixed (its device registered, say);
 * - a re-admission: dead letters chosen by id, device, code and received-at range go through
 *   again; those that get in (or prove already journaled) are marked re-admitted; the others keep
 *   their dead letter and are reported with today's reason.
 *
 * Both are audited, report accepted / duplicate / rejected counts with the reasons, and recompute
 * the facts of every day they touched before they answer. They also re-judge the time-driven
 * alarms of the days they touched (backfill-alarms.ts): live data of those days would have raised
 * them, and readings below their device's watermark or older than the rules' state do not. They work in chunks, yielding to the
 * event loop between them, so live ingest and the API go on during a large import.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { z } from 'zod';
import type { Db } from '../store/db.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { DeadLetterSelection, Journal } from '../store/journal.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { Admission, Pipeline, RowOutcome } from './pipeline.js';
import type { FactsMaterializer } from './facts-materializer.js';
import type { BackfillAlarms } from './backfill-alarms.js';

export interface BackfillProblem {
  /** The line of the import (1-based). */
  line?: number;
  /** The dead letter that holds the refused message (an import's), or that was tried again (a re-admission). */
  deadLetterId?: number;
  code: string;
  reason: string;
}

export interface BackfillReport {
  accepted: number;
  duplicate: number;
  rejected: number;
  /** The first problems (at most MAX_PROBLEMS); `rejected` counts them all. */
  problems: BackfillProblem[];
  /** The (community, local day) pairs whose facts were recomputed. */
  days: { communityId: string; day: string }[];
  /** Time-driven alarms of those days recorded by re-judging them (backfill-alarms.ts). */
  alarms: number;
}

export interface BackfillDeps {
  db: Db;
  journal: Journal;
  registry: RegistryRepo;
  pipeline: Pipeline;
  materializer: FactsMaterializer;
  /** Re-judges the time-driven alarms of the days a backfill touched, after its readings committed. */
  alarms: BackfillAlarms;
  audit: AuditRepo;
  dayOf(communityId: string, ms: number): string;
  /** Re-reads the registry into the rules' layouts (a device registered just before a re-admission). */
  refreshLayouts(): void;
  /** Runs fn so the days it touches are recomputed with the current layout, not the one their facts recorded. */
  withCurrentLayout<T>(fn: () => T): T;
  /** How long the journal keeps readings: older event times are refused. */
  retentionDays: number;
  now?: () => number;
  chunk?: number;
}

export const MAX_PROBLEMS = 1_000;
const MAX_TOPIC = 256;

/** One line of an import file. */
const ImportLine = z.object({
  topic: z.string().min(1).max(MAX_TOPIC),
  payload: z.union([z.record(z.string(), z.unknown()), z.string()]),
});

export function createBackfill(deps: BackfillDeps) {
  const now = deps.now ?? Date.now;
  const chunk = deps.chunk ?? 500;
  const admission = (): Extract<Admission, { kind: 'backfill' }> => (deps.refreshLayouts(), {
    kind: 'backfill',
    oldestMs: now() - deps.retentionDays * 86_400_000,
    isRegistered: (communityId, deviceId) => deps.registry.getDevice(deviceId)?.communityId === communityId,
  });

  function tally(report: BackfillReport, outcome: RowOutcome, touched: Map<string, { communityId: string; day: string }>) {
    if (outcome.status === 'accepted') {
      report.accepted++;
      const day = deps.dayOf(outcome.communityId, outcome.eventTime);
      touched.set(`${outcome.communityId}|${day}`, { communityId: outcome.communityId, day });
    } else if (outcome.status === 'duplicate') report.duplicate++;
  }

  function problem(report: BackfillReport, p: BackfillProblem) {
    report.rejected++;
    if (report.problems.length < MAX_PROBLEMS) report.problems.push(p);
  }

  function finish(report: BackfillReport, touched: Map<string, { communityId: string; day: string }>, audit: { actor: string; action: string; request: unknown }) {
    report.days = [...touched.values()].sort((a, b) => a.communityId.localeCompare(b.communityId) || a.day.localeCompare(b.day));
    // Once every reading is in: the replay sees the whole of each day, and what the batches raised live is skipped.
    report.alarms = deps.alarms.judge(report.days);
    // Every day touched, recomputed now (the caller reads facts and scores right after).
    deps.materializer.flush(now(), true);
    const communities = new Set(report.days.map((d) => d.communityId));
    deps.audit.record(
      {
        actor: audit.actor, action: audit.action, objectType: 'backfill', objectId: now(),
        communityId: communities.size === 1 ? [...communities][0] : null,
        before: null,
        after: { request: audit.request, accepted: report.accepted, duplicate: report.duplicate, rejected: report.rejected, days: report.days, alarms: report.alarms },
      },
      now(),
    );
    return report;
  }

  return {
    /** Imports recorded device messages (JSON lines); `source` names the file in the audit log. */
    async importLines(text: string, actor: string, source: string): Promise<BackfillReport> {
      const report: BackfillReport = { accepted: 0, duplicate: 0, rejected: 0, problems: [], days: [], alarms: 0 };
      const touched = new Map<string, { communityId: string; day: string }>();
      const lines = text.split(/\r?\n/);
      let pending: { line: number; message: ReceivedMessage }[] = [];
      const flush = async () => {
        // A backfill follows a registry fix: its days take the current layout (engine-rules.ts).
        const outcomes = deps.withCurrentLayout(() => deps.pipeline.admit(pending.map((p) => p.message), admission()));
        outcomes.forEach((o, i) => {
          const { line, message } = pending[i]!;
          if (o.status !== 'rejected') return tally(report, o, touched);
          // The same file imported twice keeps one dead letter per refused message, not two.
          const deadLetterId = deps.journal.pendingDeadLetterOf(message.topic, message.payload) ?? deps.pipeline.deadLetter(message, o.code, o.reason);
          problem(report, { line, deadLetterId, code: o.code, reason: o.reason });
        });
        pending = [];
        await turn();
      };
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.trim();
        if (raw === '') continue;
        const parsed = parseLine(raw);
        if (!parsed.ok) {
          problem(report, { line: i + 1, code: 'LINE_INVALID', reason: parsed.reason });
          continue;
        }
        const { topic, payload } = parsed.value;
        const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
        pending.push({ line: i + 1, message: { receivedAt: now(), clientId: `import:${actor}`, topic, payload: body, qos: 1 } });
        if (pending.length >= chunk) await flush();
      }
      if (pending.length > 0) await flush();
      // Refused lines come in two passes (the envelope now, ingest per chunk): in file order again.
      report.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      return finish(report, touched, { actor, action: 'readings.import', request: { source, lines: lines.filter((l) => l.trim() !== '').length } });
    },

    /** Re-admits the dead letters the selection names (not yet re-admitted), oldest first. */
    async readmit(selection: DeadLetterSelection, actor: string): Promise<BackfillReport> {
      const report: BackfillReport = { accepted: 0, duplicate: 0, rejected: 0, problems: [], days: [], alarms: 0 };
      const touched = new Map<string, { communityId: string; day: string }>();
      for (let afterId = 0; ; ) {
        const letters = deps.journal.deadLettersToReadmit({ ...selection, afterId }, chunk);
        if (letters.length === 0) break;
        afterId = letters[letters.length - 1]!.id;
        deps.db.transaction(() => {
          const messages = letters.map((d) => ({ receivedAt: d.receivedAt, clientId: d.clientId, topic: d.topic, payload: d.payload, qos: 1 as const }));
          const outcomes = deps.withCurrentLayout(() => deps.pipeline.admit(messages, admission()));
          outcomes.forEach((o, i) => {
            const letter = letters[i]!;
            if (o.status === 'rejected') return problem(report, { deadLetterId: letter.id, code: o.code, reason: o.reason });
            deps.journal.markReadmitted(letter.id, o.status === 'accepted' ? o.readingId : null, now());
            tally(report, o, touched);
          });
        })();
        await turn();
      }
      return finish(report, touched, { actor, action: 'dead_letters.readmit', request: selection });
    },
  };
}

function parseLine(raw: string): { ok: true; value: z.infer<typeof ImportLine> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    // Only where: the parser's message quotes the line, and the line may hold what must not be kept.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    return { ok: false, reason: at === undefined ? 'not JSON' : `not JSON (at character ${Number(at) + 1})` };
  }
  const line = ImportLine.safeParse(json);
  if (!line.success) return { ok: false, reason: `not {"topic", "payload"}: ${line.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}` };
  return { ok: true, value: line.data };
}

export type Backfill = ReturnType<typeof createBackfill>;
