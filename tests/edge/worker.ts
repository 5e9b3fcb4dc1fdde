/**
 * The worker that `tests/edge/run.mjs` runs in workerd. Each entry of {@linkcode edgeTests} becomes one
 * named export with a `test()` handler, so each runs as its own invocation (workerd runs them in name
 * order: the keep-alive tests are named so that First, Second, ThirdPost run in that order).
 * The Agent lives at module scope, as Workers code keeps it, so its sockets outlive an invocation.
 *
 * It imports only `src/edge/mod.ts`; `connect` from `cloudflare:sockets` is passed in by the generated
 * entry, so this file type-checks outside workerd.
 *
 * @module
 */

import {
  Agent,
  type ClientRequest,
  fromWebStreams,
  type IncomingMessage,
  request,
  type RequestOptions,
  setDefaultTransport,
  type WebStreamPair,
  webStreamsTransport,
} from "../../src/edge/mod.ts";

/** workerd's `connect()` (the subset used here). */
export type Connect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: "on" | "off" | "starttls" },
) => WebStreamPair;

/** Bindings from the generated config. */
export interface EdgeEnv {
  PEER_PORT: string;
  REFUSED_PORT: string;
  TLS_PORT: string;
}

type EdgeTest = (env: EdgeEnv) => Promise<void>;

function check(ok: unknown, message: string): void {
  if (!ok) throw new Error(message);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

interface Exchange {
  res: IncomingMessage;
  body: string;
  log: string[];
}

/** Runs a request to the end of its 'close' and collects the body and the event order. */
function exchange(
  options: RequestOptions,
  send: (req: ClientRequest) => void = (r) => r.end(),
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const log: string[] = [];
    let res: IncomingMessage | undefined;
    let body = "";
    let closes = 0;
    const done = () => {
      if (++closes === 2) resolve({ res: res!, body, log });
    };
    const req = request({ host: "127.0.0.1", ...options }, (r) => {
      res = r;
      log.push("response");
      r.setEncoding("utf8");
      r.on("data", (chunk) => (body += chunk));
      r.on("end", () => log.push("res end"));
      r.on("close", () => {
        log.push("res close");
        done();
      });
    });
    req.on("close", () => {
      log.push("req close");
      if (res) done();
    });
    req.on("error", reject);
    send(req);
  });
}

function errorOf(options: RequestOptions): Promise<Error & { code?: string; syscall?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", ...options }, () => reject(new Error("unexpected response")));
    req.on("error", resolve);
    req.end();
  });
}

