/**
 * socket.io 4 on each implementation's server: its own client (over the `ws` package) connects by
 * WebSocket and gets an acknowledged echo of text and binary; long-polling runs the engine.io protocol by
 * hand over `fetch`. socket.io's server takes over the http server's 'request' listeners and its
 * 'upgrade' event, and its long-polling holds responses open until there is a packet to send.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { once } from "node:events";
import { Server as SocketIoServerUntyped } from "socket.io";
import { io as connectUntyped } from "socket.io-client";
import { NodeWebSocket } from "engine.io-client";
import { closeServer, type Impl, listen, type Scope, testEach } from "./_impls.ts";
import type * as NodeHttp from "node:http";

// The parts of socket.io's API the tests use (its own types would tie the test to its Node typings).
interface ServerSocket extends NodeJS.EventEmitter {
  conn: { transport: { name: string }; once(event: "upgrade", listener: () => void): void };
  on(event: "echo", listener: (message: unknown, ack: (reply: unknown) => void) => void): this;
}
interface SocketIoServer {
  on(event: "connection", listener: (socket: ServerSocket) => void): void;
  close(): Promise<void> | void;
}
interface ClientSocket {
  on(event: "connect" | "connect_error", listener: (err?: Error) => void): void;
  emit(event: "echo", message: unknown, ack: (reply: EchoReply) => void): void;
  io: { engine: { transport: { name: string }; once(event: "upgrade", listener: () => void): void } };
  close(): void;
}
interface EchoReply {
  transport: string;
  message: { text: string; bytes: Uint8Array };
}
const SocketIoServer = SocketIoServerUntyped as unknown as new (server: NodeHttp.Server) => SocketIoServer;
const connect = connectUntyped as unknown as (
  url: string,
  options: { transports: unknown[]; reconnection: boolean; timeout: number },
) => ClientSocket;

/** A socket.io server on the implementation's http server, answering "echo" with its transport's name. */
async function serve(
  impl: Impl,
  scope: Scope,
): Promise<{ port: number; connected: () => ServerSocket | undefined }> {
  const httpServer = impl.http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const io = new SocketIoServer(httpServer);
  scope.defer(() => closeServer(httpServer));
  scope.defer(() => io.close());
  let serverSocket: ServerSocket | undefined;
  io.on("connection", (socket) => {
    serverSocket = socket;
    socket.on("echo", (message, ack) => ack({ transport: socket.conn.transport.name, message }));
  });
  return { port: await listen(httpServer), connected: () => serverSocket };
}

testEach(
  "socket.io over WebSocket (its client): an acknowledged echo of text and binary",
  async (impl, scope) => {
    const { port, connected } = await serve(impl, scope);
    const client = connect(`http://127.0.0.1:${port}`, {
      transports: [NodeWebSocket],
      reconnection: false,
      timeout: 5000,
    });
    scope.defer(async () => {
      // Closed from the client side, and awaited on both: each end clears its ping timers once it knows.
      const gone = [once(client.io.engine as unknown as NodeJS.EventEmitter, "close")];
      const serverSocket = connected();
      if (serverSocket !== undefined) gone.push(once(serverSocket, "disconnect"));
      client.close();
      await Promise.all(gone);
    });
    await new Promise<void>((resolve, reject) => {
      client.on("connect", () => resolve());
      client.on("connect_error", (err) => reject(err));
    });
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const reply = await new Promise<EchoReply>((resolve) =>
      client.emit("echo", { text: "héllo ✓", bytes }, resolve)
    );
    assert.equal(reply.transport, "websocket");
    assert.equal(reply.message.text, "héllo ✓");
    assert.deepEqual([...reply.message.bytes], [...bytes]);
  },
);

// Long-polling by hand, as the engine.io protocol (v4) runs it: the client's own polling transports leave
// timers (its XMLHttpRequest shim) or an unread fetch body (its Fetch transport) behind after close, which
// Deno's sanitizers fail on the control as much as on ours. Each GET is held open by the server until it
// has a packet to send.
testEach(
  "socket.io over long-polling (engine.io v4 by hand): connect, acknowledged echo, close",
  async (impl, scope) => {
    const { port, connected } = await serve(impl, scope);
    const base = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`;
    const poll = async (sid?: string) => {
      const res = await fetch(sid === undefined ? base : `${base}&sid=${sid}`);
      assert.equal(res.status, 200);
      return await res.text();
    };
    const send = async (sid: string, packet: string) => {
      const res = await fetch(`${base}&sid=${sid}`, { method: "POST", body: packet });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "ok");
    };
    const open = await poll();
    assert.match(open, /^0\{/);
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    await send(sid, "40");
    assert.match(await poll(sid), /^40\{"sid":"[^"]+"\}$/);
    // An event with acknowledgement id 7; the held GET is answered with the acknowledgement.
    const answer = poll(sid);
    await send(sid, '427["echo",{"text":"héllo ✓"}]');
    assert.equal(await answer, '437[{"transport":"polling","message":{"text":"héllo ✓"}}]');
    const serverSocket = connected();
    assert.ok(serverSocket !== undefined);
    const gone = once(serverSocket, "disconnect");
    await send(sid, "1");
    await gone;
  },
);
