/**
 * The one i18n mechanism of the server: a message (code + parameters,
 * schemas/src/message.ts) is formatted per language with ICU MessageFormat
 * (intl-messageformat), from one dictionary per language
 * (messages/zh.json, messages/en.json). The page (services/web/i18n.js)
 * formats with the same dictionaries and the same library. Pure: a function
 * of the message, the dictionary and the time zone.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { Message, MessageParam } from '../../schemas/src/message.js';
import { DEFAULT_TIME_ZONE } from '../time/local-day.js';
import en from './messages/en.json' with { type: 'json' };
import zh from './messages/zh.json' with { type: 'json' };

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export type { Message, MessageParam };

export const DICTIONARIES: Readonly<Record<Language, Readonly<Record<string, string>>>> = { zh, en };
export const LOCALES: Readonly<Record<Language, string>> = { zh: 'zh-CN', en: 'en-CA' };
// One model of local days (services/time/): the zone a community has when its registry entry names none.
export { DEFAULT_TIME_ZONE };

/** The named date and time formats messages use ({at, date, day}, {at, time, seconds}), in one zone. */
export function namedFormats(timeZone: string) {
  return {
    date: { day: { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' } },
    time: {
      clock: { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
      seconds: { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
    },
  } as const;
}

// Parsing a message costs far more than formatting it: one formatter per language, zone and code.
const formatters = new Map<string, IntlMessageFormat>();

function formatterOf(lang: Language, code: string, timeZone: string): IntlMessageFormat {
  const key = `${lang}\u0000${timeZone}\u0000${code}`;
  let f = formatters.get(key);
  if (!f) {
    const source = DICTIONARIES[lang][code] ?? DICTIONARIES.zh[code] ?? code;
    formatters.set(key, (f = new IntlMessageFormat(source, LOCALES[lang], namedFormats(timeZone))));
  }
  return f;
}

function formatParam(lang: Language, value: MessageParam, timeZone: string): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((m) => formatMessage(lang, m, timeZone)).join(DICTIONARIES[lang]['list.separator']);
  return formatMessage(lang, value, timeZone);
}

/** The text of a message in a language; times in `timeZone` (the community's). */
export function formatMessage(lang: Language, message: Message, timeZone = DEFAULT_TIME_ZONE): string {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.params ?? {})) values[name] = formatParam(lang, value, timeZone);
  try {
    return String(formatterOf(lang, message.code, timeZone).format(values));
  } catch {
    // A parameter missing from a message must not stop a fact or an alarm from being stored:
    // the code and its values still say what happened (the dictionary tests keep this from shipping).
    return `${message.code} ${JSON.stringify(values)}`;
  }
}

/** A message; parameters that are undefined are left out. */
export function msg(code: string, params: Record<string, MessageParam | undefined> = {}): Message {
  const defined = Object.entries(params).filter((e): e is [string, MessageParam] => e[1] !== undefined);
  return defined.length === 0 ? { code } : { code, params: Object.fromEntries(defined) };
}

/** Shorthand for a message's text in one language. */
export const text = (lang: Language, code: string, params?: Record<string, MessageParam>, timeZone?: string): string =>
  formatMessage(lang, msg(code, params), timeZone);

/** The English text: what the API's plain-text fields (alarm title, fact summary) carry for integrations. */
export const english = (message: Message): string => formatMessage('en', message);

/** A stored plain text from before messages existed, carried as a message that prints it as is. */
export const legacyText = (text: string): Message => ({ code: 'legacy', params: { text } });

/** Rule and figure names, as messages (so lists of them format per language). */
export const ruleName = (rule: string): Message => ({ code: `rule.${rule}` });
