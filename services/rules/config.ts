/**
 * Thresholds of the rules engine: one zod schema, the plan's values as
 * defaults. Parse once at start, freeze, pass in explicitly (STYLE "one source
 * of truth"). A wrong setting fails at start with the field named.
 */
import { z } from 'zod';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../time/local-day.js';

const minutes = (dflt: number) => z.number().int().min(0).max(24 * 60).default(dflt);
const count = (dflt: number) => z.number().int().min(1).max(48).default(dflt);
const mgPerL = (dflt: number) => z.number().min(0).max(100_000).default(dflt);

export const RulesConfigSchema = z
  .object({
    // 三(七) "体温超过37.3度": above, exclusive; exactly 37.3 is not a fever.
    feverAboveC: z.number().min(35).max(42).default(37.3),
    // SPEC fever: readings outside a plausible body range are a device fault (inclusive range).
    plausibleMinC: z.number().default(34),
    plausibleMaxC: z.number().default(43),
    // 三(四)1-3 "有效氯浓度为250-500mg/L": inclusive at both ends.
    chlorineMinMgPerL: mgPerL(250),
    chlorineMaxMgPerL: mgPerL(500),
    // 三(四)1 "每日……喷洒消毒不少于2次".
    disinfectionsPerDay: count(2),
    // 三(四)1 "每次消毒后进行15-20分钟的通风处理": at least 15 min, within this long after the session.
    postVentilationMinMinutes: minutes(15),
    postVentilationWithinMinutes: minutes(60),
    // 三(四)2 "擦拭消毒不少于2次".
    touchPointWipesPerDay: count(2),
    // 三(四)4 "每日通风2次以上，每次不少于30分钟".
    ventilationsPerDay: count(2),
    ventilationMinMinutes: minutes(30),
    // 三(五)1 "垃圾桶（池）每日至少消毒2次，使用有效氯浓度500mg/L".
    garbageDisinfectionsPerDay: count(2),
    garbageChlorineMinMgPerL: mgPerL(500),
    // 三(六) "施工人数一律不得超过4人".
    contractorsMaxOnSite: z.number().int().min(0).max(1000).default(4),
    // 三(七) a staff member with a fever who is still on shift this long after it is on duty.
    staffFeverStandDownMinutes: minutes(30),
    // Ingest timing: later than this is dead-lettered, so a day's facts are final this long after it ends.
    lateAfterHours: z.number().int().min(1).max(24 * 30).default(24),
    // Device clocks may run a little ahead of ours.
    futureSkewMinutes: minutes(5),
    // SPEC device-health: a device not heard for this long is silent; its data are "no data".
    deviceSilenceMinutes: z.number().int().min(1).max(24 * 60).default(15),
    // Alarms for time-driven conditions wait this long, so a shift hand-over is not an alarm.
    gateUnstaffedAlarmAfterMinutes: minutes(5),
    broadcastStoppedAlarmAfterMinutes: minutes(5),
    // 三(二) "全天播放": the whole local day by default; minutes of the local day, [start, end).
    broadcastStartMinute: minutes(0),
    broadcastEndMinute: minutes(24 * 60),
    // How many days of readings the state keeps (facts for older days need a journal replay).
    retainDays: z.number().int().min(2).max(60).default(8),
    // SPEC: times are local, Asia/Shanghai; a community's layout may override it.
    defaultTimeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone').default(DEFAULT_TIME_ZONE),
  })
  .strict()
  .refine((c) => c.plausibleMinC < c.feverAboveC && c.feverAboveC < c.plausibleMaxC, {
    message: 'feverAboveC must lie inside the plausible range',
    path: ['feverAboveC'],
  })
  .refine((c) => c.chlorineMinMgPerL <= c.chlorineMaxMgPerL, {
    message: 'chlorineMinMgPerL must not exceed chlorineMaxMgPerL',
    path: ['chlorineMinMgPerL'],
  })
  .refine((c) => c.broadcastStartMinute < c.broadcastEndMinute, {
    message: 'broadcastStartMinute must be before broadcastEndMinute',
    path: ['broadcastStartMinute'],
  });

export type RulesConfig = Readonly<z.infer<typeof RulesConfigSchema>>;

/** Parse (throws a ZodError naming the field) and freeze. */
export function parseRulesConfig(input: unknown = {}): RulesConfig {
  return Object.freeze(RulesConfigSchema.parse(input));
}

export const DEFAULT_RULES_CONFIG: RulesConfig = parseRulesConfig({});
