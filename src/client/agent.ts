/**
 * `Agent`: Node's connection pool, with Node's protocol, so code written against `node:http`'s Agent
 * (subclasses overriding `createConnection`, `keepSocketAlive`, `reuseSocket`; agent-base style agents;
 * tests reading `agent.sockets[name]`) works on it. A request calls `addRequest(req, options)`; the
 * agent hands it a socket with `req.onSocket(socket)`: a free one, a new one from `createSocket` →
 * `createConnection`, or later, when one is `'free'` again. The pool state is Node's: `sockets`,
 * `freeSockets` and `requests` are objects keyed by {@linkcode AgentClass.getName}, holding arrays.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { callableClass } from "../io/_callable.ts";
import type { Socket } from "../io/socket.ts";
import type { Transport } from "../io/transport.ts";
import { kRetry } from "./_hooks.ts";
import { replayCures } from "./_request_retry.ts";
import {
  atTotalLimit,
  enqueue,
  evictIdle,
  install,
  onFree,
  openFor,
  Openings,
  takeFree,
} from "./_agent_pool.ts";
import {
  checkMaxTotal,
  checkScheduling,
  LastPoolName,
  mergeOptions,
  plainPoolName,
  poolName,
} from "./_agent_options.ts";
import { openAgentSocket } from "./_create_connection.ts";
import type { OriginOptions } from "./_origin.ts";
import { isHttps, tlsPoolSuffix } from "./tls_options.ts";

/** Options of {@linkcode Agent}, with Node's defaults. */
export interface AgentOptions {
  /** Keep sockets open between requests (default false). */
  keepAlive?: boolean;
  /** Initial delay of TCP keep-alive probes on kept sockets (default 1000 ms). */
  keepAliveMsecs?: number;
  /** Most sockets open at once per origin (default Infinity, as current Node). */
  maxSockets?: number;
  /** Most sockets open at once over all origins (default Infinity; a number >= 1). */
  maxTotalSockets?: number;
  /** Most idle sockets kept per origin (default 256). */
  maxFreeSockets?: number;
  /** Inactivity timeout of sockets, in ms (default none). */
  timeout?: number;
  /** Which free socket is reused first: the most recent (`lifo`, default) or the oldest (`fifo`). */
  scheduling?: "lifo" | "fifo";
  /** The socket layer; defaults to the running runtime's. */
  transport?: Transport;
  /** Merged into each request's options, as Node does (`agent.defaultPort` itself stays 80). */
  defaultPort?: number;
  /** Other options are passed on to `createConnection`, as in Node. */
  [option: string]: unknown;
}

/** The options an agent receives with a request: the origin, plus anything the request carried. */
export type AgentRequestOptions = OriginOptions & {
  localAddress?: string;
  family?: number;
  [option: string]: unknown;
};

/** A socket as agents hand them out: ours, or any Duplex (a `net`/`tls` socket), which requests wrap. */
export type AgentSocket = Socket | Duplex;

/** A request waiting in {@linkcode AgentClass.requests} (the seed's name for the type). */
export type PendingRequest = AgentRequest;

/** What an agent needs from a request: Node's `req.onSocket(socket, err)`. */
export interface AgentRequest {
  /** Hands the request its socket, or the error that prevented one. */
  onSocket(socket: AgentSocket | null | undefined, err?: Error | null): void;
  /** Whether the request was destroyed (it then never uses a socket). */
  readonly destroyed: boolean;
  /** Set by `reuseSocket`. */
  reusedSocket?: boolean;
  /** Whether the request asked to keep the connection (a free socket is kept only then). */
  readonly shouldKeepAlive?: boolean;
}

/**
 * Anything with Node's `addRequest(req, options)`: ours, `node:http`'s, agent-base style agents. The
 * other members are read when present.
 */
