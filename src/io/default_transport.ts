/**
 * Where the server and client find their transport when the caller gives none. `mod.ts` installs the
 * provider that picks the Deno or Bun adapter at run time, so the layers below it never name a runtime.
 *
 * @module
 */

import { SystemError, type Transport } from "./transport.ts";

let provider: (() => Transport) | undefined;

/** Installs the function that returns the transport to use by default. */
export function setTransportProvider(fn: () => Transport): void {
  provider = fn;
}

/** The default transport; throws `ERR_NO_TRANSPORT` when none was installed. */
export function defaultTransportOrThrow(): Transport {
  if (!provider) {
    throw new SystemError(
      "ERR_NO_TRANSPORT",
      "No transport for this runtime: import from the package root on Deno or Bun, or pass a transport",
    );
  }
  return provider();
}
