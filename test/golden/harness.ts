/**
 * Golden-day harness: the real service in-process (test/support/service.ts),
 * communities provisioned through the registry API (devices-sim's HTTP
 * provisioner, admin token), scenarios played over MQTT by the
 * simulator with each device's own credentials, then the day's facts, alarms
 * and checklist sub-scores read back from the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, dayBounds, hhmm, localDayOf, localInstant } from '../../devices-sim/clock.js';
import { isRaw } from '../../devices-sim/messages.js';
import { makePlan, planMessages, type Plan } from '../../devices-sim/plan.js';
import { connectDevices, play, type PlayStats } from '../../devices-sim/player.js';
import { createHttpProvisioner, secretsOf } from '../../devices-sim/provision.js';
import type { RegistryFile } from '../../schemas/src/registry.js';
import type { SimMessage } from '../../devices-sim/messages.js';
import type { DailyFact, RuleId } from '../../services/rules/facts.js';
import { createFactsRepo } from '../../services/store/facts-repo.js';
import type { Alarm } from '../../services/domain/alarm.js';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import { scoreItems } from '../../services/scoring/score.js';
import type { AlarmSummary, ItemScore } from '../../services/scoring/types.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

export const TZ = 'Asia/Shanghai';

export interface GoldenRun {
  svc: TestService;
  plan: Plan;
  day: string;
  messages: SimMessage[];
  stats: PlayStats;
  /** Community id playing a scenario. */
  community(scenario: string): string;
  /** Community id of the i-th scenario played (for a scenario played more than once). */
  communityAt(index: number): string;
  facts(communityId: string): DailyFact[];
  fact(communityId: string, rule: RuleId, place: string): DailyFact;
  alarms(communityId: string): Alarm[];
  /** Telemetry sub-scores of the checklist for the day, by item id, from the scores API (GET /api/v1/communities/:id/scores). */
  scores(communityId: string): Promise<Record<string, ItemScore>>;
  /** The same from the scoring core directly: scoreItems over the stored facts and alarms (no duty records). */
  coreScores(communityId: string): Record<string, ItemScore>;
  stop(): Promise<void>;
}

/**
 * A device of a scenario's community that says nothing in [from, to) (local
 * event time, 'HH:MM'): its messages of that span are never sent, as when a
 * panel loses power for a few hours at night (issue 15, partial silence).
 */
export interface Silence {
  /** Which community: its position in the scenarios list (one scenario may be played twice). */
  community: number;
  /** The device's id from the community's id, e.g. (id) => `${id}-panel-g1`. */
  device(communityId: string): string;
  from: string;
  to: string;
}

/** The messages without those the silences swallow. */
export function silenced(messages: readonly SimMessage[], plan: Plan, silences: readonly Silence[]): SimMessage[] {
  const spans = silences.map((s) => {
    const found = plan.communities[s.community];
    if (!found) throw new Error(`no community #${s.community}`);
    const tz = found.community.timeZone;
    const bound = (t: string) => localInstant(plan.day, hhmm(t), tz);
    return { device: s.device(found.community.id), from: bound(s.from), to: bound(s.to) };
  });
  return messages.filter((m) => {
    if (isRaw(m)) return true;
    const t = Date.parse(m.payload.ts);
    return !spans.some((s) => s.device === m.deviceId && t >= s.from && t < s.to);
  });
}

/**
 * One service, one community per scenario, the scenarios' day = yesterday in
 * Asia/Shanghai (the day also carries the evening before, hence the raised
 * lateness). Resolves when every message is acknowledged and the day's facts
 * have been computed from all of them.
 */
