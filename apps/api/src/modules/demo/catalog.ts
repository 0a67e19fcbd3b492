/**
 * What the demo city is made of, as plain data (pure): departments and their duties, the event
 * and component classes that cases are drawn from (weights, limits, texts), and the synthetic
 * components placed along real roads. Numbers are plausible, not statistics of Nanjing.
 */
import type { Limit } from '../cases/index.js'

export interface DemoDepartment {
  code: string
  name: string
  /** A district the department serves (null: the whole city). */
  regionCode: string | null
  /** Username of its demo handler. */
  handler: string
}

/** Sanitation is district-run (dispatch rules by district); the others serve the whole city. */
export const DEPARTMENTS: readonly DemoDepartment[] = [
  { code: 'ROADS', name: '市政道路养护所', regionCode: null, handler: 'roads' },
  { code: 'DRAIN', name: '排水管理处', regionCode: null, handler: 'drain' },
  { code: 'WATER', name: '自来水公司管网所', regionCode: null, handler: 'water' },
  { code: 'SANIT', name: '环境卫生管理处', regionCode: null, handler: 'sanit' },
  { code: 'SANIT-XW', name: '玄武区环卫所', regionCode: '320102', handler: 'sanit.xw' },
  { code: 'SANIT-QH', name: '秦淮区环卫所', regionCode: '320104', handler: 'sanit.qh' },
  { code: 'SANIT-GL', name: '鼓楼区环卫所', regionCode: '320106', handler: 'sanit.gl' },
  { code: 'GREEN', name: '园林绿化管理所', regionCode: null, handler: 'green' },
  { code: 'ENFORCE', name: '城管执法大队', regionCode: null, handler: 'enforce' },
  { code: 'POWER', name: '供电公司运维班', regionCode: null, handler: 'power' },
  { code: 'LIGHTS', name: '路灯管理所', regionCode: null, handler: 'lights' },
  { code: 'TRAFFIC', name: '交通设施管理所', regionCode: null, handler: 'traffic' },
  { code: 'TRANSIT', name: '公交集团场站公司', regionCode: null, handler: 'transit' },
  { code: 'TELECOM', name: '通信管线管理办', regionCode: null, handler: 'telecom' },
  { code: 'GAS', name: '燃气公司管网所', regionCode: null, handler: 'gas' },
]

const wh = (amount: number): Limit => ({ amount, unit: 'workingHours' })
const wd = (amount: number): Limit => ({ amount, unit: 'workingDays' })
const nh = (amount: number): Limit => ({ amount, unit: 'naturalHours' })

export type Source = 'supervisor' | 'public' | 'hotline' | 'device' | 'superior'

export interface DemoClass {
  kind: 'event' | 'component'
  code: string
  /** Department code proposed by the class setting (sanitation classes: by district, through dispatch rules). */
  dept: string
  /** Handling limit; register/dispatch/check/close use the common limits below. */
  handle: Limit
  urgency: 'normal' | 'urgent' | 'emergency'
  closingStandard: string
  /** Relative frequency per source. */
  weight: Partial<Record<Source, number>>
  texts: readonly string[]
  /** Sanitation-style classes are dispatched by district rules. */
  byDistrict?: boolean
}

/**
 * Limits of the other stages: 立案 2 工作时 from the report (it includes an on-site verification
 * for public reports), 派遣 and 结案 30 分钟, 核查 2 工作时 from the department's feedback.
 */
export const COMMON_LIMITS = { register: wh(2), dispatch: wh(0.5), check: wh(2), close: wh(0.5) }

