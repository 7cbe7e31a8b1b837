// Pieces of a record's page: the timeline from the audit trail, obligations with their rule and
// source clause, and the notifications sent about those obligations.

import { gql } from './api.js';
import { can, ROLE_LABELS } from './auth.js';
import { fmtDate, fmtDateTime, h, statusTag, table } from './dom.js';

// Actions, record kinds, fields and values come in Chinese from the API (AuditEntry.actionLabel,
// entityLabel, actorName, changes: core/audit/present.py), so the console and every other client agree.

function changes(entry) {
  const shown = entry.changes.filter((c) => entry.before ? true : c.after !== '—');
  return shown.slice(0, 8).map((c) => (entry.before ? `${c.label}：${c.before} → ${c.after}` : `${c.label}：${c.after}`)).join('；');
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
  // The API shows the trail to the justice bureau and administrators only (api/audit/queries.py).
  if (!can('assign')) return h('p', { class: 'muted' }, '无权查看操作留痕（司法局工作人员和系统管理员可查看）');
  if (!entities.length) return h('p', { class: 'muted' }, '暂无记录');
  const vars = {};
  const decls = [];
  const fields = entities.map((e, i) => {
    vars[`t${i}`] = e.type;
    vars[`i${i}`] = String(e.id);
    decls.push(`$t${i}: String`, `$i${i}: ID`);
    return `a${i}: auditTrail(entityType: $t${i}, entityId: $i${i}, first: 100) { nodes { id at actor actorName role action actionLabel entityType entityId entityLabel before changes { label before after } } }`;
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
    h('div', { class: 'when' }, `${fmtDateTime(e.at)} · ${e.actorName}（${ROLE_LABELS[e.role] || e.role}）`),
    h('div', {}, h('strong', {}, e.actionLabel), ' ', h('span', { class: 'pill' }, e.entityLabel)),
    changes(e) ? h('div', { class: 'small muted' }, changes(e)) : null,
  )));
}

const OB_TONES = { MET: 'good', MET_LATE: 'warn', OVERDUE: 'bad', OPEN: '', WAIVED: '', PAUSED: 'warn' };

export const OBLIGATION_FIELDS = 'id title dueDate dueError dueRuleText status statusLabel metDate ruleId citation escalationLevel unit { name } rule { title clause source section }';

/** Obligations with the rule that created them and its source clause. */
export function obligationsTable(obligations, { owner = false } = {}) {
  return table([
    ...(owner ? [{ label: '所属', value: (o) => o.of }] : []),
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
