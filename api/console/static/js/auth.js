// Who is signed in, and how requests say so.
//
// Two ways to sign in, one identity shape ({user, displayName, role, jurisdictionId, unitId, ...}):
//  - "password": the API's `login` mutation returns tokens; requests carry `Authorization: Bearer`.
//  - "dev": development identity headers (X-Caseload-*), for a server not in production mode.
// Pages only read `identity()` and `can()`; they never know which way was used.

const KEY = 'caseload.identity';
const listeners = new Set();

export const ROLE_LABELS = {
  system_admin: '系统管理员',
  jurisdiction_admin: '县级管理员',
  justice_staff: '司法局工作人员',
  unit_clerk: '单位联络员',
  court_liaison: '法院联络员',
  leader: '领导',
};

/** The signed-in identity, or null. */
export function identity() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

function store(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
  for (const fn of listeners) fn(value);
}

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Headers that say who is asking (added to every GraphQL request). */
export function requestHeaders() {
  const who = identity();
  if (!who) return {};
  if (who.kind === 'password') return { Authorization: `Bearer ${who.accessToken}` };
  const headers = { 'X-Caseload-Role': who.role, 'X-Caseload-User': who.user };
  if (who.jurisdictionId) headers['X-Caseload-Jurisdiction'] = String(who.jurisdictionId);
  if (who.unitId) headers['X-Caseload-Unit'] = String(who.unitId);
  if (who.officialId) headers['X-Caseload-Official'] = String(who.officialId);
  return headers;
}

/** The graphql-transport-ws connection_init payload (browsers cannot set WebSocket headers). */
export function connectionParams() {
  const headers = requestHeaders();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { ...lower, headers: lower };
}

/** Development sign-in: the identity the X-Caseload-* headers will carry. */
export function signInAs({ role, jurisdictionId = null, unitId = null, officialId = null, user, displayName = '', jurisdictionName = '', unitName = '' }) {
  store({
    kind: 'dev',
    role,
    user: user || role,
    displayName: displayName || user || ROLE_LABELS[role] || role,
    jurisdictionId: jurisdictionId ? String(jurisdictionId) : null,
    unitId: unitId ? String(unitId) : null,
    officialId: officialId ? String(officialId) : null,
    jurisdictionName,
    unitName,
  });
}

const SESSION_FIELDS = 'accessToken refreshToken expiresAt user { username displayName role jurisdictionId unitId officialId }';

function fromSession(session, extra = {}) {
  const u = session.user;
  return {
    kind: 'password',
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    expiresAt: session.expiresAt,
    user: u.username,
    displayName: u.displayName || u.username,
    role: String(u.role).toLowerCase(),
    jurisdictionId: u.jurisdictionId,
    unitId: u.unitId,
    officialId: u.officialId,
    ...extra,
  };
}

async function post(query, variables, headers = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('；'));
  return body.data;
}

/** Password sign-in through the API's `login` mutation; returns [] or the API's errors. */
export async function signInWithPassword(username, password) {
  const data = await post(
    `mutation ConsoleLogin($username: String!, $password: String!) {
      login(username: $username, password: $password) { result { ${SESSION_FIELDS} } errors { field code message } }
    }`,
    { username, password },
  );
  const payload = data.login;
  if (payload.errors?.length) return payload.errors;
  store(fromSession(payload.result));
  return [];
}

let refreshing = null;
/** Swap the refresh token for new tokens (once at a time); false when that is not possible. */
export async function refresh() {
  const who = identity();
  if (!who || who.kind !== 'password' || !who.refreshToken) return false;
  refreshing ||= post(
    `mutation ConsoleRefresh($token: String!) {
      refreshSession(refreshToken: $token) { result { ${SESSION_FIELDS} } errors { message } }
    }`,
    { token: who.refreshToken },
  ).then((data) => {
    const payload = data.refreshSession;
    if (payload.errors?.length || !payload.result) return false;
    store(fromSession(payload.result));
    return true;
  }).catch(() => false).finally(() => { refreshing = null; });
  return refreshing;
}

export async function signOut() {
  const who = identity();
  if (who?.kind === 'password' && who.refreshToken) {
    try {
      await post('mutation ConsoleLogout($token: String!) { logout(refreshToken: $token) }', { token: who.refreshToken });
    } catch { /* signing out locally is what matters */ }
  }
  store(null);
}

const WRITERS = new Set(['system_admin', 'jurisdiction_admin', 'justice_staff', 'unit_clerk', 'court_liaison']);
const ABILITIES = {
  dashboard: ['system_admin', 'justice_staff', 'leader'],
  desk: ['system_admin', 'justice_staff', 'unit_clerk', 'court_liaison', 'leader'],
  recordDispute: ['system_admin', 'justice_staff', 'unit_clerk'],
  assign: ['system_admin', 'justice_staff'],
  fileCase: ['system_admin', 'justice_staff', 'unit_clerk', 'court_liaison'],
  hearings: ['system_admin', 'justice_staff', 'unit_clerk', 'court_liaison', 'leader'],
  hearingWrite: ['system_admin', 'justice_staff', 'unit_clerk', 'court_liaison'],
  designate: ['system_admin', 'justice_staff', 'unit_clerk'],
  ledger: ['system_admin', 'justice_staff'],
  documents: ['system_admin', 'justice_staff', 'leader'],
  publishBulletin: ['system_admin', 'justice_staff'],
  admin: ['system_admin', 'justice_staff'],
  calendar: ['system_admin'],
  // The county's configuration: units, people, accounts, population, targets (core/scoping.py COUNTY_ADMIN).
  configure: ['system_admin', 'jurisdiction_admin'],
};

/** What the signed-in role may do in the console (the API decides for real; this hides dead ends). */
export function can(ability) {
  const who = identity();
  if (!who) return false;
  if (ability === 'write') return WRITERS.has(who.role);
  const allowed = ABILITIES[ability] || [];
  // The county's administrator does all the justice bureau's work besides its own.
  return allowed.includes(who.role) || (who.role === 'jurisdiction_admin' && allowed.includes('justice_staff'));
}