export interface AgentLike {
  /** Gives `req` a socket (through `req.onSocket`), now or later. */
  addRequest(req: AgentRequest, options: AgentRequestOptions): void;
  /** Whether the agent keeps sockets between requests. */
  keepAlive?: boolean;
  /** Per-origin socket limit (a finite one makes requests ask for keep-alive, as Node). */
  maxSockets?: number;
  /** The agent's options (`timeout` is read). */
  options?: { timeout?: number; transport?: Transport; [option: string]: unknown };
  /** Port used when a request names none. */
  defaultPort?: number;
  /** The scheme the agent speaks. */
  protocol?: string;
}

/** Events of an {@linkcode Agent}. */
export interface AgentEvents {
  /** A socket finished an exchange and may carry another request. */
  free: [socket: AgentSocket, options: AgentRequestOptions];
  /** HTTPS agents: one NSS key log line of a handshake, with the socket made over it. */
  keylog: [line: Uint8Array, socket: Socket];
  /** A listener is being added (Node's emitter event). */
  // deno-lint-ignore no-explicit-any
  newListener: [event: string | symbol, listener: (...args: any[]) => void];
}

/** Node's `oncreate(err, socket)` of `createSocket`/`createConnection`. */
export type CreateConnectionCallback = (err: Error | null, socket?: AgentSocket) => void;

/**
 * Connection pools for HTTP clients.
 *
 * @example
 * ```ts ignore
 * import { Agent, get } from "@wire/http";
 * const agent = new Agent({ keepAlive: true, maxSockets: 10 });
 * get({ host: "127.0.0.1", port: 8080, agent }, (res) => res.resume());
 * ```
 */
export class AgentClass extends EventEmitter<AgentEvents> {
  // The fields are set by `initAgent`, not by initializers or private fields, so that `Agent.call(this)`
  // (Node's function-style subclassing, which never runs this constructor) sets up the same object.
  /** Options as given: also passed to `createConnection`. */
  declare readonly options: AgentOptions;
  /** Whether sockets are kept between requests. */
  declare keepAlive: boolean;
  /** TCP keep-alive delay for kept sockets. */
  declare keepAliveMsecs: number;
  /** Per-origin socket limit. */
  declare maxSockets: number;
  /** Total socket limit. */
  declare maxTotalSockets: number;
  /** Per-origin idle socket limit. */
  declare maxFreeSockets: number;
  /** Which free socket goes first. */
  declare scheduling: "lifo" | "fifo";
  /** Port used when a request names none (80; an https agent's 443). */
  declare defaultPort: number;
  /** The scheme this agent speaks (`"http:"`; an https agent's `"https:"`). */
  declare protocol: string;
  /**
   * Sockets carrying requests (or being handed to one), by name. Typed as ours, which the default
   * `createConnection` makes; a subclass's may put other Duplexes here.
   */
  declare sockets: Record<string, Socket[]>;
  /** Idle keep-alive sockets, by name (typed as {@linkcode AgentClass.sockets}). */
  declare freeSockets: Record<string, Socket[]>;
  /** Requests waiting for a socket, by name. */
  declare requests: Record<string, AgentRequest[]>;
  /** Sockets open over all names. */
  declare totalSocketCount: number;
  /** @ignore Internal: what the agent keeps beside Node's fields (see {@linkcode AgentState}). */
  declare readonly [kAgent]: AgentState;

  /** Creates an agent; throws Node's errors for a bad `maxTotalSockets` or `scheduling`. */
  constructor(options: AgentOptions = {}) {
    super();
    initAgent(this, options);
  }

  /** The seed's name: every request waiting for a socket, oldest name first. */
  get queue(): AgentRequest[] {
    return Object.values(this.requests).flat();
  }

  /**
   * The pool key, as Node 20: `host:port:localAddress`, then `:4`/`:6` for a family, then `:path` for a
   * unix socket; over https, the TLS settings that change a connection follow.
   */
  getName(options: AgentRequestOptions = {}): string {
    let name = poolName(
      options.host,
      options.port,
      options.localAddress,
      options.family,
      options.socketPath,
    );
    // https agents: every TLS setting that changes a connection, so such connections never mix (Node's).
    if (isHttps(options)) name += tlsPoolSuffix(options as Record<string, unknown> & { host?: string });
    return name;
  }

