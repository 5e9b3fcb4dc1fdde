/**
 * Any `node:stream` `Duplex` (a `net.Socket`, a `tls.TLSSocket`, a test's in-memory pair) as a
 * {@linkcode TransportConn}, so the HTTP layers run over it unchanged: Node's servers accept
 * `server.emit("connection", duplex)`, and its clients a socket from `createConnection`.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { TransportAddress, TransportConn, TransportHandler } from "./transport.ts";
import { FlushRequests } from "./_flush_requests.ts";

/** The `net.Socket` members read when present; a plain Duplex has none of them. */
interface NetLike {
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  localAddress?: string;
  localPort?: number;
  setNoDelay?(noDelay: boolean): unknown;
  setKeepAlive?(enable: boolean, delay: number): unknown;
}

/**
 * Wraps `stream` as a transport connection. Chunks are handed on as the stream gives them (they are the
 * stream's to give: kept views need no copy).
 *
 * @example
 * ```ts ignore
 * import { Socket } from "@wire/http";
 * const socket = new Socket(duplexConn(netSocket));
 * ```
 */
export function duplexConn(stream: Duplex): TransportConn {
  const net = stream as Duplex & NetLike;
  let handler: TransportHandler | undefined;
  let failure: Error | undefined;
  let closed = false;
  const flushes = new FlushRequests(stream, () => {
    if (!closed) handler?.onDrain();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    handler?.onClose(failure);
  };
  return {
    local: address(net.localAddress, net.localPort),
    remote: address(net.remoteAddress, net.remotePort, net.remoteFamily),
    start(h: TransportHandler): void {
      handler = h;
      stream.on("data", (chunk: Uint8Array | string) => {
        h.onData(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      });
      stream.on("end", () => h.onEnd());
      stream.on("drain", () => {
        flushes.streamDrained();
        h.onDrain();
      });
      stream.on("error", (err: Error) => (failure ??= err));
      stream.on("close", close);
      if (stream.destroyed) queueMicrotask(close);
    },
    write(chunk: Uint8Array, transient?: boolean): boolean {
      if (closed || stream.destroyed) return false;
      return stream.write(transient ? chunk.slice() : chunk, flushes.written);
    },
    get bufferedAmount(): number {
      return stream.writableLength;
    },
    requestDrain(): void {
      if (closed || stream.destroyed) return;
      flushes.request();
    },
    pause(): void {
      stream.pause();
    },
    resume(): void {
      stream.resume();
    },
    end(): void {
      if (!stream.writableEnded) stream.end();
    },
    destroy(error?: Error): void {
      if (error) failure ??= error;
      if (stream.destroyed) {
        queueMicrotask(close);
        return;
      }
      // A clean close with nothing left to send ends the writable side first, as a TCP close sends FIN:
      // a stream peer (an in-memory pair) only sees 'end' that way. Node's socket.destroySoon() does the
      // same. With an error, or bytes still queued, the stream is torn down at once.
      if (error === undefined && !stream.writableEnded && stream.writableLength === 0) {
        stream.end(() => stream.destroy());
        return;
      }
      stream.destroy();
    },
    setNoDelay(noDelay: boolean): void {
      net.setNoDelay?.(noDelay);
    },
    setKeepAlive(enable: boolean, initialDelayMs: number): void {
      net.setKeepAlive?.(enable, initialDelayMs);
    },
  };
}

function address(address?: string, port?: number, family?: string): TransportAddress {
  const kind = family === "IPv6" || address?.includes(":") ? "IPv6" : "IPv4";
  return { address: address ?? "", port: port ?? 0, family: kind };
}
