/**
 * The tunable numbers of the scoring policies, as one zod schema so a wrong
 * setting fails at start with the field named. Defaults are documented in
 * README.md ("Policies").
 */
import { z } from 'zod';

export const ScoringPolicySchema = z
  .object({
    /** 1.4: a fever alarm acknowledged within this many minutes of opening is "in time". */
    feverAckWithinMinutes: z.number().positive().max(1440).default(30),
    /** 1.4: alarm rules that count as fever alarms. */
    feverAlarmRules: z.array(z.string().min(1)).min(1).default(['fever']),
    /** 3.3: one point is deducted per started block of this many unstaffed minutes. */
    unstaffedMinutesPerPoint: z.number().int().positive().default(30),
    /** 4.2: deduction when disinfection or gate duty has no named registered person. */
    unnamedDutyDeduction: z.number().int().min(1).max(5).default(3),
    /** 4.2: deduction per distinct operator ref that is not registered active staff. */
    unknownRefDeduction: z.number().int().min(0).max(5).default(1),
  })
  .strict();

export type ScoringPolicy = z.infer<typeof ScoringPolicySchema>;

export const DEFAULT_SCORING_POLICY: Readonly<ScoringPolicy> = Object.freeze(ScoringPolicySchema.parse({}));

/** Parse partial settings (e.g. from configuration) over the defaults; throws a ZodError naming the field. */
export function parseScoringPolicy(settings: unknown): ScoringPolicy {
  return ScoringPolicySchema.parse(settings ?? {});
}
