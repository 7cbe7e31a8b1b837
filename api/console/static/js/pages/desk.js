// 案件台账: search and filter disputes and litigation cases; record a new dispute.

import { gql, mutate } from '../api.js';
import { can, identity } from '../auth.js';
import { compact, exportButton, homeJurisdiction, jurisdictionPicker } from '../common.js';
import { fmtDate, h, render, statusTag, table, toast, today } from '../dom.js';
import { action, form } from '../forms.js';
import { options } from '../labels.js';
import { navigate } from '../router.js';

const DISPUTES = `query ConsoleDisputes($filter: DisputeFilter, $first: Int!, $after: String) {
  disputes(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number title applicantName unit { name } fieldLabel sourceLabel receivedDate status statusLabel lossRisk isMajor }
  }
}`;

const CASES = `query ConsoleCases($filter: CaseFilter, $first: Int!, $after: String) {
  litigationCases(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id caseNumber court instanceLabel plaintiffName unit { name } filedDate statusLabel
      outcome { kindLabel isLoss } dispute { id number } }
  }
}`;

export const RECORD_DISPUTE = `mutation ConsoleRecordDispute($input: RecordDisputeInput!) {
  recordDispute(input: $input) { result { id number title } errors { field code message } }
}`;

export async function disputeForm(units, onDone) {
  const [fields, actions, sources, batches] = await Promise.all([
    options('DisputeField'), options('ActionType'), options('DisputeSource'), options('BatchKind'),
  ]);
  return form({
    id: 'record-dispute',
    submitLabel: '登记',
    fields: [
      { name: 'unitId', label: '被申请单位', type: 'select', required: true, options: units.map((u) => ({ value: u.id, label: u.name })) },
      ...(units.length > 1 ? [{ name: 'otherUnitIds', label: '共同被申请单位（可多选）', type: 'multiselect', options: units.map((u) => ({ value: u.id, label: u.name })), help: '按住 Ctrl 或 ⌘ 多选' }] : []),
      { name: 'applicantName', label: '申请人', required: true },
      { name: 'title', label: '争议事项', required: true, wide: true },
      { name: 'field', label: '争议领域', type: 'select', required: true, options: fields },
      { name: 'actionType', label: '行为类型', type: 'select', required: true, options: actions },
      { name: 'source', label: '来源', type: 'select', required: true, options: sources },
      { name: 'receivedDate', label: '收到日期', type: 'date', required: true, value: today() },
      { name: 'originDate', label: '来源事件日期', type: 'date', help: '法院口头通知、律师受托或委托函日期' },
      { name: 'applicantCount', label: '申请人数', type: 'number', value: 1, min: 1 },
      { name: 'batchKind', label: '案件类型', type: 'select', required: true, options: batches, value: 'SINGLE' },
      { name: 'reportedBy', label: '报送单位' },
      { name: 'isMajor', label: '重大争议', type: 'checkbox' },
      { name: 'lossRisk', label: '有败诉风险', type: 'checkbox' },
      { name: 'summary', label: '简要案情', type: 'textarea', wide: true },
    ],
    onSubmit: async (v) => {
      const input = compact({ ...v, applicantCount: v.applicantCount ?? 1, otherUnitIds: (v.otherUnitIds || []).filter((id) => id !== v.unitId) });
      input.isMajor = v.isMajor;
      input.lossRisk = v.lossRisk;
      const payload = await mutate(RECORD_DISPUTE, { input });
      if (!payload.errors.length) onDone(payload.result);
      return payload.errors;
    },
  });
}

