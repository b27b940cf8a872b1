/**
 * venues-closed — 三(六) "关闭物业管理区域内的业主活动中心等各类……室内活动场所":
 * indoor activity rooms stay closed. Door sensors give open intervals; any
 * opening in the day is a violation (openMinutes rounds up, so a brief
 * opening still shows). While the sensor is silent the door is "no data".
 */
import { msg } from '../../i18n/index.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { clip, intersect, total } from '../intervals.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule } from '../rule.js';
import { collect } from '../state.js';
import { MINUTE_MS } from '../../time/durations.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { alarm, clear, fixedDevices, ofKind } from './shared.js';
import { stateIntervals } from './states.js';

function facts(view: DayView) {
  const doors = view.of('door');
  const rooms = placesOf(
    view.layout.areas.filter((a) => a.kind === 'activity_room').map((a) => a.id),
    doors.filter((d) => view.inWindow(d.eventTime)).map((d) => d.payload.roomId),
  );
  return rooms.map((room) => {
    const here = doors.filter((d) => d.payload.roomId === room);
    const devices = relevantDevices(fixedDevices(view, 'door_sensor', room), here);
    const open = intersect(clip(stateIntervals(here, (d) => d.payload.state === 'open', view.end), view.dayStart, view.end), view.coverage(devices));
    const openings = here.filter((d) => view.inWindow(d.eventTime) && d.payload.state === 'open');
    const figures = {
      openMinutes: Math.ceil(total(open) / MINUTE_MS),
      openings: openings.length,
      noDataMinutes: view.noDataMinutes(devices),
    };
    const { status, unjudged } = judgeAbsence(view, figures.openMinutes + figures.openings, unjudgedOf(view, devices));
    return view.fact('venues-closed', room, status, figures, openings.map((d) => d.readingId), {}, unjudged);
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  if (input.kind !== 'door') return [];
  const room = input.payload.roomId;
  const latest = ofKind(collect(ctx.cs, -Infinity, Infinity, 'door'), 'door')
    .filter((d) => d.payload.roomId === room)
    .pop();
  // Only the room's latest state matters for the live alarm; a late event is history (facts).
  if (latest?.readingId !== input.readingId) return [];
  const subject = subjects.area(room);
  const open = ctx.isOpen('venues-closed', subject);
  if (input.payload.state === 'closed') return open ? [clear(ctx, 'venues-closed', subject, input.eventTime)] : [];
  if (open) return [];
  return [
    alarm(ctx, {
      rule: 'venues-closed',
      subject,
      severity: 'medium',
      eventTime: input.eventTime,
      titleMessage: msg('alarm.venues-closed', { room }),
      details: { roomId: room, deviceId: input.deviceId },
      readingIds: [input.readingId],
    }),
  ];
}

export const venuesClosedRule: RuleModule = { id: 'venues-closed', facts, onReading };