/** The tests by name. `connect` is workerd's. */
export function edgeTests(connect: Connect): Record<string, EdgeTest> {
  const transport = webStreamsTransport((target, options) => {
    if ("path" in target) throw new Error("no unix sockets on the edge");
    return connect({ hostname: target.hostname, port: target.port }, options);
  });
  // Requests without an Agent of their own (agent: false) use this.
  setDefaultTransport(transport);
  // Module scope: lives across invocations. One socket only, so a leaked slot would hang the next request.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, transport });
  const peerPorts: string[] = [];

  return {
    async get(env) {
      const { res, body, log } = await exchange({
        port: Number(env.PEER_PORT),
        path: "/hello",
        agent: false,
      });
      equal(res.statusCode, 200, "status");
      equal(body, "hello edge", "body");
      equal(log, ["response", "res end", "res close", "req close"], "event order (socket closes)");
    },

    async chunkedPost(env) {
      const { body } = await exchange(
        { port: Number(env.PEER_PORT), path: "/echo", method: "POST", agent: false },
        (req) => {
          req.write("chunked ");
          req.write("request ");
          req.end("body");
        },
      );
      equal(body, "chunked|chunked request body", "framing and echo");
    },

    async keepAliveFirst(env) {
      const first = await exchange({ port: Number(env.PEER_PORT), path: "/peer", agent });
      const second = await exchange({ port: Number(env.PEER_PORT), path: "/peer", agent });
      equal(first.log, ["response", "res end", "req close", "res close"], "event order (socket kept)");
      equal(second.body, first.body, "the second request reuses the socket within one invocation");
      peerPorts.push(first.body);
      equal(Object.values(agent.freeSockets).flat().length, 1, "one socket kept for the next invocation");
    },

    async keepAliveSecond(env) {
      // The kept socket belongs to the finished invocation: the request must not hang, must not fail,
      // and must not leak the only maxSockets slot.
      for (let i = 0; i < 12; i++) {
        const { res, body } = await exchange({ port: Number(env.PEER_PORT), path: "/peer", agent });
        equal(res.statusCode, 200, `request ${i + 1}`);
        if (i === 0) {
          check(body !== peerPorts[0], "a new socket replaced the one from the finished invocation");
          peerPorts.push(body);
        } else equal(body, peerPorts[1], `request ${i + 1} reuses this invocation's socket`);
      }
    },

    async keepAliveThirdPost(env) {
      // A POST on a socket of a finished invocation: nothing was sent, so it goes again on a new one.
      const { body } = await exchange(
        { port: Number(env.PEER_PORT), path: "/echo", method: "POST", agent },
        (req) => req.end("posted"),
      );
      equal(body, "-|posted", "echo");
      const { body: port } = await exchange({ port: Number(env.PEER_PORT), path: "/peer", agent });
      check(!peerPorts.includes(port), "a new socket for this invocation");
    },

    async keepAliveZDestroy() {
      // agent.destroy() in a later invocation: the kept socket of the finished one still reports 'close'
      // (its pending read never settles; destroy() must not wait for it), so nothing hangs or leaks.
      const kept = Object.values(agent.freeSockets).flat();
      equal(kept.length, 1, "one socket kept from the previous invocation");
      const closed = Promise.all(
        kept.map((s) => new Promise<void>((resolve) => s.once("close", () => resolve()))),
      );
      agent.destroy();
      await closed;
      equal(Object.values(agent.freeSockets).flat().length, 0, "pool empty");
    },

    async refused(env) {
      const err = await errorOf({ port: Number(env.REFUSED_PORT), agent: false });
      equal([err.code, err.syscall], ["ECONNREFUSED", "connect"], "request error");
      // fromWebStreams() on a socket whose `opened` rejects: a connect error, not `write UNKNOWN`.
      const conn = fromWebStreams(connect({ hostname: "127.0.0.1", port: Number(env.REFUSED_PORT) }));
      const closed = new Promise<Error & { code?: string; syscall?: string }>((resolve) =>
        conn.start({
          onData: () => false,
          onEnd: () => {},
          onDrain: () => {},
          onClose: (error) => resolve(error as Error),
        })
      );
      conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
      const error = await closed;
      equal([error?.code, error?.syscall], ["ECONNREFUSED", "connect"], "fromWebStreams close error");
    },

    async reset(env) {
      const err = await errorOf({ port: Number(env.PEER_PORT), path: "/reset", agent: false });
      equal(err.code, "ECONNRESET", "a reset connection");
    },

    async trailers(env) {
      const { res, body } = await exchange({ port: Number(env.PEER_PORT), path: "/trailers", agent: false });
      equal(body, "with trailers", "body");
      equal(res.trailers["x-checksum"], "42", "trailer");
      equal(res.rawTrailers, ["X-Checksum", "42"], "raw trailers");
    },

    async continue100(env) {
      const events: string[] = [];
      const { body } = await exchange({
        port: Number(env.PEER_PORT),
        path: "/continue",
        method: "PUT",
        agent: false,
        headers: { "Expect": "100-continue", "Content-Length": "4" },
      }, (req) => {
        req.on("continue", () => {
          events.push("continue");
          req.end("body");
        });
      });
      equal(events, ["continue"], "'continue' before the body");
      equal(body, "got body", "echo");
    },

    async upgrade(env) {
      const echoed = await new Promise<string>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port: Number(env.PEER_PORT),
          path: "/upgrade",
          agent: false,
          headers: { Connection: "Upgrade", Upgrade: "echo" },
        });
        req.on("upgrade", (res, socket, head) => {
          check(res.statusCode === 101, "101");
          let text = new TextDecoder().decode(head);
          socket.on("data", (chunk) => {
            text += new TextDecoder().decode(chunk as Uint8Array);
            if (text.length >= 10) {
              socket.destroy();
              resolve(text);
            }
          });
          socket.write(new TextEncoder().encode("ping"));
        });
        req.on("error", reject);
        req.end();
      });
      equal(echoed, "hello|ping", "raw bytes both ways after 101");
    },

    async tlsRefusals(env) {
      // What workerd's TLS cannot honour is refused with a code before connecting, never ignored.
      const port = Number(env.TLS_PORT);
      for (
        const tls of [
          { ca: "-----BEGIN CERTIFICATE-----" },
          { cert: "C", key: "K" },
          { rejectUnauthorized: false },
          { servername: "other.example" },
        ]
      ) {
        const err = await errorOf({ protocol: "https:", port, agent: false, ...tls });
        equal(err.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", `refused: ${Object.keys(tls).join(",")}`);
      }
      // A TLS connection's facts the runtime does not tell throw the same code.
      const conn = await transport.connect({ hostname: "127.0.0.1", port: Number(env.REFUSED_PORT) }, {
        tls: { ca: "x" },
      }).then(() => undefined, (e: Error & { code?: string }) => e.code);
      equal(conn, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "transport.connect with ca");
    },

    async tlsUntrustedPeer(env) {
      // A server whose certificate the runtime does not trust (our test CA): no response, no hang. workerd
      // reports it as it reports a refused connection ("proxy request failed, cannot connect to the
      // specified address"), so that is the code.
      const err = await errorOf({ protocol: "https:", port: Number(env.TLS_PORT), agent: false });
      equal([err.code, err.syscall], ["ECONNREFUSED", "connect"], "untrusted TLS peer");
    },
  };
}
