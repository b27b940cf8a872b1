// The checklist laid out like the appendix form: 序号 / 考核内容 / 总分值 / 评分标准 / 分值 / 得分.
// Modes: 'preview' (telemetry only, read only), 'draft' (editable), 'signed' (frozen, printable).
import { h } from './dom.js';
import { currentLang, t } from './i18n.js';
import { evidencePanel } from './evidence.js';

// UI state that survives re-rendering after each save.
const openEvidence = new Set();
const openOverride = new Set();

const text = (o) => (currentLang() === 'en' ? o.en : o.zh);

/**
 * opts: { checklist, mode, header: { communityName, propertyCompany, date, inspectorName },
 *         itemScores, inspection (null in preview), canEdit, onPatch(patch), rerender() }
 */
export function checklistForm(opts) {
  const { checklist, mode } = opts;
  const telemetry = new Map(opts.itemScores.map((s) => [s.itemId, s]));
  const items = new Map((opts.inspection?.items ?? []).map((i) => [i.itemId, i]));
  const editable = mode === 'draft' && opts.canEdit;

  const rows = [];
  for (const section of checklist.sections) {
    const sectionItems = checklist.items.filter((i) => i.section === section.id);
    // Evidence rows exist only while open, so the section cells span exactly the rows present.
    const shown = (item) => telemetry.has(item.id) && openEvidence.has(item.id);
    const span = sectionItems.length + sectionItems.filter(shown).length;
    // On a phone the section cells (spanning rows) are hidden and this heading stands in for them.
    rows.push(h('tr', { class: 'section-head' }, h('td', { colspan: 6 }, `${section.id} ${text(section)} · ${t('colSectionTotal')} ${section.points}`)));
    sectionItems.forEach((item, n) => {
      const score = telemetry.get(item.id);
      const state = items.get(item.id);
      rows.push(
        h(
          'tr',
          { 'data-item': item.id, class: `fill-${item.fill}` },
          n === 0 && h('td', { rowspan: span, class: 'no' }, section.id),
          n === 0 && h('td', { rowspan: span, class: 'content' }, text(section)),
          n === 0 && h('td', { rowspan: span, class: 'num section-total' }, section.points),
          criterionCell(item, score, opts),
          h('td', { class: 'num points', 'data-label': t('colPoints') }, item.points),
          scoreCell(item, score, state, editable, opts),
        ),
        shown(item) && h('tr', { class: 'evidence-row' }, h('td', { colspan: 3 }, evidencePanel(score))),
      );
    });
  }

  const result = opts.inspection;
  return h(
    'section',
    { class: `form mode-${mode}` },
    h('h2', { class: 'form-title' }, text(checklist.title)),
    h(
      'div',
      { class: 'form-head' },
      h('span', {}, `${t('communityName')}${t('colon')}`, h('strong', {}, opts.header.communityName)),
      h('span', {}, `${t('company')}${t('colon')}`, h('strong', {}, opts.header.propertyCompany)),
      h('span', {}, `${t('date')}${t('colon')}`, h('strong', { id: 'form-date' }, ymd(opts.header.date))),
    ),
    h(
      'table',
      { class: 'checklist' },
      h('thead', {}, h('tr', {}, ['colNo', 'colContent', 'colSectionTotal', 'colCriterion', 'colPoints', 'colScore'].map((k) => h('th', { class: k }, t(k))))),
      h('tbody', {}, rows),
      h(
        'tfoot',
        {},
        h('tr', {}, h('td', { colspan: 2 }, t('total')), h('td', { class: 'num' }, checklist.total), h('td', {}, verdictText(result)), h('td', {}), h('td', { class: 'num total', id: 'total' }, result ? result.total : '—')),
      ),
    ),
  );
}

export function verdictText(result) {
  if (!result) return '';
  if (result.status === 'signed' || result.complete) return h('strong', { id: 'verdict', class: result.passed ? 'pass' : 'fail' }, result.passed ? t('pass') : t('fail'));
  return h('span', { id: 'verdict', class: 'incomplete' }, t('incomplete'));
}

const ymd = (day) => {
  const [y, m, d] = day.split('-');
  return t('yearMonthDay', { y, m: Number(m), d: Number(d) });
};

