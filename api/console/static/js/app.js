// The console's entry point: navigation by role, routes, the unread-notification badge.

import { capabilities, gql, UNREACHABLE } from './api.js';
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
  { path: '/documents', label: '通报与文书', ability: 'documents' },
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

let lastUnread = null;
/** Update the unread badge; pages hear of a change through the "caseload:unread" event. */
async function refreshUnread() {
  if (!identity()) return;
  const data = await gql('query ConsoleUnread { inbox(unreadOnly: true, first: 0) { totalCount } }');
  const count = data.inbox.totalCount;
  badge.hidden = count === 0;
  badge.textContent = String(count);
  if (count !== lastUnread) {
    lastUnread = count;
    document.dispatchEvent(new CustomEvent('caseload:unread', { detail: count }));
  }
}
// A page that changed notifications (acknowledged one) asks for the badge to be updated.
document.addEventListener('caseload:inbox-changed', () => { refreshUnread().catch(() => {}); });

let stopUnread = null;
async function watchUnread() {
  if (stopUnread) stopUnread();
  stopUnread = null;
  resetLive();
  if (!identity()) return;
  const refresh = refreshUnread;
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

// Each navigation renders into a fresh container, swapped into <main> only if no later navigation
// started meanwhile: a slow page finishing late must not replace the page the user went to.
let generation = 0;

async function show(load) {
  const mine = ++generation;
  const view = h('div', {});
  render(main, h('p', { class: 'muted' }, '正在加载……'));
  try {
    await load(view);
  } catch (error) {
    console.error(error);
    // A page module that cannot be loaded means the server is out of reach (or was upgraded).
    const unreachable = error instanceof TypeError && /fetch|import/i.test(error.message);
    render(view, errorBox(unreachable ? UNREACHABLE : error));
  }
  if (mine !== generation) return;
  render(main, view);
  main.focus({ preventScroll: true });
}

/** A page that needs a signed-in user (and, optionally, an ability). */
function page(loader, ability) {
  return async (params, query) => {
    if (!identity()) { navigate('/signin'); return; }
    if (ability && !can(ability)) { navigate(homePath()); return; }
    renderNav();
    await show(async (view) => {
      const module = await loader();
      await module.default(view, params, query);
    });
  };
}

route('/signin', async () => {
  renderNav();
  await show(async (view) => {
    const module = await import('./pages/signin.js');
    await module.default(view, { onSignedIn: () => navigate(homePath()) });
  });
});
route('/', () => navigate(identity() ? homePath() : '/signin'));
route('/dashboard', page(() => import('./pages/dashboard.js'), 'dashboard'));
route('/desk', page(() => import('./pages/desk.js'), 'desk'));
route('/dispute/:id', page(() => import('./pages/dispute.js'), 'desk'));
route('/case/:id', page(() => import('./pages/case.js'), 'desk'));
route('/hearings', page(() => import('./pages/hearings.js'), 'hearings'));
route('/inbox', page(() => import('./pages/inbox.js'), 'desk'));
route('/documents', page(() => import('./pages/documents.js'), 'documents'));
route('/ledger', page(() => import('./pages/ledger.js'), 'ledger'));
route('/admin', page(() => import('./pages/admin.js'), 'admin'));
fallback(() => navigate('/'));

onChange(() => { renderNav(); watchUnread(); });
window.addEventListener('hashchange', renderNav);
renderNav();
watchUnread();
start();
