/**
 * An {@linkcode AgentClass}'s options as Node reads them: the checks its constructor runs, how they
 * merge with a request's into the options `createConnection` gets, and the pool name those merged
 * options give, computed without merging them (the keep-alive hot path needs only the name).
 *
 * @module
 */

import { HttpUsageError } from "../core/errors.ts";
import { invalidArgType, outOfRange } from "../io/_node_errors.ts";
import type { AgentOptions, AgentRequestOptions } from "./agent.ts";

/**
 * Node's check of `scheduling`: `"lifo"` or `"fifo"`, else ERR_INVALID_ARG_VALUE.
 *
 * @example
 * ```ts ignore
 * checkScheduling("lifo"); // "lifo"
 * checkScheduling("random"); // throws ERR_INVALID_ARG_VALUE
 * ```
 */
export function checkScheduling(value: unknown): "lifo" | "fifo" {
  if (value !== "lifo" && value !== "fifo") {
    throw new HttpUsageError(
      "ERR_INVALID_ARG_VALUE",
      `The argument 'scheduling' must be one of: 'fifo', 'lifo'. Received ${
        typeof value === "string" ? `'${value}'` : String(value)
      }`,
    );
  }
  return value;
}

/**
 * Node's check of `maxTotalSockets`: a number >= 1; absent is no limit.
 *
 * @example
 * ```ts ignore
 * checkMaxTotal(undefined); // Infinity
 * checkMaxTotal(0); // throws ERR_OUT_OF_RANGE
 * ```
 */
export function checkMaxTotal(value: unknown): number {
  if (value === undefined) return Infinity;
  if (typeof value !== "number") throw invalidArgType("maxTotalSockets", "number", value);
  if (!(value >= 1)) throw outOfRange("maxTotalSockets", ">= 1", value);
  return value;
}

/**
 * The options a connection for a request is made with: the request's, the agent's winning (read live:
 * users may change them), without the agent's transport, and `path` set to the unix socket, as Node's.
 *
 * @example
 * ```ts ignore
 * const opts = mergeOptions(agent.options, { host: "127.0.0.1", port: 8080 });
 * ```
 */
export function mergeOptions(agentOptions: AgentOptions, options: AgentRequestOptions): AgentRequestOptions {
  // An ordinary object, not Node's `__proto__: null` one: V8 keeps prototype-less objects in dictionary
  // mode, and this merge runs for every request (3.7% of a keep-alive client's CPU as a dictionary).
  // Spread copies own properties only, so a `__proto__` key in the options stays a plain data property.
  const opts: AgentRequestOptions = { ...options, ...withoutTransport(agentOptions) };
  // The transport is the agent's business, not a connect option. Deleted only when a request brought
  // one: `delete` turns the object into a slow dictionary (4% of a client's CPU when done every time).
  if (opts.transport !== undefined) delete opts.transport;
  // As Node: `path` is the unix socket for createConnection (net.connect reads it), never the request's
  // path, so a subclass may pass these options straight to net.connect / tls.connect.
  opts.path = opts.socketPath ?? null;
  return opts;
}

/** The agent's options for a request: without its transport. */
function withoutTransport(agentOptions: AgentOptions): AgentRequestOptions {
  const options = agentOptions as AgentRequestOptions;
  if (options.transport === undefined) return options;
  const { transport: _transport, ...rest } = options;
  return rest;
}

/**
 * Node 20's pool key of a plain connection: `host:port:localAddress`, then `:4`/`:6` for a family, then
 * `:path` for a unix socket (an https agent adds its TLS settings after it).
 *
 * @example
 * ```ts ignore
 * poolName("127.0.0.1", 8080, undefined, 4, undefined); // "127.0.0.1:8080::4"
 * ```
 */
export function poolName(
  host: string | undefined,
  port: unknown,
  localAddress: unknown,
  family: unknown,
  socketPath: unknown,
): string {
  let name = `${host || "localhost"}:`;
  if (port) name += port;
  name += ":";
  if (localAddress) name += localAddress;
  if (family === 4 || family === 6) name += `:${family}`;
  if (socketPath) name += `:${socketPath}`;
  return name;
}

/**
 * The base `getName()` of the merged options, computed without merging them, for plain HTTP (TLS names
 * read many fields: undefined then). Only for agents that name pools as the base class does. The last
 * name is kept in `last` (one per agent) and returned again while the parts that make it are the same: a
 * keep-alive client asks for the same pool on every request (interleaved A/B in one process, 2026-12-05:
 * 1-6% less CPU per GET on Deno, 1-3% on Bun).
 *
 * @example
 * ```ts ignore
 * plainPoolName({}, { host: "127.0.0.1", port: 8080 }, new LastPoolName()); // "127.0.0.1:8080:"
 * ```
 */
export function plainPoolName(
  agentOptions: AgentOptions,
  given: AgentRequestOptions,
  last: LastPoolName,
): string | undefined {
  const own = agentOptions as AgentRequestOptions;
  // The agent's options win over the request's, as in the merge (an option the agent holds as
  // `undefined` counts as unset here; no closure or `in` test: this runs for every request).
  if ((own.protocol ?? given.protocol) === "https:") return undefined;
  const host = (own.host ?? given.host) as string | undefined;
  const port = own.port ?? given.port;
  const localAddress = own.localAddress ?? given.localAddress;
  const family = own.family ?? given.family;
  const socketPath = own.socketPath ?? given.socketPath;
  if (
    host === last.host && port === last.port && localAddress === last.localAddress &&
    family === last.family && socketPath === last.socketPath
  ) return last.name;
  const name = poolName(host, port, localAddress, family, socketPath);
  last.host = host;
  last.port = port;
  last.localAddress = localAddress;
  last.family = family;
  last.socketPath = socketPath;
  last.name = name;
  return name;
}

/** The parts of the last name {@linkcode plainPoolName} made, and the name (one per agent). */
export class LastPoolName {
  // The host starts as no string at all, so the first call never matches.
  host: unknown = LastPoolName;
  port: unknown;
  localAddress: unknown;
  family: unknown;
  socketPath: unknown;
  name = "";
}
