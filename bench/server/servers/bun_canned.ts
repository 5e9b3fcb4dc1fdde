/**
 * Bun canned-response ceiling: `bun bun_canned.ts [port] [hello|echo]`. `Bun.listen` socket callbacks:
 * on each `data` chunk count the complete request heads (skipping the scenario's fixed body after each)
 * and answer all of them with one `socket.write` of the precomputed response(s); whatever the kernel
 * does not take waits for `drain`. The most a JS HTTP server on Bun's socket API could do.
 *
 * @module
 */

import { cannedResponse, HeadCounter, HOST, repeated, requestBodyLength, serverArgs } from "../shared.ts";

interface State {
  heads: HeadCounter;
  pending: Uint8Array | null;
}
interface BunSocket {
  data: State;
  write(bytes: Uint8Array): number;
  setNoDelay?(on: boolean): void;
}
interface BunListen {
  listen(options: {
    hostname: string;
    port: number;
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      drain(socket: BunSocket): void;
      error?(socket: BunSocket, error: Error): void;
    };
  }): unknown;
}
const Bun = (globalThis as unknown as { Bun: BunListen }).Bun;

const { port, scenario } = serverArgs();
const responses = repeated(cannedResponse(scenario));
const bodyLength = requestBodyLength(scenario);

function send(socket: BunSocket, bytes: Uint8Array): void {
  const state = socket.data;
  if (state.pending) {
    const joined = new Uint8Array(state.pending.length + bytes.length);
    joined.set(state.pending);
    joined.set(bytes, state.pending.length);
    state.pending = joined;
    return;
  }
  const written = socket.write(bytes);
  if (written < bytes.length) state.pending = bytes.slice(Math.max(0, written));
}

Bun.listen({
  hostname: HOST,
  port,
  socket: {
    open(socket) {
      socket.data = { heads: new HeadCounter(bodyLength), pending: null };
    },
    data(socket, chunk) {
      const owed = socket.data.heads.count(chunk, chunk.length);
      if (owed > 0) send(socket, responses(owed));
    },
    drain(socket) {
      const pending = socket.data.pending;
      if (!pending) return;
      socket.data.pending = null;
      send(socket, pending);
    },
    error() {
      // peer reset: nothing to do
    },
  },
});
console.log("ready");
