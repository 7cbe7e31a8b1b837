// The only way the console reaches the server: POST /graphql (and the same endpoint's WebSocket).

import { refresh, requestHeaders, signOut } from './auth.js';

export class ApiError extends Error {
  constructor(errors, data = null) {
    super(errors.map((e) => e.message).join('；'));
    this.errors = errors;
    this.data = data;
  }
}

/** Run a query or mutation; throw ApiError on GraphQL errors; return `data`. */
export async function gql(query, variables = {}, { retried = false } = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...requestHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    if (!retried && (await refresh())) return gql(query, variables, { retried: true });
    await signOut();
    window.location.hash = '#/signin';
    throw new ApiError([{ message: '登录已过期，请重新登录' }]);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `服务器返回了错误（HTTP ${response.status}）` }]);
  }
  if (body.errors?.length) throw new ApiError(body.errors, body.data);
  return body.data;
}

/** Run a mutation whose payload is {result, errors}; return that payload. */
export async function mutate(query, variables = {}) {
  const data = await gql(query, variables);
  return Object.values(data)[0];
}

let capabilitiesPromise = null;
/** Which root fields the server offers (features built by other teams may not be there yet). */
export function capabilities() {
  capabilitiesPromise ||= gql(`query ConsoleCapabilities {
    __schema {
      queryType { fields { name } }
      mutationType { fields { name } }
      subscriptionType { fields { name } }
    }
  }`).then((data) => {
    const names = (t) => new Set((t?.fields || []).map((f) => f.name));
    return {
      query: names(data.__schema.queryType),
      mutation: names(data.__schema.mutationType),
      subscription: names(data.__schema.subscriptionType),
    };
  }).catch((error) => { capabilitiesPromise = null; throw error; });
  return capabilitiesPromise;
}

const typeCache = new Map();
const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

/** Introspect one type: its fields with their argument and result types. */
export async function introspectType(name) {
  if (!typeCache.has(name)) {
    typeCache.set(name, gql(`query ConsoleType($name: String!) {
      __type(name: $name) { name kind fields { name args { name defaultValue type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
    }`, { name }).then((d) => d.__type));
  }
  return typeCache.get(name);
}

/** The named type at the bottom of a type reference, and whether it is a list or non-null. */
export function unwrap(ref) {
  let list = false;
  let required = ref?.kind === 'NON_NULL';
  let t = ref;
  while (t && (t.kind === 'NON_NULL' || t.kind === 'LIST')) {
    if (t.kind === 'LIST') list = true;
    t = t.ofType;
  }
  return { name: t?.name, kind: t?.kind, list, required };
}

/**
 * A selection set for a type: every scalar and enum field, and object fields down to `depth`,
 * skipping fields with required arguments (so a query can be built for an API we do not know yet).
 */
export async function selectionFor(typeName, depth = 3, seen = new Set()) {
  const type = await introspectType(typeName);
  if (!type?.fields) return '';
  const parts = [];
  for (const field of type.fields) {
    if (field.args.some((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null)) continue;
    const inner = unwrap(field.type);
    if (inner.kind === 'SCALAR' || inner.kind === 'ENUM') parts.push(field.name);
    else if ((inner.kind === 'OBJECT') && depth > 0 && !seen.has(inner.name)) {
      const sub = await selectionFor(inner.name, depth - 1, new Set([...seen, typeName]));
      if (sub) parts.push(`${field.name} { ${sub} }`);
    }
  }
  return parts.join(' ');
}
