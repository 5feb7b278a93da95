import { test } from "node:test";
import assert from "node:assert/strict";
import { selectAdapter } from "../../src/net/select.ts";

test("serveHttp() answers HEAD with a Date header, as it does GET (RFC 9110 §6.6.1)", async () => {
  const net = selectAdapter();
  await using server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    handler: () => new Response("hello", { headers: { "content-type": "text/plain" } }),
  });
  for (const method of ["GET", "HEAD"]) {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, { method });
    await response.body?.cancel();
    const date = response.headers.get("date");
    assert.ok(date !== null, `${method}: no Date`);
    assert.ok(Math.abs(Date.parse(date) - Date.now()) < 2000, `${method}: Date ${date}`);
  }
});