export default async function desk(main, _params, query) {
  const who = identity();
  let jurisdiction = await homeJurisdiction(query.get('jurisdictionId'));
  const state = {
    tab: query.get('tab') === 'cases' ? 'cases' : 'disputes',
    unitId: query.get('unitId') || '',
    text: query.get('text') || '',
    status: query.get('status') || '',
    field: '',
    lossRisk: false,
  };
  const [disputeStatuses, caseStatuses, fields] = await Promise.all([
    options('DisputeStatus'), options('CaseStatus'), options('DisputeField'),
  ]);
  const results = h('div', { id: 'results' });
  const filterBox = h('div', { class: 'card no-print' });
  const heading = h('h1', {}, '案件台账');
  const actions = h('div', { id: 'desk-actions' });
  const tabs = h('div', { class: 'tabs', role: 'tablist' });

  function units() {
    return (jurisdiction?.units || []).filter((u) => !who.unitId || u.id === who.unitId || who.role !== 'unit_clerk');
  }

  function filter() {
    const base = { jurisdictionId: jurisdiction?.id, unitId: state.unitId || null, text: state.text || null };
    if (state.tab === 'disputes') {
      return compact({ ...base, status: state.status ? [state.status] : null, field: state.field ? [state.field] : null, lossRisk: state.lossRisk || null });
    }
    return compact({ ...base, status: state.status ? [state.status] : null });
  }

  async function load(after = null, append = false) {
    const isDisputes = state.tab === 'disputes';
    const data = await gql(isDisputes ? DISPUTES : CASES, { filter: filter(), first: 20, after });
    const connection = isDisputes ? data.disputes : data.litigationCases;
    const rows = connection.nodes;
    const columns = isDisputes ? [
      { label: '编号', value: (r) => h('a', { href: `#/dispute/${r.id}`, class: 'nowrap' }, r.number) },
      { label: '争议事项', value: (r) => r.title },
      { label: '申请人', value: (r) => r.applicantName },
      { label: '被申请单位', value: (r) => r.unit?.name },
      { label: '领域', value: (r) => r.fieldLabel },
      { label: '来源', value: (r) => r.sourceLabel },
      { label: '收到日期', value: (r) => h('span', { class: 'nowrap' }, fmtDate(r.receivedDate)) },
      { label: '状态', value: (r) => [statusTag(r.statusLabel), r.lossRisk ? h('span', { class: 'status bad' }, '败诉风险') : null, r.isMajor ? h('span', { class: 'status warn' }, '重大') : null] },
    ] : [
      { label: '案号', value: (r) => h('a', { href: `#/case/${r.id}` }, r.caseNumber) },
      { label: '法院', value: (r) => r.court },
      { label: '审级', value: (r) => r.instanceLabel },
      { label: '原告', value: (r) => r.plaintiffName },
      { label: '被告单位', value: (r) => r.unit?.name },
      { label: '立案日期', value: (r) => h('span', { class: 'nowrap' }, fmtDate(r.filedDate)) },
      { label: '状态', value: (r) => statusTag(r.statusLabel) },
      { label: '裁判结果', value: (r) => r.outcome ? statusTag(r.outcome.kindLabel, r.outcome.isLoss ? 'bad' : 'good') : '—' },
      { label: '争议', value: (r) => r.dispute ? h('a', { href: `#/dispute/${r.dispute.id}` }, r.dispute.number) : '—' },
    ];
    const list = table(columns, rows, {
      onRowClick: (r) => navigate(isDisputes ? `/dispute/${r.id}` : `/case/${r.id}`),
      caption: `共 ${connection.totalCount} 条`,
    });
    const more = connection.pageInfo.hasNextPage
      ? h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => load(connection.pageInfo.endCursor, true) }, '加载更多'))
      : null;
    if (append) {
      results.querySelector('tbody').append(...list.querySelectorAll('tbody tr'));
      results.querySelector('p')?.remove();
      if (more) results.append(more);
    } else {
      render(results, list, more);
    }
  }

  function renderTabs() {
    render(tabs, [['disputes', '行政争议'], ['cases', '行政诉讼案件']].map(([key, label]) => h('button', {
      type: 'button', role: 'tab', 'aria-selected': String(state.tab === key),
      onclick: () => { state.tab = key; state.status = ''; renderFilters(); renderTabs(); load(); },
    }, label)));
  }

  async function renderFilters() {
    const isDisputes = state.tab === 'disputes';
    const picker = await jurisdictionPicker(jurisdiction?.id, async (id) => {
      jurisdiction = await homeJurisdiction(id);
      state.unitId = '';
      renderFilters();
      renderActions();
      load();
    });
    const statusOptions = isDisputes ? disputeStatuses : caseStatuses;
    const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
    render(filterBox, h('form', { class: 'row', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } },
      picker,
      field('f-text', '关键字', h('input', { id: 'f-text', type: 'search', value: state.text, placeholder: isDisputes ? '编号、事项、申请人' : '案号、原告、法院', oninput: (e) => { state.text = e.target.value; } })),
      field('f-unit', '单位', h('select', { id: 'f-unit', onchange: (e) => { state.unitId = e.target.value; load(); } },
        h('option', { value: '' }, '（全部）'), units().map((u) => h('option', { value: u.id, selected: u.id === state.unitId }, u.name)))),
      field('f-status', '状态', h('select', { id: 'f-status', onchange: (e) => { state.status = e.target.value; load(); } },
        h('option', { value: '' }, '（全部）'), statusOptions.map((o) => h('option', { value: o.value, selected: o.value === state.status }, o.label)))),
      isDisputes ? field('f-field', '争议领域', h('select', { id: 'f-field', onchange: (e) => { state.field = e.target.value; load(); } },
        h('option', { value: '' }, '（全部）'), fields.map((o) => h('option', { value: o.value, selected: o.value === state.field }, o.label)))) : null,
      isDisputes ? h('div', { class: 'field check' }, h('input', { id: 'f-risk', type: 'checkbox', checked: state.lossRisk, onchange: (e) => { state.lossRisk = e.target.checked; load(); } }), h('label', { for: 'f-risk' }, '仅看有败诉风险')) : null,
      h('button', { type: 'submit' }, '查询'),
      exportButton(isDisputes ? 'DISPUTES' : 'LITIGATION_CASES', filter),
    ));
  }

  async function renderActions() {
    if (!can('recordDispute') || !jurisdiction) { render(actions); return; }
    const f = await disputeForm(units(), (result) => { toast(`已登记行政争议 ${result.number}`); navigate(`/dispute/${result.id}`); });
    render(actions, action('登记行政争议', f));
  }

  render(main, heading, actions, tabs, filterBox, results);
  renderTabs();
  await Promise.all([renderFilters(), renderActions()]);
  await load();
}
