/**
 * CSV export of an inspection, laid out like the appendix form. UTF-8 with a
 * byte-order mark so Excel opens the Chinese text correctly; RFC 4180 quoting.
 * Every text is from the dictionaries (services/i18n), Chinese unless English is asked for;
 * places in the 依据 column by the inspection's place names (a signed one: those at signing; view.ts placesOf), ids where none is known.
 */
import type { InspectionBody } from '../../schemas/src/checklist.js';
import { formatMessage, legacyText, text, type Language } from '../i18n/index.js';
import { namePlaces, type PlaceNames } from '../i18n/places.js';
import { CHECKLIST, SECTIONS } from '../scoring/checklist.js';
import { FORM_TITLE } from './view.js';

export const BOM = '\uFEFF';

/** One CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is neutralised (CSV injection). */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (fields: (string | number | null | undefined)[]): string => fields.map(csvField).join(',');

export function inspectionCsv(i: InspectionBody, lang: Language = 'zh', places: PlaceNames | null = null): string {
  const t = (code: string, params?: Record<string, string | number>) => text(lang, code, params, i.timeZone);
  const items = new Map(i.items.map((x) => [x.itemId, x]));
  const telemetry = new Map(i.itemScores.map((x) => [x.itemId, x]));
  const time = (iso: string) => t('dateTime', { at: Date.parse(iso) });
  const rows: string[] = [
    line([FORM_TITLE[lang]]),
    line([t('communityName'), i.communityName, t('company'), i.propertyCompany, t('date'), i.date]),
    line([t('inspector'), i.inspectorName, t('status'), t(`status_${i.status}`), t('window'), `${i.window.from} ~ ${i.window.to}`]),
    line([
      t('colNo'), t('colContent'), t('colSectionTotal'), t('colCriterion'), t('colPoints'), t('colScore'), t('csv.fill'), t('csv.autoScore'),
      t('csv.manualScore'), t('csv.overrideScore'), t('overrideReason'), t('csv.source'), t('evidence'),
    ]),
  ];
  for (const section of SECTIONS) {
    CHECKLIST.filter((c) => c.section === section.id).forEach((c, n) => {
      const item = items.get(c.id);
      const auto = telemetry.get(c.id);
      rows.push(
        line([
          n === 0 ? section.id : '',
          n === 0 ? section[lang] : '',
          n === 0 ? section.points : '',
          `${c.id} ${c[lang]}`,
          c.points,
          item?.final ?? '',
          t(`fill_${c.fill}`),
          auto ? (auto.score ?? t('insufficient')) : '',
          item?.manual ?? '',
          item?.override?.score ?? '',
          item?.override?.reason ?? '',
          item ? t(`source_${item.source}`) : '',
          auto ? formatMessage(lang, namePlaces(auto.explanationMessage ?? legacyText(auto.explanation), places), i.timeZone) : '',
        ]),
      );
    });
  }
  const verdict = i.passed ? t('pass') : t('fail');
  rows.push(line([t('total'), '', CHECKLIST.reduce((sum, c) => sum + c.points, 0), '', '', i.total, verdict]));
  if (i.rectificationDeadline) rows.push(line([t('deadline'), i.rectificationDeadline]));
  if (i.reinspectionOf !== null) rows.push(line([t('csv.reinspectionOf'), i.reinspectionOf]));
  if (i.signedAt) rows.push(line([t('csv.signed'), i.signedByName ?? i.signedBy, time(i.signedAt)]));
  if (i.notes) rows.push(line([t('notes'), i.notes]));
  return BOM + rows.join('\r\n') + '\r\n';
}
