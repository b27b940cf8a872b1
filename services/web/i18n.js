// Language: Chinese first, English on request; the choice is kept in localStorage.
/* global localStorage, document */
import zh from './i18n/zh.js';
import en from './i18n/en.js';

const DICTS = { zh, en };
let lang = localStorage.getItem('gw.lang') === 'en' ? 'en' : 'zh';

export const currentLang = () => lang;

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('gw.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

const fill = (text, vars) => String(text).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));

/** The text for a key, with {name} placeholders filled; falls back to Chinese, then to the key. */
export function t(key, vars = {}) {
  return fill(DICTS[lang][key] ?? zh[key] ?? key, vars);
}

/** A text of the operators' console (the `console` section of each dictionary). */
export function ct(key, vars = {}) {
  return fill(DICTS[lang].console?.[key] ?? zh.console[key] ?? key, vars);
}

export const roleName = (role) => DICTS[lang].roles?.[role] ?? role;
export const ruleName = (rule) => DICTS[lang].rules[rule] ?? rule;
export const figureName = (name) => DICTS[lang].figureNames[name] ?? name;
