// 领导驾驶舱: indicators against targets with status colours, the margin left ("可再败诉 N 件"),
// year-on-year change, a trend chart, unit ranking with drill-down to the unit's cases, penalties.
//
// With the indicators API (`dashboard`, `indicatorSeries`, `assessment`) the figures are the
// server's. Without it, the page counts what the case, hearing and obligation lists give, and says so.

import { capabilities, gql } from '../api.js';
import { identity } from '../auth.js';
import { calendarNotice, homeJurisdiction, jurisdictionPicker, showUnderHeading } from '../common.js';
import { barChart, lineChart } from '../chart.js';
import { h, render, statusTag, table } from '../dom.js';
import { navigate } from '../router.js';

const STATUS_TONE = { met: 'met', at_risk: 'at_risk', missed: 'missed', MET: 'met', AT_RISK: 'at_risk', MISSED: 'missed' };

function pct(numerator, denominator) {
  if (!denominator) return null;
  return Math.round((numerator / denominator) * 10000) / 100;
}

function showRate(value) {
  return value === null ? '无数据' : `${value.toFixed(2)}%`;
}

function yoyText(current, previous, unit = '') {
  if (previous === null || previous === undefined || current === null) return '同比：无数据';
  const diff = Math.round((current - previous) * 100) / 100;
  const sign = diff > 0 ? '+' : '';
  if (unit === '%') return `同比 ${sign}${diff.toFixed(2)} 个百分点（去年同期 ${previous.toFixed(2)}%）`;
  const rel = previous ? ` (${sign}${((diff / previous) * 100).toFixed(1)}%)` : '';
  return `同比 ${sign}${diff}${unit}${rel}（去年同期 ${previous}${unit}）`;
}

function kpiCard({ label, value, status, statusLabel, lines = [], margin }) {
  return h('div', { class: `card kpi ${STATUS_TONE[status] || ''}`, dataset: { indicator: label } },
    h('div', { class: 'spread' }, h('span', { class: 'label' }, label), statusLabel ? statusTag(statusLabel, STATUS_TONE[status]) : null),
    h('div', { class: 'value' }, value),
    margin ? h('div', { class: 'margin' }, margin) : null,
    lines.filter(Boolean).map((l) => h('div', { class: 'line' }, l)));
}

// ---------------------------------------------------------------------------------------------
// With the indicators API
// ---------------------------------------------------------------------------------------------

const DASHBOARD = `query ConsoleDashboard($j: ID!, $period: PeriodInput!) {
  dashboard(jurisdictionId: $j, period: $period) {
    asOf period { label start end } previousPeriod { label }
    indicators { indicator label current { display value } previous { display value } change changePercent
      status statusLabel definition { unit kind }
      targets { title status statusLabel margin marginUnbounded marginEvent recovery recoveryEvent
        projection { display } citation { source section } } }
    units { unitId name kind values { indicator figure { display value } rank rankFromBottom of } }
  }
}`;

const SERIES = `query ConsoleSeries($j: ID!, $start: Date!, $end: Date!, $prevStart: Date!, $prevEnd: Date!) {
  current: indicatorSeries(jurisdictionId: $j, indicator: "case_volume", granularity: MONTH, start: $start, end: $end) {
    label points { period { label key } figure { value display } } }
  previous: indicatorSeries(jurisdictionId: $j, indicator: "case_volume", granularity: MONTH, start: $prevStart, end: $prevEnd) {
    points { period { label key } figure { value display } } }
}`;

const ASSESSMENT = `query ConsoleAssessment($j: ID!, $year: Int!) {
  assessment(jurisdictionId: $j, year: $year) {
    penalties { unitName label reason indicator citation { source section } }
    rows { unitId name excellentEligible }
  }
}`;

function marginText(target, indicatorCode) {
  if (target.marginUnbounded) return '余量：不受影响';
  if (target.margin === null || target.margin === undefined) {
    if (target.recovery !== null && target.recovery !== undefined) return `需再有${target.recoveryEvent} ${target.recovery} 件方可达标`;
    return null;
  }
  if (indicatorCode === 'loss_rate') return `可再败诉 ${target.margin} 件`;
  return `余量：再有${target.marginEvent} ${target.margin} 件仍可达标`;
}

