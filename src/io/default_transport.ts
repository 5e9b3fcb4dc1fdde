/**
 * Where the server and client find their transport when the caller gives none. The layers below the
 * transports never name a runtime, so the transport comes from one of two places, looked up each time a
 * server listens or a connection opens (never at import):
 *
 * - the user's choice, {@linkcode setTransportProvider} (the edge entry's `setDefaultTransport`);
 * - the runtime's, {@linkcode setRuntimeTransport}, which each Deno and Bun entry wires by calling
 *   `useRuntimeTransport()` from `src/transports/pick.ts` at module scope.
 *
 * The user's choice wins, whichever entries were imported and in whatever order.
 *
 * @module
 */

import { SystemError, type Transport } from "./transport.ts";

let chosen: (() => Transport) | undefined;
let runtime: (() => Transport) | undefined;

/**
 * Installs the user's default transport (the edge entry's `setDefaultTransport`); it beats the runtime's.
 *
 * @example
 * ```ts
 * import { defaultTransportOrThrow, setTransportProvider } from "./default_transport.ts";
 * import type { Transport } from "./transport.ts";
 * const refuse = () => Promise.reject(new Error("no sockets here"));
 * const transport: Transport = { name: "none", listen: refuse, connect: refuse };
 * setTransportProvider(() => transport);
 * console.log(defaultTransportOrThrow() === transport); // true
 * ```
 */
export function setTransportProvider(fn: () => Transport): void {
  chosen = fn;
}

/**
 * Installs the lookup of the running runtime's transport (Deno's or Bun's), used when the user chose
 * none. Called by `useRuntimeTransport()` in `src/transports/pick.ts`, the place the runtime is chosen.
 *
 * @example
 * ```ts
 * import { setRuntimeTransport } from "./default_transport.ts";
 * import type { Transport } from "./transport.ts";
 * const refuse = () => Promise.reject(new Error("no sockets here"));
 * const fallback: Transport = { name: "none", listen: refuse, connect: refuse };
 * // `useRuntimeTransport()` in src/transports/pick.ts passes its runtime pick here.
 * setRuntimeTransport(() => fallback);
 * ```
 */
export function setRuntimeTransport(lookup: () => Transport): void {
  runtime = lookup;
}

/**
 * The default transport: the user's, else the runtime's. Throws `ERR_NO_TRANSPORT` when there is
 * neither (an edge program that set none, or the layers used without an entry).
 *
 * @example
 * ```ts
 * import { defaultTransportOrThrow } from "./default_transport.ts";
 * try {
 *   console.log(defaultTransportOrThrow().name);
 * } catch (error) {
 *   console.log((error as { code?: string }).code); // "ERR_NO_TRANSPORT" when nothing was wired
 * }
 * ```
 */
export function defaultTransportOrThrow(): Transport {
  const lookup = chosen ?? runtime;
  if (lookup === undefined) {
    throw new SystemError(
      "ERR_NO_TRANSPORT",
      "No default transport: import @wire/http (or its https or fetch entry) on Deno or Bun, or give one " +
        "with setDefaultTransport() or a transport option",
    );
  }
  return lookup();
}
