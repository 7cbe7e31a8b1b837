// Live updates over graphql-transport-ws on /graphql; polling when the server has no subscriptions.

import { connectionParams } from './auth.js';

let socket = null;
let ready = false;
let nextId = 1;
const active = new Map(); // id → {query, variables, onNext}
let retries = 0;

function url() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/graphql`;
}

function send(message) {
  if (socket && ready) socket.send(JSON.stringify(message));
}

function connect() {
  if (socket) return;
  ready = false;
  const ws = new WebSocket(url(), 'graphql-transport-ws');
  socket = ws;
  // Handlers of a socket that has since been replaced (reset, reconnect) do nothing.
  const current = () => ws === socket;
  ws.addEventListener('open', () => {
    if (current()) ws.send(JSON.stringify({ type: 'connection_init', payload: connectionParams() }));
  });
  ws.addEventListener('message', (event) => {
    if (!current()) return;
    const message = JSON.parse(event.data);
    if (message.type === 'connection_ack') {
      ready = true;
      retries = 0;
      for (const [id, sub] of active) send({ id, type: 'subscribe', payload: { query: sub.query, variables: sub.variables } });
    } else if (message.type === 'next') {
      active.get(message.id)?.onNext(message.payload?.data);
    } else if (message.type === 'error') {
      active.get(message.id)?.onError?.(message.payload);
    } else if (message.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
    }
  });
  ws.addEventListener('close', () => {
    if (!current()) return;
    socket = null;
    ready = false;
    if (active.size && retries < 8) {
      retries += 1;
      setTimeout(() => { if (active.size) connect(); }, Math.min(30000, 1000 * 2 ** retries));
    } else {
      for (const sub of active.values()) sub.onError?.([{ message: '实时连接已断开' }]);
    }
  });
}

/** Subscribe; returns a function that unsubscribes. */
export function subscribe(query, variables, onNext, onError) {
  const id = String(nextId++);
  active.set(id, { query, variables, onNext, onError });
  if (!socket) connect();
  else send({ id, type: 'subscribe', payload: { query, variables } });
  return () => {
    if (active.delete(id)) send({ id, type: 'complete' });
    if (!active.size && socket) { const old = socket; socket = null; ready = false; old.close(); }
  };
}

/** Re-authenticate: close and reopen with the current identity. */
export function reset() {
  const old = socket;
  socket = null;
  ready = false;
  active.clear();
  if (old) old.close();
}

/** Call fn now and every `seconds` until the returned stop() is called. */
export function poll(fn, seconds = 30) {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try { await fn(); } catch { /* the next tick retries */ }
    if (!stopped) timer = setTimeout(tick, seconds * 1000);
  };
  let timer = setTimeout(tick, 0);
  return () => { stopped = true; clearTimeout(timer); };
}
