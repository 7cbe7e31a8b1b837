// Accessible forms: every input has a label; the API's `errors { field code message }` appear next
// to the field they name (or above the buttons when they name none).

import { h, render } from './dom.js';

let formCounter = 0;

/**
 * form({fields, submitLabel, onSubmit}) → {el, values(), setErrors(errors), reset()}
 * A field: {name, label, type: text|textarea|date|datetime|number|select|multiselect|checkbox|file|password,
 *           options: [{value, label}], required, value, help, wide, placeholder, accept}
 * onSubmit(values) returns the API's errors (or nothing): they are shown, otherwise the form resets.
 */
export function form({ fields, submitLabel = '提交', onSubmit, cancel, resetOnSuccess = true, id }) {
  const formId = id || `f${++formCounter}`;
  const inputs = new Map();
  const errorSlots = new Map();
  const formErrors = h('div', { class: 'form-errors', role: 'alert' });
  const submit = h('button', { type: 'submit' }, submitLabel);
  const el = h('form', { class: 'form', id: formId, novalidate: true });

  for (const f of fields) {
    const inputId = `${formId}-${f.name}`;
    const errorId = `${inputId}-error`;
    let input;
    if (f.type === 'select') {
      // A required choice with no sensible default starts at 请选择, so nothing is recorded by accident;
      // a single possible choice is simply made.
      const choices = f.options || [];
      const prompt = f.required
        ? (f.value === undefined || f.value === null || f.value === '') && choices.length !== 1
          ? h('option', { value: '', disabled: true, selected: true }, f.placeholder || '请选择')
          : null
        : h('option', { value: '' }, f.placeholder || '（不限）');
      input = h('select', { id: inputId, name: f.name, required: f.required },
        prompt,
        choices.map((o) => h('option', { value: o.value, selected: String(o.value) === String(f.value ?? '') }, o.label)));
    } else if (f.type === 'multiselect') {
      const chosen = new Set((f.value || []).map(String));
      input = h('select', { id: inputId, name: f.name, multiple: true, size: Math.min(Math.max((f.options || []).length, 2), 6) },
        (f.options || []).map((o) => h('option', { value: o.value, selected: chosen.has(String(o.value)) }, o.label)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { id: inputId, name: f.name, required: f.required, placeholder: f.placeholder }, f.value || '');
    } else if (f.type === 'checkbox') {
      input = h('input', { id: inputId, name: f.name, type: 'checkbox', checked: Boolean(f.value) });
    } else {
      const type = f.type === 'datetime' ? 'datetime-local' : (f.type || 'text');
      input = h('input', {
        id: inputId, name: f.name, type, required: f.required, value: f.value ?? '', placeholder: f.placeholder,
        accept: f.accept, min: f.min, step: f.type === 'datetime' ? 60 : undefined, autocomplete: f.autocomplete,
      });
    }
    input.setAttribute('aria-describedby', errorId);
    const error = h('div', { class: 'field-error', id: errorId });
    const label = h('label', { for: inputId }, f.label, f.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null);
    const wrap = f.type === 'checkbox'
      ? h('div', { class: `field check${f.wide ? ' wide' : ''}` }, input, label, error)
      : h('div', { class: `field${f.wide ? ' wide' : ''}` }, label, input, f.help ? h('div', { class: 'help' }, f.help) : null, error);
    inputs.set(f.name, { input, spec: f });
    errorSlots.set(f.name, error);
    el.append(wrap);
  }
  el.append(formErrors, h('div', { class: 'form-actions' }, submit,
    cancel ? h('button', { type: 'button', class: 'secondary', onclick: cancel }, '取消') : null));

  function values() {
    const out = {};
    for (const [name, { input, spec }] of inputs) {
      if (spec.type === 'checkbox') out[name] = input.checked;
      else if (spec.type === 'file') out[name] = input.files?.[0] || null;
      else if (spec.type === 'multiselect') out[name] = [...input.selectedOptions].map((o) => o.value);
      else if (spec.type === 'number') out[name] = input.value === '' ? null : Number(input.value);
      else if (spec.type === 'datetime') out[name] = input.value ? `${input.value.length === 16 ? input.value + ':00' : input.value}+08:00` : null;
      else out[name] = input.value === '' ? null : input.value;
    }
    return out;
  }

  function setErrors(errors = []) {
    for (const slot of errorSlots.values()) render(slot);
    for (const { input } of inputs.values()) input.removeAttribute('aria-invalid');
    render(formErrors);
    const loose = [];
    for (const e of errors) {
      const name = (e.field || '').replace(/^input\./, '').replace(/\[\d+\]$/, '');
      const target = inputs.get(name);
      if (target) {
        target.input.setAttribute('aria-invalid', 'true');
        errorSlots.get(name).append(h('div', {}, e.message));
      } else {
        loose.push(e.message);
      }
    }
    if (loose.length) render(formErrors, loose.map((m) => h('div', {}, m)));
    const first = errors.length ? el.querySelector('[aria-invalid="true"]') : null;
    if (first) first.focus();
  }

  function reset() {
    el.reset();
    setErrors([]);
  }

  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = [];
    for (const [name, { input, spec }] of inputs) {
      if (spec.required && spec.type !== 'checkbox' && !input.value) {
        missing.push({ field: name, message: spec.type === 'select' ? `请选择${spec.label}` : `${spec.label}不能为空` });
      }
    }
    if (missing.length) {
      setErrors(missing);
      return;
    }
    submit.disabled = true;
    try {
      const errors = (await onSubmit(values())) || [];
      setErrors(errors);
      if (!errors.length && resetOnSuccess) el.reset();
    } catch (error) {
      setErrors([{ message: error.message || String(error) }]);
    } finally {
      submit.disabled = false;
    }
  });

  return { el, values, setErrors, reset, inputs };
}

/** A collapsible action (<details>) holding a form. */
export function action(title, formOrNode, { open = false } = {}) {
  const node = formOrNode.el || formOrNode;
  return h('details', { class: 'action', open }, h('summary', {}, title), node);
}
