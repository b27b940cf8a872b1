// Language: Chinese first, English on request; the choice is kept in localStorage.
// Texts come from the server's dictionaries (services/i18n/messages, served at
// /static/i18n/*.json) and are formatted with the same ICU MessageFormat library
// as the server's (intl-messageformat, served at /static/vendor/): one dictionary
// per language for the page, the CSV, the webhooks and the dashboards.
/* global localStorage, document, fetch */
import { IntlMessageFormat } from './vendor/intl-messageformat.js';
import { namePlaces, placeLabel, placeNames } from './places.js';

const load = async (lang) => {
  const res = await fetch(`/static/i18n/${lang}.json`);
  if (!res.ok) throw new Error(`dictionary ${lang}: HTTP ${res.status}`);
  return res.json();
};
const DICTS = { zh: await load('zh'), en: await load('en') };
const LOCALES = { zh: 'zh-CN', en: 'en-CA' };
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

let lang = localStorage.getItem('gw.lang') === 'en' ? 'en' : 'zh';
let timeZone = DEFAULT_TIME_ZONE;
/** The places of the community on screen (placeNames of its registry entry), or null. */
let places = null;

export const currentLang = () => lang;

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('gw.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** Times are shown in the zone of the community on screen (its registry entry; Asia/Shanghai by default). */
export function setTimeZone(zone) {
  timeZone = zone || DEFAULT_TIME_ZONE;
}

/**
 * Place ids in the server's messages read as the registry's names of the community on screen
 * (places.js); `community` is its GET /api/v1/communities/:id body, null where none is on screen.
 */
export function setPlaces(community) {
  places = community ? placeNames(community) : null;
}

/** A fact's place (`rule`, id) as { text, title }: the registered name and the id for a tooltip. */
export const place = (rule, id) => placeLabel(rule, id, places, format);

// The same named formats as services/i18n/index.ts namedFormats().
const namedFormats = (zone) => ({
  date: { day: { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' } },
  time: {
    clock: { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    seconds: { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  },
});

const formatters = new Map();
function formatterOf(code) {
  const key = `${lang}\u0000${timeZone}\u0000${code}`;
  let f = formatters.get(key);
  if (!f) {
    const source = DICTS[lang][code] ?? DICTS.zh[code] ?? code;
    formatters.set(key, (f = new IntlMessageFormat(source, LOCALES[lang], namedFormats(timeZone))));
  }
  return f;
}

const formatParam = (value) => {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(format).join(DICTS[lang]['list.separator']);
  if (value && typeof value === 'object' && typeof value.code === 'string') return format(value);
  return String(value);
};

/** The text of a server message ({ code, params }) in the current language. */
export function format(original) {
  if (typeof original === 'string') return original; // a plain text from before messages existed
  const message = namePlaces(original, places);
  const values = {};
  for (const [name, value] of Object.entries(message.params ?? {})) values[name] = formatParam(value);
  try {
    return String(formatterOf(message.code).format(values));
  } catch {
    return `${message.code} ${JSON.stringify(values)}`; // a missing parameter shows the code, not a broken page
  }
}

/** The text for a key, with its parameters. */
export const t = (key, params = {}) => format({ code: key, params });

/** A time (ISO string or ms) as date and time in the community's zone. */
export const dateTime = (at) => t('dateTime', { at: typeof at === 'number' ? at : Date.parse(at) });

export const roleName = (role) => t(`role.${role}`);
export const ruleName = (rule) => t(`rule.${rule}`);
export const figureName = (name) => t(`figure.${name}`);
/** A text of the operators' console (its `console.*` keys). */
export const ct = (key, params = {}) => t(`console.${key}`, params);
