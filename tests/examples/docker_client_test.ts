import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../_harness.ts";
import { RawClient } from "../_net.ts";
import { DockerClient, DockerError, sendAndCollect } from "../../examples/docker_client.ts";
import { CONTAINERS, type FakeDaemon, startFakeDaemon } from "../../examples/fake_docker_daemon.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs `body` against a fake daemon on a unix socket in a fresh temp dir, then cleans everything up. */
async function withDaemon(body: (daemon: FakeDaemon, docker: DockerClient) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "wire-docker-test-"));
  const daemon = await startFakeDaemon(join(dir, "docker.sock"));
  const docker = new DockerClient(daemon.socketPath);
  try {
    await body(daemon, docker);
  } finally {
    docker.close();
    await daemon.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test("docker example: GET /containers/json over the unix socket, parsed, on one kept-alive connection", async () => {
  await withDaemon(async (daemon, docker) => {
    let connections = 0;
    daemon.server.on("connection", () => connections++);
    const running = await docker.listContainers();
    assert.deepEqual(running, [CONTAINERS[0]]);
    assert.equal(running[0]!.Names[0], "/echo");
    const all = await docker.listContainers({ all: true });
    assert.deepEqual(all, CONTAINERS);
    assert.equal(connections, 1); // the second call reused the client's connection
  });
});

test("docker example: attach upgrades to a raw stream carrying bytes both ways", async () => {
  await withDaemon(async (_daemon, docker) => {
    const attached = await docker.attach("echo");
    const writer = attached.stdin.getWriter();
    const reader = attached.stdout.getReader();
    // Interactive: each line comes back before the next one is sent.
    for (const line of ["ls\n", "echo ü\n"]) {
      await writer.write(encoder.encode(line));
      let got = "";
      while (got.length < line.length) got += decoder.decode((await reader.read()).value, { stream: true });
      assert.equal(got, line);
    }
    // EOF on stdin ends the container's stdout, and with it the stream.
    await writer.close();
    assert.deepEqual(await reader.read(), { value: undefined, done: true });
    if (!attached.socket.destroyed) await new Promise((resolve) => attached.socket.once("close", resolve));
  });
});

test("docker example: a connection that fails makes stdout fail instead of ending quietly", async () => {
  await withDaemon(async (_daemon, docker) => {
    const attached = await docker.attach("echo");
    const reader = attached.stdout.getReader();
    await attached.stdin.getWriter().write(encoder.encode("x"));
    assert.equal(decoder.decode((await reader.read()).value), "x");
    const closed = new Promise((resolve) => attached.socket.once("close", resolve));
    attached.socket.destroy(new Error("cable cut"));
    await assert.rejects(reader.read(), /cable cut/);
    await closed;
  });
});

test("docker example: attach streams a large input through and back intact", async () => {
  await withDaemon(async (_daemon, docker) => {
    const input = randomBytes(1024 * 1024 + 7); // more than the socket buffers hold: backpressure both ways
    const output = await sendAndCollect(await docker.attach(CONTAINERS[0]!.Id.slice(0, 12)), input);
    assert.equal(output.byteLength, input.byteLength);
    assert.ok(Buffer.from(output).equals(input));
  });
});

test("docker example: the raw 101 answer is Docker's, and stdin sent behind the head is echoed", async () => {
  await withDaemon(async (daemon) => {
    const client = await RawClient.connect(daemon.socketPath);
    client.write(
      "POST /v1.43/containers/echo/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: localhost\r\n" +
        "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly input",
    );
    await client.until("early input");
    client.end();
    assert.equal(
      await client.readAll(),
      "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n" +
        "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly input",
    );
    await client.close();
  });
});

test("docker example: daemon errors become DockerError with the daemon's message", async () => {
  await withDaemon(async (_daemon, docker) => {
    await assert.rejects(docker.attach("nope"), (err: unknown) => {
      assert.ok(err instanceof DockerError);
      assert.equal(err.status, 404);
      assert.equal(err.message, "Docker API 404: No such container: nope");
      return true;
    });
    await assert.rejects(docker.attach("old-job"), {
      name: "DockerError",
      status: 409,
      message: "Docker API 409: You cannot attach to a stopped container, start it first",
    });
  });
});
