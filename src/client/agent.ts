/**
 * `Agent`: per-origin connection pools. A request takes a free keep-alive socket if there is one, opens
 * a new socket if the origin has fewer than `maxSockets`, and otherwise waits in the queue. One
 * `#resume()` pass after every event decides what runs next (undici's habit), so no path forgets to
 * start a waiting request.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import { callableClass } from "../io/_callable.ts";
import type { Socket } from "../io/socket.ts";
import type { Transport } from "../io/transport.ts";
import { ClientConnection } from "./_connection.ts";
import {
  kAddRequest,
  kAssignConnection,
  kCancel,
  kConnectFailed,
  kReleased,
  kRemoved,
  kRetry,
} from "./_hooks.ts";
import { openConnection } from "./_open_connection.ts";
import { originOf, type OriginOptions } from "./_origin.ts";
import type { PoolRequest } from "./_pool_request.ts";

/** Options of {@linkcode Agent}, with Node's defaults (except `maxSockets`, 5 as the seed says). */
export interface AgentOptions {
  /** Keep sockets open between requests (default false). */
  keepAlive?: boolean;
  /** Initial delay of TCP keep-alive probes on kept sockets (default 1000 ms). */
  keepAliveMsecs?: number;
  /** Most sockets open at once per origin (default 5, from the seed). */
  maxSockets?: number;
  /** Most sockets open at once over all origins (default Infinity). */
  maxTotalSockets?: number;
  /** Most idle sockets kept per origin (default 256). */
  maxFreeSockets?: number;
  /** Inactivity timeout of sockets, in ms (default none). */
  timeout?: number;
  /** Which free socket is reused first: the most recent (`lifo`, default) or the oldest (`fifo`). */
  scheduling?: "lifo" | "fifo";
  /** The socket layer; defaults to the running runtime's. */
  transport?: Transport;
}

/** Events of an {@linkcode Agent}. */
export interface AgentEvents {
  /** A socket became free for reuse. */
  free: [socket: Socket, options: OriginOptions];
  /** HTTPS agents: one NSS key log line of a handshake, with the socket made over it. */
  keylog: [line: Uint8Array, socket: Socket];
  /** A listener is being added (Node's emitter event). */
  // deno-lint-ignore no-explicit-any
  newListener: [event: string | symbol, listener: (...args: any[]) => void];
}

/**
 * A request waiting in an Agent's queue, as {@linkcode Agent.requests} lists it (the objects are the
 * `ClientRequest`s themselves).
 */
export interface PendingRequest {
  /** The options naming the origin. */
  readonly options: OriginOptions;
  /** Whether the request was destroyed while waiting. */
  readonly destroyed: boolean;
}

