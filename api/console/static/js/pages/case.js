// 诉讼案件详情: hearings (designate, verify, record), outcome, post-judgment duties, obligations,
// notifications and the audit timeline, with forms for each step.

import { gql, mutate } from '../api.js';
import { can } from '../auth.js';
import { compact } from '../common.js';
import { confirmEffects, DECLINED, fmtDate, fmtDateTime, h, kv, render, statusTag, toast, today, yesNo } from '../dom.js';
import { action, form } from '../forms.js';
import { HEARING_FIELDS, hearingActions, identityTone, scheduleForm } from '../hearing_actions.js';
import { options } from '../labels.js';
import { notificationsFor, OBLIGATION_FIELDS, obligationsTable, timeline } from '../records.js';

const CASE = `query ConsoleCase($id: ID!) {
  litigationCase(id: $id) {
    id caseNumber court instanceLabel plaintiffName filedDate responseNoticeDate status statusLabel
    concludedDate effectiveDate closedDate version jurisdictionId unitId
    unit { id name } dispute { id number title } parentCase { id caseNumber }
    hearings { ${HEARING_FIELDS} }
    outcome { id kindLabel isLoss decidedDate receivedDate summary }
    duties { id kindLabel statusLabel submittedDate content }
    obligations { ${OBLIGATION_FIELDS} }
  }
}`;

const PAYLOAD = 'errors { field code message }';

