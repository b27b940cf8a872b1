// The operators' console (#/ops): today's progress of a community, its alarms (filter, acknowledge,
// resolve with a note), its devices with presence, and rejected device messages; live through
// GET /api/v1/events (Server-Sent Events), so a new fever shows within a second without reload.
// What it shows and allows is what the server allows the signed-in account (role, company).
/* global EventSource, window, URLSearchParams, setInterval, clearInterval */
import { api } from './api.js';
import { h, mount } from './dom.js';
import { ct, figureName, place, ruleName, setPlaces, t } from './i18n.js';

const ACTORS = ['admin', 'operator'];
const STATUSES = ['active', 'open', 'acknowledged', 'resolved'];
/** Rules whose facts say how far today's required work has come, and the figures that say it. */
const PROGRESS = [
  ['area-disinfection', 'validSessions', 'required'],
  ['touch-points', 'validWipes', 'required'],
  ['ventilation', 'validPeriods', 'required'],
  ['garbage', 'validSessions', 'required'],
];

let live = null;
let refresh = null;
/** Today's progress comes from the facts, which the service recomputes in the background. */
const REFRESH_MS = 60_000;

/** Ends the live stream and the refresh; the router calls it when another view opens. */
export function leaveConsole() {
  live?.close();
  live = null;
  clearInterval(refresh);
  refresh = null;
}

