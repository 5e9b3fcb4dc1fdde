/**
 * Node's `https.request`, `https.get`, `https.Agent` and `https.globalAgent`: the HTTP client with
 * `protocol: "https:"` and port 443 by default. The TLS options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, `checkServerIdentity`, ...) go in the request options, as in Node.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import { HttpUsageError } from "../core/errors.ts";
import { AgentClass, type AgentOptions, initAgent } from "../client/agent.ts";
import { callableClass } from "../io/_callable.ts";
import type { Socket } from "../io/socket.ts";
import type { ClientRequest, RequestOptions } from "../client/client_request.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { type SocketBase, socketsByTls } from "../io/socket_base.ts";
import type {
  ConnectTarget,
  TlsConnectOptions,
  Transport,
  TransportConn,
  TransportConnectOptions,
} from "../io/transport.ts";
import { keylogRefusal } from "./_tls_features.ts";
import { request as httpRequest, type ResponseCallback } from "../client/request.ts";
import { parseUrl } from "../client/_start_request.ts";

/** The TLS options an {@linkcode Agent} applies to every request it carries. */
const AGENT_TLS_KEYS = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "servername",
  "rejectUnauthorized",
  "checkServerIdentity",
  "minVersion",
  "maxVersion",
  "ALPNProtocols",
] as const;

/** Options of the https {@linkcode Agent}: the HTTP agent's, TLS options for every request, and more. */
export interface HttpsAgentOptions extends AgentOptions, TlsConnectOptions {
  /**
   * TLS sessions kept for resumption, one per server and TLS settings (Node's default, 100); 0 turns
   * resumption off. Only where the runtime resumes sessions (Bun); elsewhere nothing is kept.
   */
  maxCachedSessions?: number;
}

/** Node's `https.Agent` default for `maxCachedSessions`. */
const DEFAULT_MAX_CACHED_SESSIONS = 100;

/**
 * Key log lines of one connection on their way to the Agent's `'keylog'` listeners, with the socket as
 * Node gives it. The lines come during the handshake, before our socket exists: they wait until the
 * socket is made over the connection (its constructor starts the connection, and has registered itself
 * by then), then go out with it; later lines (TLS 1.2 may log after the handshake) go out at once.
 */
class KeylogRelay {
  readonly #agent: Agent;
  #waiting: Uint8Array[] | undefined = [];
  #socket: SocketBase | null = null;

  constructor(agent: Agent) {
    this.#agent = agent;
  }

  line(line: Uint8Array): void {
    if (this.#waiting !== undefined) this.#waiting.push(line);
    else this.#agent.emit("keylog", line, this.#socket as Socket);
  }

  /** Hooks `conn.start` once: the socket is known there. */
  connected(conn: TransportConn): void {
    const tls = conn.tls;
    // An own property shadows the adapter's method for this one call, then goes away again.
    conn.start = (handler) => {
      delete (conn as { start?: unknown }).start;
      this.#socket = tls === undefined ? null : socketsByTls.get(tls) ?? null;
      const waiting = this.#waiting ?? [];
      this.#waiting = undefined;
      for (const line of waiting) this.#agent.emit("keylog", line, this.#socket as Socket);
      conn.start(handler);
    };
  }
}

/** A stable id per object (a certificate given as bytes, a `checkServerIdentity` function). */
const ids = new WeakMap<object, number>();
let nextId = 0;

function identity(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "object" && value !== null || typeof value === "function") {
    if (Array.isArray(value)) return `[${value.map(identity).join(",")}]`;
    let id = ids.get(value as object);
    if (id === undefined) ids.set(value as object, id = ++nextId);
    return `#${id}`;
  }
  return JSON.stringify(value);
}

/**
 * What a session may be reused for: the same server and every TLS setting that decides whether that
 * server is trusted, so a session made without verification never resumes under a stricter request.
 */
