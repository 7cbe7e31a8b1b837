// The only way the console reaches the server: POST /graphql (and the same endpoint's WebSocket).

import { refresh, requestHeaders, signOut } from './auth.js';

/** What a user reads when the server cannot be reached (instead of the browser's "Failed to fetch"). */
export const UNREACHABLE = '无法连接服务器，请稍后重试';

export class ApiError extends Error {
  constructor(errors, data = null) {
    // A domain error carries its Chinese message in extensions; GraphQL's own errors have only `message`.
    super(errors.map((e) => e.extensions?.message || e.message).join('；'));
    this.errors = errors;
    this.data = data;
  }
}

/** Run a query or mutation; throw ApiError on GraphQL errors; return `data`. */
export async function gql(query, variables = {}, { retried = false } = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...requestHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError([{ message: UNREACHABLE }]);
  }
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
  if (response.status === 503 && !body.data) throw new ApiError([{ message: '服务暂时不可用，请稍后重试' }]);
  if (body.errors?.length) throw new ApiError(body.errors, body.data);
  return body.data;
}

/** Run a mutation whose payload is {result, errors}; return that payload. */
export async function mutate(query, variables = {}) {
  const data = await gql(query, variables);
  return Object.values(data)[0];
}

// What a server that does not answer introspection (production turns it off) is taken to offer: the
// console ships with the API it talks to, so every root field it knows is there.
const EVERYTHING = { has: () => true };
const ALL_CAPABILITIES = { query: EVERYTHING, mutation: EVERYTHING, subscription: EVERYTHING };

let capabilitiesPromise = null;
/** Which root fields the server offers (features built by other teams may not be there yet); all of
 * them when the server refuses introspection, as production does. */
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
  }).catch((error) => {
    if (error instanceof ApiError) return ALL_CAPABILITIES;  // introspection refused
    capabilitiesPromise = null;
    throw error;
  });
  return capabilitiesPromise;
}