function changeText(ind) {
  if (ind.change === null || ind.change === undefined) return `去年同期：${ind.previous.display}（同比无数据）`;
  const change = Number(ind.change);
  const sign = change > 0 ? '+' : '';
  const unit = ind.definition.kind === 'rate' ? ' 个百分点' : ind.definition.unit;
  const relative = ind.changePercent === null || ind.changePercent === undefined ? '' : `，${sign}${Number(ind.changePercent).toFixed(1)}%`;
  return `去年同期 ${ind.previous.display}，同比 ${sign}${+change.toFixed(2)}${unit}${relative}`;
}

function indicatorCards(dashboard) {
  const ordered = [...dashboard.indicators].sort((a, b) => Number(b.targets.length > 0) - Number(a.targets.length > 0));
  return h('div', { class: 'grid', id: 'kpis' }, ordered.map((ind) => {
    const order = { MISSED: 0, AT_RISK: 1 };
    const targets = [...ind.targets].sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2));
    const worst = targets[0];
    return kpiCard({
      label: ind.label,
      value: ind.current.display,
      status: ind.status,
      statusLabel: ind.statusLabel,
      margin: worst ? marginText(worst, ind.indicator) : null,
      lines: [
        changeText(ind),
        ...targets.map((t) => `目标：${t.title}（${t.statusLabel}）`),
        ...[...new Set(targets.filter((t) => t.projection && t.projection.display !== '—').map((t) => t.projection.display))].map((d) => `按目前进度，年末约 ${d}`),
      ],
    });
  }));
}

function unitRanking(dashboard, jurisdiction) {
  if (!dashboard.units.length) return h('p', { class: 'muted' }, '暂无单位数据');
  const labels = Object.fromEntries(dashboard.indicators.map((i) => [i.indicator, i.label]));
  const main = ['case_volume', 'loss_count', 'loss_rate', 'head_appearance_rate', 'correction_rate', 'withdrawn_mediated_rate', 'open_loss_risk'];
  const targeted = dashboard.indicators.filter((i) => i.targets.length).map((i) => i.indicator);
  const codes = dashboard.indicators.map((i) => i.indicator)
    .filter((code) => main.includes(code) || targeted.includes(code))
    .filter((code) => dashboard.units.some((u) => u.values.some((v) => v.indicator === code)));
  const drill = (u) => `/desk?tab=cases&unitId=${u.unitId}&jurisdictionId=${jurisdiction.id}`;
  const byVolume = [...dashboard.units].sort((a, b) => {
    const va = Number(a.values.find((v) => v.indicator === 'case_volume')?.figure.value || 0);
    const vb = Number(b.values.find((v) => v.indicator === 'case_volume')?.figure.value || 0);
    return vb - va;
  });
  return table([
    { label: '单位', value: (u) => h('a', { href: `#${drill(u)}` }, u.name) },
    ...codes.map((code) => ({
      label: labels[code] || code,
      value: (u) => {
        const v = u.values.find((x) => x.indicator === code);
        if (!v) return '—';
        const bottom = v.rankFromBottom !== null && v.rankFromBottom <= 3 && v.rank > v.rankFromBottom;
        return h('span', {}, v.figure.display, v.rank ? h('span', { class: `small ${bottom ? 'status bad' : 'muted'}` }, ` 第${v.rank}/${v.of}名`) : null);
      },
    })),
  ], byVolume, { onRowClick: (u) => navigate(drill(u)), caption: '名次 1 为最好；标红为倒数三名。点击单位查看其案件' });
}

async function trendChart(jurisdiction, dashboard) {
  const end = dashboard.period.end;
  const year = Number(end.slice(0, 4));
  const data = await gql(SERIES, { j: jurisdiction.id, start: `${year}-01-01`, end, prevStart: `${year - 1}-01-01`, prevEnd: `${year - 1}-12-31` });
  const labels = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  const valuesOf = (points, y) => labels.map((_, i) => {
    const key = `${y}-${String(i + 1).padStart(2, '0')}`;
    const p = points.find((x) => x.period.key.startsWith(key) || x.period.key.endsWith(key) || x.period.key.includes(key));
    return p && p.figure.value !== null ? Number(p.figure.value) : null;
  });
  return lineChart({
    labels,
    series: [
      { name: `${year}年`, values: valuesOf(data.current.points, year) },
      { name: `${year - 1}年`, values: valuesOf(data.previous.points, year - 1), className: 'previous' },
    ],
    unit: '',
    title: '每月发案量',
  });
}