function sessionKey(target: ConnectTarget, tls: TlsConnectOptions): string {
  const where = "path" in target ? target.path : `${target.hostname}:${target.port}`;
  return [
    where,
    tls.servername,
    tls.host,
    tls.ca,
    tls.cert,
    tls.key,
    tls.pfx,
    tls.passphrase,
    tls.rejectUnauthorized,
    tls.checkServerIdentity,
    tls.minVersion,
    tls.maxVersion,
  ].map(identity).join("|");
}

/**
 * Node's `https.Agent`: pools keyed by host, port and the TLS options (Node's `getName` format), so
 * connections with different certificates or CAs are never shared. Keep-alive reuse works as over HTTP.
 * TLS options given to the agent (`ca`, `cert`, `key`, `rejectUnauthorized`, ...) apply to every request
 * it carries and win over the request's own, as in Node (whose `addRequest` merges them that way).
 *
 * As Node's, it keeps the sessions servers offer (`maxCachedSessions`) and resumes them on new
 * connections to the same server with the same TLS settings, where the runtime can (Bun): a resumed
 * handshake skips the certificate exchange. A session that fails to resume is dropped. `'keylog'`
 * (`(line, socket)`) carries the key log lines of every handshake it makes, for Wireshark, where the
 * runtime exposes them (Bun); they come once the socket exists (right after the handshake). On Deno a
 * `'keylog'` listener is refused with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`.
 *
 * @example
 * ```ts ignore
 * import { appendFileSync } from "node:fs";
 * import { Agent, get } from "@wire/http/https";
 * const agent = new Agent({ keepAlive: true });
 * agent.on("keylog", (line) => appendFileSync("keys.log", line)); // Wireshark: (Pre)-Master-Secret log
 * get({ host: "localhost", port: 8443, ca, agent }, (res) => res.resume());
 * ```
 */
export class HttpsAgentClass extends AgentClass {
  // Set by `finishHttpsAgent`, not by initializers or private fields, so that `Agent.call(this)` (Node's
  // function-style subclassing, which never runs this constructor) sets up the same object.
  /** Most sessions kept for resumption. */
  declare readonly maxCachedSessions: number;
  /** @ignore Internal: the sessions kept and the transport (see {@linkcode TlsAgentState}). */
  declare readonly [kTlsAgent]: TlsAgentState;

  /** Creates an agent; `options` may carry TLS options for all its requests. */
  constructor(options: HttpsAgentOptions = {}) {
    const setup = prepareHttpsAgent(options);
    super(setup.agentOptions);
    finishHttpsAgent(this, setup);
  }

  /** The pool key: Node's `https.Agent.getName()` (host, port, then the TLS options). */
  override getName(options: RequestOptions = {}): string {
    return super.getName({ defaultPort: 443, ...options, protocol: "https:" });
  }
}

/** Internal: where an https agent keeps its {@linkcode TlsAgentState}. */
const kTlsAgent: unique symbol = Symbol("wire.httpsAgent");

/** What an https agent keeps beside the agent's own state. */
interface TlsAgentState {
  /** Sessions offered by servers, by {@linkcode sessionKey}, oldest first. */
  readonly sessions: Map<string, Uint8Array>;
  /** The transport its connections open on (the given one, else the runtime's, looked up when used). */
  readonly base: () => Transport;
}

/** What the constructor and `Agent.call(this)` work out before the agent itself is set up. */
interface HttpsAgentSetup {
  /** The agent's options, with the transport that opens connections through {@linkcode connectTls}. */
  agentOptions: AgentOptions;
  options: HttpsAgentOptions;
  base: () => Transport;
  /** The agent, once it exists (the transport is made before it). */
  hooks: { agent?: HttpsAgentClass };
}

