import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { memoryContext } from "../../src/cli/context.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { parseQueryTimeArgs, runQueryTime } from "../../src/commands/query_time.ts";
import { tcpPeer } from "../_peers.ts";

/** A plain-HTTP server whose Date is `aheadMs` ahead of this machine's clock. */
function dateServer(aheadMs: number) {
  return tcpPeer((socket: Socket) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      for (let end = text.indexOf("\r\n\r\n"); end >= 0; end = text.indexOf("\r\n\r\n")) {
        text = text.slice(end + 4);
        const date = new Date(Date.now() + aheadMs).toUTCString();
        socket.write(`HTTP/1.1 200 OK\r\nDate: ${date}\r\nContent-Length: 0\r\n\r\n`);
      }
    });
  });
}

async function queryTime(args: string[]) {
  const { context, output } = memoryContext(selectAdapter());
  const code = await runQueryTime(parseQueryTimeArgs(args, {}), context);
  return { code, ...output };
}

test("query-time http:// --json: a row with protocol, precision_ms and authenticated false", async () => {
  await using server = await dateServer(7_000);
  const { code, out, err } = await queryTime([
    "--json",
    "--samples",
    "2",
    `http://127.0.0.1:${server.port}`,
  ]);
  assert.equal(code, 0, err.join("\n"));
  const row = JSON.parse(out[0]);
  assert.equal(row.protocol, "http");
  assert.equal(row.transport, "tcp");
  assert.equal(row.authenticated, false);
  assert.equal(row.samples, 2);
  assert.ok(row.precision_ms > 0 && row.precision_ms <= 260, `precision ${row.precision_ms}`);
  assert.ok(Math.abs(row.offset_s - 7) * 1000 <= row.precision_ms + 5, `offset ${row.offset_s}`);
});

test("query-time --set --dry-run steps by the agreeing HTTP answers, not the liar", async () => {
  await using a = await dateServer(30_000);
  await using b = await dateServer(30_000);
  await using liar = await dateServer(-600_000);
  const hosts = [a, b, liar].map((s) => `http://127.0.0.1:${s.port}`);
  const { code, out, err } = await queryTime(["--set", "--dry-run", "--samples", "3", ...hosts]);
  assert.equal(code, 0, err.join("\n"));
  assert.equal(out.length, 4);
  assert.match(
    out[0],
    /^127\.0\.0\.1:\d+ http {2}\S+ {2}offset \+(29|30)\.\d{3} s {2}\+\/- \d+ ms .*UNAUTHENTICATED/,
  );
  assert.match(out[2], /OUTLIER/);
  const step = /would set the clock: .* \(step \+(\d+\.\d{3}) s; 2 of 3 hosts agree\)/.exec(out[3]);
  assert.ok(step, out[3]);
  assert.ok(Math.abs(Number(step[1]) - 30) < 0.2, step[1]);
});