function criterionCell(item, score, opts) {
  const open = openEvidence.has(item.id);
  return h(
    'td',
    { class: 'criterion' },
    h('span', { class: `badge badge-${item.fill}` }, t(`fill_${item.fill}`)),
    ' ',
    h('span', { class: 'criterion-text' }, currentLang() === 'en' ? item.en : item.zh),
    score &&
      h('button', {
        type: 'button',
        class: 'link evidence-toggle',
        'data-evidence-toggle': item.id,
        onclick: () => {
          if (open) openEvidence.delete(item.id);
          else openEvidence.add(item.id);
          opts.rerender();
        },
      }, open ? t('hideEvidence') : t('evidence')),
  );
}

function scoreCell(item, score, state, editable, opts) {
  const auto = score ? score.score : null;
  const final = state ? state.final : auto;
  const note = [];
  if (score && auto === null) note.push(t('insufficient'));
  if (state?.source === 'proposed') note.push(`${t('proposal')} · ${t('unconfirmed')}`);
  if (!state && score?.proposed && auto !== null) note.push(t('proposal'));
  if (state?.source === 'override') note.push(t('overriddenFrom', { auto: auto ?? t('insufficient') }), `${t('overrideReason')}${t('colon')}${state.override.reason}`);
  if (state?.source === 'missing' && item.fill === 'manual') note.push(t('notScored'));
  return h(
    'td',
    { class: 'score' },
    h('div', { class: `final source-${state?.source ?? (score ? 'auto' : 'none')}` }, final ?? '—'),
    note.length > 0 && h('div', { class: 'note' }, note.join(t('semicolon'))),
    editable && controls(item, auto, state, opts),
  );
}

function controls(item, auto, state, opts) {
  const parts = [];
  if (item.fill !== 'auto') {
    parts.push(
      h(
        'select',
        {
          'data-manual': item.id,
          'aria-label': `${item.id} ${t('colScore')}`,
          onchange: (ev) => opts.onPatch({ manualScores: { [item.id]: ev.target.value === '' ? null : Number(ev.target.value) } }),
        },
        h('option', { value: '' }, item.fill === 'assisted' && auto !== null ? `${t('proposal')} ${auto}` : '—'),
        item.allowedScores.map((s) => h('option', { value: String(s), selected: state?.manual === s }, String(s))),
      ),
    );
    if (item.fill === 'assisted' && auto !== null && state?.manual === null) {
      parts.push(h('button', { type: 'button', class: 'small', 'data-accept': item.id, onclick: () => opts.onPatch({ manualScores: { [item.id]: auto } }) }, t('accept')));
    }
  }
  if (item.fill !== 'manual') parts.push(overrideEditor(item, state, opts));
  return h('div', { class: 'controls' }, parts);
}

function overrideEditor(item, state, opts) {
  if (!openOverride.has(item.id)) {
    return h('button', { type: 'button', class: 'small', 'data-override': item.id, onclick: () => (openOverride.add(item.id), opts.rerender()) }, t('override'));
  }
  const select = h('select', { 'data-override-score': item.id }, item.allowedScores.map((s) => h('option', { value: String(s), selected: state?.override?.score === s }, String(s))));
  const reason = h('input', { type: 'text', 'data-override-reason': item.id, placeholder: t('overrideReason'), value: state?.override?.reason ?? '', maxlength: 2000 });
  const error = h('div', { class: 'error' });
  const close = () => (openOverride.delete(item.id), opts.rerender());
  return h(
    'div',
    { class: 'override-editor' },
    select,
    reason,
    h('button', {
      type: 'button',
      class: 'small',
      'data-override-save': item.id,
      onclick: async () => {
        if (reason.value.trim() === '') return void (error.textContent = t('reasonRequired'));
        openOverride.delete(item.id);
        await opts.onPatch({ overrides: { [item.id]: { score: Number(select.value), reason: reason.value.trim() } } });
      },
    }, t('save')),
    state?.override && h('button', { type: 'button', class: 'small', onclick: () => (openOverride.delete(item.id), opts.onPatch({ overrides: { [item.id]: null } })) }, t('withdraw')),
    h('button', { type: 'button', class: 'small', onclick: close }, t('cancel')),
    error,
  );
}