export default async function casePage(main, { id }) {
  const data = await gql(CASE, { id });
  const c = data.litigationCase;
  if (!c) {
    render(main, h('div', { class: 'notice' }, '该案件不存在或无权查看。'), h('a', { href: '#/desk?tab=cases' }, '返回案件台账'));
    return;
  }
  const reload = () => casePage(main, { id });
  const onDone = (message) => { toast(message); reload(); };
  const done = (message) => (payload) => {
    if (!payload.errors.length) onDone(message);
    return payload.errors;
  };
  const open = ['FILED', 'NOTICE_RECEIVED', 'IN_HEARING'].includes(c.status);

  const sections = [
    h('p', { class: 'no-print' }, h('a', { href: '#/desk?tab=cases' }, '← 案件台账'),
      c.dispute ? [' · ', h('a', { href: `#/dispute/${c.dispute.id}` }, `争议 ${c.dispute.number}`)] : null),
    h('div', { class: 'spread' }, h('h1', {}, `${c.caseNumber}`), statusTag(c.statusLabel)),
    h('section', { class: 'card' }, kv([
      ['法院', c.court], ['审级', c.instanceLabel], ['原告', c.plaintiffName], ['被告单位', c.unit?.name],
      ['争议事项', c.dispute?.title], ['立案日期', fmtDate(c.filedDate)],
      ['收到应诉通知书', fmtDate(c.responseNoticeDate) || '未登记'],
      c.parentCase ? ['原审案件', h('a', { href: `#/case/${c.parentCase.id}` }, c.parentCase.caseNumber)] : null,
      c.effectiveDate ? ['生效日期', fmtDate(c.effectiveDate)] : null,
    ])),
  ];

  if (can('fileCase') && c.status === 'FILED') {
    sections.push(action('登记收到应诉通知书', form({
      id: 'response-notice', submitLabel: '登记',
      fields: [{ name: 'receivedDate', label: '收到日期', type: 'date', required: true, value: today() }],
      onSubmit: async (v) => done('已登记应诉通知书')(await mutate(`mutation ConsoleNotice($caseId: ID!, $receivedDate: Date!, $version: Int) { recordResponseNotice(caseId: $caseId, receivedDate: $receivedDate, version: $version) { ${PAYLOAD} } }`,
        { caseId: c.id, receivedDate: v.receivedDate, version: c.version })),
    })));
  }
  if (can('write') && c.responseNoticeDate && open) {
    sections.push(action('登记已报告应诉情况', form({
      id: 'report-response', submitLabel: '登记',
      fields: [{ name: 'reportedDate', label: '报告日期', type: 'date', required: true, value: today() }],
      onSubmit: async (v) => done('已登记报告')(await mutate(`mutation ConsoleReport($caseId: ID!, $reportedDate: Date!) { reportResponse(caseId: $caseId, reportedDate: $reportedDate) { ${PAYLOAD} } }`,
        { caseId: c.id, reportedDate: v.reportedDate })),
    })));
  }

  sections.push(h('h2', {}, '庭审与负责人出庭'));
  if (!c.hearings.length) sections.push(h('p', { class: 'muted' }, '尚未安排开庭'));
  for (const hearing of c.hearings) {
    sections.push(h('div', { class: 'card', id: `hearing-${hearing.id}` },
      h('div', { class: 'spread' }, h('strong', {}, `${fmtDateTime(hearing.scheduledAt)} ${hearing.court}${hearing.courtroom ? ' ' + hearing.courtroom : ''}`), statusTag(hearing.statusLabel)),
      kv([
        ['要求负责人出庭', yesNo(hearing.headRequired)],
        ['指定出庭负责人', hearing.designatedOfficial ? `${hearing.designatedOfficial.name}（${hearing.designatedOfficial.rankLabel}）` : '未指定'],
        ['身份核验', [statusTag(hearing.identityCheckLabel, identityTone(hearing.identityCheck)), hearing.identityNote ? ` ${hearing.identityNote}` : '']],
        hearing.status === 'HELD' ? ['负责人出庭', `${yesNo(hearing.headAttended)}${hearing.headSpoke ? '（出庭又出声）' : ''}${hearing.substituteName ? `；代为出庭：${hearing.substituteName}` : ''}`] : null,
        ['提醒与期限', hearing.obligations.length ? hearing.obligations.map((o) => `${o.title}（${o.statusLabel}，${fmtDate(o.dueDate)}）`).join('；') : '—'],
      ]),
      await hearingActions(hearing, onDone)));
  }
  if (can('hearingWrite') && open) sections.push(scheduleForm(c.id, onDone));

  sections.push(h('h2', {}, '裁判结果'));
  if (c.outcome) {
    sections.push(h('div', { class: 'card' }, kv([
      ['结果', statusTag(c.outcome.kindLabel, c.outcome.isLoss ? 'bad' : 'good')], ['是否败诉', yesNo(c.outcome.isLoss)],
      ['裁判日期', fmtDate(c.outcome.decidedDate)], ['收到日期', fmtDate(c.outcome.receivedDate)], c.outcome.summary ? ['说明', c.outcome.summary] : null,
    ])));
  } else if (can('hearingWrite') && open) {
    const kinds = await options('OutcomeKind');
    sections.push(action('登记裁判结果', form({
      id: 'record-outcome', submitLabel: '登记',
      fields: [
        { name: 'kind', label: '裁判结果', type: 'select', required: true, options: kinds },
        { name: 'decidedDate', label: '裁判日期', type: 'date', required: true, value: today() },
        { name: 'receivedDate', label: '收到裁判文书日期', type: 'date', required: true, value: today() },
        { name: 'agencyChangedAct', label: '机关改变行政行为后原告撤诉', type: 'checkbox' },
        { name: 'summary', label: '说明', type: 'textarea', wide: true },
      ],
      onSubmit: async (v) => {
        // core/cases/service.py record_outcome: hearings not yet held are cancelled with the judgment.
        const effects = c.hearings.filter((x) => x.status === 'SCHEDULED')
          .map((x) => `取消尚未开庭的庭审（${fmtDateTime(x.scheduledAt)}）`);
        if (!confirmEffects(effects)) return DECLINED;
        return done(['已登记裁判结果', ...effects.map((e) => e.replace(/^取消/, '已取消'))].join('；'))(await mutate(`mutation ConsoleOutcome($input: RecordOutcomeInput!) { recordOutcome(input: $input) { ${PAYLOAD} } }`,
          { input: compact({ caseId: c.id, version: c.version, ...v, agencyChangedAct: v.agencyChangedAct }) }));
      },
    })));
  } else {
    sections.push(h('p', { class: 'muted' }, '尚未裁判'));
  }

  if (c.outcome) {
    sections.push(h('h3', {}, '裁判后事项'), c.duties.length
      ? h('ul', {}, c.duties.map((d) => h('li', {}, `${d.kindLabel}：${d.statusLabel}${d.submittedDate ? `（${fmtDate(d.submittedDate)}）` : ''}`)))
      : h('p', { class: 'muted' }, '暂无'));
    if (can('write') && c.status !== 'CLOSED') {
      const kinds = await options('DutyKind');
      sections.push(action('提交裁判后事项', form({
        id: 'submit-duty', submitLabel: '提交',
        fields: [
          { name: 'kind', label: '事项', type: 'select', required: true, options: kinds },
          { name: 'submittedDate', label: '提交日期', type: 'date', required: true, value: today() },
          { name: 'content', label: '内容', type: 'textarea', required: true, wide: true },
        ],
        onSubmit: async (v) => done('已提交')(await mutate(`mutation ConsoleDuty($input: SubmitDutyInput!) { submitPostJudgmentDuty(input: $input) { ${PAYLOAD} } }`,
          { input: { caseId: c.id, ...v } })),
      })));
      if (c.status === 'CONCLUDED') {
        sections.push(action('登记裁判生效', form({
          id: 'mark-effective', submitLabel: '登记',
          fields: [{ name: 'effectiveDate', label: '生效日期', type: 'date', required: true, value: today() }],
          onSubmit: async (v) => done('已登记生效')(await mutate(`mutation ConsoleEffective($caseId: ID!, $effectiveDate: Date!, $version: Int) { markJudgmentEffective(caseId: $caseId, effectiveDate: $effectiveDate, version: $version) { ${PAYLOAD} } }`,
            { caseId: c.id, effectiveDate: v.effectiveDate, version: c.version })),
        })));
      }
    }
  }

  sections.push(h('h2', {}, '期限事项'), obligationsTable(c.obligations));
  const notesSlot = h('div', {}, h('p', { class: 'muted' }, '正在加载……'));
  const timelineSlot = h('div', {}, h('p', { class: 'muted' }, '正在加载……'));
  sections.push(h('h2', {}, '通知'), notesSlot, h('h2', {}, '全程留痕'), timelineSlot);
  render(main, sections);
  const obligationIds = [...c.obligations, ...c.hearings.flatMap((x) => x.obligations)].map((o) => o.id);
  const [notes, events] = await Promise.all([
    notificationsFor(obligationIds),
    timeline([{ type: 'litigation_cases', id: c.id }, ...c.hearings.map((x) => ({ type: 'hearings', id: x.id })),
      ...(c.outcome ? [{ type: 'outcomes', id: c.outcome.id }] : [])]),
  ]);
  render(notesSlot, notes);
  render(timelineSlot, events);
}
