/**
 * The name table behind `server.addContext(hostname, context)`: which certificate an SNI name gets when
 * no `SNICallback` was given. Node's rules: a `*` in a name stands for any run of characters inside one
 * label (so `*.example.com` matches `a.example.com` but neither `example.com` nor `a.b.example.com`),
 * and when several entries match, the one added last wins.
 *
 * @module
 */

import { HttpUsageError } from "../core/errors.ts";
import type { TlsContext } from "../io/transport.ts";

/** One `addContext` entry: the name's pattern and the context it selects. */
interface Entry {
  /** The name as given, lower-cased: an entry for the same name replaces this one. */
  readonly hostname: string;
  readonly pattern: RegExp;
  readonly context: TlsContext;
}

/** Characters a host name may hold that mean something in a regular expression. */
const REGEXP_SPECIAL = /[\\^$.|?+()[\]{}-]/g;

/** A pattern for `hostname`: literal except `*`, which matches within one label. */
function hostPattern(hostname: string): RegExp {
  const literal = hostname.replace(REGEXP_SPECIAL, (c) => `\\${c}`);
  // DNS names compare without regard to case (RFC 4343); clients send SNI in lower case anyway.
  return new RegExp(`^${literal.replaceAll("*", "[^.]*")}$`, "i");
}

/** SNI name to context, as `addContext` builds it. */
export class SniTable {
  #entries: Entry[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Adds `hostname` (wildcards allowed); a later entry wins over an earlier one that also matches. An
   * entry for the very same name is replaced rather than shadowed (it could never win again), so a
   * server that re-adds its names on every certificate renewal does not grow its table.
   */
  add(hostname: string, context: TlsContext): void {
    if (typeof hostname !== "string" || hostname === "") {
      throw new HttpUsageError(
        "ERR_TLS_REQUIRED_SERVER_NAME",
        '"servername" is required parameter for Server.addContext',
      );
    }
    if (typeof context !== "object" || context === null) {
      throw new HttpUsageError(
        "ERR_INVALID_ARG_TYPE",
        'The "context" argument must be TLS options or a SecureContext',
      );
    }
    const key = hostname.toLowerCase();
    this.#entries = this.#entries.filter((entry) => entry.hostname !== key);
    this.#entries.push({ hostname: key, pattern: hostPattern(hostname), context });
  }

  /** The context for `servername`, or undefined (the server's default certificate). */
  find(servername: string): TlsContext | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i]!;
      if (entry.pattern.test(servername)) return entry.context;
    }
    return undefined;
  }
}
