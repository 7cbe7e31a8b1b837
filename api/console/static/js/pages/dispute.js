// 争议详情: the record, its resolution efforts and cases, obligations with their rules, notifications,
// the full audit timeline, and forms for the next steps of its lifecycle.

import { gql, mutate } from '../api.js';
import { can } from '../auth.js';
import { compact, homeJurisdiction } from '../common.js';
import { confirmEffects, DECLINED, fmtDate, h, kv, render, statusTag, table, toast, today, yesNo } from '../dom.js';
import { action, form } from '../forms.js';
import { options } from '../labels.js';
import { navigate } from '../router.js';
import { eventTimeline, notificationsFor, OBLIGATION_FIELDS, obligationsTable, timeline } from '../records.js';

const DISPUTE = `query ConsoleDispute($id: ID!) {
  dispute(id: $id) {
    id number title summary applicantName applicantCount fieldLabel actionTypeLabel sourceLabel batchKindLabel
    receivedDate originDate reportedBy isMajor lossRisk status statusLabel resolutionResultLabel resolvedDate
    closedDate version jurisdictionId
    unit { id name } respondents { name } leaderInCharge { name rankLabel } leaderPlan leaderDeadline taskTeam
    resolutionEfforts { id stage stageLabel status statusLabel unit { name } assignedDate acceptedDate dueDate
      resultLabel concludedDate version extensionsUsed byCourtLetter
      progressReports { reportDate content reportedBy } obligations { ${OBLIGATION_FIELDS} } }
    litigationCases { id caseNumber court instanceLabel filedDate statusLabel outcome { kindLabel isLoss }
      obligations { ${OBLIGATION_FIELDS} } hearings { scheduledAt obligations { ${OBLIGATION_FIELDS} } } }
    reconsiderationCases { id caseNumber receivedDate statusLabel decisionLabel obligations { ${OBLIGATION_FIELDS} } }
    obligations { ${OBLIGATION_FIELDS} }
    timeline { id day label detail subjectLabel }
  }
}`;

const PAYLOAD = 'errors { field code message }';
const OPEN_EFFORT = ['ASSIGNED', 'ACCEPTED', 'IN_PROGRESS'];

/** An announced effect, said afterwards as done. */
const asDone = (effect) => effect.replace('将记为', '已记为');

/** What filing a lawsuit or a reconsideration does to the dispute's other records (core: mark_escalated);
 * the dispute itself moving to 已进入复议/诉讼 is what the user asked for. */
function escalationEffects(d) {
  const effects = d.resolutionEfforts
    .filter((e) => e.stage === 'PRE_FILING' && OPEN_EFFORT.includes(e.status))
    .map((e) => `${e.unit?.name || ''}的诉前化解工作将记为“化解失败”（原因：争议已进入复议或诉讼程序）`);
  return effects;
}

