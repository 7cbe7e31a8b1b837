// Sign in: with an account (the API's `login` mutation) when the server offers it, and, on a
// development server, "sign in as" a role of a jurisdiction (development identity headers).

import { capabilities, gql } from '../api.js';
import { ROLE_LABELS, signInAs, signInWithPassword } from '../auth.js';
import { h, render } from '../dom.js';
import { form } from '../forms.js';

export default async function signin(main, { onSignedIn }) {
  let caps = null;
  try { caps = await capabilities(); } catch { /* the dev form still works */ }
  const parts = [h('h1', {}, '登录')];

  if (caps?.mutation.has('login')) {
    const login = form({
      id: 'login',
      submitLabel: '登录',
      fields: [
        { name: 'username', label: '账号', required: true, autocomplete: 'username' },
        { name: 'password', label: '密码', type: 'password', required: true, autocomplete: 'current-password' },
      ],
      onSubmit: async (v) => {
        const errors = await signInWithPassword(v.username, v.password);
        if (!errors.length) onSignedIn();
        return errors;
      },
    });
    parts.push(h('section', { class: 'card', 'aria-labelledby': 'login-title' }, h('h2', { id: 'login-title' }, '账号登录'), login.el));
  }

  let jurisdictions = [];
  try {
    const data = await gql('query ConsoleSignInChoices { jurisdictions { id name units { id name kindLabel } } }');
    jurisdictions = data.jurisdictions;
  } catch { /* production servers list nothing to an anonymous visitor */ }

  if (jurisdictions.length) {
    const roleOptions = Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }));
    const dev = form({
      id: 'signin-as',
      submitLabel: '进入',
      resetOnSuccess: false,
      fields: [
        { name: 'role', label: '角色', type: 'select', required: true, options: roleOptions, value: 'justice_staff' },
        { name: 'jurisdictionId', label: '辖区', type: 'select', required: true, options: jurisdictions.map((j) => ({ value: j.id, label: j.name })) },
        { name: 'unitId', label: '单位（单位联络员必选）', type: 'select', options: [], placeholder: '（无）' },
        { name: 'user', label: '账号（字母或数字）', required: true, value: 'staff', autocomplete: 'username' },
        { name: 'displayName', label: '姓名', value: '' },
      ],
      onSubmit: async (v) => {
        if (v.role === 'unit_clerk' && !v.unitId) return [{ field: 'unitId', message: '单位联络员须选择所在单位' }];
        if (!/^[A-Za-z0-9._@-]{1,60}$/.test(v.user)) return [{ field: 'user', message: '账号只能包含字母、数字和 . _ @ -' }];
        const j = jurisdictions.find((x) => x.id === v.jurisdictionId);
        const unit = j?.units.find((u) => u.id === v.unitId);
        signInAs({
          role: v.role,
          jurisdictionId: v.role === 'system_admin' ? null : v.jurisdictionId,
          unitId: v.unitId,
          user: v.user,
          displayName: v.displayName || '',
          jurisdictionName: v.role === 'system_admin' ? '' : j?.name || '',
          unitName: unit?.name || '',
        });
        onSignedIn();
        return [];
      },
    });
    const jurisdictionSelect = dev.inputs.get('jurisdictionId').input;
    const unitSelect = dev.inputs.get('unitId').input;
    const fillUnits = () => {
      const j = jurisdictions.find((x) => x.id === jurisdictionSelect.value);
      render(unitSelect, h('option', { value: '' }, '（无）'), (j?.units || []).map((u) => h('option', { value: u.id }, `${u.name}（${u.kindLabel}）`)));
    };
    jurisdictionSelect.addEventListener('change', fillUnits);
    fillUnits();
    parts.push(h('section', { class: 'card', 'aria-labelledby': 'dev-title' },
      h('h2', { id: 'dev-title' }, caps?.mutation.has('login') ? '开发环境：以指定身份进入' : '选择身份进入'),
      h('p', { class: 'muted small' }, '开发环境使用身份请求头（X-Caseload-*）；生产环境请使用账号登录。'),
      dev.el));
  } else if (!caps?.mutation.has('login')) {
    parts.push(h('div', { class: 'notice' }, '服务器未提供登录方式，请联系系统管理员。'));
  }
  render(main, h('div', { class: 'signin' }, parts));
}
