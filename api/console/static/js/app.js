// The console's entry point: navigation by role, routes, the unread-notification badge.

import { capabilities, gql } from './api.js';
import { can, identity, onChange, ROLE_LABELS, signOut } from './auth.js';
import { errorBox, h, render } from './dom.js';
import { poll, reset as resetLive, subscribe } from './live.js';
import { currentPath, fallback, navigate, route, start } from './router.js';

const main = document.getElementById('main');

const NAV = [
  { path: '/dashboard', label: '领导驾驶舱', ability: 'dashboard' },
  { path: '/desk', label: '案件台账', ability: 'desk' },
  { path: '/hearings', label: '庭审', ability: 'hearings' },
  { path: '/inbox', label: '通知', ability: 'desk', badge: true },
  { path: '/ledger', label: '台账导入导出', ability: 'ledger' },
  { path: '/admin', label: '系统管理', ability: 'admin' },
];

function homePath() {
  if (can('dashboard')) return '/dashboard';
  return '/desk';
}

const badge = h('span', { class: 'badge', hidden: true, 'aria-label': '未读通知数' });

function renderNav() {
  const nav = document.getElementById('nav');
  const who = identity();
  const path = currentPath();
  render(nav, who ? NAV.filter((n) => can(n.ability)).map((n) => h('a', {
    href: `#${n.path}`,
    'aria-current': path.startsWith(n.path) ? 'page' : null,
  }, n.label, n.badge ? badge : null)) : []);
  const whoami = document.getElementById('whoami');
  render(whoami, who ? [
    h('span', {}, `${who.displayName || who.user}（${ROLE_LABELS[who.role] || who.role}${who.jurisdictionName ? ' · ' + who.jurisdictionName : ''}${who.unitName ? ' · ' + who.unitName : ''}）`),
    h('button', { type: 'button', onclick: async () => { await signOut(); navigate('/signin'); } }, '退出'),
  ] : []);
}

let stopUnread = null;
async function watchUnread() {
  if (stopUnread) stopUnread();
  stopUnread = null;
  resetLive();
  if (!identity()) return;
  const refresh = async () => {
    const data = await gql('query ConsoleUnread { inbox(unreadOnly: true, first: 0) { totalCount } }');
    const count = data.inbox.totalCount;
    badge.hidden = count === 0;
    badge.textContent = String(count);
    document.dispatchEvent(new CustomEvent('caseload:unread', { detail: count }));
  };
  let caps;
  try { caps = await capabilities(); } catch { caps = null; }
  if (caps?.subscription.has('notifications') && identity()?.jurisdictionId) {
    await refresh().catch(() => {});
    const unsubscribe = subscribe(
      'subscription ConsoleNotifications { notifications { id title kindLabel } }',
      {},
      (data) => {
        refresh().catch(() => {});
        document.dispatchEvent(new CustomEvent('caseload:notification', { detail: data?.notifications }));
      },
      () => { stopUnread = poll(refresh, 30); },
    );
    stopUnread = () => unsubscribe();
  } else {
    stopUnread = poll(refresh, 30);
  }
}

/** Show a page: check sign-in, highlight the nav, then let the page render into <main>. */
function page(loader, ability) {
  return async (params, query) => {
    if (!identity()) { navigate('/signin'); return; }
    if (ability && !can(ability)) { navigate(homePath()); return; }
    renderNav();
    render(main, h('p', { class: 'muted' }, '正在加载……'));
    try {
      const module = await loader();
      await module.default(main, params, query);
    } catch (error) {
      console.error(error);
      render(main, errorBox(error));
    }
    main.focus({ preventScroll: true });
  };
}

route('/signin', async () => {
  renderNav();
  const module = await import('./pages/signin.js');
  await module.default(main, { onSignedIn: () => navigate(homePath()) });
});
route('/', () => navigate(identity() ? homePath() : '/signin'));
route('/dashboard', page(() => import('./pages/dashboard.js'), 'dashboard'));
route('/desk', page(() => import('./pages/desk.js'), 'desk'));
route('/dispute/:id', page(() => import('./pages/dispute.js'), 'desk'));
route('/case/:id', page(() => import('./pages/case.js'), 'desk'));
route('/hearings', page(() => import('./pages/hearings.js'), 'hearings'));
route('/inbox', page(() => import('./pages/inbox.js'), 'desk'));
route('/ledger', page(() => import('./pages/ledger.js'), 'ledger'));
route('/admin', page(() => import('./pages/admin.js'), 'admin'));
fallback(() => navigate('/'));

onChange(() => { renderNav(); watchUnread(); });
window.addEventListener('hashchange', renderNav);
renderNav();
watchUnread();
start();
