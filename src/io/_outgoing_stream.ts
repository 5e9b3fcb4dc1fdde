/**
 * The Web `WritableStream` view of an outgoing message, so `readable.pipeTo(res.writableStream)` streams
 * into it with backpressure: a write waits for `'drain'` when the message is full, and fails if the
 * connection closes first (else `pipeTo` would hang forever). Closing the stream ends the message.
 *
 * @module
 */

import type { OutgoingMessage } from "./outgoing_message.ts";

/** A `WritableStream` that writes into `message`. */
export function writableStreamOf(message: OutgoingMessage): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) => {
      if (message.destroyed) throw new Error("Cannot write: the message was destroyed");
      if (message.write(chunk)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          message.off("close", onClose);
          resolve();
        };
        const onClose = () => {
          message.off("drain", onDrain);
          reject(new Error("Cannot write: the connection closed"));
        };
        message.once("drain", onDrain);
        message.once("close", onClose);
      });
    },
    close: () => new Promise<void>((resolve) => message.end(resolve)),
    abort: (reason) => {
      message.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  });
}
