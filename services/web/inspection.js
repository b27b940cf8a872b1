// Below the form: result, sign, print, CSV, re-inspection, newer-data notice, and the signature lines for print.
/* global window */
import { h } from './dom.js';
import { dateTime, t } from './i18n.js';

export function inspectionActions(i, { canEdit, sign, reinspect, exportCsv, rerender }) {
  const parts = [];
  if (i.newerDataAt) parts.push(h('p', { class: 'notice', id: 'newer-data' }, t('newerData', { at: dateTime(i.newerDataAt) })));
  if (i.reinspectionOf) parts.push(h('p', {}, t('reinspectionOf'), h('a', { href: `#/i/${i.reinspectionOf}` }, `#${i.reinspectionOf}`)));
  if (i.status === 'draft') {
    if (i.missing.length > 0) parts.push(h('p', { class: 'todo', id: 'missing' }, t('missingItems'), i.missing.join('、')));
    if (i.unconfirmed.length > 0) parts.push(h('p', { class: 'todo', id: 'unconfirmed' }, t('unconfirmedItems'), i.unconfirmed.join('、')));
    if (canEdit) parts.push(signButtons(i, sign, rerender));
  } else {
    parts.push(h('p', { class: 'signed', id: 'signed' }, `${t('status_signed')} · ${t('signedBy')}${t('colon')}${i.signedByName ?? i.signedBy} · ${t('signedAt')}${t('colon')}${dateTime(i.signedAt)}`));
    if (i.rectificationDeadline) parts.push(h('p', { class: 'fail', id: 'deadline' }, `${t('deadline')}${t('colon')}${i.rectificationDeadline}`));
    if (i.reinspectionId) parts.push(h('p', {}, t('reinspectionAt'), h('a', { href: `#/i/${i.reinspectionId}` }, `#${i.reinspectionId}`)));
    const buttons = [
      h('button', { type: 'button', id: 'print', onclick: () => window.print() }, t('print')),
      h('button', { type: 'button', id: 'csv', onclick: exportCsv }, t('exportCsv')),
    ];
    if (canEdit && i.passed === false && !i.reinspectionId) buttons.push(h('button', { type: 'button', id: 'reinspect', onclick: reinspect }, t('reinspect')));
    parts.push(h('div', { class: 'toolbar no-print' }, buttons));
  }
  return h('section', { class: 'actions' }, parts);
}

let confirming = false;

function signButtons(i, sign, rerender) {
  if (!confirming) {
    return h('div', { class: 'toolbar no-print' }, h('button', { type: 'button', id: 'sign', class: 'primary', disabled: !i.complete, onclick: () => ((confirming = true), rerender()) }, t('sign')));
  }
  return h(
    'div',
    { class: 'toolbar no-print' },
    h('button', { type: 'button', id: 'confirm-sign', class: 'primary', onclick: () => ((confirming = false), sign()) }, t('confirmSign')),
    h('button', { type: 'button', onclick: () => ((confirming = false), rerender()) }, t('cancel')),
  );
}

/**
 * Signature lines under the form; shown for a signed inspection and always printed. Each line
 * carries the name it is for (the inspector's, the property company's); the pen goes beside it.
 */
export function signatureBlock(i) {
  const [y, m, d] = i.date.split('-');
  return h(
    'section',
    { class: `signatures ${i.status === 'signed' ? '' : 'print-only'}` },
    h('div', {}, `${t('inspectorSign')}${t('colon')}`, h('span', { class: 'line' }, i.inspectorName)),
    h('div', {}, `${t('companySign')}${t('colon')}`, h('span', { class: 'line' }, i.propertyCompany)),
    h('div', {}, `${t('signDate')}${t('colon')}`, t('yearMonthDay', { y, m: Number(m), d: Number(d) })),
  );
}