  /**
   * Node's entry point: gives `req` a socket now (a free one, or a new one) or queues it. The legacy form
   * `addRequest(req, host, port, localAddress)` is accepted too.
   */
  addRequest(
    req: AgentRequest,
    options: AgentRequestOptions | string = {},
    port?: number,
    localAddress?: string,
  ): void {
    // The legacy form names host, port and local address one by one.
    const given: AgentRequestOptions = typeof options === "string"
      ? { host: options, ...(port === undefined ? {} : { port }), ...(localAddress ? { localAddress } : {}) }
      : options;
    // A pooled socket for the name serves most requests of a keep-alive client: that path needs only the
    // name, so the merged options (a copy of both option sets) are made when a socket must be opened.
    const quickName = this.getName === AgentClass.prototype.getName
      ? plainPoolName(this.options, given, this[kAgent].lastName)
      : undefined;
    let opts = quickName === undefined ? mergeOptions(this.options, given) : undefined;
    const name = quickName ?? this.getName(opts);
    this.sockets[name] ??= [];
    const socket = takeFree(this, name);
    if (socket) {
      this.reuseSocket(socket, req);
      this.sockets[name].push(socket as Socket);
      req.onSocket(socket);
      return;
    }
    opts ??= mergeOptions(this.options, given);
    const openings = this[kAgent].openings;
    const open = openFor(this, openings, name);
    if (open < this.maxSockets && !atTotalLimit(this, openings)) {
      createFor(this, req, opts);
    } else {
      // Over the total limit an idle socket of another name makes room: once it closed, this request
      // gets a new socket (instead of waiting while that one sits idle).
      if (open < this.maxSockets) evictIdle(this);
      enqueue(this, name, req, opts, false);
    }
  }

  /**
   * Creates a socket for `req` with `createConnection`, counts it and listens to it, then calls
   * `callback(err, socket)`.
   */
  createSocket(_req: AgentRequest, options: AgentRequestOptions, callback: CreateConnectionCallback): void {
    const opts = mergeOptions(this.options, options);
    const name = this.getName(opts);
    opts._agentKey = name;
    if (this.keepAlive) {
      opts.keepAlive = true;
      opts.keepAliveInitialDelay = this.keepAliveMsecs;
    }
    const openings = this[kAgent].openings;
    openings.add(name);
    let done = false;
    const oncreate: CreateConnectionCallback = (err, socket) => {
      if (done) return;
      done = true;
      openings.done(name);
      if (err || !socket) {
        callback(err ?? new Error("createConnection gave no socket"));
        return;
      }
      (this.sockets[name] ??= []).push(socket as Socket);
      this.totalSocketCount++;
      install(this, openings, socket, opts);
      callback(null, socket);
    };
    let made: AgentSocket | undefined | void;
    try {
      made = this.createConnection(opts, oncreate);
    } catch (err) {
      oncreate(err as Error);
      return;
    }
    if (made) oncreate(null, made);
  }

  /**
   * Opens a connection through the agent's transport (ours, or the runtime's). As Node's (`net.connect`,
   * `tls.connect`), returns the socket at once, still connecting: writes wait, `'connect'` (and
   * `'secureConnect'` over TLS) follows, a failure (a refused certificate too) is its `'error'`.
   * `options.signal` aborts it (`AbortError`), `options.timeout` is its idle timeout. Node's forms:
   * `createConnection(options[, callback])` (the callback is the agent's own, called by `createSocket`
   * with the returned socket) and `createConnection(port[, host][, options][, connectListener])`.
   * Subclasses return (or yield to the callback) any socket: a `net`/`tls` socket or any Duplex is
   * wrapped by the request.
   */
  createConnection(
    options: AgentRequestOptions | number,
    callback?: CreateConnectionCallback | string | AgentRequestOptions | null,
    extra?: AgentRequestOptions | (() => void) | null,
  ): AgentSocket | undefined | void {
    let opts: AgentRequestOptions;
    /** The direct forms' last function argument: a `'connect'` listener, as `net.createConnection`'s. */
    let onConnect: (() => void) | undefined;
    if (typeof options === "object" && options !== null && typeof callback === "function") {
      // The agent's own form: the socket is returned, and createSocket hands it to the callback.
      opts = options;
    } else {
      // As Node's https.Agent: an options object given last is copied, never changed; port and host
      // given as arguments win over it.
      const given = typeof options === "object" && options !== null
        ? options
        : typeof callback === "object" && callback !== null
        ? callback
        : typeof extra === "object" && extra !== null
        ? extra
        : {};
      const direct: AgentRequestOptions = { protocol: this.protocol, ...given };
      if (typeof options === "number") direct.port = options;
      if (typeof callback === "string") direct.host = callback;
      if (typeof extra === "function") onConnect = extra;
      else if (typeof callback === "function") onConnect = callback as () => void;
      opts = mergeOptions(this.options, direct);
    }
    const transport = (opts.transport as Transport | undefined) ?? this[kAgent].transport;
    return openAgentSocket(opts, transport, this.options, onConnect);
  }

