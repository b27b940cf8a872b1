// The inspectors' page: sign-in with username and password (session cookie), the overview of the
// communities the account may see (an operator: its company's), a community's checklist, an inspection.
// Hash routes: #/ overview, #/c/<communityId>?date=YYYY-MM-DD, #/i/<inspectionId>, #/ops?c=<communityId> the operators' console.
/* global document, window, URLSearchParams */
import { api, ApiError, download, signIn, signOut } from './api.js';
import { h, mount } from './dom.js';
import { consoleView, leaveConsole } from './console.js';
import { ct, currentLang, roleName, setLang, setPlaces, setTimeZone, t } from './i18n.js';
import { checklistForm } from './form.js';
import { inspectionActions, signatureBlock } from './inspection.js';

const root = document.getElementById('app');
const session = { me: null, checklist: null };

function header() {
  return h(
    'header',
    { class: 'top no-print' },
    h('a', { href: '#/', class: 'brand' }, t('appTitle')),
    session.me && h('nav', {}, h('a', { href: '#/', id: 'nav-overview' }, ct('navOverview')), h('a', { href: '#/ops', id: 'nav-console' }, ct('nav'))),
    h('span', { class: 'spacer' }),
    session.me && h('span', { class: 'who', id: 'who' }, [session.me.displayName, roleName(session.me.role), session.me.company].filter(Boolean).join(' · ')),
    h('button', { type: 'button', id: 'lang', onclick: () => (setLang(currentLang() === 'zh' ? 'en' : 'zh'), render()) }, t('language')),
    session.me && h('button', { type: 'button', id: 'signout', onclick: logout }, t('signOut')),
  );
}

function page(...content) {
  document.title = t('appTitle');
  mount(root, header(), h('main', {}, content));
}

async function logout() {
  leaveConsole();
  await signOut().catch(() => {});
  session.me = null;
  session.checklist = null;
  window.location.hash = '#/';
  signInView();
}

function failure(err) {
  if (err instanceof ApiError && err.status === 401) {
    const wasSignedIn = session.me !== null;
    session.me = null;
    return signInView(wasSignedIn ? t('sessionEnded') : undefined);
  }
  const fields = err.body?.fields?.map((f) => `${f.path}: ${f.message}`).join(t('semicolon'));
  page(h('p', { class: 'error', id: 'error' }, t('error'), err.message, fields ? ` (${fields})` : ''));
}

function signInView(message) {
  const username = h('input', { type: 'text', id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      await signIn(username.value.trim(), password.value);
      session.me = await api('GET', '/api/v1/me');
      render();
    } catch (err) {
      password.value = '';
      if (err instanceof ApiError && err.status === 429) return signInView(t('lockedLogin', { seconds: err.headers?.get('retry-after') ?? '60' }));
      if (err instanceof ApiError && err.status === 401) return signInView(t('badLogin'));
      failure(err);
    }
  };
  page(
    h(
      'form',
      { class: 'signin', onsubmit: submit, method: 'post', action: '#' },
      h('h1', {}, t('signIn')),
      h('label', { for: 'username' }, t('username')),
      username,
      h('label', { for: 'password' }, t('password')),
      password,
      h('p', { class: 'hint' }, t('signInHint')),
      message && h('p', { class: 'error', id: 'signin-error' }, message),
      h('button', { type: 'submit', id: 'signin' }, t('signIn')),
    ),
  );
}