export async function runGoldenDay(scenarios: string[], seed = 20210203, silences: readonly Silence[] = []): Promise<GoldenRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gatewatch-golden-'));
  const day = addDays(localDayOf(Date.now(), TZ), -1);
  const plan = makePlan({ communities: scenarios.length, scenarios, day, seed, prefix: 'gd', timeZone: TZ });
  const svc = await startTestService({ GW_MAX_LATENESS_HOURS: '96' }, dir);
  // Provisioned as an installer would: over the registry API with an admin token.
  const provisioner = createHttpProvisioner({ api: `http://127.0.0.1:${svc.runtime.httpPort}`, token: svc.tokens.admin });
  const credentials: RegistryFile = { communities: [] };
  for (const { community } of plan.communities) credentials.communities.push(await provisioner.provision(community));
  const messages = silenced(planMessages(plan), plan, silences);
  const devices = plan.communities.flatMap(({ community }) => community.devices.map((d) => d.id));
  const connections = await connectDevices(svc.mqttUrl, devices, secretsOf(credentials));
  const stats = await play(messages, connections, { mode: 'fast', window: 512 });
  const playedAt = Date.now();
  await connections.close();
  const factsRepo = createFactsRepo(svc.runtime.db);
  const alarmsRepo = createAlarmsRepo(svc.runtime.db);
  const registry = createRegistryRepo(svc.runtime.db);
  // The materializer recomputes touched days on its periodic tick (every 5 s).
  for (const { community } of plan.communities) {
    await eventually(() => (factsRepo.lastComputedAt(community.id, day, day) ?? 0) > playedAt, 20_000, 100);
  }

  const community = (scenario: string) => {
    const found = plan.communities.find((c) => c.scenario === scenario);
    if (!found) throw new Error(`no community plays ${scenario}`);
    return found.community.id;
  };
  const facts = (id: string) => factsRepo.range(id, day, day);
  // The day's alarms. The scenarios' lead-in (an attendant on shift from the evening before, heartbeats from 23:50)
  // leaves each access panel silent in event time before the day: the event-time watermark alarms that
  // (services/rules/watermark.ts), on the day before, not on this one.
  const [dayStart] = dayBounds(day, TZ);
  const alarms = (id: string) => alarmsRepo.list({ communityId: id, limit: 1000 }).filter((a) => a.firstEventTime >= dayStart).sort((a, b) => a.id - b.id);
  const summary = (a: Alarm): AlarmSummary => ({
    id: a.id, rule: a.rule, communityId: a.communityId, subject: a.subject, severity: a.severity, status: a.status,
    firstEventTime: a.firstEventTime, openedAt: a.openedAt, ...(a.acknowledgedAt === null ? {} : { acknowledgedAt: a.acknowledgedAt }),
  });
  return {
    svc, plan, day, messages, stats,
    community,
    communityAt(index) {
      const found = plan.communities[index];
      if (!found) throw new Error(`no community #${index}`);
      return found.community.id;
    },
    facts,
    fact(id, rule, place) {
      const f = facts(id).find((x) => x.rule === rule && x.place === place);
      if (!f) throw new Error(`no ${rule} fact for ${place} in ${id} on ${day}`);
      return f;
    },
    alarms,
    async scores(id) {
      const res = await svc.api('GET', `/api/v1/communities/${id}/scores?from=${day}&to=${day}`, { token: svc.tokens.inspector });
      if (res.status !== 200) throw new Error(`scores API: ${res.status} ${JSON.stringify(res.json)}`);
      return Object.fromEntries((res.json.items as ItemScore[]).map((i) => [i.itemId, i]));
    },
    coreScores(id) {
      const items = scoreItems({
        communityId: id,
        timeZone: registry.getCommunity(id)!.timeZone,
        window: { from: day, to: day },
        facts: facts(id),
        alarms: alarms(id).map(summary),
        staffRefs: registry.staff(id).filter((s) => s.active).map((s) => s.ref),
      });
      return Object.fromEntries(items.map((i) => [i.itemId, i]));
    },
    async stop() {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** item -> score (null = insufficient data), for one exact comparison per community. */
export const pointsOf = (scores: Record<string, ItemScore>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(scores).map(([id, s]) => [id, s.score]));

/** Facts that did not pass, as "rule place status", sorted. */
export const notPassing = (facts: DailyFact[]): string[] => facts.filter((f) => f.status !== 'pass').map((f) => `${f.rule} ${f.place} ${f.status}`).sort();

/** Alarms as "rule subject status", in the order raised. */
export const alarmLines = (alarms: Alarm[]): string[] => alarms.map((a) => `${a.rule} ${a.subject} ${a.status}`);

export { eventually };
