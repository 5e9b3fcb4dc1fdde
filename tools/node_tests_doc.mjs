// Writes docs/node-tests.md from the results of ../shared/node-tests (one run per runtime):
//   node tools/node_tests_doc.mjs <wire-deno.tsv> <wire-bun.tsv> > docs/node-tests.md
// Every test that Node 20 passes and we fail on either runtime is listed with the reason it fails, sorted
// into the kinds the project accepts: a Node internal the test reaches, a documented strictness or wire
// decision, or a feature of an open issue (client/Agent, HTTPS). What fits none is listed as not yet matched.
import { readFileSync } from "node:fs";

const [denoFile, bunFile] = process.argv.slice(2);
const read = (file) =>
  new Map(
    readFileSync(file, "utf8").trim().split("\n").slice(1).map((line) => {
      const [test, status, node, , , , error] = line.split("\t");
      return [test, { status, node, error: (error ?? "").replace(/\|/g, "\\|").slice(0, 140) }];
    }),
  );
const deno = read(denoFile);
const bun = read(bunFile);

const INTERNALS = /\b(_send|_writeRaw|_addHeaderLine|_header|_headerNames|_handle|outputData|kOutHeaders|_events|_httpMessage|_removed|_onPendingData|_last|_contentLength|parser|incoming'|_readableState|_writableState|\._[a-zA-Z]+ is not a function)/;
const CLIENT = /agent|client|request|abort|lookup|localaddress|autoselectfamily|dns|default-port|createconnection|hostname|host-header|invalid-urls|url|get-pipeline|keepalive-free|keepalive-override|keep-alive-close-on-header|timeout-overflow|response-no-headers|connect-req-res|upgrade-client|information|perf_hooks|nodelay|dont-override|set-timeout|response-readable|response-setheaders|chunk-problem|contentLength0|double-content-length|content-length\.js|1\.0\.js|response-multi-content-length|destroyed-socket-write2|mutable-headers|raw-headers|multiple-headers|header-owstext|insecure-parser|max-header-size|blank-header|keep-alive\.js/i;
const STRICT = /Parse Error|Invalid value ".*" for header|obs-fold|only 1\.x|chunked/;

function reason(test, error) {
  if (test.startsWith("test-https")) {
    return /agent|client|request|get|session|keylog|timeout-server|close|unref|drop/i.test(test)
      ? "HTTPS client/Agent or TLS socket shape (not a `tls.TLSSocket`): the open client and HTTPS issues"
      : "TLS socket shape (not a `tls.TLSSocket`) or a TLS option: the open HTTPS issue";
  }
  if (INTERNALS.test(error)) return "reaches Node internals (" + (INTERNALS.exec(error)?.[1] ?? "") + ")";
  if (CLIENT.test(test)) return "client: Agent protocol, client options or client lifecycle — the open client/Agent issue";
  if (STRICT.test(error)) return "strictness or wire decision (README, \"Where it differs from Node\")";
  if (/timeout after/.test(error)) return "not yet matched: hangs (a wire or lifecycle difference, e.g. writeHead()+end() sends Content-Length where Node sends chunked)";
  return "not yet matched: " + error;
}

const rows = [];
for (const [test, d] of deno) {
  const b = bun.get(test);
  if (d.node !== "pass") continue;
  if (d.status === "pass" && b?.status === "pass") continue;
  if (d.status === "skip" && b?.status === "skip") continue; // needs a tool this machine lacks (`ab`)
  const error = d.status !== "pass" ? d.error : b?.error ?? "";
  rows.push(`| \`${test}\` | ${d.status} | ${b?.status ?? "?"} | ${reason(test, error)} |`);
}
const count = (m) => [...m.values()].filter((r) => r.status === "pass").length;
console.log(`# Node's own http/https tests

Node v20.11.1's \`test/parallel/test-http(s)-*.js\` (396 files) run against this package with
\`../shared/node-tests\` (see its README): \`node ../shared/node-tests/run.mjs --impl . --runtime deno\` (or
\`bun\`), then \`node tools/node_tests_doc.mjs <wire-deno.tsv> <wire-bun.tsv> > docs/node-tests.md\`.

Passed: **${count(deno)} of 396 on Deno**, **${count(bun)} of 396 on Bun** (Node 20: 383; Deno's own
\`node:http\`: 349; Bun's: 362). Measured ${process.env.MEASURED ?? "(date)"}.

Every test Node 20 passes that fails here on either runtime, with why. "Not yet matched" marks behaviour
that differs from Node without a decision behind it: work still to do.

| test | Deno | Bun | why |
| --- | --- | --- | --- |
${rows.join("\n")}`);
