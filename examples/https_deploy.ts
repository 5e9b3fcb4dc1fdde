/**
 * An HTTPS server as deployments run one: several names on one port, each with its own certificate
 * (chosen by SNI; `*.wild.test` covers one label), a default certificate for clients that send no name,
 * and certificates renewed without a restart (`reload()`, wired to SIGHUP), so a renewal job only has to
 * write the new files and signal the process. Open connections keep their certificate; new ones get the
 * renewed one.
 *
 * Run it (with the test fixtures, or your own PEM files):
 *
 *   deno run -A examples/https_deploy.ts      (or: bun examples/https_deploy.ts)
 *
 * then `curl --cacert tests/https/fixtures/ca.pem --resolve a.test:8443:127.0.0.1 https://a.test:8443/`
 * (or b.test, x.wild.test), and `kill -HUP <pid>` after replacing the files.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { createServer, type Server } from "../src/https/mod.ts";

/** Where each name's key and certificate live: `dir/NAME.key` and `dir/NAME.pem`. */
export interface Sites {
  /** Folder of the PEM files. */
  dir: string;
  /** The file name (without extension) of the default certificate, for clients that send no SNI. */
  fallback: string;
  /** SNI name (wildcards allowed) to file name. */
  names: Record<string, string>;
}

function pair(dir: string, file: string): { key: string; cert: string } {
  return {
    key: readFileSync(`${dir}/${file}.key`, "utf8"),
    cert: readFileSync(`${dir}/${file}.pem`, "utf8"),
  };
}

/**
 * Starts the server on 127.0.0.1; resolves with it, its port, and `reload(fallback?)`, which reads the
 * files again (the default certificate from `fallback` when given) and applies them to new handshakes.
 */
export async function startSites(
  sites: Sites,
  port = 0,
): Promise<{ server: Server; port: number; reload: (fallback?: string) => void }> {
  const server = createServer(pair(sites.dir, sites.fallback), (req, res) => {
    res.setHeader("Content-Type", "text/plain");
    res.end(`hello ${req.socket.servername || "(no SNI)"}\n`);
  });
  for (const [name, file] of Object.entries(sites.names)) server.addContext(name, pair(sites.dir, file));
  server.on(
    "tlsClientError",
    (err: Error & { code?: string }) => console.error("TLS:", err.code ?? err.message),
  );
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const reload = (fallback = sites.fallback): void => {
    // The default certificate is swapped in place; names added later win over earlier ones, so adding
    // them again installs the renewed files.
    server.setSecureContext(pair(sites.dir, fallback));
    for (const [name, file] of Object.entries(sites.names)) server.addContext(name, pair(sites.dir, file));
  };
  return { server, port: (server.address() as { port: number }).port, reload };
}

if (import.meta.main) {
  const dir = new URL("../tests/https/fixtures", import.meta.url).pathname;
  const { port, reload } = await startSites(
    { dir, fallback: "server", names: { "a.test": "a", "b.test": "b", "*.wild.test": "wild" } },
    8443,
  );
  process.on("SIGHUP", () => {
    reload();
    console.log("certificates reloaded");
  });
  console.log(`listening on https://127.0.0.1:${port}/ for a.test, b.test, *.wild.test (pid ${process.pid})`);
}
