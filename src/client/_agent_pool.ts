/**
 * The bookkeeping of an {@linkcode AgentClass}'s pool, as Node's Agent keeps it: which sockets are busy
 * (`sockets`), idle (`freeSockets`) or still opening, which requests wait (`requests`), and what happens
 * when a socket comes back (`'free'`), closes, or idles into an error. The functions work on the agent's
 * public pool state, plus the count of sockets still opening, which the agent owns privately
 * ({@linkcode Openings}) and passes in.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { Socket } from "../io/socket.ts";
import type { AgentClass, AgentRequest, AgentRequestOptions, AgentSocket } from "./agent.ts";

/**
 * Sockets being opened asynchronously, by pool name: counted against the limits before they exist.
 *
 * @example
 * ```ts ignore
 * const openings = new Openings();
 * openings.add("localhost:80:");
 * openings.of("localhost:80:"); // 1
 * openings.done("localhost:80:");
 * ```
 */
export class Openings {
  #byName = new Map<string, number>();

  /** Sockets of `name` still opening. */
  of(name: string): number {
    return this.#byName.get(name) ?? 0;
  }

  /** Sockets still opening over all names (with `totalSocketCount`, the agent's open sockets). */
  total(): number {
    let pending = 0;
    for (const n of this.#byName.values()) pending += n;
    return pending;
  }

  /** One more socket of `name` is opening. */
  add(name: string): void {
    this.#byName.set(name, this.of(name) + 1);
  }

  /** A socket of `name` opened, or failed to. */
  done(name: string): void {
    const pending = this.of(name) - 1;
    if (pending > 0) this.#byName.set(name, pending);
    else this.#byName.delete(name);
  }
}

/** Per-request options of a queued request, kept until it gets a socket (Node keeps them on the req). */
const queuedOptions = new WeakMap<AgentRequest, AgentRequestOptions>();
/** The options each socket was created with (for `'free'` and removal), as Node's listeners close over. */
const socketOptions = new WeakMap<AgentSocket, AgentRequestOptions>();

/**
 * Sockets of `name` open or opening (busy, idle, or not there yet), for the per-name limit.
 *
 * @example
 * ```ts ignore
 * if (openFor(agent, openings, name) < agent.maxSockets) agent.createSocket(req, opts, callback);
 * ```
 */
export function openFor(agent: AgentClass, openings: Openings, name: string): number {
  return (agent.freeSockets[name]?.length ?? 0) + (agent.sockets[name]?.length ?? 0) + openings.of(name);
}

/**
 * Whether the agent's sockets of every name, open or opening, are at `maxTotalSockets`: no new socket
 * until one closes.
 *
 * @example
 * ```ts ignore
 * if (atTotalLimit(agent, openings)) evictIdle(agent);
 * ```
 */
export function atTotalLimit(agent: AgentClass, openings: Openings): boolean {
  return agent.totalSocketCount + openings.total() >= agent.maxTotalSockets;
}

/**
 * Queues `req` under `name` with its options until a socket is free or room opens; `first` puts it
 * ahead of the others (a retried request was already waiting longest).
 *
 * @example
 * ```ts ignore
 * enqueue(agent, name, req, opts, false);
 * ```
 */
export function enqueue(
  agent: AgentClass,
  name: string,
  req: AgentRequest,
  opts: AgentRequestOptions,
  first: boolean,
): void {
  queuedOptions.set(req, opts);
  const waiting = agent.requests[name] ??= [];
  if (first) waiting.unshift(req);
  else waiting.push(req);
}

/**
 * Takes a live idle socket of `name` off the free list (newest or oldest first, by `scheduling`);
 * dead ones met on the way are dropped.
 *
 * @example
 * ```ts ignore
 * const socket = takeFree(agent, "localhost:8080:");
 * if (socket) req.onSocket(socket);
 * ```
 */
export function takeFree(agent: AgentClass, name: string): AgentSocket | undefined {
  const free = agent.freeSockets[name];
  if (!free) return undefined;
  let socket: AgentSocket | undefined;
  while (free.length > 0 && !socket) {
    const s = agent.scheduling === "fifo" ? free.shift()! : free.pop()!;
    if (!s.destroyed && !(s as Duplex).readableEnded) socket = s;
  }
  if (free.length === 0) delete agent.freeSockets[name];
  return socket;
}

/**
 * Counts a new socket in and listens to it for the rest of its life: `'free'` (an exchange ended),
 * `'close'`, `'timeout'` while idle, an idle socket's `'error'`, and `'agentRemove'` (taken over by an
 * upgrade or CONNECT, no longer the agent's).
 *
 * @example
 * ```ts ignore
 * (agent.sockets[name] ??= []).push(socket);
 * agent.totalSocketCount++;
 * install(agent, openings, socket, opts);
 * ```
 */
export function install(
  agent: AgentClass,
  openings: Openings,
  socket: AgentSocket,
  opts: AgentRequestOptions,
): void {
  socketOptions.set(socket, opts);
  const onFree = () => agent.emit("free", socket, opts);
  const onClose = () => remove(agent, openings, socket, opts);
  const onTimeout = () => {
    // An idle pooled socket that times out is closed; a busy one is its request's business.
    if (isIdle(agent, socket)) socket.destroy();
  };
  // An idle socket's error only closes it (Node's free-socket listener); no request hears of it. Installed
  // once for the socket's life instead of once per idle spell (a `once` wrapper and a listener-list search
  // per request), it acts only while the socket is idle: the free lists say so, read on this rare path
  // rather than kept in a set on every request's path.
  const onError = () => {
    if (!isIdle(agent, socket)) return;
    socket.destroy();
    socket.emit("agentRemove");
  };
  const onRemove = () => {
    remove(agent, openings, socket, opts);
    socket.off("free", onFree);
    socket.off("close", onClose);
    socket.off("timeout", onTimeout);
    socket.off("agentRemove", onRemove);
    socket.off("error", onError);
  };
  socket.on("free", onFree);
  socket.on("close", onClose);
  socket.on("error", onError);
  socket.on("timeout", onTimeout);
  socket.on("agentRemove", onRemove);
}

/**
 * Node's `'free'` handler: a socket done with its exchange goes to the next request waiting for its
 * name, else to the free list if the request, the agent and the limits keep it alive, else is closed.
 *
 * @example
 * ```ts ignore
 * agent.on("free", (socket, opts) => onFree(agent, openings, socket, opts));
 * ```
 */
export function onFree(
  agent: AgentClass,
  openings: Openings,
  socket: AgentSocket,
  opts: AgentRequestOptions,
): void {
  // The pool the socket was made for (`createSocket` records it, as Node's does).
  const name = (opts._agentKey as string | undefined) ?? agent.getName(opts);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const waiting = agent.requests[name];
  if (waiting && waiting.length > 0) {
    const req = waiting.shift()!;
    if (waiting.length === 0) delete agent.requests[name];
    queuedOptions.delete(req);
    req.onSocket(socket);
    return;
  }
  const req = (socket as { _httpMessage?: AgentRequest | null })._httpMessage;
  // Requests of a name with no socket at all wait for room under maxTotalSockets: closing this one
  // makes it (names with sockets of their own are served by those).
  const othersWait = atTotalLimit(agent, openings) &&
    Object.keys(agent.requests).some((n) => !agent.sockets[n]?.length && openings.of(n) === 0);
  if (!req || !req.shouldKeepAlive || !agent.keepAlive || othersWait) {
    socket.destroy();
    return;
  }
  const free = agent.freeSockets[name] ?? [];
  const count = free.length + (agent.sockets[name]?.length ?? 0);
  if (
    agent.totalSocketCount > agent.maxTotalSockets || count > agent.maxSockets ||
    free.length >= agent.maxFreeSockets || !agent.keepSocketAlive(socket)
  ) {
    socket.destroy();
    return;
  }
  (socket as { _httpMessage?: unknown })._httpMessage = null;
  removeFrom(agent.sockets, name, socket);
  // A new list only: most often the name's list is there already (its last socket was just taken).
  if (free.length === 0) agent.freeSockets[name] = free;
  free.push(socket as Socket);
}

/**
 * Closes the oldest idle socket of any name; its slot is free once it closed (see `remove`).
 *
 * @example
 * ```ts ignore
 * if (atTotalLimit(agent, openings)) evictIdle(agent);
 * ```
 */
export function evictIdle(agent: AgentClass): void {
  for (const [name, list] of Object.entries(agent.freeSockets)) {
    const socket = list.shift();
    if (list.length === 0) delete agent.freeSockets[name];
    if (socket) {
      socket.destroy();
      return;
    }
  }
}

/** A socket closed or left the agent: it stops counting, and its slot may serve a waiting request. */
function remove(agent: AgentClass, openings: Openings, socket: AgentSocket, opts: AgentRequestOptions): void {
  const name = agent.getName(opts);
  removeFrom(agent.sockets, name, socket);
  removeFrom(agent.freeSockets, name, socket);
  if (socketOptions.delete(socket)) agent.totalSocketCount--;
  serveWaiting(agent, openings, name);
  // Room under maxTotalSockets: requests of other names may start now.
  for (const other of Object.keys(agent.requests)) if (other !== name) serveWaiting(agent, openings, other);
}

/** Starts the first waiting request of `name` on a new socket if the limits allow. */
function serveWaiting(agent: AgentClass, openings: Openings, name: string): void {
  const waiting = agent.requests[name];
  if (!waiting || waiting.length === 0) return;
  if (openFor(agent, openings, name) >= agent.maxSockets) return;
  if (atTotalLimit(agent, openings)) {
    evictIdle(agent);
    return;
  }
  // As Node's removeSocket: the new socket is announced with 'free', whose handler gives it to the first
  // request still waiting then (it stays queued until that moment).
  const req = waiting[0]!;
  const opts = queuedOptions.get(req) ?? { host: name };
  agent.createSocket(req, opts, (err, socket) => {
    if (err || !socket) {
      dequeue(agent, name, req);
      req.onSocket(null, err);
    } else socket.emit("free");
  });
}

function dequeue(agent: AgentClass, name: string, req: AgentRequest): void {
  const waiting = agent.requests[name];
  const i = waiting ? waiting.indexOf(req) : -1;
  if (i === -1) return;
  waiting!.splice(i, 1);
  if (waiting!.length === 0) delete agent.requests[name];
  queuedOptions.delete(req);
}

function removeFrom(group: Record<string, Socket[]>, name: string, socket: AgentSocket): void {
  const list: AgentSocket[] | undefined = group[name];
  const i = list ? list.indexOf(socket) : -1;
  if (i === -1) return;
  // In place: splice() allocates the array of what it removed, once per request (and V8's copyWithin
  // takes a slow path on object arrays: ~0.9 µs for 32 sockets, measured 2026-12-05).
  for (let j = i + 1; j < list!.length; j++) list![j - 1] = list![j]!;
  list!.pop();
  // Node keeps an empty `sockets[name]` only while requests are being added; free lists go at once.
  if (list!.length === 0) delete group[name];
}

/** Whether `socket` waits in one of the agent's free lists. */
function isIdle(agent: AgentClass, socket: AgentSocket): boolean {
  for (const list of Object.values(agent.freeSockets)) if (list.includes(socket as Socket)) return true;
  return false;
}