export const CLASSES: readonly DemoClass[] = [
  // events (事件)
  { kind: 'event', code: '0102', dept: 'SANIT', byDistrict: true, handle: wh(2), urgency: 'normal', closingStandard: '垃圾清运干净，无残留', weight: { supervisor: 14, public: 10, hotline: 6, device: 8, superior: 1 }, texts: ['路边有暴露垃圾一堆，未入容器', '垃圾桶旁散落生活垃圾', '绿化带内堆有生活垃圾', '小区门口建筑垃圾与生活垃圾混放'] },
  { kind: 'event', code: '0104', dept: 'SANIT', byDistrict: true, handle: wh(2), urgency: 'normal', closingStandard: '路面清扫干净', weight: { supervisor: 8, public: 3, hotline: 2, device: 2 }, texts: ['人行道上落叶、纸屑较多，保洁不到位', '路面有油污未清理', '公交站台周边地面脏乱'] },
  { kind: 'event', code: '0106', dept: 'GREEN', handle: wh(4), urgency: 'normal', closingStandard: '绿地内无垃圾杂物', weight: { supervisor: 4, public: 1 }, texts: ['绿地内有塑料袋、饮料瓶等垃圾', '花坛内堆放杂物'] },
  { kind: 'event', code: '0111', dept: 'DRAIN', handle: wh(4), urgency: 'urgent', closingStandard: '积水排除，路面通行正常', weight: { supervisor: 2, public: 2, hotline: 3 }, texts: ['路口积水较深，影响行人通行', '非机动车道积水'] },
  { kind: 'event', code: '0192', dept: 'DRAIN', handle: wh(4), urgency: 'urgent', closingStandard: '检查井疏通，无溢水', weight: { supervisor: 2, hotline: 2 }, texts: ['检查井向外冒污水', '雨水井溢水，路面有异味'] },
  { kind: 'event', code: '0201', dept: 'SANIT', byDistrict: true, handle: wh(4), urgency: 'normal', closingStandard: '小广告清除干净，无痕迹', weight: { supervisor: 12, public: 3, device: 1 }, texts: ['电线杆上张贴小广告', '墙面喷涂办证电话', '配电箱上贴满小广告'] },
  { kind: 'event', code: '0203', dept: 'ENFORCE', handle: wd(1), urgency: 'normal', closingStandard: '占道广告牌已移除', weight: { supervisor: 3, public: 1 }, texts: ['店门口人行道上摆放广告牌', '占道设置立式灯箱'] },
  { kind: 'event', code: '0301', dept: 'ENFORCE', handle: wd(1), urgency: 'normal', closingStandard: '施工已按规定时间作业', weight: { hotline: 5, public: 1 }, texts: ['夜间施工噪音扰民', '工地早上六点开始施工'] },
  { kind: 'event', code: '0302', dept: 'ENFORCE', handle: wd(1), urgency: 'normal', closingStandard: '工地已覆盖、洒水降尘', weight: { supervisor: 2, hotline: 1, superior: 1 }, texts: ['工地裸土未覆盖，扬尘较大', '渣土堆未苫盖'] },
  { kind: 'event', code: '0304', dept: 'SANIT', byDistrict: true, handle: wh(2), urgency: 'normal', closingStandard: '遗撒物清理干净', weight: { supervisor: 2, device: 1 }, texts: ['路面有渣土遗撒', '运输车辆沿途遗撒泥沙'] },
  { kind: 'event', code: '0306', dept: 'ROADS', handle: wd(3), urgency: 'normal', closingStandard: '路面修补平整', weight: { supervisor: 4, public: 2, hotline: 2, superior: 1 }, texts: ['人行道地砖松动破损', '车行道出现坑槽', '路沿石破损'] },
  { kind: 'event', code: '0404', dept: 'DRAIN', handle: wd(1), urgency: 'urgent', closingStandard: '下水道疏通，排水通畅', weight: { supervisor: 1, hotline: 2 }, texts: ['沿街下水道堵塞，污水外溢'] },
  { kind: 'event', code: '0409', dept: 'GREEN', handle: wd(3), urgency: 'normal', closingStandard: '病虫害已防治', weight: { supervisor: 1, public: 1 }, texts: ['行道树出现虫害，叶片枯黄'] },
  { kind: 'event', code: '0141', dept: 'ENFORCE', handle: wd(3), urgency: 'normal', closingStandard: '油烟净化设施已安装并正常使用', weight: { hotline: 3, public: 1 }, texts: ['餐馆油烟直排，影响楼上居民'] },
  { kind: 'event', code: '0501', dept: 'ENFORCE', handle: wh(2), urgency: 'normal', closingStandard: '游商已劝离', weight: { supervisor: 6, device: 4, public: 1 }, texts: ['地铁口有流动摊贩', '路口有三轮车占道售卖水果'] },
  { kind: 'event', code: '0504', dept: 'ENFORCE', handle: wh(2), urgency: 'normal', closingStandard: '店外经营已整改', weight: { supervisor: 9, device: 6, public: 2 }, texts: ['店铺将商品摆放至店外人行道', '餐馆在门口占道摆桌经营'] },
  { kind: 'event', code: '0505', dept: 'ENFORCE', handle: wh(1), urgency: 'normal', closingStandard: '车辆已驶离或已处罚', weight: { supervisor: 7, public: 4, hotline: 2, device: 5 }, texts: ['机动车停放在人行道上', '小区出入口被车辆堵塞'] },
  { kind: 'event', code: '0506', dept: 'ENFORCE', handle: wh(2), urgency: 'normal', closingStandard: '非机动车摆放整齐', weight: { supervisor: 8, public: 3, device: 5 }, texts: ['共享单车堆放在盲道上', '非机动车乱停放，阻碍通行'] },
  { kind: 'event', code: '0507', dept: 'ENFORCE', handle: wh(4), urgency: 'normal', closingStandard: '堆物已清理', weight: { supervisor: 7, public: 2, hotline: 1 }, texts: ['楼道口堆放杂物', '人行道上堆放建材'] },
  { kind: 'event', code: '0510', dept: 'ENFORCE', handle: wh(2), urgency: 'normal', closingStandard: '露天烧烤已取缔', weight: { supervisor: 1, hotline: 2, public: 1 }, texts: ['夜间路边露天烧烤，油烟较大'] },
  { kind: 'event', code: '0598', dept: 'ENFORCE', handle: wh(4), urgency: 'normal', closingStandard: '盲道畅通', weight: { supervisor: 3, public: 1 }, texts: ['盲道被占压', '盲道上摆放广告牌'] },
  // component faults (部件问题), always about a registered component
  { kind: 'component', code: '0118', dept: 'LIGHTS', handle: wd(1), urgency: 'normal', closingStandard: '路灯恢复正常照明', weight: { supervisor: 6, public: 2, hotline: 3 }, texts: ['路灯不亮', '路灯白天常亮', '灯杆倾斜'] },
  { kind: 'component', code: '0101', dept: 'WATER', handle: wh(4), urgency: 'urgent', closingStandard: '井盖完好、平稳', weight: { supervisor: 1, hotline: 1 }, texts: ['上水井盖破损', '井盖松动有响声'] },
  { kind: 'component', code: '0102', dept: 'DRAIN', handle: nh(2), urgency: 'emergency', closingStandard: '井盖恢复，设置警示', weight: { supervisor: 2, public: 1, hotline: 1 }, texts: ['污水井盖缺失', '污水井盖破损下陷'] },
  { kind: 'component', code: '0103', dept: 'DRAIN', handle: wh(4), urgency: 'urgent', closingStandard: '井盖完好、平稳', weight: { supervisor: 2, public: 1 }, texts: ['雨水井盖破损', '雨水井盖移位'] },
  { kind: 'component', code: '0104', dept: 'DRAIN', handle: wh(4), urgency: 'normal', closingStandard: '箅子完好、无堵塞', weight: { supervisor: 2 }, texts: ['雨水箅子堵塞', '雨水箅子缺失一块'] },
  { kind: 'component', code: '0105', dept: 'POWER', handle: wd(1), urgency: 'normal', closingStandard: '井盖完好', weight: { supervisor: 1 }, texts: ['电力井盖破损'] },
  { kind: 'component', code: '0107', dept: 'TELECOM', handle: wd(1), urgency: 'normal', closingStandard: '井盖完好', weight: { supervisor: 1 }, texts: ['通讯井盖与路面不平'] },
  { kind: 'component', code: '0305', dept: 'SANIT', byDistrict: true, handle: wd(1), urgency: 'normal', closingStandard: '垃圾箱修复或更换', weight: { supervisor: 4, public: 1 }, texts: ['垃圾箱破损', '垃圾箱满溢未清运', '垃圾箱桶盖缺失'] },
  { kind: 'component', code: '0402', dept: 'GREEN', handle: wd(1), urgency: 'normal', closingStandard: '树木已处置，无安全隐患', weight: { supervisor: 3, public: 1, hotline: 1 }, texts: ['行道树枯死', '行道树断枝悬挂', '行道树倾斜'] },
  { kind: 'component', code: '0210', dept: 'TRAFFIC', handle: wh(4), urgency: 'urgent', closingStandard: '信号灯恢复正常', weight: { supervisor: 1, hotline: 1 }, texts: ['信号灯不亮', '信号灯倒计时显示异常'] },
  { kind: 'component', code: '0203', dept: 'TRANSIT', handle: wd(3), urgency: 'normal', closingStandard: '站亭修复', weight: { supervisor: 1, public: 1 }, texts: ['公交站亭顶棚破损', '站牌玻璃破裂'] },
  { kind: 'component', code: '0301', dept: 'SANIT', byDistrict: true, handle: wd(1), urgency: 'normal', closingStandard: '公厕设施恢复正常', weight: { supervisor: 1, public: 1 }, texts: ['公厕洗手池堵塞', '公厕照明损坏'] },
]

