/**
 * The two `http` implementations every ecosystem scenario runs on: the runtime's own `node:http` (the
 * control) and `@wire/http`. A scenario is registered once per implementation, as a pair of tests named
 * `"<scenario> [node:http]"` and `"<scenario> [@wire/http]"`, with the same body and the same assertions.
 *
 * Also: listen on 127.0.0.1 port 0, close a server with every connection it holds, and a raw
 * `node:net` HTTP/1.1 client for checks that need one connection under the test's control.
 *
 * @module
 */

import type * as NodeHttp from "node:http";
import { connect, type Socket as NetSocket } from "node:net";
import { Buffer } from "node:buffer";
import process from "node:process";
import { runtime, test, type TestOptions } from "../_harness.ts";
import { listenLocal, type LocalServer } from "../_net.ts";

/** The shape of Node's `http` module, which is what these packages are written against. */
export type Http = typeof NodeHttp;

/** One implementation under test. */
export interface Impl {
  /** `"node:http"` (the runtime's own, the control) or `"@wire/http"`. */
  readonly name: "node:http" | "@wire/http";
  /** The module, as the packages see it. */
  readonly http: Http;
}

// The point of these tests is that @wire/http stands in for node:http where npm packages expect Node's
// module, so it is typed as one: a package that calls something missing fails at run time, in the test.
const ours = (await import("../../mod.ts")) as unknown as Http;

/** The control first, then ours. */
export const impls: readonly Impl[] = [
  { name: "node:http", http: await import("node:http") },
  { name: "@wire/http", http: ours },
];

/** How long a scenario may take before it is failed and cleaned up (the harness allows 30 s in all). */
const SCENARIO_LIMIT_MS = 10_000;

/** What a scenario gets besides the implementation. */
export interface Scope {
  /** Runs `cleanup` when the test ends, passed or failed (last registered, first run). */
  defer(cleanup: () => unknown): void;
  /** Fails the test now with `error` (for errors raised where the test body cannot await them). */
  fail(error: unknown): void;
}

/**
 * Registers `title` once per implementation, as `"<title> [<impl>]"`.
 *
 * An exception thrown inside a package's event listener (say, ws reading a Node-only field off our
 * socket) is not the test's rejection: it surfaces as an uncaught error or unhandled rejection, which on
 * Deno fails the whole file and leaves the scenario awaiting an event that never comes. So for the test's
 * duration those are caught and fail this test with that error, and the deferred cleanups (closing
 * servers and sockets) run either way, so one failing scenario neither stops nor leaks into the next.
 */
export function testEach(
  title: string,
  fn: (impl: Impl, scope: Scope) => Promise<void>,
  options?: EachOptions,
): void {
  for (const impl of impls) {
    // A control that a runtime's own node:http fails is skipped there, with the reason the test gives.
    const broken = impl.name === "node:http" ? options?.controlBroken?.[runtime] : undefined;
    const testOptions: TestOptions = broken === undefined ? { ...options } : { ...options, ignore: broken };
    test(`${title} [${impl.name}]`, async () => {
      const cleanups: (() => unknown)[] = [];
      let fault!: (err: unknown) => void;
      const faulted = new Promise<never>((_, reject) => (fault = reject));
      const onUncaught = (err: unknown) => fault(err);
      process.on("uncaughtException", onUncaught);
      process.on("unhandledRejection", onUncaught);
      // A scenario awaiting an event that never comes fails here, well inside the harness's own limit, so
      // that its cleanups still run.
      const hung = setTimeout(
        () =>
          fault(new Error(`no result within ${SCENARIO_LIMIT_MS} ms (awaiting an event that never came?)`)),
        SCENARIO_LIMIT_MS,
      );
      // The first error wins: a cleanup that fails after the scenario failed must not hide why it did.
      let failure: { error: unknown } | undefined;
      try {
        const scope: Scope = { defer: (cleanup) => cleanups.push(cleanup), fail: fault };
        await Promise.race([fn(impl, scope), faulted]);
      } catch (error) {
        failure = { error };
      }
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          failure ??= { error };
        }
      }
      clearTimeout(hung);
      process.off("uncaughtException", onUncaught);
      process.off("unhandledRejection", onUncaught);
      if (failure) throw failure.error;
    }, testOptions);
  }
}

/** {@linkcode testEach}'s options: the harness's, and where the control itself is known to fail. */
export interface EachOptions extends TestOptions {
  /**
   * Per runtime, why its own node:http fails the scenario (a runtime bug, checked to pass under Node):
   * the control is skipped there with that reason, and @wire/http still runs.
   */
  controlBroken?: Partial<Record<"deno" | "bun", string>>;
}