function prepareHttpsAgent(options: HttpsAgentOptions): HttpsAgentSetup {
  const given = options.transport;
  const base = (): Transport => given ?? defaultTransportOrThrow();
  const hooks: { agent?: HttpsAgentClass } = {};
  const transport: Transport = {
    get name(): string {
      return base().name;
    },
    get tlsFeatures() {
      return base().tlsFeatures;
    },
    listen: (target, onConnection, listenOptions) => base().listen(target, onConnection, listenOptions),
    connect: (target, connectOptions) => connectTls(hooks.agent!, base(), target, connectOptions),
  };
  return { agentOptions: { ...options, transport }, options, base, hooks };
}

function finishHttpsAgent(agent: HttpsAgentClass, setup: HttpsAgentSetup): void {
  setup.hooks.agent = agent;
  const self = agent as { -readonly [K in keyof HttpsAgentClass]: HttpsAgentClass[K] };
  self.defaultPort = 443;
  self.protocol = "https:";
  self.maxCachedSessions = setup.options.maxCachedSessions ?? DEFAULT_MAX_CACHED_SESSIONS;
  const state: TlsAgentState = { sessions: new Map(), base: setup.base };
  (agent as { [kTlsAgent]: TlsAgentState })[kTlsAgent] = state;
  // Thrown from 'newListener', the refusal keeps the listener from being added.
  agent.on("newListener", keylogRefusal(state.base));
}

/** Opens a connection for `agent`, resuming a kept session and reporting key log lines where the runtime can. */
async function connectTls(
  agent: HttpsAgentClass,
  transport: Transport,
  target: ConnectTarget,
  options: TransportConnectOptions | undefined,
): Promise<TransportConn> {
  const tls = options?.tls;
  if (tls === undefined) return transport.connect(target, options);
  const features = transport.tlsFeatures;
  const next: TransportConnectOptions = { ...options };
  const keylog = features?.keylog === true && agent.listenerCount("keylog") > 0
    ? new KeylogRelay(agent)
    : undefined;
  if (keylog !== undefined) next.onKeylog = (line) => keylog.line(line);
  const key = features?.sessionResumption === true && agent.maxCachedSessions > 0 && tls.session === undefined
    ? sessionKey(target, tls)
    : undefined;
  const sessions = agent[kTlsAgent].sessions;
  const kept = key === undefined ? undefined : sessions.get(key);
  if (key !== undefined) {
    if (kept !== undefined) next.tls = { ...tls, session: kept };
    next.onSession = (session) => keepSession(agent, key, session);
  }
  let conn: TransportConn;
  try {
    conn = await transport.connect(target, next);
  } catch (error) {
    // Node evicts a session whose connection failed: it may be what the server refused.
    if (key !== undefined && kept !== undefined && sessions.get(key) === kept) sessions.delete(key);
    throw error;
  }
  keylog?.connected(conn);
  return conn;
}

function keepSession(agent: HttpsAgentClass, key: string, session: Uint8Array): void {
  const sessions = agent[kTlsAgent].sessions;
  sessions.delete(key);
  // Oldest first out, as Node's agent drops the first cached name when full.
  while (sessions.size >= agent.maxCachedSessions) sessions.delete(sessions.keys().next().value!);
  sessions.set(key, session);
}

/** Node's function-style subclassing: `https.Agent.call(this, options)` on an object it did not make. */
function initInPlace(self: object, args: unknown[]): void {
  // An agent already set up keeps its pools and sessions.
  if (Object.hasOwn(self, kTlsAgent)) return;
  const setup = prepareHttpsAgent((args[0] as HttpsAgentOptions | undefined) ?? {});
  EventEmitter.call(self);
  initAgent(self as AgentClass, setup.agentOptions);
  finishHttpsAgent(self as HttpsAgentClass, setup);
}

/**
 * The agent `https.request` uses by default (keep-alive on, as in current Node); a live binding, replaced
 * through the module object (`https.globalAgent = agent`) as in Node.
 *
 * @example
 * ```ts
 * import { globalAgent } from "@wire/http/https";
 * console.log(globalAgent.defaultPort); // 443
 * ```
 */
