/**
 * What the Agent's pool needs from a request — where it goes and how to hand it a socket — so the Agent
 * does not depend on `ClientRequest` (which depends on the Agent).
 *
 * @module
 */

import type { ClientConnection } from "./_connection.ts";
import type { kAssignConnection, kConnectFailed } from "./_hooks.ts";
import type { OriginOptions } from "./_origin.ts";

/** A request as the pool sees it. Implemented by `ClientRequest`. */
export interface PoolRequest {
  /** The options naming the origin (host, port, socket path, createConnection). */
  readonly options: OriginOptions;
  /** Whether the request was destroyed (a socket opened for it then serves the next one). */
  readonly destroyed: boolean;
  /** Here is the socket's driver: start sending. */
  [kAssignConnection](conn: ClientConnection): void;
  /** Opening a socket failed. */
  [kConnectFailed](error: Error): void;
}