async function penaltiesSection(jurisdiction, year) {
  try {
    const data = await gql(ASSESSMENT, { j: jurisdiction.id, year });
    const { penalties, rows } = data.assessment;
    const ineligible = rows.filter((r) => r.unitId && !r.excellentEligible);
    return h('section', { class: 'card' }, h('h2', {}, '考核与问责'),
      penalties.length
        ? h('ul', { id: 'penalties' }, penalties.map((p) => h('li', {}, h('strong', {}, p.unitName || '本辖区'), `：${p.label}`,
          h('div', { class: 'small muted' }, `${p.reason}（依据：${p.citation.source}${p.citation.section ? ' ' + p.citation.section : ''}）`))))
        : h('p', { class: 'muted', id: 'penalties' }, '按目前数据，本年度暂无应予问责的单位'),
      ineligible.length ? h('p', {}, `不得评为优秀：${ineligible.map((r) => r.name).join('、')}`) : null);
  } catch (error) {
    return h('p', { class: 'muted' }, `考核结果暂不可用：${error.message}`);
  }
}

/** The server's today (its clock decides "year to date", not the browser's). */
async function serverToday(jurisdiction) {
  const probe = await gql('query ConsoleAsOf($j: ID!, $period: PeriodInput!) { dashboard(jurisdictionId: $j, period: $period) { asOf } }',
    { j: jurisdiction.id, period: { kind: 'YEAR', year: new Date().getFullYear() } });
  return probe.dashboard.asOf;
}

async function indicatorDashboard(main, header, jurisdiction, yearParam) {
  const period = yearParam ? { kind: 'YEAR', year: yearParam } : { kind: 'YTD', asOf: await serverToday(jurisdiction) };
  const data = await gql(DASHBOARD, { j: jurisdiction.id, period });
  const dashboard = data.dashboard;
  const year = Number(dashboard.period.end.slice(0, 4));
  const [trend, penalties] = await Promise.all([
    trendChart(jurisdiction, dashboard).catch(() => null),
    penaltiesSection(jurisdiction, year),
  ]);
  render(main, header(Number(dashboard.asOf.slice(0, 4)), year),
    h('p', { class: 'muted small' }, `${dashboard.period.label}（${dashboard.period.start} 至 ${dashboard.period.end}），数据截至 ${dashboard.asOf}；与${dashboard.previousPeriod.label}比较`),
    indicatorCards(dashboard),
    trend ? h('section', { class: 'card' }, h('h2', {}, '发案量走势（与上年对比）'), trend) : null,
    h('section', { class: 'card' }, h('h2', {}, '单位排名'), unitRanking(dashboard, jurisdiction)),
    penalties);
}

// ---------------------------------------------------------------------------------------------
// Without it: counts from the lists
// ---------------------------------------------------------------------------------------------

const iso = (y, m, d) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

