// 台账导入导出: check an Excel ledger row by row (dry run), import it only when every row passes,
// see the problems by row and column; download the template; export lists. Both the check and the
// import run as background jobs on the server: the page shows their progress and can cancel one
// until it starts writing.

import { gql, mutate } from '../api.js';
import { identity } from '../auth.js';
import { exportButton, homeJurisdiction, jurisdictionPicker } from '../common.js';
import { fmtDateTime, h, render, statusTag, table, toast } from '../dom.js';
import { downloadBase64, readAsBase64 } from '../files.js';
import { navigate } from '../router.js';

const REPORT = `ok committed dryRun summary sheetName headerRow totalRows importedRows skippedRows invalidRows ignoredHeaders
  columns { header field column }
  rows { row status statusLabel sequence disputeNumber caseNumber note problems { column header message text } }`;
const JOB = `id status statusLabel dryRun rowsTotal rowsChecked rowsWritten rowsPerSecond finished cancellable summary
  errors { row header message }`;
const IMPORT = `mutation ConsoleImportLedger($jurisdictionId: ID!, $fileBase64: String!, $fileName: String!, $mapping: JSON, $dryRun: Boolean!) {
  importLedger(jurisdictionId: $jurisdictionId, fileBase64: $fileBase64, fileName: $fileName, mapping: $mapping, dryRun: $dryRun) {
    result { ${JOB} }
    errors { field code message }
  }
}`;
const WATCH = `query ConsoleLedgerImport($id: ID!) { ledgerImport(id: $id) { ${JOB} report { ${REPORT} } } }`;
const CANCEL = `mutation ConsoleCancelLedgerImport($id: ID!) { cancelLedgerImport(id: $id) { result { ${JOB} } errors { field code message } } }`;
const POLL_MS = 500;

// The progress of a running job: a bar over the rows checked (a dry run) or written (an import).
function progressView(job, onCancel) {
  const total = job.rowsTotal || 0;
  const done = job.dryRun || job.rowsWritten === 0 ? job.rowsChecked : job.rowsWritten;
  const phase = job.status === 'QUEUED' ? '排队中，等待开始……'
    : total === 0 ? '正在读取文件……'
      : job.rowsWritten > 0 ? `正在写入：已写入 ${job.rowsWritten} / ${total} 行`
        : `正在校验：已校验 ${job.rowsChecked} / ${total} 行${job.rowsPerSecond ? `，每秒约 ${job.rowsPerSecond} 行` : ''}`;
  return h('section', { class: 'card', id: 'import-progress', 'aria-live': 'polite' },
    h('h2', {}, job.dryRun ? '校验中' : '导入中'),
    h('progress', { id: 'import-progress-bar', max: String(total || 1), value: String(total ? done : 0), 'aria-label': phase }),
    h('p', { id: 'import-progress-text' }, phase),
    job.errors.length ? h('p', { class: 'notice', role: 'alert' }, `已发现 ${job.errors.length} 处问题（结束后逐行列出）`) : null,
    h('button', { type: 'button', class: 'secondary', id: 'ledger-cancel', disabled: !job.cancellable, onclick: onCancel },
      job.cancellable ? '取消' : '已开始写入，无法取消'));
}
const TONE = { imported: 'good', valid: 'good', skipped: '', invalid: 'bad' };

function reportView(report) {
  return h('section', { class: 'card', id: 'import-report', 'aria-live': 'polite' },
    h('h2', {}, report.committed ? '导入完成' : report.ok ? '校验通过' : '校验未通过'),
    h('p', { class: report.ok ? '' : 'notice', role: report.ok ? null : 'alert' }, report.summary),
    h('p', { class: 'small muted' }, `工作表“${report.sheetName}”，表头在第 ${report.headerRow} 行；识别的列：${report.columns.map((c) => `${c.header}（${c.column}列）`).join('、')}`
      + (report.ignoredHeaders.length ? `；未导入的列：${report.ignoredHeaders.join('、')}` : '')),
    table([
      { label: '行号', value: (r) => String(r.row) },
      { label: '序号', value: (r) => r.sequence || '—' },
      { label: '结果', value: (r) => statusTag(r.statusLabel, TONE[r.status]) },
      { label: '争议编号 / 案号', value: (r) => [r.disputeNumber, r.caseNumber].filter(Boolean).join(' / ') || '—' },
      { label: '说明', value: (r) => (r.problems.length
        ? h('ul', { class: 'problem-list' }, r.problems.map((p) => h('li', {}, p.header ? `${p.header}${p.column ? `（${p.column}列）` : ''}：${p.message}` : p.message)))
        : r.note) },
    ], report.rows, { empty: '文件中没有数据行' }));
}

