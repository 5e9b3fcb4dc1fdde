// The edge suite: runs tests/edge/worker.ts inside workerd (the Cloudflare Workers runtime, from npm)
// against a peer HTTP server on 127.0.0.1 started here with node:http. Steps: start the peer, bundle the
// worker with `deno bundle` (cloudflare:sockets left external), write a workerd config binding the ports,
// run `workerd test`, which runs each named export's test() as its own invocation, in order.
// Prints workerd's PASS/FAIL lines and ends with "edge: N passed, N failed"; exits non-zero on failure.
// It also checks that the edge entry's bundle carries no Deno or Bun transport code.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
/** The worker's tests, in order (the names edgeTests() returns; checked inside the worker). */
const TESTS = [
  "get",
  "chunkedPost",
  "keepAliveFirst",
  "keepAliveSecond",
  "keepAliveThirdPost",
  "keepAliveZDestroy",
  "refused",
  "reset",
  "trailers",
  "continue100",
  "upgrade",
  "tlsRefusals",
  "tlsUntrustedPeer",
];

function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, ...options });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    // A hung worker must fail the suite, not stall it: workerd finishes this suite in well under a second.
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** The peer: what the worker talks to. */
function startPeer() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      switch (req.url) {
        case "/hello":
          return res.end("hello edge");
        case "/echo":
          return res.end(`${req.headers["transfer-encoding"] ?? "-"}|${body}`);
        case "/peer":
          return res.end(String(req.socket.remotePort));
        case "/trailers":
          res.setHeader("Trailer", "X-Checksum");
          res.write("with ");
          res.addTrailers({ "X-Checksum": "42" });
          return res.end("trailers");
        case "/reset":
          return req.socket.resetAndDestroy();
        default:
          res.statusCode = 404;
          return res.end();
      }
    });
  });
  server.on("checkContinue", (req, res) => {
    res.writeContinue();
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => res.end(`got ${body}`));
  });
  server.on("upgrade", (_req, socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello|");
    socket.on("data", (d) => socket.write(d));
    socket.on("error", () => {});
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * A TLS peer with the test CA's certificate (tests/https/fixtures). workerd trusts public roots only, so
 * this is the server it must refuse, with a coded error and without hanging.
 */
function startTlsPeer() {
  const fixture = (name) => readFileSync(join(root, "tests", "https", "fixtures", name));
  const server = createTlsServer({ key: fixture("server.key"), cert: fixture("server.pem") }, (_req, res) => {
    res.end("over TLS");
  });
  server.on("tlsClientError", () => {});
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A port nothing listens on: bound, then released. */
function refusedPort() {
  const s = createServer();
  return new Promise((resolve) =>
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    })
  );
}

const dir = mkdtempSync(join(tmpdir(), "wire-edge-"));
const peer = await startPeer();
const tlsPeer = await startTlsPeer();
let failed = 0;
let passed = 0;
try {
  const entry = join(dir, "entry.js");
  const workerPath = join(root, "tests", "edge", "worker.ts");
  writeFileSync(
    entry,
    `import { connect } from "cloudflare:sockets";\n` +
      `import { edgeTests } from ${JSON.stringify(workerPath)};\n` +
      `const tests = edgeTests(connect);\n` +
      `const names = ${JSON.stringify(TESTS)};\n` +
      `if (JSON.stringify(Object.keys(tests)) !== JSON.stringify(names)) throw new Error("run.mjs TESTS out of date");\n` +
      TESTS.map((n) => `export const ${n} = { test: (_ctrl, env) => tests.${n}(env) };\n`).join(""),
  );
  const bundled = await run(bin("deno"), [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--external",
    "cloudflare:sockets",
    "-o",
    join(dir, "worker.js"),
    entry,
  ]);
  if (bundled.code !== 0) throw new Error(`deno bundle failed:\n${bundled.out}`);

  // The edge entry alone, bundled: no Deno/Bun transport; of node: modules only the three the Node
  // objects are built on (workerd's nodejs_compat provides them).
  const edgeOnly = join(dir, "edge.js");
  const edgeBundle = await run(bin("deno"), [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "-o",
    edgeOnly,
    "src/edge/mod.ts",
  ]);
  if (edgeBundle.code !== 0) throw new Error(`deno bundle (edge entry) failed:\n${edgeBundle.out}`);
  const code = readFileSync(edgeOnly, "utf8");
  const nodeImports = [...code.matchAll(/from\s*"(node:[^"]+)"/g)].map((m) => m[1]);
  const leaks = ["Deno.", "Bun.", "denoTransport", "bunTransport"].filter((s) => code.includes(s))
    .concat(
      nodeImports.filter((m) => !["node:stream", "node:buffer", "node:events", "node:process"].includes(m)),
    );
  if (leaks.length > 0) {
    failed++;
    console.log(`[ FAIL ] edge bundle carries runtime transport code: ${leaks.join(", ")}`);
  } else {
    passed++;
    console.log(`[ PASS ] edge bundle (${code.length} bytes) carries no Deno/Bun transport code`);
  }

  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-01-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "PEER_PORT", text = "${peer.address().port}"),
    (name = "REFUSED_PORT", text = "${await refusedPort()}"),
    (name = "TLS_PORT", text = "${tlsPeer.address().port}"),
  ],
);
`,
  );
  const result = await run(bin("workerd"), ["test", join(dir, "config.capnp")], { cwd: dir });
  for (const line of result.out.split("\n")) {
    const m = /\[ (PASS|FAIL) \] (.*)$/.exec(line);
    if (m) {
      console.log(`[ ${m[1]} ] workerd ${m[2]}`);
      if (m[1] === "PASS") passed++;
      else failed++;
    }
  }
  if (process.env.EDGE_VERBOSE) console.log(result.out);
  const ran = (result.out.match(/\[ (PASS|FAIL) \]/g) ?? []).length;
  if (result.code !== 0 || ran !== TESTS.length) {
    if (ran !== TESTS.length) failed += TESTS.length - ran;
    console.log(result.out);
  }
} catch (error) {
  failed++;
  console.log(String(error?.stack ?? error));
} finally {
  peer.closeAllConnections();
  peer.close();
  tlsPeer.closeAllConnections();
  tlsPeer.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`edge: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
