import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../_harness.ts";
import { RawClient } from "../_net.ts";
import { request, type Socket } from "../../mod.ts";
import { startServer, type UploadEvent, uploadFile } from "../../examples/upload_100_continue.ts";

const LIMIT = 1024 * 1024;

/** A temp dir with an `uploads/` folder for the server; removed by `cleanup()`. */
async function workspace(): Promise<{ dir: string; uploads: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "wire-upload-test-"));
  const uploads = join(dir, "uploads");
  await mkdir(uploads);
  return { dir, uploads, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

test("upload example: a body under the limit gets 100 Continue and is stored byte for byte", async () => {
  const ws = await workspace();
  const service = await startServer({ dir: ws.uploads, maxBytes: LIMIT });
  try {
    const data = randomBytes(700 * 1024 + 13); // several socket reads, an odd size
    const source = join(ws.dir, "photo.raw");
    await writeFile(source, data);

    const result = await uploadFile(`${service.url}/uploads/photo.raw`, source);

    assert.equal(result.status, 201);
    assert.equal(result.continued, true);
    assert.equal(result.sentBytes, data.byteLength);
    assert.deepEqual(JSON.parse(result.body), { name: "photo.raw", bytes: data.byteLength });
    assert.deepEqual(await readdir(ws.uploads), ["photo.raw"]); // no leftover .part file
    assert.ok(Buffer.from(await readFile(join(ws.uploads, "photo.raw"))).equals(data));
  } finally {
    await service.close();
    await ws.cleanup();
  }
});

test("upload example: a body over the limit gets 413 before a single body byte is sent", async () => {
  const ws = await workspace();
  const service = await startServer({ dir: ws.uploads, maxBytes: LIMIT });
  // Watch the server side: every accepted socket, and the exact head of each request.
  const sockets: Socket[] = [];
  const heads: string[] = [];
  service.server.on("connection", (socket) => sockets.push(socket));
  service.server.on("checkContinue", (req) => {
    let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    }
    heads.push(head + "\r\n");
  });
  try {
    const source = join(ws.dir, "huge.iso");
    await writeFile(source, randomBytes(3 * LIMIT));

    const result = await uploadFile(`${service.url}/uploads/huge.iso`, source);

    assert.equal(result.status, 413);
    assert.equal(result.continued, false);
    assert.equal(result.sentBytes, 0);
    assert.equal(result.body, `${3 * LIMIT} bytes is over the limit of ${LIMIT} bytes\n`);
    // The server read exactly the request head off the wire, and nothing of the 3 MiB body.
    assert.equal(sockets.length, 1);
    assert.equal(heads.length, 1);
    const socket = sockets[0]!;
    if (!socket.destroyed) await new Promise((resolve) => socket.once("close", resolve));
    assert.ok(heads[0]!.includes("Expect: 100-continue\r\n"), heads[0]);
    assert.equal(socket.bytesRead, heads[0]!.length);
    assert.deepEqual(await readdir(ws.uploads), []);
  } finally {
    await service.close();
    await ws.cleanup();
  }
});

test("upload example: a client that does not ask first is served by 'request' with the same rules", async () => {
  const ws = await workspace();
  const service = await startServer({ dir: ws.uploads, maxBytes: LIMIT });
  const put = (path: string, body: string | Uint8Array, method = "PUT") =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${service.url}${path}`, { method, agent: false }, async (res) => {
        resolve({ status: res.statusCode!, body: await res.text() });
      });
      req.on("error", reject);
      req.end(body);
    });
  try {
    assert.deepEqual(await put("/uploads/notes.txt", "plain PUT, no Expect"), {
      status: 201,
      body: JSON.stringify({ name: "notes.txt", bytes: 20 }),
    });
    assert.equal(await readFile(join(ws.uploads, "notes.txt"), "utf8"), "plain PUT, no Expect");
    // Too large: refused all the same, though this client sent the whole body without waiting.
    assert.deepEqual(await put("/uploads/big.bin", new Uint8Array(2 * LIMIT)), {
      status: 413,
      body: `${2 * LIMIT} bytes is over the limit of ${LIMIT} bytes\n`,
    });
    assert.equal((await put("/uploads/../etc/passwd", "x")).status, 404);
    assert.equal((await put("/uploads/a.txt", "x", "POST")).status, 405);
    assert.deepEqual(await readdir(ws.uploads), ["notes.txt"]);
  } finally {
    await service.close();
    await ws.cleanup();
  }
});

test("upload example: a client that disconnects mid-body leaves no file behind", async () => {
  const ws = await workspace();
  let reported!: (event: UploadEvent) => void;
  const outcome = new Promise<UploadEvent>((resolve) => (reported = resolve));
  const service = await startServer({ dir: ws.uploads, maxBytes: LIMIT, onUpload: (e) => reported(e) });
  const client = await RawClient.connect(service.port);
  try {
    client.write(
      "PUT /uploads/partial.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n" +
        "Expect: 100-continue\r\n\r\n",
    );
    await client.until("HTTP/1.1 100 Continue\r\n\r\n");
    client.write(new Uint8Array(40_000).fill(1));
    client.end(); // gone, 60 000 bytes short
    const event = await outcome;
    assert.equal(event.name, "partial.bin");
    assert.equal(event.stored, false);
    assert.ok(event.bytes <= 40_000, String(event.bytes));
    assert.deepEqual(await readdir(ws.uploads), []); // the .part file was removed too
  } finally {
    await client.close();
    await service.close();
    await ws.cleanup();
  }
});
