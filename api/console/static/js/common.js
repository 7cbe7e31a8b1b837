// Data the pages share: the jurisdictions and units the user may see, and an "export to Excel" button.

import { gql } from './api.js';
import { identity, onChange } from './auth.js';
import { h, toast } from './dom.js';
import { downloadBase64 } from './files.js';

let jurisdictionsPromise = null;

/** Jurisdictions visible to the user, with their units (cached per page load). */
export function jurisdictions() {
  jurisdictionsPromise ||= gql('query ConsoleJurisdictions { jurisdictions { id code name plugin population units { id name kind kindLabel } } }')
    .then((d) => d.jurisdictions)
    .catch((error) => { jurisdictionsPromise = null; throw error; });
  return jurisdictionsPromise;
}

export function forgetJurisdictions() {
  jurisdictionsPromise = null;
}

// Another account signing in (or out) in the same tab sees only its own jurisdictions and units.
onChange(forgetJurisdictions);

/** The jurisdiction the user works in (the first visible one for an administrator). */
export async function homeJurisdiction(preferred) {
  const all = await jurisdictions();
  const wanted = preferred || identity()?.jurisdictionId;
  return all.find((j) => j.id === String(wanted)) || all[0] || null;
}

/** A <select> of jurisdictions for an administrator (others see theirs only, as text). */
export async function jurisdictionPicker(current, onChange) {
  const all = await jurisdictions();
  if (all.length <= 1) return null;
  const select = h('select', { id: 'jurisdiction-picker', onchange: (e) => onChange(e.target.value) },
    all.map((j) => h('option', { value: j.id, selected: j.id === current }, j.name)));
  return h('div', { class: 'field' }, h('label', { for: 'jurisdiction-picker' }, '辖区'), select);
}

/** A button that exports the list (same filter, same permissions) through the `exportList` query. */
export function exportButton(kind, getFilter, label = '导出 Excel') {
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    button.disabled = true;
    try {
      const data = await gql(`query ConsoleExport($kind: ExportKind!, $filter: JSON) {
        exportList(kind: $kind, filter: $filter) { fileName contentType base64 rowCount truncated }
      }`, { kind, filter: getFilter() });
      const file = data.exportList;
      downloadBase64(file);
      toast(`已导出 ${file.rowCount} 行${file.truncated ? '（超过上限，仅导出部分）' : ''}`);
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      button.disabled = false;
    }
  } }, label);
  return button;
}

/** Drop empty values from a filter object. */
export function compact(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)));
}

/** A warning when next year's holidays are not entered (from 1 November), with how many open
 * deadlines wait for them; null when there is nothing to say. */
export async function calendarNotice(jurisdictionId) {
  try {
    const data = await gql('query ConsoleCalendarReadiness($j: ID) { calendarReadiness(jurisdictionId: $j) { year warn undatedObligations message } }', { j: jurisdictionId });
    const r = data.calendarReadiness;
    return r.warn ? h('div', { class: 'notice', role: 'alert', id: 'calendar-notice' }, r.message) : null;
  } catch {
    return null;  // the warning is a help, never a reason for the page to fail
  }
}

/** Put `notice` right under the page's heading. */
export function showUnderHeading(main, notice) {
  if (!notice) return;
  const heading = main.querySelector('h1');
  const anchor = heading?.closest('.spread') || heading;
  if (anchor?.parentNode) anchor.parentNode.insertBefore(notice, anchor.nextSibling);
  else main.prepend(notice);
}
