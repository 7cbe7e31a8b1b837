// Runs graphql-http's server audits (the GraphQL-over-HTTP spec's conformance suite) against a URL
// and prints one JSON line per audit: {id, name, status, reason?}. Used by
// tests/api/test_graphql_http_audit.py; node resolves graphql-http from the directory given as the
// second argument (the cache the test installs it into), so the repository carries no node_modules.
//
//   node tests/api/graphql_http_audit.mjs http://127.0.0.1:8000/graphql .cache/graphql-http
import { createRequire } from "node:module";
import path from "node:path";

const [url, prefix] = process.argv.slice(2);
const require = createRequire(path.resolve(prefix, "package.json"));
const { serverAudits } = require("graphql-http");

for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    line.reason = result.reason;
    try {
      line.responseStatus = result.response.status;
      line.responseType = result.response.headers.get("content-type");
      line.responseBody = (await result.response.text()).slice(0, 300);
    } catch (_) {
      // the body was read by the audit already
    }
  }
  console.log(JSON.stringify(line));
}