  /** Called before a socket goes to the free list; false destroys it instead. As Node's. */
  keepSocketAlive(socket: AgentSocket): boolean {
    const s = socket as Socket;
    s.setKeepAlive?.(true, this.keepAliveMsecs);
    s.unref?.();
    // A request's setTimeout() does not outlive it: the idle socket gets the agent's timeout (Node).
    const timeout = this.options.timeout ?? 0;
    if ((s.timeout ?? 0) !== timeout) s.setTimeout?.(timeout);
    return true;
  }

  /** Called when a free socket is given to `req`. As Node's. */
  reuseSocket(socket: AgentSocket, req: AgentRequest): void {
    req.reusedSocket = true;
    (socket as Socket).ref?.();
  }

  /** Closes every socket, busy or free. */
  destroy(): void {
    for (const group of [this.freeSockets, this.sockets]) {
      for (const list of Object.values(group)) for (const socket of [...list]) socket.destroy();
    }
  }

  /**
   * @ignore Internal (request): its reused socket failed before any answer, and it holds every byte it
   * sent. The retry policy: a reset of an idempotent request (the server had closed the idle connection),
   * or a socket of another request context (workerd) that sent nothing, goes again on a new socket;
   * returns whether it does.
   */
  [kRetry](req: AgentRequest, options: AgentRequestOptions, error: Error): boolean {
    if (!replayCures(error, (req as { method?: string }).method ?? "GET")) return false;
    const opts = mergeOptions(this.options, options);
    const name = this.getName(opts);
    this.sockets[name] ??= [];
    const openings = this[kAgent].openings;
    const open = openFor(this, openings, name);
    if (open < this.maxSockets && !atTotalLimit(this, openings)) {
      createFor(this, req, opts);
    } else enqueue(this, name, req, opts, true);
    return true;
  }
}

/** Gives `req` a new socket of the agent's own making (`createSocket`), or the error that prevented one. */
function createFor(agent: AgentClass, req: AgentRequest, opts: AgentRequestOptions): void {
  agent.createSocket(req, opts, (err, socket) => {
    if (err || !socket) req.onSocket(null, err);
    else req.onSocket(socket);
  });
}

/** Internal: where an agent keeps its {@linkcode AgentState}. */
export const kAgent: unique symbol = Symbol("wire.agent");

/** What an agent keeps beside Node's fields. */
export interface AgentState {
  /** The transport its connections open on (undefined: the runtime's). */
  readonly transport: Transport | undefined;
  /** Sockets being opened asynchronously, by name: counted against the limits before they exist. */
  readonly openings: Openings;
  /** The pool name of the last plain request, reused while its parts stay the same. */
  readonly lastName: LastPoolName;
}

/**
 * Sets up `agent` as the constructor does (and `Agent.call(this, options)` on an object it did not make):
 * Node's fields, with its errors for a bad `maxTotalSockets` or `scheduling`, and the pool's `'free'` hook.
 *
 * @example
 * ```ts ignore
 * function LegacyAgent(this: AgentClass, options: AgentOptions) { Agent.call(this, options); }
 * ```
 */
