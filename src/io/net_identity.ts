/**
 * Node's class identity for sockets: while HTTP reads a socket it is a `net.Socket` to `instanceof` (a
 * TLS one a `tls.TLSSocket` too), as Node code checks (`assert(socket instanceof net.Socket)`, a
 * `'dropRequest'` listener, `setTimeout()`'s return value), while every member stays ours.
 *
 * How: a socket is made with a twin of its class's prototype, whose own members are copies of the class
 * chain's (down to `Duplex`), over a layer that hides each member of the runtime's `tls.TLSSocket` and
 * `net.Socket` prototypes that ours lacks (with `Duplex`'s version where it has one: net.Socket overrides
 * `end` and `read`; else with `undefined`: `connect`, `_handle`, ...), over the runtime's prototypes. So a
 * lookup finds what it finds on the class, and only `instanceof` sees the runtime's classes. A copied
 * method keeps its `super` binding, so it runs the same code. The class itself stays a plain `Duplex`
 * subclass (the edge entry's sockets, which load no `node:net`).
 *
 * Why not `class Socket extends net.Socket`: the runtimes' `node:tls` takes a `net.Socket` for one with a
 * native handle. Given ours, `tls.connect({ socket })` hangs (Deno waits for the `'connect'` of a socket
 * it thinks is still connecting; Bun hands it to its native TLS upgrade), and so would a proxy's TLS
 * over a CONNECT tunnel. So only a socket an HTTP connection reads wears a twin; one never owned, or
 * handed over raw (`'upgrade'`, `'connect'`), wears the class's own prototype (see `Socket`), a `Duplex`
 * that node:tls wraps as a stream.
 *
 * @module
 */

import { Duplex } from "node:stream";

/** What the runtime gives for `node:net` or `node:tls`: the module, whose socket class is read. */
export type BuiltinLoader = (id: "node:net" | "node:tls") => unknown;

let loadBuiltin: BuiltinLoader | undefined;

/**
 * Turns identity on for sockets made from now on, with the runtime's modules read through `load` when
 * the first socket (the first TLS socket for `node:tls`) is made. Each Deno/Bun entry calls it once.
 *
 * @example
 * ```ts ignore
 * import process from "node:process";
 * useNetIdentity((id) => process.getBuiltinModule(id));
 * ```
 */
export function useNetIdentity(load: BuiltinLoader): void {
  loadBuiltin = load;
}

type AnyClass = abstract new (...args: never[]) => unknown;

/** The twins made so far, per class: `net` for plain sockets, `tls` for TLS ones; null: not available. */
const twins = new WeakMap<AnyClass, { net?: object | null; tls?: object | null }>();

/**
 * The prototype a socket of class `leaf` is made with: its `net.Socket` twin (`tls.TLSSocket` twin when
 * `encrypted`), or `leaf.prototype` where identity is off (the edge entry) or the runtime lacks the class.
 *
 * @example
 * ```ts ignore
 * Object.setPrototypeOf(socket, identityPrototype(Socket, socket.encrypted));
 * socket instanceof net.Socket; // true on Deno and Bun
 * ```
 */
export function identityPrototype(leaf: AnyClass, encrypted: boolean): object {
  if (loadBuiltin === undefined) return leaf.prototype;
  let made = twins.get(leaf);
  if (made === undefined) twins.set(leaf, made = {});
  const kind = encrypted ? "tls" : "net";
  let twin = made[kind];
  if (twin === undefined) twin = made[kind] = makeTwin(leaf, encrypted);
  return twin ?? leaf.prototype;
}

/** The twin of `leaf.prototype` over the runtime's class, or null when the runtime has no such class. */
function makeTwin(leaf: AnyClass, encrypted: boolean): object | null {
  const net = classPrototype(loadBuiltin!("node:net"), "Socket");
  const tls = encrypted ? classPrototype(loadBuiltin!("node:tls"), "TLSSocket") : undefined;
  if (net === undefined || (encrypted && tls === undefined)) return null;
  const ours: object[] = [];
  for (
    let proto = leaf.prototype as object;
    proto !== Duplex.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (proto === null) throw new Error(`${leaf.name} is not a Duplex subclass`);
    ours.push(proto);
  }
  const runtime = tls === undefined ? [net] : [tls, net];
  const twin = Object.create(hidingLayer(runtime[0]!, runtime, ours));
  // The class's own members win over its parents'.
  for (const proto of ours.toReversed()) {
    for (const key of Reflect.ownKeys(proto)) {
      Object.defineProperty(twin, key, Object.getOwnPropertyDescriptor(proto, key)!);
    }
  }
  return twin;
}

function classPrototype(module: unknown, name: "Socket" | "TLSSocket"): object | undefined {
  const cls = (module as Record<string, unknown> | undefined)?.[name];
  return typeof cls === "function" ? cls.prototype as object : undefined;
}

/**
 * An object over `top` that defines, for every own member of `hidden` that none of `ours` defines,
 * `Duplex`'s version of it, or an `undefined` value.
 */
function hidingLayer(top: object, hidden: object[], ours: object[]): object {
  const defined = new Set(ours.flatMap((proto) => Reflect.ownKeys(proto)));
  const layer = Object.create(top);
  for (const proto of hidden) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === "constructor" || defined.has(key) || Object.hasOwn(layer, key)) continue;
      const own = duplexDescriptor(key) ?? { value: undefined, writable: true, configurable: true };
      Object.defineProperty(layer, key, own);
    }
  }
  return layer;
}

/** `Duplex.prototype`'s own or inherited descriptor of `key`, if any. */
function duplexDescriptor(key: string | symbol): PropertyDescriptor | undefined {
  for (let proto: object | null = Duplex.prototype; proto !== null; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}