export default async function ledgerPage(main, _params, query) {
  const who = identity();
  const jurisdiction = await homeJurisdiction(query.get('jurisdictionId') || who.jurisdictionId);
  if (!jurisdiction) { render(main, h('p', { class: 'muted' }, '没有可导入的辖区')); return; }
  const picker = await jurisdictionPicker(jurisdiction.id, (id) => navigate(`/ledger?jurisdictionId=${id}`));
  const reportSlot = h('div', {});
  const historySlot = h('div', {});
  const fileInput = h('input', { id: 'ledger-file', type: 'file', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'aria-describedby': 'ledger-file-help' });
  const mappingInput = h('textarea', { id: 'ledger-mapping', placeholder: '{"当事人姓名": "applicant_name", "备注": null}', 'aria-describedby': 'ledger-mapping-help' });
  const fileError = h('div', { class: 'field-error', role: 'alert' });
  const checkButton = h('button', { type: 'button', id: 'ledger-check' }, '校验');
  const importButton = h('button', { type: 'button', id: 'ledger-import', disabled: true }, '导入');

  async function run(dryRun) {
    render(fileError);
    const file = fileInput.files?.[0];
    if (!file) { render(fileError, '请选择 Excel 文件（.xlsx）'); fileInput.focus(); return; }
    let mapping = null;
    if (mappingInput.value.trim()) {
      try { mapping = JSON.parse(mappingInput.value); } catch { render(fileError, '列映射不是有效的 JSON'); mappingInput.focus(); return; }
    }
    checkButton.disabled = true;
    importButton.disabled = true;
    render(reportSlot, h('p', { class: 'muted' }, '正在上传……'));
    try {
      const payload = await mutate(IMPORT, { jurisdictionId: jurisdiction.id, fileBase64: await readAsBase64(file), fileName: file.name, mapping, dryRun });
      if (payload.errors.length) {
        render(reportSlot);
        render(fileError, payload.errors.map((e) => e.message).join('；'));
        return;
      }
      const job = await watch(payload.result);
      if (job.status === 'CANCELLED') { render(reportSlot, h('p', { class: 'muted', id: 'import-cancelled' }, job.summary)); return; }
      if (!job.report) { // the whole file refused (unreadable, a bad mapping…)
        render(reportSlot);
        render(fileError, job.errors.map((e) => e.message).join('；') || job.summary);
        return;
      }
      render(reportSlot, reportView(job.report));
      importButton.disabled = !(dryRun && job.report.ok);
      if (job.report.committed) { toast(job.report.summary); loadHistory(); }
    } catch (error) {
      render(reportSlot);
      render(fileError, error.message);
    } finally {
      checkButton.disabled = false;
    }
  }

  // Follow a job until it ends, redrawing its progress; the cancel button asks the server to stop it.
  async function watch(started) {
    let job = started;
    const cancel = async () => {
      const answer = await mutate(CANCEL, { id: job.id });
      if (answer.errors.length) toast(answer.errors.map((e) => e.message).join('；'), 'error');
    };
    while (!job.finished) {
      render(reportSlot, progressView(job, cancel));
      await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
      job = (await gql(WATCH, { id: job.id })).ledgerImport;
    }
    return job;
  }
  checkButton.addEventListener('click', () => run(true));
  importButton.addEventListener('click', () => run(false));
  fileInput.addEventListener('change', () => { importButton.disabled = true; render(reportSlot); });

  async function loadHistory() {
    const data = await gql('query ConsoleLedgerImports($j: ID) { ledgerImports(jurisdictionId: $j) { id fileName actor totalRows importedRows skippedRows createdAt } }', { j: jurisdiction.id });
    render(historySlot, table([
      { label: '时间', value: (r) => fmtDateTime(r.createdAt) }, { label: '文件', value: (r) => r.fileName },
      { label: '导入人', value: (r) => r.actor }, { label: '总行数', value: (r) => String(r.totalRows) },
      { label: '导入', value: (r) => String(r.importedRows) }, { label: '跳过', value: (r) => String(r.skippedRows) },
    ], data.ledgerImports, { empty: '暂无导入记录' }));
  }

  const fields = await gql('query ConsoleLedgerFields { ledgerFields { key label required help headers choices } }');
  render(main,
    h('div', { class: 'spread' }, h('h1', {}, `台账导入导出 · ${jurisdiction.name}`), picker),
    h('section', { class: 'card', 'aria-labelledby': 'import-title' },
      h('h2', { id: 'import-title' }, '导入 Excel 台账'),
      h('p', { class: 'small' }, '先“校验”：系统逐行检查（与手工登记相同的规则），全部通过后才能“导入”；有任何一行错误则不导入任何数据。已导入过的行会自动跳过，重复导入同一文件不会产生重复记录。'),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'ledger-file' }, 'Excel 文件'), fileInput,
          h('div', { class: 'help', id: 'ledger-file-help' }, '.xlsx，第一张含表头的工作表；最多 50000 行。校验和导入在后台进行，可看进度、写入前可取消')),
        checkButton, importButton,
        h('button', { type: 'button', class: 'secondary', onclick: async () => {
          const data = await gql('query ConsoleLedgerTemplate { ledgerTemplate { fileName contentType base64 } }');
          downloadBase64(data.ledgerTemplate);
        } }, '下载台账模板')),
      fileError,
      h('details', {}, h('summary', {}, '列映射（表头与字段不一致时填写）'),
        h('div', { class: 'field' }, h('label', { for: 'ledger-mapping' }, '列映射（JSON：{"表头": "字段名"}，字段名为 null 表示忽略该列）'), mappingInput,
          h('div', { class: 'help', id: 'ledger-mapping-help' }, '默认识别的表头见下表')),
        table([
          { label: '字段名', value: (f) => f.key }, { label: '中文', value: (f) => `${f.label}${f.required ? ' *' : ''}` },
          { label: '默认识别的表头', value: (f) => f.headers.join('、') }, { label: '说明', value: (f) => [f.help, f.choices.length ? `可选：${f.choices.join('、')}` : ''].filter(Boolean).join('；') },
        ], fields.ledgerFields))),
    reportSlot,
    h('section', { class: 'card' }, h('h2', {}, '导出列表'),
      h('div', { class: 'row' },
        exportButton('DISPUTES', () => ({ jurisdictionId: jurisdiction.id }), '导出全部争议'),
        exportButton('LITIGATION_CASES', () => ({ jurisdictionId: jurisdiction.id }), '导出全部诉讼案件'),
        exportButton('OBLIGATIONS', () => ({ jurisdictionId: jurisdiction.id }), '导出全部期限事项'),
        exportButton('HEARINGS', () => ({ jurisdictionId: jurisdiction.id }), '导出全部庭审'))),
    h('section', { class: 'card' }, h('h2', {}, '导入记录'), historySlot));
  await loadHistory();
}
