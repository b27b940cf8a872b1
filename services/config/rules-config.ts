/**
 * The rules' thresholds for this process: the plan's defaults
 * (services/rules/config.ts), overridden by an optional JSON file and by the
 * two timing knobs of the service configuration. A wrong value fails at start
 * naming the field.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RulesConfigSchema, type RulesConfig } from '../rules/index.js';
import { formatIssues } from '../../schemas/src/decode.js';
import { ConfigError } from './env.js';
import type { ServiceConfig } from './service-config.js';

export function loadRulesConfig(service: ServiceConfig): RulesConfig {
  let fromFile: Record<string, unknown> = {};
  if (service.GW_RULES_CONFIG_FILE) {
    try {
      fromFile = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(service.GW_RULES_CONFIG_FILE, 'utf8')));
    } catch (err) {
      throw new ConfigError(`GW_RULES_CONFIG_FILE=${service.GW_RULES_CONFIG_FILE}: ${(err as Error).message}`);
    }
  }
  const parsed = RulesConfigSchema.safeParse({
    ...fromFile,
    lateAfterHours: service.GW_MAX_LATENESS_HOURS,
    futureSkewMinutes: service.GW_MAX_CLOCK_SKEW_MINUTES,
  });
  if (!parsed.success) throw new ConfigError(`Invalid rules configuration (GW_RULES_CONFIG_FILE): ${formatIssues(parsed.error)}`);
  return Object.freeze(parsed.data);
}
