/** The InfluxDB sink's public API: what the composition root wires. See ./README.md. */
export { parseInfluxConfig, InfluxEnvSchema, type InfluxConfig, type InfluxAuth } from './config.js';
export { companyKey, companyTarget, tenantDatabase, tenantReader, communityOfLine } from './tenants.js';
export { createInfluxSink, type InfluxSink, type InfluxSinkDeps, type FlushResult, type ProjectedLine, type ProjectResult } from './sink.js';
export { createReadingsProjection, INFLUX_READINGS, type ReadingsProjection, type ReadingsProjectionDeps } from './readings.js';
export {
  readingToLine,
  readingRowToLine,
  alarmToEvent,
  alarmEventToLine,
  ruleOutcomeToLine,
  dailyFactToLine,
  communityToLine,
  nanos,
  type JournalReading,
  type ReadingRow,
  type AlarmEvent,
  type RuleOutcomePoint,
  type Place,
} from './points.js';
export { influxProjection, type ChecklistSource } from './projection.js';
