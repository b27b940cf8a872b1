/**
 * One dictionary per language (services/i18n/messages): every key in both,
 * every message valid ICU MessageFormat with the same arguments in both,
 * every code the server and the page use present, and no English left in the
 * Chinese dictionary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { DICTIONARIES, LANGUAGES, LOCALES } from '../../services/i18n/index.js';
import { FIGURES, RULE_IDS, UNJUDGED_FIGURES } from '../../services/rules/facts.js';
import { ALLOWED_LATIN } from '../support/english.js';

type Node = { type: number; value?: string; options?: Record<string, { value: Node[] }>; children?: Node[] };

/** Argument names a message uses (select/plural options included). */
function argumentsOf(nodes: Node[], into = new Set<string>()): Set<string> {
  for (const n of nodes) {
    if (n.type !== 0 && n.type !== 7 && n.value) into.add(n.value); // 0 literal, 7 pound
    for (const o of Object.values(n.options ?? {})) argumentsOf(o.value, into);
    if (n.children) argumentsOf(n.children, into);
  }
  return into;
}

function sourceFiles(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name), ext) : ext.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Codes named literally in source: msg('x'), text(lang, 'x'), t('x'), { code: 'x' }, 'dash.x' (dashboard titles). */
function codesUsedIn(files: string[]): Set<string> {
  const codes = new Set<string>();
  const patterns = [/\bmsg\('([\w.-]+)'/g, /\btext\(\w+, '([\w.-]+)'/g, /\bt\('([\w.-]+)'/g, /\bcode: '([a-z][\w-]*\.[\w.-]+)'/g, /'(dash\.[\w.-]+)'/g];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const p of patterns) for (const m of src.matchAll(p)) codes.add(m[1]!);
  }
  return codes;
}

describe('dictionaries', () => {
  const [zh, en] = [DICTIONARIES.zh, DICTIONARIES.en];

  it('have the same keys in both languages', () => {
    expect(Object.keys(zh).filter((k) => !(k in en))).toEqual([]);
    expect(Object.keys(en).filter((k) => !(k in zh))).toEqual([]);
    expect(Object.keys(zh).length).toBeGreaterThan(250);
  });

  it('parse as ICU MessageFormat, with the same arguments in both languages', () => {
    const mismatched: string[] = [];
    for (const key of Object.keys(zh)) {
      const args = LANGUAGES.map((lang) => [...argumentsOf(new IntlMessageFormat(DICTIONARIES[lang][key]!, LOCALES[lang]).getAst() as Node[])].sort().join(','));
      if (args[0] !== args[1]) mismatched.push(`${key}: zh(${args[0]}) en(${args[1]})`);
    }
    expect(mismatched).toEqual([]);
  });

  it('name every rule, its facts and every figure', () => {
    const needed = [
      ...RULE_IDS.flatMap((r) => [`rule.${r}`, `fact.${r}`]),
      ...Object.values(FIGURES).flatMap((f) => f.figures.map((n) => `figure.${n}`)),
      ...UNJUDGED_FIGURES.map((n) => `figure.${n}`),
    ];
    expect(needed.filter((k) => !(k in zh))).toEqual([]);
  });

  it('hold every code the server and the page use', () => {
    const used = codesUsedIn([...sourceFiles('services', /\.(ts|js)$/), ...sourceFiles('dashboards', /\.ts$/)]);
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !(k in zh)).sort()).toEqual([]);
  });

  it('leave no English in Chinese', () => {
    const english = Object.entries(zh).flatMap(([key, value]) => {
      // Select/plural keywords and argument names are syntax, not text: strip the arguments' heads.
      const prose = value.replace(/\{\s*\w+\s*,\s*(select|plural|number|date|time)\s*(,\s*[^,{}]*)?/g, '{').replace(/\b\w+\s*\{/g, '{').replace(/\{\w+\}/g, '');
      return (prose.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ALLOWED_LATIN.has(w)).map((w) => `${key}: ${w}`);
    });
    expect(english).toEqual([]);
  });
});

describe('formatting', () => {
  it('formats nested messages, lists, plurals and times in the given zone', async () => {
    const { formatMessage, msg } = await import('../../services/i18n/index.js');
    const fact = msg('fact.venues-closed', { place: 'club', day: '2021-02-03', openMinutes: 12, openings: 1 });
    const m = msg('score.failing', { count: 2, facts: [msg('score.factRef', { day: '2021-02-03', place: 'club', summary: fact }), msg('score.andMore', { count: 1 })] });
    expect(formatMessage('zh', m)).toBe('2 个日期/位置不达标：club：2021-02-03 开放 12 分钟（开门 1 次）；另有 1 项。');
    expect(formatMessage('en', m)).toBe('2 failing day/place(s): club: open 12 min (1 opening) on 2021-02-03; and 1 more.');
    const at = Date.parse('2021-02-03T00:15:00Z');
    expect(formatMessage('zh', msg('notify.alarm.time', { at }))).toBe('时间：2021/02/03 08:15:00');
    expect(formatMessage('en', msg('notify.alarm.time', { at }), 'Europe/London')).toBe('Time: 2021-02-03 00:15:00');
  });

  it('a missing parameter gives the code and the values, not an exception', async () => {
    const { formatMessage, msg } = await import('../../services/i18n/index.js');
    expect(formatMessage('zh', msg('alarm.gate-staffed', { gate: 'g1' }))).toBe('alarm.gate-staffed {"gate":"g1"}');
  });
});