/**
 * An Agent of `http` (an implementation's module); at the end of the test it is destroyed and the test
 * waits until its sockets have closed (a keep-alive socket closes after `destroy()` returns).
 */
export function agentFor(http: Http, scope: Scope, options: NodeHttp.AgentOptions): NodeHttp.Agent {
  const agent = new http.Agent(options);
  scope.defer(async () => {
    const pools = [agent.freeSockets, agent.sockets] as Partial<Record<string, NetSocket[]>>[];
    const open = pools.flatMap((pool) => Object.values(pool ?? {}).flat()).filter((s) => s !== undefined);
    agent.destroy();
    await Promise.all(
      open.map((socket) =>
        socket.closed ? undefined : new Promise((resolve) => socket.once("close", resolve))
      ),
    );
  });
  return agent;
}

/** Listens on 127.0.0.1, port 0, and resolves with the port. */
export function listen(server: NodeHttp.Server): Promise<number> {
  return listenLocal(server as unknown as LocalServer);
}

/** Closes the server and every connection it still holds; resolves once it has closed. */
export async function closeServer(server: NodeHttp.Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** A response as the raw client read it. */
export interface RawResponse {
  status: number;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A raw HTTP/1.1 client over one `node:net` connection: the test writes the exact request bytes and reads
 * whole responses (Content-Length or chunked), so "two requests on one connection" is certain.
 */
export class RawHttp {
  #socket: NetSocket;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #closed: Promise<void>;

  private constructor(socket: NetSocket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (err: Error) => {
      this.#error = err;
      this.#ended = true;
      this.#notify();
    });
  }

  /** Connects to 127.0.0.1:`port`. */
  static connect(port: number): Promise<RawHttp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawHttp(socket));
      });
    });
  }

  /** Sends bytes as they are. */
  write(data: string | Uint8Array): void {
    this.#socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Resolves with the next `n` bytes received (and consumes them). */
  async readBytes(n: number): Promise<Buffer> {
    await this.#until(() => this.#buffer.length >= n);
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }

  /** Resolves with the next response head's text, up to and including the blank line (consumed). */
  async readHead(): Promise<string> {
    await this.#until(() => this.#buffer.indexOf("\r\n\r\n") !== -1);
    const end = this.#buffer.indexOf("\r\n\r\n") + 4;
    const head = this.#buffer.subarray(0, end).toString("latin1");
    this.#buffer = this.#buffer.subarray(end);
    return head;
  }

  /** Reads one whole response (head and a Content-Length or chunked body). */
  async readResponse(): Promise<RawResponse> {
    const head = await this.readHead();
    const [statusLine = "", ...lines] = head.slice(0, -4).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      const parts: Buffer[] = [];
      for (;;) {
        const size = parseInt(await this.#readLine(), 16);
        if (size === 0) {
          while ((await this.#readLine()) !== ""); // trailer fields, then the blank line
          break;
        }
        parts.push(Buffer.from(await this.readBytes(size)));
        await this.readBytes(2);
      }
      return { status, headers, body: Buffer.concat(parts) };
    }
    const length = Number(headers["content-length"] ?? 0);
    return { status, headers, body: Buffer.from(await this.readBytes(length)) };
  }

  /** Destroys the connection and resolves once it is closed. */
  async close(): Promise<void> {
    this.#socket.destroy();
    await this.#closed;
  }

  async #readLine(): Promise<string> {
    await this.#until(() => this.#buffer.indexOf("\r\n") !== -1);
    const end = this.#buffer.indexOf("\r\n");
    const line = this.#buffer.subarray(0, end).toString("latin1");
    this.#buffer = this.#buffer.subarray(end + 2);
    return line;
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.#ended) {
        throw this.#error ??
          new Error(`connection ended before the expected data; got ${JSON.stringify(this.#text())}`);
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #text(): string {
    return this.#buffer.toString("latin1");
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** The JSON body every framework's echo scenario posts (non-ASCII included, to catch byte/char mix-ups). */
export const SENT_JSON = { name: "wire", n: 123, list: [1, 2, 3], text: "héllo ✓" };

/** POSTs {@linkcode SENT_JSON} as JSON to `url`; resolves with the response and its text. */
export async function postJson(url: string): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(SENT_JSON),
  });
  return { res, text: await res.text() };
}