async function overviewView() {
  const o = await api('GET', '/api/v1/overview');
  const row = (c) =>
    h(
      'tr',
      { 'data-community': c.id },
      h('td', {}, h('a', { href: `#/c/${c.id}` }, c.name)),
      h('td', {}, c.propertyCompany),
      h('td', {}, c.latest ? h('a', { href: `#/i/${c.latest.id}` }, c.latest.date) : '—'),
      h('td', { class: 'num' }, c.latest?.total ?? '—'),
      h('td', {}, c.latest ? h('span', { class: c.latest.passed ? 'pass' : 'fail' }, c.latest.passed ? t('pass') : t('fail')) : '—'),
      h('td', { class: `rect-${c.rectification}` }, c.latest?.rectificationDeadline ? `${c.latest.rectificationDeadline} · ` : '', t(`rect_${c.rectification}`)),
      // 未处理 / 处理中: open, and acknowledged (active = open + acknowledged).
      h('td', { class: c.openAlarms > 0 ? 'num fail' : 'num' }, `${c.openAlarms} / ${c.activeAlarms - c.openAlarms}`),
      h('td', {}, c.draftId ? h('a', { href: `#/i/${c.draftId}` }, `${t('draft')} #${c.draftId}`) : ''),
    );
  page(
    h('h1', {}, t('overview'), h('small', {}, ` ${t('today')} ${o.today}`)),
    h(
      'table',
      { class: 'overview' },
      h('thead', {}, h('tr', {}, ['community', 'company', 'latestInspection', 'score', 'result', 'rectification', 'alarms', 'draft'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, o.communities.map(row)),
    ),
  );
}

/** The registry entry of a community (its gates', areas' and devices' names), or null: then places show as ids. */
const registryOf = (id) => api('GET', `/api/v1/communities/${encodeURIComponent(id)}`).catch(() => null);

const canEdit = () => ['admin', 'inspector'].includes(session.me?.role);

async function communityView(id, params) {
  const [overview, list, registry] = await Promise.all([
    api('GET', '/api/v1/overview'), api('GET', `/api/v1/inspections?communityId=${encodeURIComponent(id)}`), registryOf(id),
  ]);
  const community = overview.communities.find((c) => c.id === id);
  if (!community) throw new ApiError(404, { message: `community ${id} not found` });
  setTimeZone(community.timeZone);
  setPlaces(registry);
  const date = params.get('date') ?? overview.today;
  const scores = await api('GET', `/api/v1/communities/${encodeURIComponent(id)}/scores?from=${date}&to=${date}`);
  const dateInput = h('input', { type: 'date', id: 'date', value: date, onchange: (ev) => (window.location.hash = `#/c/${id}?date=${ev.target.value}`) });
  const start = async () => {
    try {
      const created = await api('POST', '/api/v1/inspections', { communityId: id, date: dateInput.value });
      window.location.hash = `#/i/${created.id}`;
    } catch (err) {
      failure(err);
    }
  };
  const draw = () =>
    page(
      h('p', { class: 'no-print' }, h('a', { href: '#/' }, t('back'))),
      h('h1', {}, community.name, h('small', {}, ` ${community.propertyCompany}`)),
      h('div', { class: 'toolbar no-print' }, h('label', { for: 'date' }, t('date')), dateInput, canEdit() && h('button', { type: 'button', id: 'start', onclick: start }, t('startInspection'))),
      h('h2', {}, t('inspections')),
      list.items.length === 0
        ? h('p', {}, t('noInspections'))
        : h('ul', { class: 'inspections' }, list.items.map((i) => h('li', {}, h('a', { href: `#/i/${i.id}` }, `#${i.id} ${i.date} · ${t(`status_${i.status}`)}`), i.total !== null ? ` · ${i.total} ${i.passed ? t('pass') : t('fail')}` : ''))),
      h('h2', {}, t('preview')),
      checklistForm({
        checklist: session.checklist, mode: 'preview', itemScores: scores.items, inspection: null, canEdit: false, rerender: draw,
        header: { communityName: community.name, propertyCompany: community.propertyCompany, date },
      }),
    );
  draw();
}

async function inspectionView(id) {
  let inspection = await api('GET', `/api/v1/inspections/${id}`);
  setTimeZone(inspection.timeZone);
  // The names the form was signed with (a draft: the current ones), not a later rename.
  setPlaces(inspection.places);
  const draw = () =>
    page(
      h('p', { class: 'no-print' }, h('a', { href: `#/c/${inspection.communityId}?date=${inspection.date}` }, `← ${inspection.communityName}`)),
      checklistForm({
        checklist: session.checklist, mode: inspection.status, itemScores: inspection.itemScores, inspection, canEdit: canEdit(), rerender: draw, onPatch,
        header: { communityName: inspection.communityName, propertyCompany: inspection.propertyCompany, date: inspection.date },
      }),
      inspectionActions(inspection, { canEdit: canEdit(), sign, reinspect, exportCsv, rerender: draw }),
      signatureBlock(inspection),
    );
  const act = (fn) => async (...args) => {
    try {
      inspection = await fn(...args);
      draw();
    } catch (err) {
      failure(err);
    }
  };
  const onPatch = act((patch) => api('PUT', `/api/v1/inspections/${id}`, patch));
  const sign = act(() => api('POST', `/api/v1/inspections/${id}/sign`));
  const reinspect = async () => {
    try {
      const created = await api('POST', `/api/v1/inspections/${id}/reinspection`, {});
      window.location.hash = `#/i/${created.id}`;
    } catch (err) {
      failure(err);
    }
  };
  const exportCsv = () => download(`/api/v1/inspections/${id}/export.csv?lang=${currentLang()}`, `inspection-${id}.csv`).catch(failure);
  draw();
}

async function render() {
  document.documentElement.lang = currentLang() === 'zh' ? 'zh-CN' : 'en';
  try {
    session.me ??= await api('GET', '/api/v1/me');
    session.checklist ??= await api('GET', '/api/v1/checklist');
    const [path, query] = (window.location.hash.slice(1) || '/').split('?');
    const params = new URLSearchParams(query ?? '');
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'ops') leaveConsole();
    setPlaces(null); // each view names the places of its own community
    if (parts[0] === 'ops') return await consoleView({ page, me: session.me, params, fail: failure });
    if (parts[0] === 'c' && parts[1]) return await communityView(decodeURIComponent(parts[1]), params);
    if (parts[0] === 'i' && parts[1]) return await inspectionView(Number(parts[1]));
    return await overviewView();
  } catch (err) {
    failure(err);
  }
}

window.addEventListener('hashchange', render);
render();
