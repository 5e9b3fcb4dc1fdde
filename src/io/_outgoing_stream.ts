/**
 * The Web `WritableStream` view of an outgoing message, so `readable.pipeTo(res.writableStream)` streams
 * into it with backpressure: a write waits for `'drain'` when the message is full, and fails if the
 * connection closes first (else `pipeTo` would hang forever). Closing the stream ends the message.
 *
 * @module
 */

/**
 * What the stream needs of a message: the Writable members it calls. Declared here, where it is used,
 * rather than importing `OutgoingMessage`: outgoing_message.ts imports this file, and a type import back
 * would make the two a cycle. `OutgoingMessage` has these members, so it passes as it is.
 */
export interface WritableTarget {
  /** The message was destroyed: nothing more can be written. */
  readonly destroyed: boolean;
  /** Writes a chunk; false when the caller should wait for `'drain'`. */
  write(chunk: Uint8Array): boolean;
  /** Ends the message; `callback` runs once it is finished. */
  end(callback: () => void): unknown;
  /** Destroys the message with `error`. */
  destroy(error?: Error): unknown;
  /** Listens once for `'drain'` or `'close'`. */
  once(event: "drain" | "close", listener: () => void): unknown;
  /** Removes a listener added with `once`. */
  off(event: "drain" | "close", listener: () => void): unknown;
}

/** A `WritableStream` that writes into `message`. */
export function writableStreamOf(message: WritableTarget): WritableStream<Uint8Array> {
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
