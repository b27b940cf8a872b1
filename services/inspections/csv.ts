/**
 * CSV export of an inspection, laid out like the appendix form. UTF-8 with a
 * byte-order mark so Excel opens the Chinese text correctly; RFC 4180 quoting.
 */
import type { InspectionBody } from '../../schemas/src/checklist.js';
import { CHECKLIST, SECTIONS } from '../scoring/checklist.js';
import { FORM_TITLE } from './view.js';

export const BOM = '\uFEFF';

const FILL_ZH = { auto: '自动', assisted: '辅助', manual: '人工' } as const;
const SOURCE_ZH = { override: '更正', manual: '人工', auto: '自动', proposed: '建议（未确认）', missing: '未评分' } as const;

/** One CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is neutralised (CSV injection). */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (fields: (string | number | null | undefined)[]): string => fields.map(csvField).join(',');

export function inspectionCsv(i: InspectionBody): string {
  const items = new Map(i.items.map((x) => [x.itemId, x]));
  const telemetry = new Map(i.itemScores.map((x) => [x.itemId, x]));
  const status = i.status === 'signed' ? '已签署 signed' : '草稿 draft';
  const verdict = i.passed ? '合格 pass' : '不合格 fail';
  const rows: string[] = [
    line([FORM_TITLE.zh]),
    line(['小区名称', i.communityName, '物业公司', i.propertyCompany, '检查日期', i.date]),
    line(['检查人', i.inspectorName, '状态', status, '评分区间', `${i.window.from} ~ ${i.window.to}`]),
    line(['序号', '考核内容', '总分值', '评分标准', '分值', '得分', '填写方式', '自动/建议得分', '人工得分', '更正得分', '更正理由', '得分来源', '依据']),
  ];
  for (const section of SECTIONS) {
    CHECKLIST.filter((c) => c.section === section.id).forEach((c, n) => {
      const item = items.get(c.id);
      const auto = telemetry.get(c.id);
      rows.push(
        line([
          n === 0 ? section.id : '',
          n === 0 ? section.zh : '',
          n === 0 ? section.points : '',
          `${c.id} ${c.zh}`,
          c.points,
          item?.final ?? '',
          FILL_ZH[c.fill],
          auto ? (auto.score ?? '数据不足') : '',
          item?.manual ?? '',
          item?.override?.score ?? '',
          item?.override?.reason ?? '',
          item ? SOURCE_ZH[item.source] : '',
          auto?.explanation ?? '',
        ]),
      );
    });
  }
  rows.push(line(['合计', '', CHECKLIST.reduce((sum, c) => sum + c.points, 0), '', '', i.total, verdict]));
  if (i.rectificationDeadline) rows.push(line(['整改期限', i.rectificationDeadline]));
  if (i.reinspectionOf !== null) rows.push(line(['复查自检查', i.reinspectionOf]));
  if (i.signedAt) rows.push(line(['签署', i.signedBy, i.signedAt]));
  if (i.notes) rows.push(line(['备注', i.notes]));
  return BOM + rows.join('\r\n') + '\r\n';
}
