// 系统管理: units, officials, indicator targets (when the API offers them) and the holiday calendar.

import { capabilities, gql, mutate } from '../api.js';
import { can, identity } from '../auth.js';
import { calendarNotice, compact, forgetJurisdictions, homeJurisdiction, jurisdictionPicker } from '../common.js';
import { h, render, statusTag, table, toast, yesNo } from '../dom.js';
import { action, form } from '../forms.js';
import { forgetOfficials } from '../hearing_actions.js';
import { options } from '../labels.js';
import { navigate } from '../router.js';

const PAYLOAD = 'errors { field code message }';
// What a role that may not change the county's configuration reads instead of a form it cannot use.
const readOnly = () => h('p', { class: 'muted small' }, '修改须由县级管理员或系统管理员办理');

/** Population (for 万人成讼率): the county's administrator keeps it current. */
function settingsSection(jurisdiction, reload) {
  const shown = jurisdiction.population ? `${jurisdiction.population.toLocaleString('zh-CN')} 人` : '未填写（万人成讼率显示为无数据）';
  return h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, '辖区信息'),
    h('p', {}, `常住人口：${shown}`),
    !can('configure') ? readOnly() : action('修改常住人口', form({
      id: 'set-population', submitLabel: '保存',
      fields: [{ name: 'population', label: '常住人口（人）', type: 'number', required: true, value: jurisdiction.population, min: 1,
        help: '用于计算万人成讼率；以统计部门公布的常住人口为准' }],
      onSubmit: async (v) => {
        const payload = await mutate(`mutation ConsolePopulation($id: ID!, $p: Int!) { updateJurisdiction(id: $id, population: $p) { ${PAYLOAD} } }`,
          { id: jurisdiction.id, p: v.population });
        if (!payload.errors.length) { toast('已保存常住人口'); forgetJurisdictions(); reload(); }
        return payload.errors;
      },
    })));
}

async function unitsSection(jurisdiction, reload) {
  const data = await gql('query ConsoleAdminUnits($j: ID) { units(jurisdictionId: $j, includeInactive: true) { id name kind kindLabel active version } }', { j: jurisdiction.id });
  const kinds = await options('UnitKind');
  return h('section', { class: 'card', 'aria-labelledby': 'units-title' },
    h('h2', { id: 'units-title' }, '单位'),
    table([
      { label: '名称', value: (u) => u.name },
      { label: '类型', value: (u) => u.kindLabel },
      { label: '状态', value: (u) => statusTag(u.active ? '在用' : '已停用', u.active ? 'good' : '') },
      ...(!can('configure') ? [] : [{ label: '操作', value: (u) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
        const payload = await mutate(`mutation ConsoleUpdateUnit($input: UpdateUnitInput!) { updateUnit(input: $input) { ${PAYLOAD} } }`,
          { input: { id: u.id, version: u.version, active: !u.active } });
        if (payload.errors.length) toast(payload.errors[0].message, 'error');
        else { toast(u.active ? '已停用' : '已启用'); forgetJurisdictions(); reload(); }
      } }, u.active ? '停用' : '启用') }]),
    ], data.units),
    !can('configure') ? readOnly() : action('新增单位', form({
      id: 'create-unit', submitLabel: '新增',
      fields: [
        { name: 'name', label: '单位名称', required: true },
        { name: 'kind', label: '单位类型', type: 'select', required: true, options: kinds, value: 'AGENCY' },
      ],
      onSubmit: async (v) => {
        const payload = await mutate(`mutation ConsoleCreateUnit($input: CreateUnitInput!) { createUnit(input: $input) { ${PAYLOAD} } }`,
          { input: { jurisdictionId: jurisdiction.id, ...v } });
        if (!payload.errors.length) { toast('已新增单位'); forgetJurisdictions(); reload(); }
        return payload.errors;
      },
    })));
}

async function officialsSection(jurisdiction, reload) {
  const [data, ranks] = await Promise.all([
    gql('query ConsoleAdminOfficials($j: ID) { officials(jurisdictionId: $j, includeInactive: true) { id name title rankLabel phone active version unit { name } } }', { j: jurisdiction.id }),
    options('OfficialRank'),
  ]);
  return h('section', { class: 'card', 'aria-labelledby': 'officials-title' },
    h('h2', { id: 'officials-title' }, '负责人与工作人员'),
    table([
      { label: '姓名', value: (o) => o.name }, { label: '单位', value: (o) => o.unit?.name },
      { label: '职级', value: (o) => o.rankLabel }, { label: '职务', value: (o) => o.title || '—' },
      { label: '电话', value: (o) => o.phone || '—' }, { label: '在职', value: (o) => yesNo(o.active) },
    ], data.officials),
    !can('configure') ? readOnly() : action('新增人员', form({
      id: 'create-official', submitLabel: '新增',
      fields: [
        { name: 'unitId', label: '所在单位', type: 'select', required: true, options: jurisdiction.units.map((u) => ({ value: u.id, label: u.name })) },
        { name: 'name', label: '姓名', required: true },
        { name: 'rank', label: '职级', type: 'select', required: true, options: ranks },
        { name: 'title', label: '职务' },
        { name: 'phone', label: '联系电话' },
      ],
      onSubmit: async (v) => {
        const payload = await mutate(`mutation ConsoleCreateOfficial($input: CreateOfficialInput!) { createOfficial(input: $input) { ${PAYLOAD} } }`,
          { input: compact({ ...v, title: v.title || '' }) });
        if (!payload.errors.length) { toast('已新增人员'); forgetOfficials(); reload(); }
        return payload.errors;
      },
    })));
}