export function initAgent(agent: AgentClass, options: AgentOptions): void {
  const self = agent as { -readonly [K in keyof AgentClass]: AgentClass[K] };
  self.options = { __proto__: null, ...options } as AgentOptions;
  self.keepAlive = options.keepAlive ?? false;
  self.keepAliveMsecs = options.keepAliveMsecs ?? 1000;
  self.maxSockets = options.maxSockets || Infinity;
  self.maxFreeSockets = options.maxFreeSockets ?? 256;
  self.scheduling = checkScheduling(options.scheduling ?? "lifo");
  self.maxTotalSockets = checkMaxTotal(options.maxTotalSockets);
  self.defaultPort = 80;
  self.protocol = "http:";
  self.sockets = Object.create(null);
  self.freeSockets = Object.create(null);
  self.requests = Object.create(null);
  self.totalSocketCount = 0;
  const state: AgentState = {
    transport: options.transport,
    openings: new Openings(),
    lastName: new LastPoolName(),
  };
  (agent as { [kAgent]: AgentState })[kAgent] = state;
  agent.on("free", (socket, opts) => onFree(agent, state.openings, socket, opts));
}

/** Node's function-style subclassing: `Agent.call(this, options)` on an object that inherits Agent's prototype. */
function initInPlace(self: object, args: unknown[]): void {
  // An agent already set up keeps its pools (Node would start over, orphaning its sockets).
  if (Object.hasOwn(self, kAgent)) return;
  EventEmitter.call(self);
  initAgent(self as AgentClass, (args[0] as AgentOptions | undefined) ?? {});
}

/**
 * The agent used when a request names none (keep-alive on, as in current Node; no socket limit). A live
 * binding: replacing it through the module object (`http.globalAgent = agent`, as in Node) changes it
 * here too.
 *
 * @example
 * ```ts
 * import { globalAgent } from "@wire/http";
 * console.log(globalAgent.keepAlive); // true
 * ```
 */
export let globalAgent: Agent = new AgentClass({ keepAlive: true });

/**
 * Internal (the module object's `globalAgent` setter): requests that name no agent use `agent` from now
 * on. Any value is taken, as Node's setter takes it; a request checks that it is Agent-like.
 */
export function setGlobalAgent(agent: Agent): void {
  globalAgent = agent;
}

/**
 * The seed's `http.getAgent(host, port)`: the agent that carries requests to that origin (the global
 * agent, which keeps one pool per origin).
 *
 * @example
 * ```ts
 * import { getAgent } from "@wire/http";
 * const agent = getAgent("127.0.0.1", 8080);
 * console.log(agent.getName({ host: "127.0.0.1", port: 8080 })); // "127.0.0.1:8080:"
 * ```
 */
export function getAgent(_host: string, _port: number): Agent {
  return globalAgent;
}

/**
 * `Agent` as Node has it: a constructor that also works without `new` (`http.Agent(options)`), and that
 * subclasses extend.
 *
 * @example
 * ```ts ignore
 * import { Agent } from "@wire/http";
 * const agent = Agent({ keepAlive: true });
 * ```
 */
export interface AgentConstructor {
  /** `new Agent([options])`. */
  new (options?: AgentOptions): Agent;
  /** `Agent([options])`, the same without `new`. */
  (options?: AgentOptions): Agent;
  /** Shared by every agent. */
  readonly prototype: Agent;
}

/** A pool of client connections: Node's `http.Agent`. See {@linkcode AgentClass} for its members. */
export type Agent = AgentClass;
/**
 * Node's `http.Agent`: `new Agent([options])`, or the same without `new`; subclasses extend it.
 *
 * @example
 * ```ts ignore
 * import { Agent, get } from "@wire/http";
 * const agent = Agent({ keepAlive: true });
 * get({ host: "127.0.0.1", port: 8080, agent }, (res) => res.resume());
 * ```
 */
export const Agent: AgentConstructor = callableClass<AgentConstructor>(AgentClass, initInPlace);