async function fallbackFigures(jurisdiction, year, asOf) {
  const [month, day] = [Number(asOf.slice(5, 7)), Number(asOf.slice(8, 10))];
  const last = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const sameDay = Math.min(day, last(year - 1, month));
  const vars = { j: jurisdiction.id, from: iso(year, 1, 1), to: asOf, prevFrom: iso(year - 1, 1, 1), prevTo: iso(year - 1, month, sameDay) };
  // The API caps aliases per request: one query for the figures, one per year of months, units in chunks.
  const base = gql(`query ConsoleDashboardFallback($j: ID!, $from: Date!, $to: Date!, $prevFrom: Date!, $prevTo: Date!) {
    current: litigationCases(filter: {jurisdictionId: $j, filedFrom: $from, filedTo: $to}, first: 0) { totalCount }
    previous: litigationCases(filter: {jurisdictionId: $j, filedFrom: $prevFrom, filedTo: $prevTo}, first: 0) { totalCount }
    concluded: litigationCases(filter: {jurisdictionId: $j, concludedFrom: $from, concludedTo: $to, instance: [FIRST]}, first: 100) { totalCount nodes { outcome { isLoss } } }
    concludedPrev: litigationCases(filter: {jurisdictionId: $j, concludedFrom: $prevFrom, concludedTo: $prevTo, instance: [FIRST]}, first: 100) { totalCount nodes { outcome { isLoss } } }
    held: hearings(jurisdictionId: $j, status: [HELD], fromDate: $from, toDate: $to, first: 100) { totalCount nodes { headAttended } }
    openDisputes: disputes(filter: {jurisdictionId: $j, status: [OPEN, IN_RESOLUTION, ESCALATED]}, first: 0) { totalCount }
    riskDisputes: disputes(filter: {jurisdictionId: $j, status: [OPEN, IN_RESOLUTION, ESCALATED], lossRisk: true}, first: 0) { totalCount }
    overdue: obligations(filter: {jurisdictionId: $j, overdue: true}, first: 0) { totalCount }
    upcoming: hearings(jurisdictionId: $j, upcomingDays: 7, first: 0) { totalCount }
  }`, vars);
  const months = [year, year - 1].map((y) => gql(`query ConsoleDashboardMonths($j: ID!) { ${
    Array.from({ length: 12 }, (_, i) => i + 1).map((m) =>
      `m${y}_${m}: litigationCases(filter: {jurisdictionId: $j, filedFrom: "${iso(y, m, 1)}", filedTo: "${iso(y, m, last(y, m))}"}, first: 0) { totalCount }`).join('\n')} }`, { j: jurisdiction.id }));
  const chunks = [];
  for (let i = 0; i < jurisdiction.units.length; i += 25) chunks.push(jurisdiction.units.slice(i, i + 25).map((u, k) => [i + k, u]));
  const units = chunks.map((chunk) => gql(`query ConsoleDashboardUnits($j: ID!, $from: Date!, $to: Date!) { ${
    chunk.map(([i, u]) => `u${i}: litigationCases(filter: {jurisdictionId: $j, unitId: "${u.id}", filedFrom: $from, filedTo: $to}, first: 0) { totalCount }`).join('\n')} }`,
  { j: jurisdiction.id, from: vars.from, to: vars.to }));
  const parts = await Promise.all([base, ...months, ...units]);
  return Object.assign({}, ...parts);
}

function lossRate(connection) {
  const nodes = connection.nodes.filter((n) => n.outcome);
  return pct(nodes.filter((n) => n.outcome.isLoss).length, nodes.length);
}

function renderFallback(data, jurisdiction, year) {
  const loss = lossRate(data.concluded);
  const lossPrev = lossRate(data.concludedPrev);
  const held = data.held.nodes;
  const appearance = pct(held.filter((x) => x.headAttended).length, held.length);
  const cards = h('div', { class: 'grid', id: 'kpis' },
    kpiCard({ label: '发案量', value: `${data.current.totalCount} 件`, lines: [yoyText(data.current.totalCount, data.previous.totalCount, ' 件')],
      status: data.current.totalCount <= data.previous.totalCount ? 'met' : 'at_risk' }),
    kpiCard({ label: '一审败诉率', value: showRate(loss), lines: [lossPrev === null || loss === null ? '同比：无数据' : yoyText(loss, lossPrev, '%'), `已审结 ${data.concluded.totalCount} 件`] }),
    kpiCard({ label: '负责人出庭应诉率', value: showRate(appearance), lines: [`已开庭 ${data.held.totalCount} 件`], status: appearance === 100 ? 'met' : appearance === null ? '' : 'at_risk' }),
    kpiCard({ label: '未结争议', value: `${data.openDisputes.totalCount} 件`, lines: [`其中有败诉风险 ${data.riskDisputes.totalCount} 件`] }),
    kpiCard({ label: '逾期期限事项', value: `${data.overdue.totalCount} 项`, status: data.overdue.totalCount ? 'missed' : 'met' }),
    kpiCard({ label: '7日内开庭', value: `${data.upcoming.totalCount} 件` }),
  );
  const labels = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
  const chart = lineChart({
    labels,
    series: [
      { name: `${year}年`, values: labels.map((_, i) => data[`m${year}_${i + 1}`].totalCount) },
      { name: `${year - 1}年`, values: labels.map((_, i) => data[`m${year - 1}_${i + 1}`].totalCount), className: 'previous' },
    ],
    title: '每月发案量',
  });
  const ranking = jurisdiction.units.map((u, i) => ({ unit: u, count: data[`u${i}`].totalCount }))
    .filter((r) => r.count > 0).sort((a, b) => b.count - a.count);
  return { cards, chart, ranking };
}