interface Pool {
  /** Connections carrying a request. */
  busy: Set<ClientConnection>;
  /** Idle keep-alive connections. */
  free: ClientConnection[];
  /** Connections being opened. */
  connecting: number;
  /** Requests waiting for a connection. */
  waiting: PoolRequest[];
}

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
  /** Options as given (with defaults filled in). */
  readonly options: AgentOptions;
  /** Whether sockets are kept between requests. */
  keepAlive: boolean;
  /** TCP keep-alive delay for kept sockets. */
  keepAliveMsecs: number;
  /** Per-origin socket limit. */
  maxSockets: number;
  /** Total socket limit. */
  maxTotalSockets: number;
  /** Per-origin idle socket limit. */
  maxFreeSockets: number;

  #pools = new Map<string, Pool>();
  #transport: Transport | undefined;
  #owners = new Map<ClientConnection, string>();
  #total = 0;

  /** Creates an agent. */
  constructor(options: AgentOptions = {}) {
    super();
    this.options = { ...options };
    this.keepAlive = options.keepAlive ?? false;
    this.keepAliveMsecs = options.keepAliveMsecs ?? 1000;
    this.maxSockets = options.maxSockets ?? 5;
    this.maxTotalSockets = options.maxTotalSockets ?? Infinity;
    this.maxFreeSockets = options.maxFreeSockets ?? 256;
    this.#transport = options.transport;
  }

  /** Sockets carrying requests, by origin name. */
  get sockets(): Record<string, Socket[]> {
    return this.#collect((pool) => [...pool.busy].map((c) => c.socket));
  }

  /** Idle keep-alive sockets, by origin name. */
  get freeSockets(): Record<string, Socket[]> {
    return this.#collect((pool) => pool.free.map((c) => c.socket));
  }

  /** Requests waiting for a socket, by origin name. */
  get requests(): Record<string, PendingRequest[]> {
    return this.#collect((pool) => [...pool.waiting]);
  }

  /** The seed's name: every request waiting for a socket, oldest first. */
  get queue(): PendingRequest[] {
    return [...this.#pools.values()].flatMap((pool) => pool.waiting);
  }

  /** The pool key of a request: `host:port:` (Node's format), plus `:path` for a unix socket. */
  getName(options: OriginOptions = {}): string {
    return originOf(options).name;
  }

  /** @ignore Internal (request): queues `req` and starts it when a socket is available. */
  [kAddRequest](req: PoolRequest): void {
    const name = this.getName(req.options);
    const pool = this.#pool(name);
    pool.waiting.push(req);
    this.#resume(name, pool);
  }

  /** @ignore Internal (request): `req` was destroyed before it got a socket. */
  [kCancel](req: PoolRequest): void {
    for (const pool of this.#pools.values()) {
      const i = pool.waiting.indexOf(req);
      if (i !== -1) pool.waiting.splice(i, 1);
    }
  }

  /** @ignore Internal (request): its reused socket was dead; run it again on a new socket first. */
  [kRetry](req: PoolRequest): void {
    const name = this.getName(req.options);
    const pool = this.#pool(name);
    pool.waiting.unshift(req);
    this.#resume(name, pool, true);
  }

  /** Closes every socket, busy or free. */
  destroy(): void {
    for (const pool of this.#pools.values()) {
      for (const conn of [...pool.busy, ...pool.free]) conn.socket.destroy();
    }
  }

  // ---- ConnectionOwner ----

  /** @ignore Internal (client connections): the exchange is over and the socket may be reused. */
  [kReleased](conn: ClientConnection): void {
    const name = this.#owners.get(conn);
    if (name === undefined) return;
    const pool = this.#pool(name);
    pool.busy.delete(conn);
    this.emit("free", conn.socket, { host: name });
    if (pool.waiting.length > 0) {
      this.#start(pool.waiting.shift()!, conn, pool);
      return;
    }
    if (!this.keepAlive || pool.free.length >= this.maxFreeSockets) {
      conn.socket.destroy();
      return;
    }
    conn.socket.setKeepAlive(true, this.keepAliveMsecs);
    // A request's setTimeout() does not outlive it: the idle socket gets the agent's timeout (Node).
    conn.socket.setTimeout(this.options.timeout ?? 0);
    pool.free.push(conn);
  }

  /** @ignore Internal (client connections): the socket closed or left HTTP. */
  [kRemoved](conn: ClientConnection): void {
    const name = this.#owners.get(conn);
    if (name === undefined) return;
    this.#owners.delete(conn);
    this.#total--;
    const pool = this.#pool(name);
    pool.busy.delete(conn);
    const i = pool.free.indexOf(conn);
    if (i !== -1) pool.free.splice(i, 1);
    this.#resume(name, pool);
    this.#resumeOthers();
  }

  // ---- internals ----

  /** Starts as many waiting requests of `name` as the limits allow. */
  #resume(name: string, pool: Pool, fresh = false): void {
    while (pool.waiting.length > 0) {
      // A request never waits while a free socket exists.
      const free = fresh ? undefined : this.#takeFree(pool);
      if (free) {
        this.#start(pool.waiting.shift()!, free, pool);
        continue;
      }
      const open = pool.busy.size + pool.free.length + pool.connecting;
      if (open >= this.maxSockets || this.#total >= this.maxTotalSockets) {
        // Over the total limit an idle socket of another origin makes room.
        if (open < this.maxSockets && this.#evictIdle()) continue;
        return;
      }
      this.#connect(name, pool, pool.waiting.shift()!);
      fresh = false;
    }
  }

  #resumeOthers(): void {
    if (this.#total >= this.maxTotalSockets) return;
    for (const [name, pool] of this.#pools) if (pool.waiting.length > 0) this.#resume(name, pool);
  }

  #takeFree(pool: Pool): ClientConnection | undefined {
    while (pool.free.length > 0) {
      const conn = this.options.scheduling === "fifo" ? pool.free.shift()! : pool.free.pop()!;
      if (!conn.closed && !conn.socket.destroyed && !conn.socket.readableEnded) return conn;
    }
    return undefined;
  }

  #evictIdle(): boolean {
    for (const pool of this.#pools.values()) {
      const conn = pool.free.shift();
      if (conn) {
        conn.socket.destroy();
        return true;
      }
    }
    return false;
  }

  #start(req: PoolRequest, conn: ClientConnection, pool: Pool): void {
    pool.busy.add(conn);
    req[kAssignConnection](conn);
  }

  #connect(name: string, pool: Pool, req: PoolRequest): void {
    pool.connecting++;
    this.#total++;
    openConnection(req.options, this.#transport).then(
      (socket) => {
        pool.connecting--;
        const conn = new ClientConnection(socket, this);
        this.#owners.set(conn, name);
        if (this.options.timeout) socket.setTimeout(this.options.timeout);
        if (req.destroyed) {
          // The request went away while connecting: the socket can serve the next one.
          pool.busy.add(conn);
          this[kReleased](conn);
          return;
        }
        this.#start(req, conn, pool);
      },
      (err: Error) => {
        pool.connecting--;
        this.#total--;
        req[kConnectFailed](err);
        this.#resume(name, pool);
      },
    );
  }

  #pool(name: string): Pool {
    let pool = this.#pools.get(name);
    if (!pool) {
      pool = { busy: new Set(), free: [], connecting: 0, waiting: [] };
      this.#pools.set(name, pool);
    }
    return pool;
  }

  #collect<T>(pick: (pool: Pool) => T[]): Record<string, T[]> {
    const out: Record<string, T[]> = Object.create(null);
    for (const [name, pool] of this.#pools) {
      const items = pick(pool);
      if (items.length > 0) out[name] = items;
    }
    return out;
  }
}

/**
 * The agent used when a request names none (keep-alive on, as in current Node; 5 sockets per origin).
 *
 * @example
 * ```ts
 * import { globalAgent } from "@wire/http";
 * console.log(globalAgent.maxSockets); // 5
 * ```
 */
export const globalAgent: Agent = new AgentClass({ keepAlive: true });

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
export const Agent: AgentConstructor = callableClass<AgentConstructor>(AgentClass);
