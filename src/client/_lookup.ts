/**
 * Name resolution for a request, as Node's `net.connect` does it: a `lookup` option is called for a host
 * name (never for an IP), with Node's arguments: `(host, { family, hints: 0 }, cb(err, address, family))`
 * when a `family` is asked for, else `(host, { hints: ADDRCONFIG, all: true }, cb(err, [{ address,
 * family }]))`. A `family` without `lookup` resolves with `node:dns` for that family. Without either, the
 * transport resolves the name itself.
 *
 * @module
 */

import { isIpLiteral } from "../core/authority.ts";
import process from "node:process";
import { invalidArgType } from "../io/_node_errors.ts";
import { SystemError } from "../io/transport.ts";

/** A resolver with the signature of `dns.lookup`. */
export type LookupFunction = (
  hostname: string,
  options: { family?: number; hints: number; all?: boolean },
  callback: (
    err: Error | null,
    address?: string | ReadonlyArray<{ address: string; family: number }>,
    family?: number,
  ) => void,
) => void;

/**
 * Throws Node's `ERR_INVALID_ARG_TYPE` when `lookup` is given and is not a function.
 *
 * @example
 * ```ts ignore
 * checkLookup(5); // TypeError: The "options.lookup" property must be of type function. Received type number (5)
 * ```
 */
export function checkLookup(lookup: unknown): void {
  if (lookup !== undefined && lookup !== null && typeof lookup !== "function") {
    throw invalidArgType("options.lookup", "function", lookup);
  }
}

/**
 * The addresses to try for `host`, in order: `host` itself when it is an IP or nothing asks to resolve
 * it; else what `lookup` (or `dns.lookup` for a `family`) gives. With `autoSelectFamily` (on unless
 * `false`, as Node 20's default) every address is kept, so a connection that fails goes on to the next
 * (Node's happy eyeballs, tried one after another); without it only the first.
 *
 * @example
 * ```ts ignore
 * await resolveAddresses("example.test", { lookup: (h, o, cb) => cb(null, [{ address: "::1", family: 6 }]) });
 * // ["::1"]
 * ```
 */
export async function resolveAddresses(
  host: string,
  options: {
    lookup?: LookupFunction | undefined;
    family?: number | undefined;
    autoSelectFamily?: boolean | undefined;
  },
): Promise<string[]> {
  if (!resolvesHere(host, options)) return [host];
  const family = options.family === 4 || options.family === 6 ? options.family : undefined;
  const lookup = options.lookup ?? systemLookup();
  const query = family !== undefined ? { family, hints: 0 } : { hints: ADDRCONFIG, all: true };
  const all = family === undefined && options.autoSelectFamily !== false;
  return await new Promise((resolve, reject) => {
    lookup(host, query, (err, address) => {
      if (err) reject(err);
      else if (Array.isArray(address)) {
        if (address.length === 0) {
          reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }));
        } else if (all) resolve(address.map((entry) => entry.address));
        else resolve([address[0]!.address]);
      } else resolve([String(address)]);
    });
  });
}

/**
 * Whether {@linkcode resolveAddresses} looks `host` up itself: a name, with a `lookup` or a `family` to
 * honour. Otherwise the transport resolves a name as it connects (and an IP needs no lookup).
 *
 * @example
 * ```ts ignore
 * resolvesHere("example.test", { family: 4 }); // true
 * resolvesHere("example.test", {}); // false: Deno.connect / Bun.connect resolve it
 * ```
 */
export function resolvesHere(host: string, options: { lookup?: unknown; family?: unknown }): boolean {
  return !isIpLiteral(host) && (options.lookup !== undefined || options.family === 4 || options.family === 6);
}

/** `dns.ADDRCONFIG` on Linux, the hint Node passes when no family is asked for. */
const ADDRCONFIG = 32;

/**
 * `dns.lookup`, found at run time (`process.getBuiltinModule`), so the entries' module graphs stay free
 * of `node:dns` (edge runtimes may lack it). Where it is missing, a `family` cannot be honoured: refused.
 */
function systemLookup(): LookupFunction {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const dns = get?.call(process, "node:dns") as { lookup?: LookupFunction } | undefined;
  if (typeof dns?.lookup === "function") return dns.lookup;
  throw new SystemError(
    "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    "the family option needs node:dns, which this runtime lacks (pass a lookup function)",
    "connect",
  );
}
