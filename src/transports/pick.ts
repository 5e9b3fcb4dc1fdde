/**
 * Picks the transport for the running runtime.
 *
 * @module
 */

import { SystemError, type Transport } from "../io/transport.ts";
import { bunTransport } from "./bun.ts";
import { denoTransport } from "./deno.ts";

/**
 * The transport for the running runtime: Bun's when `globalThis.Bun` exists, else Deno's when
 * `globalThis.Deno` exists. Elsewhere (e.g. workerd) it throws `ERR_NO_TRANSPORT`; pass a transport
 * explicitly there, such as `webStreamsTransport(connect)` from `./web_streams.ts`.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "./pick.ts";
 * console.log(defaultTransport().name); // "deno" under Deno, "bun" under Bun
 * ```
 */
export function defaultTransport(): Transport {
  const global = globalThis as { Bun?: unknown; Deno?: unknown };
  // Bun first: it defines no `Deno`, but a Deno shim under Bun must not win over the native API.
  if (global.Bun !== undefined) return bunTransport;
  if (global.Deno !== undefined) return denoTransport;
  throw new SystemError(
    "ERR_NO_TRANSPORT",
    "Cannot find a socket transport for this runtime: pass one explicitly, e.g. " +
      "webStreamsTransport(connect) or fromWebStreams(socket) from the web-streams transport",
  );
}
