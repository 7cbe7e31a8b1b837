// Forms for a hearing's steps (used on the case page and the hearings page): designate the head,
// check the head's identity, record the hearing.

import { gql, mutate } from './api.js';
import { can } from './auth.js';
import { compact } from './common.js';
import { chinaInputValue, today } from './dom.js';
import { action, form } from './forms.js';

const PAYLOAD = 'errors { field code message }';

export const HEARING_FIELDS = `id scheduledAt court courtroom headRequired status statusLabel identityCheck identityCheckLabel
  identityNote heldAt headAttended headSpoke substituteName excuseReason version unitId
  designatedOfficial { id name rankLabel } attendingOfficial { id name }
  case { id caseNumber } unit { id name }
  obligations { id title dueDate status statusLabel }
  eligibleHeads { id name rankLabel }`;

const officialsCache = new Map();
/** Forget the officials read so far (after one is added or changed). */
export function forgetOfficials() {
  officialsCache.clear();
}

/** Active officials of a unit and of the county government (a suit against it needs its leaders). */
export async function officialsFor(unitId) {
  if (!officialsCache.has(unitId)) {
    officialsCache.set(unitId, gql('query ConsoleOfficials($unitId: ID) { officials(unitId: $unitId) { id name rankLabel unit { name } } }', { unitId })
      .then((d) => d.officials));
  }
  return officialsCache.get(unitId);
}

/** The actions a scheduled hearing allows; `onDone(message)` after a success. */
export async function hearingActions(hearing, onDone) {
  if (hearing.status !== 'SCHEDULED' || !can('hearingWrite')) return [];
  const officials = await officialsFor(hearing.unitId);
  const people = officials.map((o) => ({ value: o.id, label: `${o.name}（${o.rankLabel}）` }));
  const finish = (message) => (payload) => {
    if (!payload.errors.length) onDone(message);
    return payload.errors;
  };
  // Only the people who would pass the identity check (the county's rule decides) can be designated.
  const heads = (hearing.eligibleHeads || []).map((o) => ({ value: o.id, label: `${o.name}（${o.rankLabel}）` }));
  const items = [];
  if (can('designate')) {
    items.push(action('确定出庭负责人', form({
      id: `designate-${hearing.id}`, submitLabel: '确定',
      fields: [{ name: 'officialId', label: '出庭负责人', type: 'select', required: true, options: heads, value: hearing.designatedOfficial?.id,
        help: heads.length ? '仅列出符合条件的负责人；他人出庭须先登记批准' : '本单位尚无符合条件的负责人，请先在系统管理中添加' }],
      onSubmit: async (v) => finish('已确定出庭负责人')(await mutate(
        `mutation ConsoleDesignate($hearingId: ID!, $officialId: ID!, $version: Int) { designateHearingHead(hearingId: $hearingId, officialId: $officialId, version: $version) { ${PAYLOAD} } }`,
        { hearingId: hearing.id, officialId: v.officialId, version: hearing.version })),
    })));
    // Where the county's rule allows it (e.g. Wuping: 经分管县领导同意由分管领导出庭); the API says when not.
    items.push(action('负责人不能出庭：经批准由他人代为出庭', form({
      id: `substitute-${hearing.id}`, submitLabel: '登记批准',
      fields: [
        { name: 'officialId', label: '代为出庭人员', type: 'select', required: true, options: people },
        { name: 'approvedById', label: '批准人', type: 'select', required: true, options: people },
        { name: 'reason', label: '负责人不能出庭的理由', type: 'textarea', required: true, wide: true },
      ],
      onSubmit: async (v) => finish('已登记代为出庭')(await mutate(
        `mutation ConsoleSubstitute($hearingId: ID!, $officialId: ID!, $approvedById: ID!, $reason: String!, $version: Int) { approveSubstituteHead(hearingId: $hearingId, officialId: $officialId, approvedById: $approvedById, reason: $reason, version: $version) { ${PAYLOAD} } }`,
        { hearingId: hearing.id, ...v, version: hearing.version })),
    })));
    if (hearing.designatedOfficial) {
      items.push(action('核验出庭负责人身份', form({
        id: `verify-${hearing.id}`, submitLabel: '核验',
        fields: [],
        onSubmit: async () => finish('已核验身份')(await mutate(
          `mutation ConsoleVerify($hearingId: ID!, $version: Int) { checkHearingIdentity(hearingId: $hearingId, version: $version) { result { identityCheckLabel identityNote } ${PAYLOAD} } }`,
          { hearingId: hearing.id, version: hearing.version })),
      })));
    }
  }
  items.push(action('登记庭审情况', form({
    id: `record-${hearing.id}`, submitLabel: '登记',
    fields: [
      { name: 'heldAt', label: '开庭时间', type: 'datetime', required: true, value: chinaInputValue(hearing.scheduledAt) },
      { name: 'headAttended', label: '负责人出庭', type: 'checkbox', value: true },
      { name: 'attendingOfficialId', label: '出庭负责人', type: 'select', options: people, value: hearing.designatedOfficial?.id },
      { name: 'headSpoke', label: '出庭又出声', type: 'checkbox', value: true },
      { name: 'substituteName', label: '代为出庭人员（未出庭时）' },
      { name: 'excuseReason', label: '未出庭理由', type: 'textarea', wide: true },
    ],
    onSubmit: async (v) => finish('已登记庭审情况')(await mutate(
      `mutation ConsoleRecordHearing($input: RecordHearingInput!) { recordHearing(input: $input) { ${PAYLOAD} } }`,
      { input: compact({ hearingId: hearing.id, version: hearing.version, ...v, headAttended: v.headAttended, headSpoke: v.headAttended ? v.headSpoke : null }) })),
  })));
  return items;
}

/** The form to schedule a hearing of a case. */
export function scheduleForm(caseId, onDone) {
  return action('登记开庭', form({
    id: `schedule-${caseId}`, submitLabel: '登记开庭',
    fields: [
      { name: 'scheduledAt', label: '开庭时间', type: 'datetime', required: true, value: `${today()}T09:00` },
      { name: 'court', label: '法院（默认为受理法院）' },
      { name: 'courtroom', label: '法庭' },
      { name: 'headRequired', label: '法院要求负责人出庭', type: 'checkbox', value: true },
    ],
    onSubmit: async (v) => {
      const payload = await mutate(`mutation ConsoleSchedule($input: ScheduleHearingInput!) { scheduleHearing(input: $input) { result { id } ${PAYLOAD} } }`,
        { input: compact({ caseId, ...v, headRequired: v.headRequired }) });
      if (!payload.errors.length) onDone('已登记开庭');
      return payload.errors;
    },
  }));
}

export function identityTone(check) {
  return { VERIFIED: 'good', REJECTED: 'bad' }[check] || 'warn';
}