const inZone = (iso, zone) =>
  iso ? new Intl.DateTimeFormat('zh-CN', { timeZone: zone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(iso)) : '—';

/** What an alarm is about, from its rule and details, in the page's language. */
export function alarmText(a, names) {
  const d = a.details ?? {};
  const gate = names.gates.get(d.gateId) ?? d.gateId;
  switch (a.rule) {
    case 'fever':
    case 'staff-fever':
      return d.temperatureC === undefined ? ruleName(a.rule) : ct('fever', { temperature: Number(d.temperatureC).toFixed(1), gate, who: ct(`subject_${d.subject}`), ref: d.personRef ?? '' });
    case 'gate-staffed':
      return ct('unstaffed', { gate, minutes: d.unstaffedMinutes ?? '' });
    case 'device-health':
      if (d.temperatureC !== undefined) return ct('implausible', { device: d.deviceId, temperature: Number(d.temperatureC).toFixed(1), gate });
      if (d.silentMinutes !== undefined) return ct('deviceSilent', { device: d.deviceId, minutes: d.silentMinutes });
      return ct('deviceState', { device: d.deviceId, state: ct(`state_${d.state}`) });
    default:
      return `${ruleName(a.rule)} · ${a.subject}`;
  }
}

async function load(state) {
  const c = encodeURIComponent(state.communityId);
  const q = new URLSearchParams({ communityId: state.communityId, status: state.status, limit: '200' });
  if (state.rule) q.set('rule', state.rule);
  const canAct = ACTORS.includes(state.role);
  const [community, facts, alarms, deadLetters] = await Promise.all([
    api('GET', `/api/v1/communities/${c}`),
    api('GET', `/api/v1/communities/${c}/facts?from=${state.today}`),
    api('GET', `/api/v1/alarms?${q}`),
    canAct ? api('GET', '/api/v1/dead-letters?limit=20') : Promise.resolve({ items: [] }),
  ]);
  Object.assign(state, { community, facts: facts.items, alarms: alarms.items, deadLetters: deadLetters.items });
  setPlaces(community);
  state.names = {
    gates: new Map(community.gates.map((g) => [g.id, g.name])),
    areas: new Map(community.areas.map((a) => [a.id, a.name])),
  };
}

function progressList(state) {
  // The registered name, the id as its tooltip.
  const where = (f) => {
    const p = place(f.rule, f.place);
    return h('span', { class: 'place', title: p.title }, p.text);
  };
  const done = PROGRESS.flatMap(([rule, have, need]) =>
    state.facts.filter((f) => f.rule === rule).map((f) =>
      h('li', { class: `fact-${f.status}`, 'data-progress': `${rule}:${f.place}` }, `${ruleName(rule)} · `, where(f), '：', h('b', {}, `${f.figures[have] ?? 0} / ${f.figures[need] ?? 0}`)),
    ),
  );
  const gates = state.facts.filter((f) => f.rule === 'gate-staffed').map((f) =>
    h('li', { class: `fact-${f.status}`, 'data-progress': `gate-staffed:${f.place}` }, `${ruleName('gate-staffed')} · `, where(f), '：',
      f.status === 'no_data' ? t('fact_no_data') : `${figureName('unstaffedMinutes')} ${f.figures.unstaffedMinutes ?? 0}`),
  );
  return done.length + gates.length === 0 ? h('p', {}, ct('noProgress')) : h('ul', { class: 'progress' }, done, gates);
}

function progressSection(state) {
  const box = h('div', {}, progressList(state));
  // Only this section refreshes on the timer: the alarm notes being typed stay as they are.
  state.refreshProgress = async () => {
    try {
      state.facts = (await api('GET', `/api/v1/communities/${encodeURIComponent(state.communityId)}/facts?from=${state.today}`)).items;
      mount(box, progressList(state));
    } catch (err) {
      state.fail(err);
    }
  };
  return h('section', { id: 'progress' }, h('h2', {}, ct('progress'), h('small', {}, ` ${state.today}`)), box);
}


function alarmRow(state, a) {
  // Kept across re-renders, so a live event does not wipe a note being typed.
  let note = state.notes.get(a.id);
  if (!note) state.notes.set(a.id, (note = h('input', { type: 'text', maxlength: 2000, placeholder: ct('note'), 'data-note': a.id })));
  const act = (action) => async () => {
    try {
      const updated = await api('POST', `/api/v1/alarms/${a.id}/${action}`, note.value.trim() ? { note: note.value.trim() } : {});
      note.value = '';
      upsert(state, updated);
    } catch (err) {
      state.fail(err);
    }
  };
  const canAct = ACTORS.includes(state.role) && a.status !== 'resolved';
  const zone = state.community.timeZone;
  return h('tr', { 'data-alarm': a.id, class: `sev-${a.severity} st-${a.status}${state.fresh.has(a.id) ? ' fresh' : ''}` },
    h('td', { class: 'num' }, `#${a.id}`),
    h('td', {}, inZone(a.lastEventTime, zone)),
    h('td', {}, ruleName(a.rule)),
    h('td', { class: 'what' }, alarmText(a, state.names), a.occurrences > 1 ? h('small', {}, ` ×${a.occurrences}`) : ''),
    h('td', {}, ct(`severity_${a.severity}`)),
    h('td', { class: 'status' }, ct(`alarm_${a.status}`),
      a.acknowledgeNote && h('div', { class: 'note' }, `${ct('acknowledged')}：${a.acknowledgeNote}`),
      a.resolveNote && h('div', { class: 'note' }, `${ct('resolved')}：${a.resolveNote}`)),
    h('td', { class: 'actions' }, canAct && [
      note,
      a.status === 'open' && h('button', { type: 'button', class: 'small', 'data-ack': a.id, onclick: act('acknowledge') }, ct('acknowledge')),
      h('button', { type: 'button', class: 'small', 'data-resolve': a.id, onclick: act('resolve') }, ct('resolve')),
    ]),
  );
}

const matches = (state, a) =>
  a.communityId === state.communityId && (!state.rule || a.rule === state.rule) &&
  (state.status === 'active' ? a.status !== 'resolved' : a.status === state.status);

/** An alarm that opened or changed (live or by this page): in the list if it still matches the filter. */
function upsert(state, alarm) {
  const rest = state.alarms.filter((a) => a.id !== alarm.id);
  state.alarms = matches(state, alarm) ? [alarm, ...rest].sort((x, y) => y.id - x.id) : rest;
  state.drawAlarms();
}

function alarmsSection(state) {
  const body = h('tbody', {});
  const draw = () => mount(body, state.alarms.length ? state.alarms.map((a) => alarmRow(state, a)) : h('tr', {}, h('td', { colspan: 7 }, ct('noAlarms'))));
  state.drawAlarms = () => {
    draw();
    state.drawDevices?.(); // a device-health alarm marks its device silent
  };
  draw();
  const filter = (key) => (ev) => {
    state[key] = ev.target.value;
    state.reload();
  };
  const rules = [...new Set(['fever', 'gate-staffed', 'device-health', ...state.alarms.map((a) => a.rule)])];
  return h('section', { id: 'alarms' },
    h('h2', {}, ct('alarms')),
    h('div', { class: 'toolbar' },
      h('label', { for: 'alarm-status' }, t('status')),
      h('select', { id: 'alarm-status', onchange: filter('status') }, STATUSES.map((s) => h('option', { value: s, selected: s === state.status }, ct(`filter_${s}`)))),
      h('label', { for: 'alarm-rule' }, t('rule')),
      h('select', { id: 'alarm-rule', onchange: filter('rule') }, h('option', { value: '' }, ct('allRules')), rules.map((r) => h('option', { value: r, selected: r === state.rule }, ruleName(r)))),
      state.liveBadge,
    ),
    h('table', { class: 'alarms' }, h('thead', {}, h('tr', {}, ['id', 'time', 'rule', 'what', 'severity', 'alarmStatus', 'actions'].map((k) => h('th', {}, ct(`col_${k}`))))), body),
  );
}

/** Where a device is: the registered name of its gate or area, the id as the tooltip; the id alone when unregistered. */
function locationCell(state, location) {
  const name = state.names.gates.get(location) ?? state.names.areas.get(location);
  return h('td', { class: 'place', title: name ? location : null }, name ?? (location || '—'));
}

function devicesTable(state) {
  const zone = state.community.timeZone;
  const silent = new Set(state.alarms.filter((a) => a.rule === 'device-health' && a.status !== 'resolved').map((a) => a.details?.deviceId));
  const rows = state.community.devices.map((d) =>
    h('tr', { 'data-device': d.id },
      h('td', {}, d.id),
      h('td', {}, ct(`kind_${d.kind}`)),
      locationCell(state, d.location),
      h('td', { class: d.online ? 'pass' : 'muted', 'data-presence': d.id }, !d.enabled ? ct('disabled') : d.online ? ct('online') : ct('offline'),
        silent.has(d.id) ? h('span', { class: 'fail' }, ` · ${ct('silent')}`) : ''),
      h('td', {}, inZone(d.lastSeenAt, zone)),
    ),
  );
  return h('table', { class: 'devices' }, h('thead', {}, h('tr', {}, ['device', 'kind', 'location', 'presence', 'lastSeen'].map((k) => h('th', {}, ct(`col_${k}`))))), h('tbody', {}, rows));
}

function devicesSection(state) {
  const box = h('div', {});
  state.drawDevices = () => mount(box, devicesTable(state));
  state.drawDevices();
  return h('section', { id: 'devices' }, h('h2', {}, ct('devices')), box);
}

function showLive(state, connected) {
  state.connected = connected;
  state.liveBadge.className = connected ? 'live on' : 'live';
  state.liveBadge.textContent = connected ? ct('liveOn') : ct('liveOff');
}

function deadLettersSection(state) {
  if (!ACTORS.includes(state.role)) return null;
  const rows = state.deadLetters.map((d) =>
    h('tr', { 'data-dead-letter': d.id }, h('td', {}, inZone(d.receivedAt, state.community.timeZone)), h('td', { class: 'mono' }, d.topic), h('td', {}, ct(`code_${d.code}`)), h('td', { class: 'mono' }, d.reason),
      h('td', { class: 'readmit' }, readmitCell(state, d))),
  );
  return h('section', { id: 'dead-letters' }, h('h2', {}, ct('deadLetters')),
    rows.length === 0 ? h('p', {}, ct('noDeadLetters'))
      : h('table', { class: 'dead-letters' }, h('thead', {}, h('tr', {}, ['time', 'topic', 'code', 'reason', 'readmit'].map((k) => h('th', {}, ct(`col_${k}`))))), h('tbody', {}, rows)));
}

/** Admins send a dead letter through ingest again once its cause is fixed (POST /api/v1/dead-letters/readmit). */
function readmitCell(state, d) {
  if (d.readmittedAt) return ct('readmitted', { at: inZone(d.readmittedAt, state.community.timeZone) });
  if (state.role !== 'admin') return '—';
  const out = h('span', { class: 'result' });
  const button = h('button', {
    type: 'button', class: 'small', 'data-readmit': d.id,
    onclick: async () => {
      try {
        const r = await api('POST', '/api/v1/dead-letters/readmit', { ids: [d.id] });
        const problem = r.problems[0];
        out.textContent = problem ? ct('readmitRefused', { code: ct(`code_${problem.code}`) }) : ct('readmitDone', { accepted: r.accepted, duplicate: r.duplicate });
        if (!problem) button.remove();
      } catch (err) {
        state.fail(err);
      }
    },
  }, ct('readmit'));
  return [button, out];
}

function connect(state) {
  leaveConsole();
  live = new EventSource(`/api/v1/events?communityId=${encodeURIComponent(state.communityId)}`);
  live.addEventListener('ready', () => {
    // After a reconnect the lists may have missed events: load them again.
    if (state.wasConnected) state.reload();
    state.wasConnected = true;
    showLive(state, true);
  });
  live.addEventListener('alarm', (ev) => {
    const { alarm } = JSON.parse(ev.data);
    state.fresh.add(alarm.id);
    upsert(state, alarm);
  });
  live.addEventListener('presence', (ev) => {
    const p = JSON.parse(ev.data);
    const device = state.community.devices.find((d) => d.id === p.deviceId);
    if (!device) return;
    Object.assign(device, { online: p.online, lastSeenAt: p.at });
    state.drawDevices();
  });
  live.onerror = () => showLive(state, false);
}

/** The console for the community in `params` (or the first the account sees). */
export async function consoleView({ page, me, params, fail }) {
  const overview = await api('GET', '/api/v1/overview');
  const communities = overview.communities;
  if (communities.length === 0) return page(h('h1', {}, ct('title')), h('p', {}, ct('noCommunities')));
  const state = {
    role: me.role, today: overview.today, fresh: new Set(), notes: new Map(), connected: false, wasConnected: false, fail,
    liveBadge: h('span', { id: 'live', class: 'live' }, ct('liveOff')),
    communityId: communities.some((c) => c.id === params.get('c')) ? params.get('c') : communities[0].id,
    status: STATUSES.includes(params.get('status')) ? params.get('status') : 'active',
    rule: params.get('rule') ?? '',
  };
  state.draw = () =>
    page(
      h('h1', {}, ct('title'), h('small', {}, ` ${state.community.name} · ${state.community.propertyCompany}`)),
      h('div', { class: 'toolbar' },
        h('label', { for: 'ops-community' }, t('community')),
        h('select', { id: 'ops-community', onchange: (ev) => (window.location.hash = `#/ops?c=${encodeURIComponent(ev.target.value)}`) },
          communities.map((c) => h('option', { value: c.id, selected: c.id === state.communityId }, c.name))),
      ),
      progressSection(state),
      alarmsSection(state),
      devicesSection(state),
      deadLettersSection(state),
    );
  state.reload = async () => {
    try {
      await load(state);
      state.draw();
    } catch (err) {
      fail(err);
    }
  };
  await load(state);
  state.draw();
  connect(state);
  refresh = setInterval(() => state.refreshProgress(), REFRESH_MS);
}
