/**
 * Loads the runtime's `node:tls` on first use, for the TLS work Deno's own API cannot do (a server that
 * requests client certificates or reads SNI; a client with certificates, `rejectUnauthorized: false` or its
 * own identity check). The specifier is computed so `node:tls` never enters the static module graph of
 * the main entry: importing `@wire/http` alone loads no `node:` module (the edge bundle has no imports).
 *
 * @module
 */

import type { NodeSocketLike } from "./_node_socket_conn.ts";
import type { TlsSocketFacts } from "./_tls_facts.ts";

/** A `tls.TLSSocket` as far as the adapters use it. */
export interface NodeTlsSocketLike extends NodeSocketLike, TlsSocketFacts {
  readonly authorizationError?: unknown;
  readonly servername?: string | false | null;
  readonly encrypted?: boolean;
  getProtocol(): string | null;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/** A `tls.Server` as far as the Deno adapter uses it. */
export interface NodeTlsServerLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listen(options: { port?: number; host?: string; path?: string }): unknown;
  setSecureContext(options: Record<string, unknown>): void;
  address(): { address: string; port: number; family: string } | string | null;
  close(callback?: () => void): unknown;
}

/** The parts of `node:tls` used here. */
export interface NodeTlsModuleLike {
  createServer(
    options: Record<string, unknown>,
    listener?: (socket: NodeTlsSocketLike) => void,
  ): NodeTlsServerLike;
  connect(options: Record<string, unknown>): NodeTlsSocketLike;
  createSecureContext(options: Record<string, unknown>): { context: unknown };
  checkServerIdentity(host: string, cert: unknown): Error | undefined;
}

let loading: Promise<NodeTlsModuleLike> | undefined;

/** `node:tls`, imported once. */
export function loadNodeTls(): Promise<NodeTlsModuleLike> {
  const specifier = ["node", "tls"].join(":");
  return loading ??= import(specifier).then((m: { default?: NodeTlsModuleLike } & NodeTlsModuleLike) =>
    m.default ?? m
  );
}