// ---------------------------------------------------------------------------------------------

export default async function dashboardPage(main, _params, query) {
  const who = identity();
  const jurisdiction = await homeJurisdiction(query.get('jurisdictionId') || who.jurisdictionId);
  if (!jurisdiction) {
    render(main, h('h1', {}, '领导驾驶舱'), h('p', { class: 'muted' }, '没有可查看的辖区'));
    return;
  }
  const yearParam = query.get('year') ? Number(query.get('year')) : null;
  const caps = await capabilities();
  const picker = await jurisdictionPicker(jurisdiction.id, (id) => navigate(`/dashboard?jurisdictionId=${id}`));
  const header = (currentYear, shownYear) => {
    const yearSelect = h('select', { id: 'year-picker', onchange: (e) => navigate(`/dashboard?jurisdictionId=${jurisdiction.id}${e.target.value ? `&year=${e.target.value}` : ''}`) },
      h('option', { value: '', selected: !yearParam }, `${currentYear}年至今`),
      [0, 1, 2, 3].map((k) => currentYear - k).map((y) => h('option', { value: y, selected: y === shownYear && Boolean(yearParam) }, `${y}年全年`)));
    return h('div', { class: 'spread' }, h('h1', {}, `${jurisdiction.name} · 领导驾驶舱`),
      h('div', { class: 'row no-print' }, picker, h('div', { class: 'field' }, h('label', { for: 'year-picker' }, '统计期间'), yearSelect)));
  };

  const calendarWarning = calendarNotice(jurisdiction.id);
  if (caps.query.has('dashboard')) {
    try {
      await indicatorDashboard(main, header, jurisdiction, yearParam);
      showUnderHeading(main, await calendarWarning);
      return;
    } catch (error) {
      console.warn('indicators API failed, falling back to list counts', error);
    }
  }
  const asOf = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  const year = yearParam || Number(asOf.slice(0, 4));
  const periodTo = year === Number(asOf.slice(0, 4)) ? asOf : iso(year, 12, 31);
  const data = await fallbackFigures(jurisdiction, year, periodTo);
  const { cards, chart, ranking } = renderFallback(data, jurisdiction, year);
  render(main, header(Number(asOf.slice(0, 4)), year),
    h('div', { class: 'notice info' }, '指标接口暂不可用：以下数字由案件、庭审、期限列表统计（败诉率、出庭率按最近100件计算），目标、余量与问责待指标接口可用后显示。'),
    h('p', { class: 'muted small' }, `统计区间 ${iso(year, 1, 1)} 至 ${periodTo}，与去年同期比较`),
    cards,
    h('section', { class: 'card' }, h('h2', {}, '每月发案量'), chart),
    h('section', { class: 'card' }, h('h2', {}, '单位发案量排名'),
      ranking.length ? barChart({ items: ranking.map((r) => ({ label: r.unit.name, value: r.count })), unit: ' 件', title: '单位发案量' }) : h('p', { class: 'muted' }, '本年度暂无案件'),
      ranking.length ? table([
        { label: '名次', value: (r) => String(ranking.indexOf(r) + 1) },
        { label: '单位', value: (r) => h('a', { href: `#/desk?tab=cases&unitId=${r.unit.id}&jurisdictionId=${jurisdiction.id}` }, r.unit.name) },
        { label: '发案量', value: (r) => `${r.count} 件` },
      ], ranking, { onRowClick: (r) => navigate(`/desk?tab=cases&unitId=${r.unit.id}&jurisdictionId=${jurisdiction.id}`), caption: '点击单位查看其案件' }) : null));
  showUnderHeading(main, await calendarWarning);
}