export default async function disputePage(main, { id }) {
  const data = await gql(DISPUTE, { id });
  const d = data.dispute;
  if (!d) {
    render(main, h('div', { class: 'notice' }, '该争议不存在或无权查看。'), h('a', { href: '#/desk' }, '返回案件台账'));
    return;
  }
  const reload = () => disputePage(main, { id });
  const done = (message) => (payload) => {
    if (!payload.errors.length) { toast(message); reload(); }
    return payload.errors;
  };
  const jurisdiction = await homeJurisdiction(d.jurisdictionId);
  const units = (jurisdiction?.units || []).map((u) => ({ value: u.id, label: u.name }));

  const sections = [
    h('p', { class: 'no-print' }, h('a', { href: '#/desk' }, '← 案件台账')),
    h('div', { class: 'spread' }, h('h1', {}, `${d.number} ${d.title}`), h('div', {}, statusTag(d.statusLabel),
      d.lossRisk ? statusTag('败诉风险', 'bad') : null, d.isMajor ? statusTag('重大', 'warn') : null)),
    h('section', { class: 'card' }, kv([
      ['申请人', `${d.applicantName}${d.applicantCount > 1 && !d.applicantName.includes('等') ? `等${d.applicantCount}人` : ''}`],
      ['被申请单位', d.respondents.map((u) => u.name).join('、') || d.unit?.name],
      ['争议领域', d.fieldLabel], ['行为类型', d.actionTypeLabel], ['来源', d.sourceLabel],
      ['案件类型', d.batchKindLabel], ['收到日期', fmtDate(d.receivedDate)],
      d.originDate ? ['来源事件日期', fmtDate(d.originDate)] : null,
      d.reportedBy ? ['报送单位', d.reportedBy] : null,
      ['重大争议', yesNo(d.isMajor)], ['败诉风险', yesNo(d.lossRisk)],
      d.leaderInCharge ? ['包案领导', `${d.leaderInCharge.name}（${d.leaderInCharge.rankLabel}），期限 ${fmtDate(d.leaderDeadline)}`] : null,
      d.resolutionResultLabel ? ['化解结果', `${d.resolutionResultLabel}（${fmtDate(d.resolvedDate)}）`] : null,
      d.summary ? ['简要案情', d.summary] : null,
    ])),
  ];

  // Resolution efforts, each with the actions its state allows.
  const efforts = [];
  const [results] = await Promise.all([options('ResolutionResult')]);
  for (const e of d.resolutionEfforts) {
    const forms = [];
    if (can('write') && e.status === 'ASSIGNED') {
      forms.push(action('受理并送达纾解告知书', form({
        id: `accept-${e.id}`, submitLabel: '受理',
        fields: [
          { name: 'acceptedDate', label: '受理日期', type: 'date', required: true, value: today() },
          { name: 'noticeDeliveredDate', label: '告知书送达日期', type: 'date', required: true, value: today() },
        ],
        onSubmit: async (v) => done('已受理')(await mutate(`mutation ConsoleAccept($input: AcceptResolutionInput!) { acceptResolution(input: $input) { ${PAYLOAD} } }`,
          { input: { effortId: e.id, version: e.version, ...v } })),
      })));
    }
    if (can('write') && ['ACCEPTED', 'IN_PROGRESS'].includes(e.status)) {
      forms.push(action('反馈化解进展', form({
        id: `progress-${e.id}`, submitLabel: '提交',
        fields: [
          { name: 'reportDate', label: '反馈日期', type: 'date', required: true, value: today() },
          { name: 'content', label: '进展情况', type: 'textarea', required: true, wide: true },
        ],
        onSubmit: async (v) => done('已反馈进展')(await mutate(`mutation ConsoleProgress($input: ReportProgressInput!) { reportResolutionProgress(input: $input) { ${PAYLOAD} } }`,
          { input: { effortId: e.id, ...v } })),
      })));
      forms.push(action('化解办结', form({
        id: `conclude-${e.id}`, submitLabel: '办结',
        fields: [
          { name: 'succeeded', label: '化解成功', type: 'checkbox', value: true },
          { name: 'concludedDate', label: '办结日期', type: 'date', required: true, value: today() },
          { name: 'result', label: '化解结果（成功时）', type: 'select', options: results },
          { name: 'agreementEffectiveDate', label: '纾解协议生效日期', type: 'date' },
          { name: 'failureReason', label: '未化解原因（失败时）', type: 'textarea', wide: true },
          { name: 'failureProcess', label: '化解过程（失败时）', type: 'textarea', wide: true },
        ],
        onSubmit: async (v) => done('已办结')(await mutate(`mutation ConsoleConclude($input: ConcludeResolutionInput!) { concludeResolution(input: $input) { ${PAYLOAD} } }`,
          { input: compact({ effortId: e.id, version: e.version, ...v, succeeded: v.succeeded }) })),
      })));
    }
    efforts.push(h('div', { class: 'card' },
      h('div', { class: 'spread' }, h('strong', {}, `${e.stageLabel}化解 · ${e.unit?.name || ''}`), statusTag(e.statusLabel)),
      kv([
        ['指派日期', fmtDate(e.assignedDate)], ['受理日期', fmtDate(e.acceptedDate)], ['化解期限', fmtDate(e.dueDate)],
        e.extensionsUsed ? ['已延期', `${e.extensionsUsed} 次`] : null,
        e.resultLabel ? ['结果', `${e.resultLabel}（${fmtDate(e.concludedDate)}）`] : null,
      ]),
      e.progressReports.length ? h('ul', { class: 'small' }, e.progressReports.map((p) => h('li', {}, `${fmtDate(p.reportDate)} ${p.content}`))) : null,
      forms));
  }
  const stages = await options('ResolutionStage');
  const hasOpenEffort = d.resolutionEfforts.some((e) => OPEN_EFFORT.includes(e.status));
  const effortActions = [];
  if (can('assign') && !hasOpenEffort && !['CLOSED', 'RESOLVED'].includes(d.status)) {
    effortActions.push(action('分流指派化解', form({
      id: 'assign-resolution', submitLabel: '指派',
      fields: [
        { name: 'unitId', label: '承办单位', type: 'select', required: true, options: units },
        { name: 'stage', label: '化解阶段', type: 'select', required: true, options: stages, value: d.litigationCases.length ? 'IN_LITIGATION' : 'PRE_FILING' },
        { name: 'assignedDate', label: '指派日期', type: 'date', required: true, value: today() },
        { name: 'litigationCaseId', label: '关联诉讼案件（诉中、宣判后）', type: 'select', options: d.litigationCases.map((c) => ({ value: c.id, label: c.caseNumber })) },
        { name: 'byCourtLetter', label: '法院委托协调化解（委托函）', type: 'checkbox' },
      ],
      onSubmit: async (v) => done('已指派')(await mutate(`mutation ConsoleAssign($input: AssignResolutionInput!) { assignResolution(input: $input) { ${PAYLOAD} } }`,
        { input: compact({ disputeId: d.id, ...v, byCourtLetter: v.byCourtLetter }) })),
    })));
  }
  sections.push(h('h2', {}, '协调化解'), efforts.length ? efforts : h('p', { class: 'muted' }, '尚未分流化解'), effortActions);

  // Cases.
  const instances = await options('Instance');
  sections.push(h('h2', {}, '诉讼与复议'), table([
    { label: '案号', value: (c) => h('a', { href: `#/case/${c.id}` }, c.caseNumber) },
    { label: '法院', value: (c) => c.court }, { label: '审级', value: (c) => c.instanceLabel },
    { label: '立案日期', value: (c) => fmtDate(c.filedDate) }, { label: '状态', value: (c) => statusTag(c.statusLabel) },
    { label: '裁判结果', value: (c) => (c.outcome ? statusTag(c.outcome.kindLabel, c.outcome.isLoss ? 'bad' : 'good') : '—') },
  ], d.litigationCases, { empty: '暂无诉讼案件', onRowClick: (c) => navigate(`/case/${c.id}`) }));
  if (d.reconsiderationCases.length) {
    sections.push(h('h3', {}, '行政复议'), table([
      { label: '复议案号', value: (r) => r.caseNumber }, { label: '收到日期', value: (r) => fmtDate(r.receivedDate) },
      { label: '状态', value: (r) => statusTag(r.statusLabel) }, { label: '决定', value: (r) => r.decisionLabel || '—' },
    ], d.reconsiderationCases));
  }
  if (can('fileCase') && d.status !== 'CLOSED') {
    sections.push(action('登记行政诉讼案件', form({
      id: 'file-case', submitLabel: '登记',
      fields: [
        { name: 'caseNumber', label: '案号', required: true, placeholder: '（2024）闽0824行初12号' },
        { name: 'court', label: '受理法院', required: true },
        { name: 'plaintiffName', label: '原告', required: true, value: d.applicantName },
        { name: 'filedDate', label: '立案日期', type: 'date', required: true, value: today() },
        { name: 'instance', label: '审级', type: 'select', required: true, options: instances, value: 'FIRST' },
      ],
      onSubmit: async (v) => {
        const effects = escalationEffects(d);
        if (!confirmEffects(effects)) return DECLINED;
        const payload = await mutate(`mutation ConsoleFileCase($input: FileLitigationCaseInput!) { fileLitigationCase(input: $input) { result { id } ${PAYLOAD} } }`,
          { input: { disputeId: d.id, ...v } });
        if (!payload.errors.length) {
          toast(['已登记诉讼案件', ...effects.map(asDone)].join('；'));
          navigate(`/case/${payload.result.id}`);
        }
        return payload.errors;
      },
    })));
  }
  if (can('write') && d.status !== 'CLOSED') {
    sections.push(action('登记行政复议申请', form({
      id: 'receive-reconsideration', submitLabel: '登记',
      fields: [
        { name: 'caseNumber', label: '复议案号', required: true },
        { name: 'receivedDate', label: '收到申请日期', type: 'date', required: true, value: today() },
      ],
      onSubmit: async (v) => {
        const effects = escalationEffects(d);
        if (!confirmEffects(effects)) return DECLINED;
        return done(['已登记复议申请', ...effects.map(asDone)].join('；'))(await mutate(`mutation ConsoleReceiveRecon($input: ReceiveReconsiderationInput!) { receiveReconsideration(input: $input) { ${PAYLOAD} } }`,
          { input: { disputeId: d.id, ...v } }));
      },
    })));
  }
  if (can('assign') && ['RESOLVED', 'ESCALATED', 'OPEN'].includes(d.status)) {
    sections.push(action('争议办结', form({
      id: 'close-dispute', submitLabel: '办结',
      fields: [{ name: 'closedDate', label: '办结日期', type: 'date', required: true, value: today() }],
      onSubmit: async (v) => done('争议已办结')(await mutate(`mutation ConsoleCloseDispute($id: ID!, $closedDate: Date!, $version: Int) { closeDispute(id: $id, closedDate: $closedDate, version: $version) { ${PAYLOAD} } }`,
        { id: d.id, closedDate: v.closedDate, version: d.version })),
    })));
  }

  // Every deadline of the dispute and of what it became: efforts, cases, their hearings, reconsideration.
  const owned = (list, of) => list.map((o) => ({ ...o, of }));
  const allObligations = [
    ...owned(d.obligations, '争议'),
    ...d.resolutionEfforts.flatMap((e) => owned(e.obligations, `${e.stageLabel}化解 · ${e.unit?.name || ''}`)),
    ...d.litigationCases.flatMap((c) => [
      ...owned(c.obligations, `诉讼 ${c.caseNumber}`),
      ...c.hearings.flatMap((x) => owned(x.obligations, `庭审 ${fmtDate(x.scheduledAt)}`)),
    ]),
    ...d.reconsiderationCases.flatMap((r) => owned(r.obligations, `复议 ${r.caseNumber}`)),
  ];
  sections.push(h('h2', {}, '期限事项'), obligationsTable(allObligations, { owner: true }));
  sections.push(h('h2', {}, '办理进程'), eventTimeline(d.timeline));
  const notesSlot = h('div', {}, h('p', { class: 'muted' }, '正在加载……'));
  const timelineSlot = h('div', {}, h('p', { class: 'muted' }, '正在加载……'));
  sections.push(h('h2', {}, '通知'), notesSlot, h('h2', {}, '全程留痕'), timelineSlot);
  render(main, sections);

  const entities = [
    { type: 'disputes', id: d.id },
    ...d.resolutionEfforts.map((e) => ({ type: 'resolution_efforts', id: e.id })),
    ...d.litigationCases.map((c) => ({ type: 'litigation_cases', id: c.id })),
    ...d.reconsiderationCases.map((r) => ({ type: 'reconsideration_cases', id: r.id })),
  ];
  const [notes, events] = await Promise.all([notificationsFor(allObligations.map((o) => o.id)), timeline(entities)]);
  render(notesSlot, notes);
  render(timelineSlot, events);
}
