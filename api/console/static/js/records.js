// Pieces of a record's page: the timeline from the audit trail, obligations with their rule and
// source clause, and the notifications sent about those obligations.

import { gql } from './api.js';
import { can, ROLE_LABELS } from './auth.js';
import { fmtDate, fmtDateTime, h, statusTag, table } from './dom.js';

const ACTIONS = {
  'dispute.record': '登记行政争议',
  'dispute.update': '修改争议信息',
  'dispute.leader': '领导包案',
  'dispute.close': '争议办结',
  'dispute.status': '争议状态变更',
  'case.status': '案件状态变更',
  'resolution.status': '化解状态变更',
  'duty.create': '生成裁判后事项',
  'obligation.extend': '延长期限',
  'obligation.pause': '暂停期限',
  'obligation.resume': '恢复期限',
  'obligation.correct': '更正起算日期',
  'obligation.recompute': '重算到期日',
  'resolution.assign': '分流指派化解',
  'resolution.accept': '受理并送达纾解告知书',
  'resolution.progress': '反馈化解进展',
  'resolution.extend': '延长化解期限',
  'resolution.hearing': '纾解听证',
  'resolution.conclude': '化解办结',
  'resolution.confirm': '申请司法确认',
  'case.file': '登记诉讼案件',
  'case.response_notice': '收到应诉通知书',
  'case.response_reported': '报告应诉情况',
  'case.effective': '裁判生效',
  'case.close': '诉讼案件办结',
  'hearing.schedule': '登记开庭',
  'hearing.designate': '确定出庭负责人',
  'hearing.identity': '核验出庭负责人身份',
  'hearing.record': '登记庭审情况',
  'hearing.reschedule': '庭审改期',
  'hearing.cancel': '取消庭审',
  'outcome.record': '登记裁判结果',
  'duty.submit': '提交裁判后事项',
  'duty.review': '审核裁判后事项',
  'reconsideration.receive': '登记复议申请',
  'reconsideration.accept': '受理复议申请',
  'reconsideration.reject': '不予受理',
  'reconsideration.conclude': '复议审结',
  'obligation.met': '期限事项完成',
  'obligation.waive': '豁免期限事项',
  'ledger.import': '台账导入',
};

const ENTITY_LABELS = {
  disputes: '争议',
  resolution_efforts: '化解工作',
  litigation_cases: '诉讼案件',
  hearings: '庭审',
  reconsideration_cases: '复议案件',
  outcomes: '裁判结果',
  post_judgment_duties: '裁判后事项',
  obligations: '期限事项',
};

export function actionLabel(action) {
  return ACTIONS[action] || action;
}

const FIELD_LABELS = {
  status: '状态', closed_date: '办结日期', concluded_date: '审结日期', effective_date: '生效日期',
  response_notice_date: '收到应诉通知书日期', designated_official_id: '指定出庭负责人', designated_date: '指定日期',
  identity_check: '身份核验', identity_note: '核验说明', held_at: '开庭时间', head_attended: '负责人出庭',
  head_spoke: '出庭又出声', attending_official_id: '出庭负责人', substitute_name: '代为出庭人员',
  scheduled_at: '开庭时间', accepted_date: '受理日期', notice_delivered_date: '告知书送达日期', due_date: '期限',
  result: '结果', resolved_date: '化解日期', resolution_result: '化解结果', loss_risk: '败诉风险', is_major: '重大',
  leader_in_charge_id: '包案领导', leader_deadline: '包案期限', leader_plan: '化解方案', task_team: '工作专班',
  met_date: '完成日期', escalation_level: '督办级别', submitted_date: '提交日期', reviewed_date: '审核日期',
  extensions_used: '已延期次数', failure_reason: '未化解原因', title: '事项', decision: '决定',
};

function changes(entry) {
  const after = entry.after || {};
  const before = entry.before || {};
  const keys = Object.keys(after).filter((k) => !['id', 'version', 'jurisdiction_id'].includes(k));
  if (!entry.before) return '';
  const show = (v) => (v === null || v === undefined || v === '' ? '—' : v === true ? '是' : v === false ? '否' : String(v).slice(0, 60));
  return keys.slice(0, 6).map((k) => `${FIELD_LABELS[k] || k}：${show(before[k])} → ${show(after[k])}`).join('；');
}

