/**
 * The contract between an outgoing message and the connection that carries its bytes, and the one-write
 * assembly of a head with its first body bytes.
 *
 * @module
 */

import { encodeLatin1Into } from "../core/latin1.ts";
import { carveBytes } from "./_slab.ts";

/** Internal hook (connections): attaches the byte sink; queued bytes go out now. */
export const kAttachSink: unique symbol = Symbol("wire.attachSink");
/** Internal hook (connections): the sink drained. */
export const kSinkDrained: unique symbol = Symbol("wire.sinkDrained");

/** Where an outgoing message's bytes go. */
export interface OutgoingSink {
  /**
   * Sends bytes; `false` when full (the sink calls `[kSinkDrained]()` on the message later). With
   * `transient`, `bytes` is reused by the caller once the call returns: copy what you keep.
   */
  write(bytes: Uint8Array, transient?: boolean): boolean;
  /**
   * Optional: calls `done` once every byte written so far is handed to the OS (or, over a user's
   * Writable, taken by it); returns false, and never calls `done`, when they already are (or the sink
   * cannot tell).
   */
  whenFlushed?(done: () => void): boolean;
  /**
   * Optional: true once bytes written here were dropped because the connection can no longer send (its
   * writing side was ended or destroyed). The message then never finishes, as Node's, whose last write to
   * such a socket never calls back; it closes with its connection.
   */
  readonly writesLost?: boolean;
}

/** The members of a user's `stream.Writable` that a message writes to. */
export interface WritableLike {
  /** Node's `writable.write(chunk, callback)`. */
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  /** Node's `'drain'`. */
  on(event: "drain", listener: () => void): unknown;
}

const NO_BYTES = new Uint8Array(0);

/**
 * A sink over a user's `stream.Writable` (a test's stream, a framework's fake socket), written as Node's
 * messages write their socket: the bytes as they come, then an empty write whose callback is the
 * message's `'finish'` (Node's `end()` calls `_send("", "latin1", finish)`), so the message finishes when
 * the stream took everything. `drained` runs on the stream's `'drain'`.
 *
 * @example
 * ```ts
 * import { Writable } from "node:stream";
 * import { streamSink } from "./_outgoing_sink.ts";
 * const seen: number[] = [];
 * const ws = new Writable({ write: (chunk, _enc, cb) => (seen.push(chunk.length), cb()) });
 * const sink = streamSink(ws, () => {});
 * sink.write(new TextEncoder().encode("hi"));
 * sink.whenFlushed!(() => console.log(seen)); // [2, 0]
 * ```
 */
export function streamSink(stream: WritableLike, drained: () => void): OutgoingSink {
  stream.on("drain", drained);
  return {
    write: (bytes, transient) => stream.write(transient ? bytes.slice() : bytes),
    whenFlushed: (done) => {
      // Still a microtask after the callback: the stream may call back from a nextTick, which runs before
      // the microtasks that carry the callbacks of the writes before it.
      stream.write(NO_BYTES, () => queueMicrotask(done));
      return true;
    },
  };
}

/**
 * Scratch space for rendering a head (and a small body) before handing it to a sink as a transient
 * write, so a small response allocates no buffer of its own. Sinks never call back into a message
 * synchronously, so one buffer serves every message in the process.
 */
const SCRATCH = new Uint8Array(16 * 1024);
/**
 * The last views of the scratch handed out (the whole message, and its head for the encoder), reused
 * while messages keep the same sizes (a server answering one kind of request). On Bun, `subarray` costs
 * more than rendering a small head: two per response were ~6% of a hello-world server's CPU
 * (JavaScriptCore profile); reusing them took 5% off its CPU per request. (Encoding into the whole
 * scratch instead of a view cost Deno ~20% more per request: its `encodeInto` pays for the size of the
 * destination.)
 */
let scratchView = SCRATCH.subarray(0, 0);
let headView = SCRATCH.subarray(0, 0);
const ENCODER = new TextEncoder();

/** Encodes the latin1 `head` at the start of the scratch; returns its length. */
function headIntoScratch(head: string): number {
  const length = head.length;
  const view = headView.byteLength === length ? headView : (headView = SCRATCH.subarray(0, length));
  const result = ENCODER.encodeInto(head, view);
  // ASCII is its own UTF-8: read and wrote exactly `length` proves the bytes are right.
  if (result.read === length && result.written === length) return length;
  return encodeLatin1Into(head, SCRATCH, 0);
}

/**
 * Head (latin1), body and terminator (latin1) in one buffer: one write, one packet for small messages.
 * With `transient` allowed and a small enough result, the buffer is the shared scratch (valid until the
 * next call: hand it to a sink as a transient write); else a new array the caller may keep.
 */
export function headWithBody(
  head: string,
  body: Uint8Array | null,
  tail: string,
  transient: boolean,
): Uint8Array {
  const size = head.length + (body ? body.byteLength : 0) + tail.length;
  let out: Uint8Array;
  let at: number;
  if (transient && size <= SCRATCH.byteLength) {
    out = scratchView.byteLength === size ? scratchView : (scratchView = SCRATCH.subarray(0, size));
    at = headIntoScratch(head);
  } else {
    // A region of the shared slab, not an ArrayBuffer of its own: a keep-alive client renders every
    // request head here, before its socket arrives, and an ArrayBuffer costs Deno ~0.7 µs.
    out = carveBytes(size);
    // The runtime's encoder first, as for the scratch: a client renders every request head here (its
    // socket is not attached yet), and the JS latin1 loop was 3.9% of a keep-alive client's CPU.
    const result = ENCODER.encodeInto(head, out);
    at = result.read === head.length && result.written === head.length
      ? head.length
      : encodeLatin1Into(head, out, 0);
  }
  if (body) {
    out.set(body, at);
    at += body.byteLength;
  }
  if (tail) encodeLatin1Into(tail, out, at);
  return out;
}

/**
 * True when `bytes` is the shared scratch (so it must go out as a transient write, right away): the
 * `headWithBody` result it is asked about is the scratch exactly when it is the current scratch view.
 * Not `bytes.buffer === SCRATCH.buffer`: on JavaScriptCore, reading `.buffer` of the small array
 * `headWithBody` allocates (a client request's head, rendered before its socket is attached) makes the
 * engine allocate an ArrayBuffer and copy the bytes into it, ~0.15 µs plus GC work per request.
 */
export function isScratch(bytes: Uint8Array): boolean {
  return bytes === scratchView;
}
