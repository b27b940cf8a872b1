/**
 * post-ventilation — 三(四)1 "每次消毒后进行15-20分钟的通风处理", 附件 4.1: each
 * valid public-area spraying is followed by at least 15 minutes of
 * ventilation of the same area. Measured as the longest single ventilation
 * period's overlap with [session end, session end + within), so ventilation
 * that ran before the spraying ended counts only from its end. A session whose
 * window is still open at asOf and not yet ventilated is pending, not judged.
 * "Every session" is a never rule (README "Partial silence"): a silent sprayer
 * could have left a session unreported, a silent controller a ventilation.
 */
import { PUBLIC_AREA_KINDS } from '../layout.js';
import type { RuleModule } from '../rule.js';
import type { StoredOf } from '../state.js';
import { total, union } from '../intervals.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { MINUTE_MS } from '../../time/durations.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { isValidAreaSession } from './area-disinfection.js';
import { fixedDevices, sessionEnd, sessionStart } from './shared.js';

/** Longest overlap (ms) of one ventilation period with [from, to), and that period. */
function bestVentilation(vents: readonly StoredOf<'ventilation'>[], from: number, to: number): { v?: StoredOf<'ventilation'>; ms: number } {
  let best: { v?: StoredOf<'ventilation'>; ms: number } = { ms: 0 };
  for (const v of vents) {
    const ms = Math.min(sessionEnd(v), to) - Math.max(sessionStart(v), from);
    if (ms > best.ms) best = { v, ms };
  }
  return best;
}

function judgeArea(view: DayView, area: string) {
  const cfg = view.config;
  const within = cfg.postVentilationWithinMinutes * MINUTE_MS;
  const need = cfg.postVentilationMinMinutes * MINUTE_MS;
  const inArea = view.of('disinfection').filter((r) => r.payload.target === 'area' && r.payload.areaId === area);
  const sessions = inArea.filter((r) => view.inWindow(sessionStart(r)) && isValidAreaSession(r, view));
  const vents = view.of('ventilation').filter((v) => v.payload.areaId === area);
  const ventDevices = relevantDevices(fixedDevices(view, 'ventilation', area), vents);
  // A session the sprayer did not report while silent could have gone unventilated.
  const sprayers = relevantDevices(fixedDevices(view, 'sprayer', area), inArea);
  const result = { judged: 0, ventilated: 0, pending: 0, failed: 0, unjudged: unjudgedOf(view, sprayers), ids: [] as number[] };
  for (const s of sessions) {
    const from = sessionEnd(s);
    const { v, ms } = bestVentilation(vents, from, from + within);
    result.ids.push(s.readingId, ...(v ? [v.readingId] : []));
    if (ms >= need) {
      result.judged++;
      result.ventilated++;
    } else if (from + within > view.asOf) result.pending++;
    else {
      result.judged++;
      // Could the ventilation have happened while its controller was silent?
      const gap = unjudgedOf(view, ventDevices, [[Math.min(from, view.end), Math.min(from + within, view.end)]]);
      if (ventDevices.length === 0 || total(gap) > 0) result.unjudged = union([...result.unjudged, ...gap]);
      else result.failed++;
    }
  }
  return result;
}

function facts(view: DayView) {
  const fixedAreas = view.layout.areas.filter((a) => PUBLIC_AREA_KINDS.includes(a.kind)).map((a) => a.id);
  const known = new Set(view.layout.areas.map((a) => a.id));
  const seen = view.of('disinfection').filter((r) => r.payload.target === 'area' && !known.has(r.payload.areaId));
  return placesOf(fixedAreas, seen.map((r) => r.payload.areaId)).map((area) => {
    const r = judgeArea(view, area);
    // "Every session ventilated" is a never rule: a session seen unventilated fails; unjudged time is no_data.
    const { status, unjudged } = judgeAbsence(view, r.failed, r.unjudged);
    const figures = { sessions: r.judged, ventilatedSessions: r.ventilated, pendingSessions: r.pending };
    const extra = { judged: r.judged, ventilated: r.ventilated, pending: r.pending, minutes: view.config.postVentilationMinMinutes };
    return view.fact('post-ventilation', area, status, figures, r.ids, extra, unjudged);
  });
}

export const postVentilationRule: RuleModule = { id: 'post-ventilation', facts };
