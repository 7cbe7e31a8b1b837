// 通知: my notifications (reminders, warnings, escalations …), live when the server pushes them.

import { gql, mutate } from '../api.js';
import { fmtDateTime, h, render, statusTag, table, toast } from '../dom.js';

const INBOX = `query ConsoleInbox($unreadOnly: Boolean!, $first: Int!, $after: String) {
  inbox(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind kindLabel title body createdAt acknowledgedAt obligationId ruleId record { subjectType subjectId disputeId caseId } }
  }
}`;

/** Where a notification's record is shown in the console (its case page, else its dispute's). */
function recordLink(n) {
  const r = n.record;
  if (!r) return h('span', { class: 'muted small' }, '—');
  if (r.caseId) return h('a', { href: `#/case/${r.caseId}` }, '查看案件');
  if (r.disputeId) return h('a', { href: `#/dispute/${r.disputeId}` }, '查看争议');
  return h('span', { class: 'muted small' }, '—');
}

const TONES = { ESCALATION: 'bad', INTERVIEW: 'bad', CRITICISM: 'bad', WARNING: 'warn', REMINDER_LETTER: 'warn' };

export default async function inbox(main) {
  const state = { unreadOnly: true };
  const list = h('div', { id: 'inbox-list' });

  async function load() {
    const data = await gql(INBOX, { unreadOnly: state.unreadOnly, first: 100 });
    render(list, table([
      { label: '时间', value: (n) => fmtDateTime(n.createdAt) },
      { label: '类型', value: (n) => statusTag(n.kindLabel, TONES[n.kind]) },
      { label: '标题', value: (n) => h('span', { class: n.acknowledgedAt ? '' : 'unread' }, n.title) },
      { label: '内容', value: (n) => h('span', { class: 'small' }, n.body) },
      { label: '记录', value: recordLink },
      { label: '操作', value: (n) => (n.acknowledgedAt ? h('span', { class: 'muted small' }, `已读 ${fmtDateTime(n.acknowledgedAt)}`)
        : h('button', { type: 'button', class: 'secondary', onclick: async () => {
          const payload = await mutate('mutation ConsoleAck($id: ID!) { acknowledgeNotification(id: $id) { errors { message } } }', { id: n.id });
          if (payload.errors.length) toast(payload.errors[0].message, 'error');
          else { toast('已标记为已读'); load(); document.dispatchEvent(new CustomEvent('caseload:inbox-changed')); }
        } }, '标记已读')) },
    ], data.inbox.nodes, { empty: state.unreadOnly ? '没有未读通知' : '暂无通知', caption: `共 ${data.inbox.totalCount} 条` }));
  }

  const toggle = h('input', { id: 'unread-only', type: 'checkbox', checked: true, onchange: (e) => { state.unreadOnly = e.target.checked; load(); } });
  render(main, h('h1', {}, '通知'),
    h('div', { class: 'card row' }, h('div', { class: 'field check' }, toggle, h('label', { for: 'unread-only' }, '只看未读')),
      h('span', { class: 'muted small', id: 'live-state' }, '新通知会自动出现')),
    list);
  const onNotice = () => {
    if (document.body.contains(list)) { load(); return; }
    document.removeEventListener('caseload:notification', onNotice);
    document.removeEventListener('caseload:unread', onNotice);
  };
  document.addEventListener('caseload:notification', onNotice);
  document.addEventListener('caseload:unread', onNotice);
  await load();
}