export let globalAgent: Agent = new HttpsAgentClass({ keepAlive: true });

/** Internal (the https module object's `globalAgent` setter): the agent requests that name none use. */
export function setHttpsGlobalAgent(agent: Agent): void {
  globalAgent = agent;
}

/** The agent's TLS options laid over a request's: the agent's win, as Node's `addRequest` merges them. */
function withAgentTls(agent: Agent, options: RequestOptions): RequestOptions {
  const own = agent.options as Record<string, unknown>;
  let merged: Record<string, unknown> | undefined;
  for (const key of AGENT_TLS_KEYS) {
    if (own[key] !== undefined) (merged ??= { ...options })[key] = own[key];
  }
  return (merged ?? options) as RequestOptions;
}

function httpsDefaults(options: RequestOptions): RequestOptions {
  if (options.protocol !== undefined && options.protocol !== "https:") {
    throw new HttpUsageError(
      "ERR_INVALID_PROTOCOL",
      `Protocol "${options.protocol}" not supported. Expected "https:"`,
    );
  }
  // As Node: no agent named means the https global agent, unless the request brings its own
  // `createConnection` (then no agent at all). The port defaults to the agent's `defaultPort` (443 unless
  // changed), which the request reads itself, or to 443 for `https:` without one.
  const merged: RequestOptions = { ...options, protocol: "https:" };
  if (
    (merged.agent === undefined || merged.agent === null) && typeof merged.createConnection !== "function"
  ) {
    merged.agent = globalAgent;
  }
  return merged.agent instanceof Agent ? withAgentTls(merged.agent, merged) : merged;
}

/**
 * Node's `https.request(url, [options], [callback])` / `https.request(options, [callback])`.
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http/https";
 * const req = request("https://localhost:8443/", { ca, cert, key }, (res) => res.resume());
 * req.end();
 * ```
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  if (typeof url === "string" || url instanceof URL) {
    const parsed = typeof url === "string" ? parseUrl(url) : url;
    httpsDefaults({ protocol: parsed.protocol });
    if (typeof options === "function") return httpRequest(parsed, httpsDefaults({}), options);
    return httpRequest(parsed, httpsDefaults(options ?? {}), callback);
  }
  return httpRequest(httpsDefaults(url), options as ResponseCallback | undefined);
}

/**
 * Like {@linkcode request} with method GET, and `end()` already called.
 *
 * @example
 * ```ts ignore
 * import { get } from "@wire/http/https";
 * get("https://localhost:8443/", { ca }, (res) => res.pipeTo(Deno.stdout.writable));
 * ```
 */
export function get(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  const req = request(url, options, callback);
  req.end();
  return req;
}

/**
 * `https.Agent` as Node has it: a constructor that also works without `new`, and that subclasses extend.
 *
 * @example
 * ```ts ignore
 * import { Agent } from "@wire/http/https";
 * const agent = Agent({ keepAlive: true, ca });
 * ```
 */
export interface HttpsAgentConstructor {
  /** `new Agent([options])`. */
  new (options?: HttpsAgentOptions): Agent;
  /** `Agent([options])`, the same without `new`. */
  (options?: HttpsAgentOptions): Agent;
  /** Shared by every agent. */
  readonly prototype: Agent;
}

/** A pool of TLS connections: Node's `https.Agent`. See {@linkcode HttpsAgentClass} for its members. */
export type Agent = HttpsAgentClass;
/**
 * Node's `https.Agent`: `new Agent([options])`, or the same without `new`.
 *
 * @example
 * ```ts ignore
 * import { Agent, get } from "@wire/http/https";
 * get({ host: "localhost", port: 8443, ca, agent: new Agent({ keepAlive: true }) });
 * ```
 */
export const Agent: HttpsAgentConstructor = callableClass<HttpsAgentConstructor>(
  HttpsAgentClass,
  initInPlace,
);