async function calendarSection(year, reload) {
  const data = await gql(`query ConsoleCalendar($year: Int) { calendarInfo(year: $year) { version libraryYears declaredYears
    overrides { day isWorkingDay name note } } }`, { year });
  const info = data.calendarInfo;
  const admin = can('calendar');
  const change = (message) => (payload) => {
    if (!payload.errors.length) { toast(`${message}，已重算 ${payload.result?.recomputed ?? 0} 项期限`); reload(); }
    return payload.errors;
  };
  return h('section', { class: 'card', 'aria-labelledby': 'calendar-title' },
    h('h2', { id: 'calendar-title' }, `工作日历（${year}年）`),
    h('p', { class: 'small muted' }, `节假日库已知年份：${info.libraryYears.join('、') || '无'}；管理员已录入年份：${info.declaredYears.join('、') || '无'}；日历版本 ${info.version}`),
    table([
      { label: '日期', value: (d) => d.day },
      { label: '类型', value: (d) => statusTag(d.isWorkingDay ? '调休上班' : '放假', d.isWorkingDay ? 'warn' : 'good') },
      { label: '名称', value: (d) => d.name || '—' }, { label: '说明', value: (d) => d.note || '—' },
      { label: '操作', value: (d) => (admin ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
        const payload = await mutate(`mutation ConsoleClearDay($day: Date!) { clearCalendarDay(day: $day) { result { recomputed } ${PAYLOAD} } }`, { day: d.day });
        if (payload.errors.length) toast(payload.errors[0].message, 'error');
        else change('已取消设置')(payload);
      } }, '取消设置') : '—') },
    ], info.overrides, { empty: '本年度没有人工设置的日期' }),
    admin ? [
      action('设置节假日或调休上班日', form({
        id: 'set-day', submitLabel: '保存',
        fields: [
          { name: 'day', label: '日期', type: 'date', required: true },
          { name: 'isWorkingDay', label: '调休上班（不勾选为放假）', type: 'checkbox' },
          { name: 'name', label: '名称', placeholder: '春节' },
          { name: 'note', label: '说明', placeholder: '国务院办公厅通知' },
        ],
        onSubmit: async (v) => change('已设置')(await mutate(`mutation ConsoleSetDay($day: Date!, $isWorkingDay: Boolean!, $name: String!, $note: String!) {
          setCalendarDay(day: $day, isWorkingDay: $isWorkingDay, name: $name, note: $note) { result { recomputed } ${PAYLOAD} } }`,
        { day: v.day, isWorkingDay: v.isWorkingDay, name: v.name || '', note: v.note || '' })),
      })),
      action('声明全年节假日已录入', form({
        id: 'declare-year', submitLabel: '声明',
        fields: [
          { name: 'year', label: '年份', type: 'number', required: true, value: year },
          { name: 'source', label: '依据', required: true, placeholder: '国务院办公厅关于××年部分节假日安排的通知' },
        ],
        onSubmit: async (v) => change('已声明')(await mutate(`mutation ConsoleDeclareYear($year: Int!, $source: String!) {
          declareCalendarYear(year: $year, source: $source) { result { recomputed } ${PAYLOAD} } }`, v)),
      })),
    ] : h('p', { class: 'muted small' }, '仅系统管理员可修改工作日历'));
}

const COMPARATORS = [
  { value: '<=', label: '不高于（≤）' }, { value: '<', label: '低于（<）' },
  { value: '>=', label: '不低于（≥）' }, { value: '>', label: '高于（>）' },
];