/** Department that maintains each component class (养护单位) in the registry. */
export const MAINTAINER: Readonly<Record<string, string>> = {
  '0101': 'WATER',
  '0102': 'DRAIN',
  '0103': 'DRAIN',
  '0104': 'DRAIN',
  '0105': 'POWER',
  '0107': 'TELECOM',
  '0111': 'GAS',
  '0118': 'LIGHTS',
  '0201': 'TRAFFIC',
  '0203': 'TRANSIT',
  '0210': 'TRAFFIC',
  '0212': 'TRAFFIC',
  '0301': 'SANIT',
  '0305': 'SANIT',
  '0402': 'GREEN',
}

/** Components placed along real OSM roads: spacing in metres, offset from the centre line, which roads. */
export interface Placement {
  code: string
  spacing: number
  /** Metres from the centre line; both sides when `sides` is 2. */
  offset: number
  sides: 1 | 2
  roads: 'main' | 'all'
  material?: readonly string[]
}

/** "main": trunk, primary, secondary, tertiary (and links); "all": plus residential, living streets, unclassified. */
export const PLACEMENTS: readonly Placement[] = [
  { code: '0118', spacing: 35, offset: 9, sides: 2, roads: 'main', material: ['钢', '铝合金'] },
  { code: '0118', spacing: 40, offset: 4, sides: 1, roads: 'all', material: ['钢'] },
  { code: '0104', spacing: 45, offset: 7, sides: 2, roads: 'main', material: ['球墨铸铁', '复合材料'] },
  { code: '0102', spacing: 70, offset: 2, sides: 1, roads: 'all', material: ['球墨铸铁', '铸铁'] },
  { code: '0103', spacing: 70, offset: 4, sides: 1, roads: 'all', material: ['球墨铸铁', '复合材料'] },
  { code: '0101', spacing: 110, offset: 3, sides: 1, roads: 'all', material: ['球墨铸铁'] },
  { code: '0105', spacing: 130, offset: 6, sides: 1, roads: 'main', material: ['复合材料', '钢纤维混凝土'] },
  { code: '0107', spacing: 130, offset: 8, sides: 1, roads: 'main', material: ['复合材料'] },
  { code: '0111', spacing: 180, offset: 5, sides: 1, roads: 'main', material: ['球墨铸铁'] },
  { code: '0305', spacing: 90, offset: 8, sides: 2, roads: 'main' },
  { code: '0305', spacing: 140, offset: 4, sides: 1, roads: 'all' },
  { code: '0402', spacing: 25, offset: 10, sides: 2, roads: 'main' },
]

/** OSM POIs that are components, by tag. */
export const POI_CLASSES: readonly { tag: string; value: string; code: string }[] = [
  { tag: 'highway', value: 'bus_stop', code: '0203' },
  { tag: 'highway', value: 'traffic_signals', code: '0210' },
  { tag: 'amenity', value: 'toilets', code: '0301' },
  { tag: 'amenity', value: 'parking', code: '0201' },
  { tag: 'amenity', value: 'bicycle_parking', code: '0212' },
  { tag: 'amenity', value: 'bicycle_rental', code: '0212' },
]
