/**
 * The county's 100-point checklist (附件《桦川县住宅小区物业服企业疫情防控检查考核管理评分表》)
 * as data. The Chinese criterion texts are verbatim from the form; points come
 * from the form's value column (分值), which is what the section totals add up to.
 *
 * Two places where the form's text and its value column disagree (see README):
 * - 5.2 text says 5 points, the value column says 10 and section 5 totals 15: 10.
 * - 8.1 text says 2 (deduct 1-2), the value column says 5 and section 8 totals 10:
 *   5, deducted 1-5 so that every score 0..5 can be given.
 */
import type { RuleId } from '../rules/facts.js';

/** How the form says an item is scored. */
export type ScoringMode =
  /** "…得N分，未…不得分": full points or nothing. */
  | { kind: 'all_or_nothing' }
  /** "…酌情扣X-Y分": full points, less a deduction between min and max. */
  | { kind: 'deduct'; minDeduction: number; maxDeduction: number }
  /** "视工作实际情况给予1-3分": a score in [min, max] by judgement. */
  | { kind: 'judgement'; min: number; max: number };

/** auto: telemetry decides; assisted: telemetry proposes, the inspector confirms; manual: a visit judges. */
export type Fill = 'auto' | 'assisted' | 'manual';

export interface ChecklistSection {
  id: number;
  zh: string;
  en: string;
  points: number;
}

export interface ChecklistItem {
  id: string;
  section: number;
  points: number;
  mode: ScoringMode;
  fill: Fill;
  /** Rules whose daily facts the telemetry score reads; empty for manual items. */
  rules: readonly RuleId[];
  zh: string;
  en: string;
}

const allOrNothing: ScoringMode = { kind: 'all_or_nothing' };
const deduct = (minDeduction: number, maxDeduction: number): ScoringMode => ({
  kind: 'deduct',
  minDeduction,
  maxDeduction,
});

export const SECTIONS: readonly ChecklistSection[] = [
  { id: 1, zh: '建立健全防控机制', en: 'Establish a sound prevention and control mechanism', points: 10 },
  { id: 2, zh: '做好疫情防控宣传', en: 'Publicise epidemic prevention', points: 10 },
  {
    id: 3,
    zh: '执行“一测二问三核查”制度',
    en: 'Enforce the "measure once, ask twice, check thrice" system',
    points: 20,
  },
  { id: 4, zh: '加强消毒消杀和通风换气', en: 'Step up disinfection and ventilation', points: 20 },
  { id: 5, zh: '做好小区院内垃圾清运工作', en: 'Clear garbage within the community', points: 15 },
  { id: 6, zh: '关闭活动场所，避免人群聚集', en: 'Close activity venues and avoid gatherings', points: 5 },
  { id: 7, zh: '做好员工培训和内部管控', en: 'Train staff and control them internally', points: 10 },
  { id: 8, zh: '积极做好防疫物资储备工作', en: 'Stock epidemic-prevention supplies', points: 10 },
];