async function targetsSection(caps, jurisdiction, year, reload) {
  if (!caps.query.has('targetOverrides') || !caps.mutation.has('setTarget')) {
    return h('section', { class: 'card' }, h('h2', {}, '指标目标'),
      h('p', { class: 'muted' }, '指标目标接口尚未提供；目前适用各县政策插件中的默认目标。'));
  }
  const data = await gql(`query ConsoleTargets($j: ID!, $year: Int) {
    targetOverrides(jurisdictionId: $j, year: $year) { id unitId year quarter targetId indicator title comparator value
      referenceLevel yoyChange disabled reason version }
    indicatorDefinitions(jurisdictionId: $j) { indicator label unit }
  }`, { j: jurisdiction.id, year });
  const labels = Object.fromEntries(data.indicatorDefinitions.map((d) => [d.indicator, d.label]));
  const units = Object.fromEntries(jurisdiction.units.map((u) => [u.id, u.name]));
  const describe = (t) => {
    if (t.disabled) return '不考核';
    const parts = [];
    if (t.value !== null) parts.push(`${t.comparator || ''} ${t.value}`);
    if (t.referenceLevel) parts.push(`${t.comparator || ''} ${t.referenceLevel === 'city' ? '市级' : '省级'}平均`);
    if (t.yoyChange !== null) parts.push(`同比 ${t.yoyChange}%`);
    return parts.join('；') || '—';
  };
  return h('section', { class: 'card', 'aria-labelledby': 'targets-title' },
    h('h2', { id: 'targets-title' }, `指标目标调整（${year}年）`),
    h('p', { class: 'small muted' }, '未调整的指标适用本县政策插件的默认目标；各指标当前目标及达标情况见“领导驾驶舱”。'),
    table([
      { label: '指标', value: (t) => labels[t.indicator] || t.indicator },
      { label: '目标', value: (t) => t.title },
      { label: '适用', value: (t) => (t.unitId ? units[t.unitId] || `单位 ${t.unitId}` : '全辖区') + (t.quarter ? ` 第${t.quarter}季度` : '') },
      { label: '要求', value: describe },
      { label: '理由', value: (t) => t.reason },
      ...(!can('configure') ? [] : [{ label: '操作', value: (t) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
        const payload = await mutate(`mutation ConsoleClearTarget($id: ID!, $version: Int) { clearTarget(id: $id, version: $version) { ${PAYLOAD} } }`,
          { id: t.id, version: t.version });
        if (payload.errors.length) toast(payload.errors[0].message, 'error');
        else { toast('已恢复默认目标'); reload(); }
      } }, '恢复默认') }]),
    ], data.targetOverrides, { empty: '本年度没有调整过的目标' }),
    !can('configure') ? readOnly() : action('调整目标', form({
      id: 'set-target', submitLabel: '保存',
      fields: [
        { name: 'indicator', label: '指标', type: 'select', required: true, options: data.indicatorDefinitions.map((d) => ({ value: d.indicator, label: d.label })) },
        { name: 'year', label: '年度', type: 'number', required: true, value: year },
        { name: 'unitId', label: '单位（不选为全辖区）', type: 'select', options: jurisdiction.units.map((u) => ({ value: u.id, label: u.name })) },
        { name: 'comparator', label: '比较方式', type: 'select', options: COMPARATORS },
        { name: 'value', label: '目标值（比率填百分数，如 8）' },
        { name: 'referenceLevel', label: '或参照平均值', type: 'select', options: [{ value: 'city', label: '市级平均' }, { value: 'province', label: '省级平均' }] },
        { name: 'yoyChange', label: '或同比变化（%，下降填负数）' },
        { name: 'disabled', label: '本年度不考核该指标', type: 'checkbox' },
        { name: 'reason', label: '调整理由', type: 'textarea', required: true, wide: true },
      ],
      onSubmit: async (v) => {
        const payload = await mutate(`mutation ConsoleSetTarget($input: SetTargetInput!) { setTarget(input: $input) { ${PAYLOAD} } }`,
          { input: compact({ ...v, jurisdictionId: jurisdiction.id, disabled: v.disabled }) });
        if (!payload.errors.length) { toast('已调整目标'); reload(); }
        return payload.errors;
      },
    })));
}

export default async function adminPage(main, _params, query) {
  const who = identity();
  const jurisdiction = await homeJurisdiction(query.get('jurisdictionId') || who.jurisdictionId);
  const year = Number(query.get('year') || new Date().getFullYear());
  const reload = () => adminPage(main, _params, query);
  if (!jurisdiction) { render(main, h('p', { class: 'muted' }, '没有可管理的辖区')); return; }
  const caps = await capabilities();
  const picker = await jurisdictionPicker(jurisdiction.id, (id) => navigate(`/admin?jurisdictionId=${id}`));
  const [units, officials, targets, calendar, warning] = await Promise.all([
    unitsSection(jurisdiction, reload), officialsSection(jurisdiction, reload),
    targetsSection(caps, jurisdiction, year, reload), calendarSection(year, reload), calendarNotice(jurisdiction.id),
  ]);
  render(main, h('div', { class: 'spread' }, h('h1', {}, `系统管理 · ${jurisdiction.name}`), picker),
    warning, settingsSection(jurisdiction, reload), units, officials, targets, calendar);
}
