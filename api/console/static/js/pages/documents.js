// 通报与文书: preview a quarter's bulletin from the current figures, publish it as a frozen edition,
// list the editions with their downloads (fetched through the user's own session), and show what
// changed between an edition and the one before.

import { gql, mutate } from '../api.js';
import { can, identity } from '../auth.js';
import { homeJurisdiction, jurisdictionPicker } from '../common.js';
import { fmtDateTime, h, render, statusTag, table, toast } from '../dom.js';
import { downloadFrom } from '../files.js';
import { navigate } from '../router.js';

const PREVIEW = `query ConsoleBulletinPreview($j: ID!, $year: Int!, $quarter: Int!) {
  bulletinPreview(jurisdictionId: $j, year: $year, quarter: $quarter) {
    title periodLabel ytdLabel dataAsOf summary
    indicators { label quarter { display } ytd { display } change statusLabel status }
  }
}`;
const LIST = `query ConsoleBulletins($j: ID!) {
  bulletins(jurisdictionId: $j) { id year quarter edition title asOf publishedAt publishedBy note docxUrl xlsxUrl }
}`;
const PUBLISH = `mutation ConsolePublishBulletin($j: ID!, $year: Int!, $quarter: Int!, $note: String) {
  publishBulletin(jurisdictionId: $j, year: $year, quarter: $quarter, note: $note) {
    result { id edition title } errors { field code message }
  }
}`;
const DIFF = `query ConsoleBulletinDiff($from: ID!, $to: ID!) {
  bulletinDiff(fromId: $from, toId: $to) { label kind before after }
}`;

const TONE = { MET: 'good', AT_RISK: 'warn', MISSED: 'bad' };
const KIND = { changed: '修改', added: '新增', removed: '删除' };

function currentPeriod() {
  const now = new Date();
  return { year: now.getFullYear(), quarter: Math.floor(now.getMonth() / 3) + 1 };
}

function previewView(content) {
  return h('section', { class: 'card', id: 'bulletin-preview', 'aria-live': 'polite' },
    h('h2', {}, content.title),
    h('p', { class: 'small muted' }, `${content.periodLabel}；${content.ytdLabel}；数据截至 ${content.dataAsOf}（预览，未发布）`),
    content.summary.map((text) => h('p', {}, text)),
    table([
      { label: '指标', value: (r) => r.label },
      { label: '本季度', value: (r) => r.quarter.display },
      { label: '年初至今', value: (r) => r.ytd.display },
      { label: '同比', value: (r) => r.change },
      { label: '状态', value: (r) => statusTag(r.statusLabel, TONE[r.status]) },
    ], content.indicators, { empty: '没有指标' }));
}

