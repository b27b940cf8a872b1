/**
 * fever — 三(三), 三(七): a temperature above 37.3 °C at a gate is a fever,
 * alarmed at once; exactly 37.3 is not. Outside 34..43 °C is a device fault
 * (rule device-health), never a fever. The daily fact is pass when anyone
 * was measured at the gate (the system working), no_data otherwise.
 */
import { msg } from '../../i18n/index.js';
import { total } from '../intervals.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule } from '../rule.js';
import { unjudgedOf } from '../policy.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { alarm, fixedDevices, isFever, isPlausible } from './shared.js';

function facts(view: DayView) {
  const temps = view.of('temperature').filter((r) => view.inWindow(r.eventTime));
  const gates = placesOf(view.layout.gates.map((g) => g.id), temps.map((r) => r.payload.gateId));
  return gates.map((gate) => {
    const here = temps.filter((r) => r.payload.gateId === gate);
    const plausible = here.filter((r) => isPlausible(r.payload.temperatureC, view.config));
    const fevers = plausible.filter((r) => isFever(r.payload.temperatureC, view.config));
    const figures = { measured: plausible.length, fevers: fevers.length, implausible: here.length - plausible.length };
    // "The screening worked": pass once someone was measured, whatever the silence; the
    // thermometer's unjudged hours (a fever could have gone unseen) stay on the fact.
    const devices = relevantDevices(fixedDevices(view, 'thermometer', gate), here);
    const spans = unjudgedOf(view, devices);
    const covered = plausible.length > 0 && total(spans) < view.windowMs ? 'pass' : 'none';
    const ids = [...fevers.map((r) => r.readingId), ...here.filter((r) => !isPlausible(r.payload.temperatureC, view.config)).map((r) => r.readingId)];
    return view.fact('fever', gate, plausible.length > 0 ? 'pass' : 'no_data', figures, ids, { threshold: view.config.feverAboveC }, { spans, covered });
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input, config } = ctx;
  if (input.kind !== 'temperature') return [];
  const { temperatureC: c, gateId, subject, personRef } = input.payload;
  const details = { gateId, temperatureC: c, subject, deviceId: input.deviceId };
  if (!isPlausible(c, config)) {
    return [
      alarm(ctx, {
        rule: 'device-health',
        subject: subjects.deviceFault(input.deviceId),
        severity: 'medium',
        eventTime: input.eventTime,
        titleMessage: msg('alarm.implausible', { device: input.deviceId, celsius: c, gate: gateId }),
        details: { ...details, plausibleMinC: config.plausibleMinC, plausibleMaxC: config.plausibleMaxC },
        readingIds: [input.readingId],
      }),
    ];
  }
  if (!isFever(c, config)) return [];
  return [
    alarm(ctx, {
      rule: 'fever',
      subject: subjects.person(personRef),
      severity: 'critical',
      eventTime: input.eventTime,
      titleMessage: msg('alarm.fever', { celsius: c, subject: msg('subject', { subject }), gate: gateId }),
      details: { ...details, personRef, feverAboveC: config.feverAboveC },
      readingIds: [input.readingId],
    }),
  ];
}

export const feverRule: RuleModule = { id: 'fever', facts, onReading };
