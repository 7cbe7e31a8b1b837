// Hash routes: "#/desk", "#/dispute/12". A route pattern's ":name" parts become params.

const routes = [];
let notFound = null;

export function route(pattern, handler) {
  const names = [];
  const regex = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; }) + '$');
  routes.push({ regex, names, handler, pattern });
}

export function fallback(handler) {
  notFound = handler;
}

export function currentPath() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  return hash.split('?')[0];
}

/** Query parameters of the hash ("#/desk?unitId=3"). */
export function currentQuery() {
  const hash = window.location.hash.replace(/^#/, '');
  const i = hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
}

export function navigate(path) {
  if (window.location.hash === '#' + path) dispatch();
  else window.location.hash = path;
}

export function dispatch() {
  const path = currentPath();
  for (const r of routes) {
    const match = r.regex.exec(path);
    if (match) {
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
      return r.handler(params, currentQuery());
    }
  }
  return notFound ? notFound(path) : undefined;
}

export function start() {
  window.addEventListener('hashchange', dispatch);
  return dispatch();
}