export default async function documentsPage(main, _params, query) {
  const who = identity();
  const jurisdiction = await homeJurisdiction(query.get('jurisdictionId') || who.jurisdictionId);
  if (!jurisdiction) { render(main, h('p', { class: 'muted' }, '没有可查看的辖区')); return; }
  const picker = await jurisdictionPicker(jurisdiction.id, (id) => navigate(`/documents?jurisdictionId=${id}`));
  const period = currentPeriod();
  const yearInput = h('select', { id: 'bulletin-year' },
    [period.year, period.year - 1, period.year - 2].map((y) => h('option', { value: String(y) }, `${y}年`)));
  const quarterInput = h('select', { id: 'bulletin-quarter' },
    [1, 2, 3, 4].map((q) => h('option', { value: String(q), selected: q === period.quarter }, `第${q}季度`)));
  const noteInput = h('input', { id: 'bulletin-note', type: 'text', placeholder: '可选：本版说明（如“更正第二季度数据”）' });
  const previewSlot = h('div', {});
  const listSlot = h('div', {});
  const diffSlot = h('div', {});
  const formError = h('div', { class: 'field-error', role: 'alert' });
  const chosen = () => ({ j: jurisdiction.id, year: Number(yearInput.value), quarter: Number(quarterInput.value) });

  async function preview() {
    render(formError);
    render(previewSlot, h('p', { class: 'muted' }, '正在按当前数据生成……'));
    try {
      render(previewSlot, previewView((await gql(PREVIEW, chosen())).bulletinPreview));
    } catch (error) {
      render(previewSlot);
      render(formError, error.message);
    }
  }

  async function publish() {
    render(formError);
    const { year, quarter } = chosen();
    if (!window.confirm(`按当前数据发布 ${year}年第${quarter}季度通报？发布后内容冻结；再次发布为新版本，旧版本保留。`)) return;
    const payload = await mutate(PUBLISH, { ...chosen(), note: noteInput.value.trim() || null });
    if (payload.errors.length) { render(formError, payload.errors.map((e) => e.message).join('；')); return; }
    toast(`已发布：${payload.result.title}（第${payload.result.edition}版）`);
    noteInput.value = '';
    await loadList();
  }

  async function compare(row, previous) {
    const changes = (await gql(DIFF, { from: previous.id, to: row.id })).bulletinDiff;
    render(diffSlot, h('section', { class: 'card', id: 'bulletin-diff' },
      h('h2', {}, `${row.title}：第${previous.edition}版 → 第${row.edition}版`),
      changes.length
        ? table([
          { label: '位置', value: (c) => c.label },
          { label: '变化', value: (c) => KIND[c.kind] || c.kind },
          { label: `第${previous.edition}版`, value: (c) => c.before ?? '—' },
          { label: `第${row.edition}版`, value: (c) => c.after ?? '—' },
        ], changes)
        : h('p', {}, '两版内容相同')));
  }

  async function loadList() {
    const rows = (await gql(LIST, { j: jurisdiction.id })).bulletins;
    const previousOf = (row) => rows.find((r) => r.year === row.year && r.quarter === row.quarter && r.edition === row.edition - 1);
    render(listSlot, table([
      { label: '期次', value: (r) => `${r.year}年第${r.quarter}季度` },
      { label: '版本', value: (r) => `第${r.edition}版` },
      { label: '标题', value: (r) => r.title },
      { label: '数据截至', value: (r) => r.asOf },
      { label: '发布', value: (r) => `${fmtDateTime(r.publishedAt)} ${r.publishedBy}` },
      { label: '说明', value: (r) => r.note || '—' },
      { label: '下载', value: (r) => h('span', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: () => downloadFrom(r.docxUrl, `${r.title}（第${r.edition}版）.docx`) }, 'Word'),
        h('button', { type: 'button', class: 'secondary', onclick: () => downloadFrom(r.xlsxUrl, `${r.title}（第${r.edition}版）.xlsx`) }, 'Excel')) },
      { label: '比较', value: (r) => (previousOf(r)
        ? h('button', { type: 'button', class: 'secondary', onclick: () => compare(r, previousOf(r)) }, '与上一版比较')
        : '—') },
    ], rows, { empty: '尚未发布通报', caption: '已发布的通报' }));
  }

  const publishButton = can('publishBulletin')
    ? h('button', { type: 'button', id: 'bulletin-publish', onclick: publish }, '发布')
    : null;
  render(main,
    h('div', { class: 'spread' }, h('h1', {}, `通报与文书 · ${jurisdiction.name}`), picker),
    h('section', { class: 'card', 'aria-labelledby': 'bulletin-title' },
      h('h2', { id: 'bulletin-title' }, '季度通报'),
      h('p', { class: 'small' }, '“预览”按当前数据生成通报，不保存；“发布”把当前内容冻结为新的一版（可下载 Word、Excel），以后数据变化不影响已发布的版本。'),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'bulletin-year' }, '年度'), yearInput),
        h('div', { class: 'field' }, h('label', { for: 'bulletin-quarter' }, '季度'), quarterInput),
        publishButton ? h('div', { class: 'field' }, h('label', { for: 'bulletin-note' }, '本版说明'), noteInput) : null,
        h('button', { type: 'button', class: 'secondary', id: 'bulletin-preview-button', onclick: preview }, '预览'),
        publishButton),
      formError),
    previewSlot,
    h('section', { class: 'card' }, h('h2', {}, '已发布的通报'), listSlot),
    diffSlot);
  await loadList();
}
