// Small DOM helpers: build elements without innerHTML (no markup injection), format values in Chinese.

/** Create an element: h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'multiple') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replace the content of el. */
export function render(el, ...children) {
  clear(el);
  return append(el, children);
}

const pad = (n) => String(n).padStart(2, '0');

/** "2024-11-20" for a Date or ISO string (China time for date-times). */
export function fmtDate(value) {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const china = new Date(d.getTime() + (8 * 60 + d.getTimezoneOffset()) * 60000);
  return `${china.getFullYear()}-${pad(china.getMonth() + 1)}-${pad(china.getDate())}`;
}

/** "2024-11-20 09:30" in China time. */
export function fmtDateTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const china = new Date(d.getTime() + (8 * 60 + d.getTimezoneOffset()) * 60000);
  return `${fmtDate(value)} ${pad(china.getHours())}:${pad(china.getMinutes())}`;
}

/** An instant as the value of a datetime-local input in China time ("2024-11-20T08:30"): the form
 * adds +08:00 back when it submits, so what was scheduled round-trips exactly. */
export function chinaInputValue(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const china = new Date(d.getTime() + (8 * 60 + d.getTimezoneOffset()) * 60000);
  return `${fmtDate(value)}T${pad(china.getHours())}:${pad(china.getMinutes())}`;
}

/**
 * Say what else an action will change and ask before doing it. `effects` are short Chinese lines;
 * with none there is nothing to ask. Returns whether to go on.
 */
export function confirmEffects(effects) {
  if (!effects.length) return true;
  return window.confirm(`此操作还将：\n${effects.map((e) => `· ${e}`).join('\n')}\n\n是否继续？`);
}

/** The form errors that keep a form as it was when the user declined. */
export const DECLINED = [{ message: '已取消，未作任何更改' }];

/** Today in China as YYYY-MM-DD. */
export function today() {
  return fmtDate(new Date().toISOString());
}

export function yesNo(value) {
  if (value === null || value === undefined) return '—';
  return value ? '是' : '否';
}

export function statusTag(text, tone = '') {
  return h('span', { class: `status ${tone}` }, text || '—');
}

let toastTimer = null;
/** A short message at the bottom right (announced to screen readers). */
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.className = `toast show ${kind === 'error' ? 'error' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, kind === 'error' ? 6000 : 3000);
}

/** A table: columns [{label, value: row => node|text}], rows, optional onRowClick. */
export function table(columns, rows, { onRowClick, empty = '暂无数据', caption } = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)));
  const body = rows.length
    ? rows.map((row) => {
      const tr = h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, c.value(row))));
      if (onRowClick) {
        tr.className = 'clickable';
        tr.tabIndex = 0;
        tr.addEventListener('click', () => onRowClick(row));
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRowClick(row); });
      }
      return tr;
    })
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))];
  return h('div', { class: 'table-wrap' },
    h('table', {}, caption ? h('caption', { class: 'muted small' }, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

/** A definition list of [label, value] pairs. */
export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

export function errorBox(error) {
  return h('div', { class: 'notice', role: 'alert' }, `出错了：${error?.message || error}`);
}
