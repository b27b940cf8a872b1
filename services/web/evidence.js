// The evidence behind one telemetry sub-score: rule, window, figures per day and place, readings and alarms.
import { api } from './api.js';
import { h, mount } from './dom.js';
import { figureName, ruleName, t } from './i18n.js';

const figures = (f) =>
  Object.entries(f)
    .map(([k, v]) => `${figureName(k)} ${v}`)
    .join(t('comma'));

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
  return h('ul', { class: 'readings' }, items.map((r) => h('li', {}, h('code', {}, `#${r.id}`), ` ${r.kind} · ${r.deviceId} · ${r.eventTime} `, h('code', {}, JSON.stringify(r.payload)))));
};

const alarmsList = async (ids) => {
  const alarms = await Promise.all(ids.map((id) => api('GET', `/api/v1/alarms/${id}`)));
  return h('ul', { class: 'readings' }, alarms.map((a) => h('li', {}, h('code', {}, `#${a.id}`), ` ${a.title} · ${a.status} · ${a.openedAt}${a.acknowledgedAt ? ' → ' + a.acknowledgedAt : ''}`)));
};

export function evidencePanel(score) {
  const e = score.evidence;
  return h(
    'div',
    { class: 'evidence', 'data-evidence': score.itemId },
    h('p', { class: 'explanation' }, score.status === 'insufficient_data' ? `${t('insufficient')}${t('colon')}` : '', score.explanation),
    h('p', { class: 'meta' }, `${t('rule')}${t('colon')}${e.rules.map((r) => `${ruleName(r)} (${r})`).join(t('comma'))} · ${t('window')}${t('colon')}${e.window.from} ~ ${e.window.to}`),
    e.lines.length > 0 &&
      h(
        'table',
        { class: 'lines' },
        h('thead', {}, h('tr', {}, [t('day'), t('place'), t('rule'), t('status'), t('figures'), t('summary')].map((c) => h('th', {}, c)))),
        h(
          'tbody',
          {},
          e.lines.map((l) =>
            h('tr', { class: `fact-${l.status}` }, h('td', {}, l.day), h('td', {}, l.place), h('td', {}, ruleName(l.rule)), h('td', {}, t(`fact_${l.status}`)), h('td', {}, figures(l.figures)), h('td', {}, l.summary)),
          ),
        ),
      ),
    e.missing.length > 0 && h('p', { class: 'missing' }, `${t('missingCells')}${t('colon')}`, e.missing.map((m) => `${m.day} ${m.place} ${ruleName(m.rule)}`).join(t('semicolon'))),
    e.unknownRefs?.length > 0 && h('p', {}, `${t('unknownRefs')}${t('colon')}${e.unknownRefs.join(', ')}`),
    e.readingIds.length > 0 && h('div', { class: 'ids' }, `${t('readingIds')}${t('colon')}`, h('code', {}, e.readingIds.join(', ')), ' ', loader(t('showReadings'), () => readingsList(e.readingIds))),
    e.alarmIds.length > 0 && h('div', { class: 'ids' }, `${t('alarmIds')}${t('colon')}`, h('code', {}, e.alarmIds.join(', ')), ' ', loader(t('showAlarms'), () => alarmsList(e.alarmIds))),
  );
}