/** Every audit entry of the given records, newest first: [{type: 'disputes', id}]. */
/** The business events of a dispute (visible to whoever may read it), oldest first. */
export function eventTimeline(events) {
  if (!events.length) return h('p', { class: 'muted' }, '暂无记录');
  return h('ol', { class: 'timeline events', 'aria-label': '办理进程' }, events.map((e) => h('li', {},
    h('div', { class: 'when' }, `${fmtDate(e.day)} · ${e.subjectLabel}`),
    h('div', {}, h('strong', {}, e.label), e.detail ? ` ${e.detail}` : ''),
  )));
}

export async function timeline(entities) {
  if (!entities.length) return h('p', { class: 'muted' }, '暂无记录');
  const vars = {};
  const decls = [];
  const fields = entities.map((e, i) => {
    vars[`t${i}`] = e.type;
    vars[`i${i}`] = String(e.id);
    decls.push(`$t${i}: String`, `$i${i}: ID`);
    return `a${i}: auditTrail(entityType: $t${i}, entityId: $i${i}, first: 100) { nodes { id at actor role action entityType entityId before after } }`;
  });
  let entries = [];
  try {
    const data = await gql(`query ConsoleTimeline(${decls.join(', ')}) { ${fields.join(' ')} }`, vars);
    entries = Object.values(data).flatMap((c) => c.nodes);
  } catch (error) {
    return h('p', { class: 'muted' }, `无法读取操作留痕：${error.message}`);
  }
  entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : Number(b.id) - Number(a.id)));
  if (!entries.length) return h('p', { class: 'muted' }, '暂无记录');
  return h('ol', { class: 'timeline', 'aria-label': '全程留痕' }, entries.map((e) => h('li', {},
    h('div', { class: 'when' }, `${fmtDateTime(e.at)} · ${e.actor}（${ROLE_LABELS[e.role] || e.role}）`),
    h('div', {}, h('strong', {}, actionLabel(e.action)), ' ', h('span', { class: 'pill' }, `${ENTITY_LABELS[e.entityType] || e.entityType} #${e.entityId}`)),
    changes(e) ? h('div', { class: 'small muted' }, changes(e)) : null,
  )));
}

const OB_TONES = { MET: 'good', MET_LATE: 'warn', OVERDUE: 'bad', OPEN: '', WAIVED: '', PAUSED: 'warn' };

export const OBLIGATION_FIELDS = 'id title dueDate dueError dueRuleText status statusLabel metDate ruleId citation escalationLevel unit { name } rule { title clause source section }';

/** Obligations with the rule that created them and its source clause. */
export function obligationsTable(obligations) {
  return table([
    { label: '期限事项', value: (o) => o.title },
    { label: '责任单位', value: (o) => o.unit?.name || '司法局' },
    { label: '到期日', value: (o) => o.dueDate ? fmtDate(o.dueDate) : h('span', { class: 'muted' }, o.dueError || '待定') },
    { label: '计算方式', value: (o) => o.dueRuleText },
    { label: '状态', value: (o) => statusTag(o.statusLabel, OB_TONES[o.status]) },
    { label: '依据', value: (o) => o.rule
      ? h('details', {}, h('summary', {}, `${o.rule.source}${o.rule.section ? ' ' + o.rule.section : ''}`), h('p', { class: 'small' }, o.rule.clause))
      : h('span', { class: 'small' }, o.citation) },
  ], obligations, { empty: '暂无期限事项' });
}

/** Notifications about these obligations (justice bureau and administrators may read them). */
export async function notificationsFor(obligationIds) {
  if (!obligationIds.length) return h('p', { class: 'muted' }, '暂无通知');
  if (!can('assign')) return h('p', { class: 'muted' }, '通知请在“通知”页查看');
  const vars = {};
  const decls = [];
  const fields = obligationIds.slice(0, 30).map((id, i) => {
    vars[`o${i}`] = String(id);
    decls.push(`$o${i}: ID`);
    return `n${i}: notifications(obligationId: $o${i}, first: 50) { nodes { id kindLabel title body createdAt acknowledgedAt } }`;
  });
  try {
    const data = await gql(`query ConsoleObligationNotices(${decls.join(', ')}) { ${fields.join(' ')} }`, vars);
    const notes = Object.values(data).flatMap((c) => c.nodes).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    return table([
      { label: '时间', value: (n) => fmtDateTime(n.createdAt) },
      { label: '类型', value: (n) => statusTag(n.kindLabel) },
      { label: '标题', value: (n) => n.title },
      { label: '已读', value: (n) => (n.acknowledgedAt ? fmtDateTime(n.acknowledgedAt) : '未读') },
    ], notes, { empty: '暂无通知' });
  } catch (error) {
    return h('p', { class: 'muted' }, `无法读取通知：${error.message}`);
  }
}
