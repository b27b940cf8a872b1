// The evidence behind one telemetry sub-score: rule, window, figures per day and place, readings and alarms.
import { api } from './api.js';
import { h, mount } from './dom.js';
import { dateTime, figureName, format, place, ruleName, t } from './i18n.js';

const figures = (f) =>
  Object.entries(f)
    .map(([name, value]) => t('figureValue', { name: figureName(name), value }))
    .join(t('comma'));

/** A reading's payload as text (message `reading.<kind>`): values named and formatted, not raw JSON. */
export function readingText(r) {
  const p = r.payload ?? {};
  const params = { ...p, ...(p.checks ?? {}) };
  delete params.checks;
  if (p.durationS !== undefined) params.minutes = Math.round(p.durationS / 60);
  for (const optional of ['concentrationMgPerL', 'batteryPct']) params[optional] ??= 'none';
  for (const [k, v] of Object.entries(params)) if (typeof v === 'boolean') params[k] = String(v);
  return t('reading.line', { id: r.id, time: dateTime(r.eventTime), kind: t(`kind.${r.kind}`), device: r.deviceId, text: t(`reading.${r.kind}`, params) });
}

export const alarmText = (a) =>
  t('alarm.line', {
    id: a.id, title: format(a.titleMessage ?? a.title), status: a.status, openedAt: dateTime(a.openedAt),
    acknowledged: a.acknowledgedAt ? dateTime(a.acknowledgedAt) : 'none',
  });

/** A fact's place: its registered name, the id as the tooltip (the readings and devices carry the id). */
const placeCell = (rule, id) => {
  const p = place(rule, id);
  return h('td', { class: 'place', title: p.title, 'data-place': id }, p.text);
};

/** A button that loads details on demand and shows them below itself. */
function loader(label, load) {
  const out = h('div', { class: 'loaded' });
  const button = h('button', {
    type: 'button',
    class: 'link',
    onclick: async () => {
      mount(out, t('loading'));
      try {
        mount(out, await load());
      } catch (err) {
        mount(out, h('span', { class: 'error' }, t('error'), err.message));
      }
    },
  }, label);
  return [button, out];
}

const readingsList = async (ids) => {
  const { items } = await api('GET', `/api/v1/readings?ids=${ids.slice(0, 200).join(',')}`);
  return h('ul', { class: 'readings' }, items.map((r) => h('li', { 'data-reading': r.id }, readingText(r))));
};

const alarmsList = async (ids) => {
  const alarms = await Promise.all(ids.map((id) => api('GET', `/api/v1/alarms/${id}`)));
  return h('ul', { class: 'readings' }, alarms.map((a) => h('li', { 'data-alarm': a.id }, alarmText(a))));
};

export function evidencePanel(score) {
  const e = score.evidence;
  return h(
    'div',
    { class: 'evidence', 'data-evidence': score.itemId },
    h('p', { class: 'explanation' }, score.status === 'insufficient_data' ? `${t('insufficient')}${t('colon')}` : '', format(score.explanationMessage ?? score.explanation)),
    h('p', { class: 'meta' }, `${t('rule')}${t('colon')}${e.rules.map((r) => ruleName(r)).join(t('comma'))} · ${t('window')}${t('colon')}${e.window.from} ~ ${e.window.to}`),
    e.lines.length > 0 &&
      h(
        'table',
        { class: 'lines' },
        h('thead', {}, h('tr', {}, [t('day'), t('place'), t('rule'), t('status'), t('figures'), t('summary')].map((c) => h('th', {}, c)))),
        h(
          'tbody',
          {},
          e.lines.map((l) =>
            h('tr', { class: `fact-${l.status}` }, h('td', {}, l.day), placeCell(l.rule, l.place), h('td', {}, ruleName(l.rule)), h('td', {}, t(`fact_${l.status}`)), h('td', {}, figures(l.figures)), h('td', {}, format(l.summaryMessage ?? l.summary))),
          ),
        ),
      ),
    e.missing.length > 0 && h('p', { class: 'missing' }, `${t('missingCells')}${t('colon')}`, e.missing.map((m) => `${m.day} ${place(m.rule, m.place).text} ${ruleName(m.rule)}`).join(t('semicolon'))),
    e.unknownRefs?.length > 0 && h('p', {}, `${t('unknownRefs')}${t('colon')}${e.unknownRefs.join(', ')}`),
    e.readingIds.length > 0 && h('div', { class: 'ids' }, `${t('readingIds')}${t('colon')}`, h('code', {}, e.readingIds.join(', ')), ' ', loader(t('showReadings'), () => readingsList(e.readingIds))),
    e.alarmIds.length > 0 && h('div', { class: 'ids' }, `${t('alarmIds')}${t('colon')}`, h('code', {}, e.alarmIds.join(', ')), ' ', loader(t('showAlarms'), () => alarmsList(e.alarmIds))),
  );
}
