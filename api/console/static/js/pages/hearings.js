// 庭审: upcoming hearings with the designated head, reminders and identity check, and the actions
// to designate, verify and record attendance.

import { gql } from '../api.js';
import { identity } from '../auth.js';
import { compact, exportButton } from '../common.js';
import { fmtDateTime, h, render, statusTag, toast } from '../dom.js';
import { HEARING_FIELDS, hearingActions, identityTone } from '../hearing_actions.js';

const HEARINGS = `query ConsoleHearings($jurisdictionId: ID, $upcomingDays: Int, $status: [HearingStatus!], $first: Int!) {
  hearings(jurisdictionId: $jurisdictionId, upcomingDays: $upcomingDays, status: $status, first: $first) {
    totalCount nodes { ${HEARING_FIELDS} }
  }
}`;

export default async function hearingsPage(main, _params, query) {
  const who = identity();
  const state = { days: Number(query.get('days') || 30) };
  const list = h('div', {});
  const filter = () => compact({ jurisdictionId: who.jurisdictionId, upcomingDays: state.days, status: ['SCHEDULED'] });

  async function load() {
    const data = await gql(HEARINGS, { ...filter(), first: 100 });
    const hearings = data.hearings.nodes;
    const cards = [];
    for (const hearing of hearings) {
      const reminders = hearing.obligations.map((o) => statusTag(`${o.title}：${o.statusLabel}`, o.status === 'OVERDUE' ? 'bad' : o.status === 'MET' ? 'good' : ''));
      cards.push(h('div', { class: 'card', id: `hearing-${hearing.id}` },
        h('div', { class: 'spread' },
          h('strong', {}, `${fmtDateTime(hearing.scheduledAt)} · `, hearing.case ? h('a', { href: `#/case/${hearing.case.id}` }, hearing.case.caseNumber) : ''),
          h('span', {}, hearing.headRequired ? statusTag('要求负责人出庭', 'warn') : statusTag('未要求负责人出庭'))),
        h('div', { class: 'row small' },
          h('span', {}, `法院：${hearing.court}${hearing.courtroom ? ' ' + hearing.courtroom : ''}`),
          h('span', {}, `被诉单位：${hearing.unit?.name || ''}`),
          h('span', {}, '出庭负责人：', hearing.designatedOfficial ? `${hearing.designatedOfficial.name}（${hearing.designatedOfficial.rankLabel}）` : statusTag('未指定', 'bad')),
          h('span', {}, '身份核验：', statusTag(hearing.identityCheckLabel, identityTone(hearing.identityCheck)))),
        reminders.length ? h('div', { class: 'row small' }, '提醒：', reminders) : null,
        await hearingActions(hearing, (message) => { toast(message); load(); })));
    }
    render(list, h('p', { class: 'muted' }, `今后 ${state.days} 天内待开庭 ${data.hearings.totalCount} 件`),
      cards.length ? cards : h('p', { class: 'muted' }, '暂无待开庭的庭审'));
  }

  const daysSelect = h('select', { id: 'h-days', onchange: (e) => { state.days = Number(e.target.value); load(); } },
    [7, 14, 30, 90, 365].map((d) => h('option', { value: d, selected: d === state.days }, `${d} 天内`)));
  render(main, h('h1', {}, '庭审'),
    h('div', { class: 'card row no-print' }, h('div', { class: 'field' }, h('label', { for: 'h-days' }, '时间范围'), daysSelect),
      exportButton('HEARINGS', filter)),
    list);
  await load();
}
