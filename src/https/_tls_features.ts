/**
 * Refusing a TLS feature the transport lacks, as Node refuses what a platform cannot do
 * (`ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`): shared by the https server and the https agent.
 *
 * @module
 */

import { SystemError, type Transport } from "../io/transport.ts";

/**
 * Node's refusal of a TLS feature the transport lacks.
 *
 * @example
 * ```ts ignore
 * throw featureUnavailable("Choosing the certificate by SNI name", transport);
 * ```
 */
export function featureUnavailable(what: string, transport: Transport): SystemError {
  return new SystemError(
    "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    `${what} is not available on the ${transport.name} transport`,
    "tls",
  );
}

/**
 * A `'newListener'` listener that refuses a `'keylog'` listener where the transport cannot produce key
 * log lines: thrown from `'newListener'`, the refusal keeps the listener from being added. With no
 * transport installed yet it lets the listener be added (what uses it refuses later).
 *
 * @example
 * ```ts ignore
 * agent.on("newListener", keylogRefusal(() => transport));
 * ```
 */
export function keylogRefusal(transport: () => Transport): (event: string | symbol) => void {
  return (event) => {
    if (event !== "keylog") return;
    let current: Transport;
    try {
      current = transport();
    } catch {
      return;
    }
    if (current.tlsFeatures?.keylog !== true) throw featureUnavailable("TLS key logging ('keylog')", current);
  };
}