export const CHECKLIST: readonly ChecklistItem[] = [
  {
    id: '1.1', section: 1, points: 3, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '建立实体化运作的疫情防控组织架构。建立落实得3分，未建立落实不得分。',
    en: 'A functioning epidemic-prevention organisation is set up. Set up and working: 3 points; otherwise none.',
  },
  {
    id: '1.2', section: 1, points: 2, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '根据小区实际情况建立管控措施及制度。建立得2分，未建立不得分。',
    en: "Control measures and rules fitted to the community's situation. Established: 2 points; otherwise none.",
  },
  {
    id: '1.3', section: 1, points: 2, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '制定疫情防控应急预案，设置应急处置区域。有得2分，没有不得分。',
    en: 'An epidemic emergency plan and an emergency handling (isolation) area. Present: 2 points; otherwise none.',
  },
  {
    id: '1.4', section: 1, points: 3, mode: { kind: 'judgement', min: 1, max: 3 }, fill: 'assisted', rules: ['fever'],
    zh: '建立小区风险排查化解机制，及时掌握小区内是否存在疑似新冠症状人员、中高风险返桦人员、麻将厅、聚会等情况，并及时报告。视工作实际情况给予1-3分。',
    en: 'A risk screening mechanism that promptly finds suspected COVID symptoms, returnees from medium/high-risk areas, mahjong parlours, gatherings and the like, and reports them in time. 1-3 points by judgement of the actual work.',
  },
  {
    id: '2.1', section: 2, points: 8, mode: allOrNothing, fill: 'assisted', rules: ['broadcast'],
    zh: '通过企业微信公众号、业主微信群、小区宣传栏等渠道宣传疫情防控知识，全天播放防控宣传广播，引导群众科学防治，不信谣、不传谣、不造谣。宣传到位得8分，不到位不得分。',
    en: "Prevention knowledge publicised through the company's WeChat account, owners' WeChat groups, notice boards and the like; prevention broadcasts play all day; residents guided to prevent scientifically and not to believe, spread or invent rumours. Done: 8 points; otherwise none.",
  },
  {
    id: '2.2', section: 2, points: 2, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '积极宣传物业管理从业者坚守本职岗位、积极参与抗疫的先进事迹。有得2分，没有不得分。',
    en: 'Exemplary stories of property staff holding their posts and fighting the epidemic are publicised. Present: 2 points; otherwise none.',
  },
  {
    id: '3.1', section: 3, points: 8, mode: allOrNothing, fill: 'auto', rules: ['gate-staffed', 'entry-checks'],
    zh: '出入口设24小时专职值守人员，做好测温，问去向和健康状况，核查身份信息、居住证、行程码工作。落实到位得8分，不到位不得分。',
    en: 'Gates have dedicated attendants 24 hours a day who measure temperature, ask about whereabouts and health, and check identity, residence permit and itinerary code. Done: 8 points; otherwise none.',
  },
  {
    id: '3.2', section: 3, points: 2, mode: allOrNothing, fill: 'auto', rules: ['no-couriers'],
    zh: '小区设置快递、外卖专区，禁止外卖、快递人车进入。设置得2分，未设置不得分。',
    en: 'A courier and food-delivery handover zone; delivery riders and their vehicles may not enter. Set up: 2 points; otherwise none.',
  },
  {
    id: '3.3', section: 3, points: 10, mode: deduct(1, 10), fill: 'assisted', rules: ['gate-staffed'],
    zh: '配合包保单位做好小区门卡值守工作。配合得10分，配合不到位酌情扣1-10分。',
    en: 'Gate duty kept together with the assigned partner unit. Cooperating: 10 points; shortcomings: deduct 1-10 at discretion.',
  },
  {
    id: '4.1', section: 4, points: 10, mode: allOrNothing, fill: 'auto', rules: ['area-disinfection', 'post-ventilation'],
    zh: '加强楼栋大堂、走廊、停车场、楼梯间、电梯间等公共区域的通风和消毒消杀工作，每天不少于2次，每次消毒结束进行通风处理15-20分钟，并做好消毒记录。全满足得10分，其他不得分。',
    en: 'Public areas (lobbies, corridors, parking, stairwells, elevators) are ventilated and disinfected at least twice a day, each disinfection followed by 15-20 minutes of ventilation, with disinfection records. All met: 10 points; otherwise none.',
  },
  {
    id: '4.2', section: 4, points: 5, mode: deduct(1, 5), fill: 'assisted', rules: ['gate-staffed', 'area-disinfection'],
    zh: '物业企业在小区消毒消杀、门卡管理等方面是否有专人负责。都有得5分，没有酌情扣分。',
    en: 'The property company has named people responsible for disinfection, gate management and the like. All present: 5 points; otherwise deduct at discretion.',
  },
  {
    id: '4.3', section: 4, points: 5, mode: deduct(1, 5), fill: 'auto', rules: ['garbage'],
    zh: '及时对垃圾及收集容器消毒。到位得5分，不到位酌情扣1-5分。',
    en: 'Garbage and its containers are disinfected in time. Done: 5 points; shortcomings: deduct 1-5 at discretion.',
  },
  {
    id: '5.1', section: 5, points: 5, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '环境卫生和服务管理到位，院内垃圾及时清运工作。到位得5分，不到位不得分。',
    en: 'Sanitation and service management in place; garbage in the grounds cleared in time. Done: 5 points; otherwise none.',
  },
  {
    id: '5.2', section: 5, points: 10, mode: allOrNothing, fill: 'manual', rules: [],
    // The text says 5; the value column says 10 and the section totals 15. We use 10.
    zh: '规范废弃口罩、废弃手套、居家隔离人员产生的特殊垃圾投放。规范得5分，不规范不得分。',
    en: 'Discarded masks and gloves and special waste from people isolating at home are disposed of properly. Proper: full points (the text says 5, the value column 10); otherwise none.',
  },
  {
    id: '6.1', section: 6, points: 2, mode: allOrNothing, fill: 'auto', rules: ['venues-closed'],
    zh: '关闭物业管理区域内各类供业主使用的室内活动场所。及时关闭得2分，不及时关闭不得分。',
    en: "Indoor activity venues for owners within the managed area are closed. Closed in time: 2 points; otherwise none.",
  },
  {
    id: '6.2', section: 6, points: 3, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '禁止在小区举行聚集性活动。管控到位得3分，不到位不得分。',
    en: 'Gatherings in the community are prohibited. Controlled: 3 points; otherwise none.',
  },
  {
    id: '7.1', section: 7, points: 6, mode: allOrNothing, fill: 'manual', rules: [],
    zh: '加强一线物业从业人员疫情防控专业培训。有培训得6分，没有不得分。',
    en: 'Front-line property staff receive epidemic-prevention training. Trained: 6 points; otherwise none.',
  },
  {
    id: '7.2', section: 7, points: 2, mode: allOrNothing, fill: 'auto', rules: ['staff-ledger'],
    zh: '建立员工健康台账，每天进行健康监测。建立并落实得2分，未建立或不落实均不得分。',
    en: 'A staff health ledger with daily health monitoring. Established and kept: 2 points; otherwise none.',
  },
  {
    id: '7.3', section: 7, points: 2, mode: allOrNothing, fill: 'assisted', rules: ['staff-fever', 'staff-ledger'],
    zh: '规范上岗操作行为。规范得2分，不规范不得分。',
    en: 'Proper conduct on duty. Proper: 2 points; otherwise none.',
  },
  {
    id: '8.1', section: 8, points: 5, mode: deduct(1, 5), fill: 'manual', rules: [],
    // The text says 2 (deduct 1-2); the value column says 5 and the section totals 10. We use 5.
    zh: '积极主动采购防疫物资，做好物资储备工作。落实到位得2分，不到位酌情扣1-2分。',
    en: 'Prevention supplies are bought and stocked. Done: full points (the text says 2, the value column 5); shortcomings: deduct at discretion.',
  },
  {
    id: '8.2', section: 8, points: 5, mode: deduct(1, 5), fill: 'manual', rules: [],
    zh: '疫情防控企业设置疫情防控保障资金。设置得5分，资金保障不充分的酌情扣1-5分。',
    en: 'The company sets aside funds for epidemic prevention. Set aside: 5 points; insufficient: deduct 1-5 at discretion.',
  },
];

const BY_ID = new Map(CHECKLIST.map((item) => [item.id, item]));

/** The item with this id, or undefined for an id the form does not have. */
export function findItem(itemId: string): ChecklistItem | undefined {
  return BY_ID.get(itemId);
}

/** Items that telemetry scores or proposes (everything but manual). */
export function telemetryItems(): ChecklistItem[] {
  return CHECKLIST.filter((item) => item.fill !== 'manual');
}
