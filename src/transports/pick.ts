/**
 * Picks the transport for the running runtime, and wires it as the default of the layers below.
 *
 * Why an explicit call and not an import side effect: every entry that serves or requests on Deno or Bun
 * (`mod.ts`, `src/https/mod.ts`, `src/fetch/mod.ts`) calls {@linkcode useRuntimeTransport} at its top, so
 * each works on its own and a reader of any entry sees where its transport comes from, instead of one
 * entry importing another for what its module body happens to do. The choice itself stays lazy
 * ({@linkcode defaultTransport} runs when a server listens or a connection opens), so wiring costs
 * nothing and never throws at import. The edge entry calls none of this: its module graph must carry no
 * Deno or Bun code, and there the user gives the transport (`setDefaultTransport`).
 *
 * @module
 */

import process from "node:process";
import { setRuntimeTransport } from "../io/default_transport.ts";
import { useNetIdentity } from "../io/net_identity.ts";
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

/**
 * Makes {@linkcode defaultTransport} the transport of servers and requests that name none (unless the
 * user set one, which wins), and gives sockets the runtime's `net.Socket`/`tls.TLSSocket` identity.
 * Idempotent; each Deno/Bun entry calls it once at module scope.
 *
 * @example
 * ```ts
 * import { useRuntimeTransport } from "./pick.ts";
 * useRuntimeTransport(); // what `@wire/http` does at its top
 * ```
 */
export function useRuntimeTransport(): void {
  setRuntimeTransport(defaultTransport);
  // Sockets are `net.Socket`s (TLS ones `tls.TLSSocket`s) to `instanceof`, as Node code expects. Read
  // when the first socket is made, so `node:tls` still loads only with TLS.
  useNetIdentity((id) => (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.(id));
}
