// Runs the server scenarios of tests/server/lifecycle_events_test.ts and connection_rules_test.ts against
// node:http (`node tools/node_server_lifecycle.mjs`) and prints the event order and the bytes on the wire.
import http from "node:http";
import net from "node:net";
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function scenario(name, handler, drive) {
  const log = [];
  const server = http.createServer((req, res) => {
    const tag = req.url;
    for (const e of ["aborted", "end", "close"]) req.on(e, () => log.push(`${tag} req ${e}`));
    req.on("error", (err) => log.push(`${tag} req error ${err.code} ${err.message}`));
    for (const e of ["finish", "close"]) res.on(e, () => log.push(`${tag} res ${e}`));
    handler(req, res, log);
  });
  server.on("upgrade", (req, sock, head) => { log.push(`upgrade head=${JSON.stringify(head.toString())}`); req.on("data", d => log.push("upgrade req data " + d)); req.on("end", () => log.push("upgrade req end")); sock.destroy(); });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const sock = net.connect(server.address().port, "127.0.0.1");
  let got = "";
  sock.on("data", (d) => (got += d));
  sock.on("error", () => {});
  await new Promise((r) => sock.on("connect", r));
  await drive(sock, log);
  await wait(300);
  sock.destroy();
  await wait(100);
  server.closeAllConnections?.();
  server.close();
  console.log(name, JSON.stringify(log), "\n  wire:", JSON.stringify(got.replace(/Date: .*\r\n/, "")));
}
await scenario("A get-unread", (req, res) => res.end("ok"), async (s) => s.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
await scenario("A2 post-unread-body", (req, res) => res.end("ok"), async (s) => s.write("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
await scenario("B client-gone", (req, res) => {}, async (s) => { s.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"); await wait(100); s.destroy(); });
await scenario("C answer-after-gone", (req, res, log) => { req.on("close", () => setTimeout(() => { res.end("late"); log.push("ended late writableEnded=" + res.writableEnded + " destroyed=" + res.destroyed); }, 20)); }, async (s) => { s.write("GET /c HTTP/1.1\r\nHost: x\r\n\r\n"); await wait(100); s.destroy(); });
await scenario("C2 answer-after-fin", (req, res, log) => { req.socket.once("end", () => { res.end("late"); log.push("ended after FIN"); }); }, async (s) => { s.end("GET /c2 HTTP/1.1\r\nHost: x\r\n\r\n"); });
await scenario("D pipelined-die", (req, res) => {}, async (s) => { s.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n"); await wait(100); s.destroy(); });
await scenario("E half-closed-post", (req, res) => {}, async (s) => { s.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"); await wait(50); s.end(); });
await scenario("E2 half-closed-post-partial", (req, res) => {}, async (s) => { s.write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"); await wait(50); s.end(); });
await scenario("F conn-close-pipelined", (req, res) => res.end("r" + req.url), async (s) => { s.write("GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"); });
await scenario("F2 http10-pipelined", (req, res) => res.end("r" + req.url), async (s) => { s.write("GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"); });
await scenario("G empty-upgrade", (req, res) => res.end("r" + req.url), async (s) => { s.write("GET /g HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: \r\n\r\n"); });
await scenario("H upgrade-param", (req, res) => res.end("r" + req.url), async (s) => { s.write("GET /h HTTP/1.1\r\nHost: x\r\nConnection: upgrade;x\r\nUpgrade: foo\r\n\r\n"); });
await scenario("I upgrade-body", (req, res) => res.end("r" + req.url), async (s) => { s.write("POST /i HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhelloEXTRA"); });
await scenario("J pipelined-keep-then-close", (req, res) => res.end("r" + req.url), async (s) => { s.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n"); });
