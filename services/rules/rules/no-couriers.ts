/**
 * no-couriers — 三(三) "快递员、外卖人员禁止进入小区": couriers and food-delivery
 * riders hand over at a designated point and never enter. An allowed "in"
 * pass with one of those roles is a violation, alarmed at once.
 */
import { msg } from '../../i18n/index.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule } from '../rule.js';
import type { StoredOf } from '../state.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { alarm, fixedDevices } from './shared.js';

const isCourier = (r: StoredOf<'access'>) => r.payload.role === 'courier' || r.payload.role === 'food_delivery';

function facts(view: DayView) {
  const access = view.of('access').filter((r) => view.inWindow(r.eventTime));
  const gates = placesOf(view.layout.gates.map((g) => g.id), access.map((r) => r.payload.gateId));
  return gates.map((gate) => {
    const here = access.filter((r) => r.payload.gateId === gate);
    const couriers = here.filter((r) => isCourier(r) && r.payload.direction === 'in');
    const entered = couriers.filter((r) => r.payload.decision === 'allowed');
    const devices = relevantDevices(fixedDevices(view, 'access_panel', gate), here);
    const figures = {
      courierEntries: entered.length,
      courierRefusals: couriers.length - entered.length,
      noDataMinutes: view.noDataMinutes(devices),
    };
    const { status, unjudged } = judgeAbsence(view, entered.length, unjudgedOf(view, devices));
    return view.fact('no-couriers', gate, status, figures, couriers.map((r) => r.readingId), {}, unjudged);
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  if (input.kind !== 'access' || !isCourier(input) || input.payload.direction !== 'in' || input.payload.decision !== 'allowed') return [];
  return [
    alarm(ctx, {
      rule: 'no-couriers',
      subject: subjects.gate(input.payload.gateId),
      severity: 'medium',
      eventTime: input.eventTime,
      titleMessage: msg('alarm.no-couriers', { role: input.payload.role, gate: input.payload.gateId }),
      details: { gateId: input.payload.gateId, role: input.payload.role, deviceId: input.deviceId },
      readingIds: [input.readingId],
    }),
  ];
}

export const noCouriersRule: RuleModule = { id: 'no-couriers', facts, onReading };
