import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import { fetchVerified, parseContentDigest, reportRow, startServer } from "../../examples/trailers.ts";

const decoder = new TextDecoder();

function expectedReport(rows: number): string {
  let text = "id,sensor,value\n";
  for (let i = 0; i < rows; i++) text += reportRow(i);
  return text;
}

function sha256(text: string): string {
  return `sha-256=:${createHash("sha256").update(text).digest("base64")}:`;
}

test("trailers example: the client reads the report and verifies the Content-Digest trailer", async () => {
  const service = await startServer();
  try {
    const result = await fetchVerified(`${service.url}/report?rows=2345`);
    const report = expectedReport(2345);
    assert.equal(result.status, 200);
    assert.equal(decoder.decode(result.body), report);
    assert.equal(result.received, sha256(report));
    assert.equal(result.computed, sha256(report));
    assert.equal(result.verified, true);
  } finally {
    await service.close();
  }
});

test("trailers example: on the wire, the digest is declared in Trailer and sent after the last chunk", async () => {
  const service = await startServer();
  const client = await RawClient.connect(service.port);
  try {
    client.write("GET /report?rows=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const text = await client.readAll();
    const [head] = text.split("\r\n\r\n");
    assert.match(head!, /\r\nTrailer: Content-Digest\r\n/);
    assert.match(head!, /\r\nTransfer-Encoding: chunked(\r\n|$)/);
    assert.ok(
      text.endsWith(`\r\n0\r\nContent-Digest: ${sha256(expectedReport(3))}\r\n\r\n`),
      JSON.stringify(text.slice(-120)),
    );
  } finally {
    await client.close();
    await service.close();
  }
});

test("trailers example: a trailer that does not match the body is detected", async () => {
  // A server whose trailer claims a different body than the one it sent.
  const { server, port } = await listen({}, (_req, res) => {
    res.setHeader("Trailer", "Content-Digest");
    res.write("amount=100\n");
    res.addTrailers({ "Content-Digest": sha256("amount=999\n") });
    res.end();
  });
  try {
    const result = await fetchVerified(`http://127.0.0.1:${port}/`);
    assert.equal(result.status, 200);
    assert.equal(decoder.decode(result.body), "amount=100\n");
    assert.equal(result.received, sha256("amount=999\n"));
    assert.equal(result.computed, sha256("amount=100\n"));
    assert.equal(result.verified, false);
  } finally {
    await closeServer(server);
  }
});

test("trailers example: a response without the trailer is not verified", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.write("no digest here");
    res.end();
  });
  try {
    const result = await fetchVerified(`http://127.0.0.1:${port}/`);
    assert.equal(decoder.decode(result.body), "no digest here");
    assert.equal(result.received, undefined);
    assert.equal(result.verified, false);
  } finally {
    await closeServer(server);
  }
});

test("trailers example: parseContentDigest reads RFC 9530 dictionaries", () => {
  const digest = parseContentDigest("sha-512=:YWJj:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
  assert.deepEqual([...digest], [
    ["sha-512", "YWJj"],
    ["sha-256", "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="],
  ]);
  assert.equal(parseContentDigest("sha-256=abc").size, 0); // a token, not a byte sequence
});
