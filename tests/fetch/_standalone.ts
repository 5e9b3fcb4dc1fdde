/**
 * Run as its own process by entry_test.ts: imports nothing but the `./fetch` entry, serves one request
 * (fetched with the runtime's own `fetch`, so no other module of this package is loaded), prints the
 * body and stops the server.
 *
 * @module
 */
import { serveFetch } from "../../src/fetch/mod.ts";

const stop = new AbortController();
serveFetch(() => new Response("served by the fetch entry alone"), {
  port: 0,
  hostname: "127.0.0.1",
  signal: stop.signal,
  onListen: async ({ port }) => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    console.log(await response.text());
    stop.abort();
  },
});
