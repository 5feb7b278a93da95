/** Access log lines and their batching, on both runtimes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatAccessLog, withAccessLog } from "../../src/serve_http/access_log.ts";

const info = { remoteAddr: { transport: "tcp" as const, hostname: "192.0.2.7", port: 4321 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("formatAccessLog() writes common, combined and JSON lines, control characters escaped", () => {
  const record = {
    remote: "192.0.2.7",
    time: new Date("2026-11-22T10:15:02Z"),
    method: "GET",
    target: '/a\nb"c',
    status: 200,
    bytes: 13,
    referer: null,
    userAgent: "curl/8",
    durationMs: 1.23456,
  };
  assert.equal(
    formatAccessLog(record, "common"),
    '192.0.2.7 - - [22/Nov/2026:10:15:02 +0000] "GET /a\\x0ab\\x22c HTTP/1.1" 200 13',
  );
  assert.equal(
    formatAccessLog(record, "combined"),
    '192.0.2.7 - - [22/Nov/2026:10:15:02 +0000] "GET /a\\x0ab\\x22c HTTP/1.1" 200 13 "-" "curl/8"',
  );
  const json = JSON.parse(formatAccessLog(record, "json"));
  assert.equal(json.target, '/a\nb"c');
  assert.equal(json.duration_ms, 1.235);
});

test("withAccessLog() writes the lines of a burst together, within flushMs", async () => {
  const writes: string[] = [];
  const log = withAccessLog(() => new Response("hi", { headers: { "content-length": "2" } }), {
    format: "common",
    write: (text) => writes.push(text),
    flushMs: 50,
  });
  try {
    for (const path of ["/one", "/two?x=1", "//three"]) {
      await log.handler(new Request(`http://example.test${path}`), info);
    }
    assert.equal(writes.length, 0, "nothing is written at once");
    await sleep(150);
    assert.equal(writes.length, 1, "one write for the burst");
    const lines = writes[0].split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^192\.0\.2\.7 - - \[.+\] "GET \/one HTTP\/1\.1" 200 2$/);
    assert.match(lines[1], /"GET \/two\?x=1 HTTP\/1\.1"/);
    assert.match(lines[2], /"GET \/\/three HTTP\/1\.1"/);
  } finally {
    log.flush();
  }
});

test("withAccessLog() flush() writes what waits at once, and nothing twice", async () => {
  const writes: string[] = [];
  const log = withAccessLog(() => new Response(null, { status: 404 }), {
    format: "common",
    write: (text) => writes.push(text),
    flushMs: 10_000,
  });
  await log.handler(new Request("http://example.test/missing", { method: "HEAD" }), info);
  log.flush();
  assert.equal(writes.length, 1);
  assert.match(writes[0], /"HEAD \/missing HTTP\/1\.1" 404 -$/);
  log.flush();
  assert.equal(writes.length, 1);
});

test("withAccessLog() logs the authenticated user with --auth, in every format", async () => {
  const { authenticate } = await import("../../src/serve_http/auth.ts");
  const credentials = { user: "ann", password: "pw" };
  for (const format of ["common", "combined", "json"] as const) {
    const lines: string[] = [];
    const log = withAccessLog(async (request) => {
      const ok = await authenticate(request, credentials);
      return new Response(ok ? "ok" : "no", { status: ok ? 200 : 401 });
    }, { format, write: (text) => lines.push(...text.split("\n")) });
    const authorization = `Basic ${btoa("ann:pw")}`;
    await log.handler(new Request("http://x/a", { headers: { authorization } }), info);
    await log.handler(
      new Request("http://x/b", { headers: { authorization: "Basic eDp5" } }),
      info,
    );
    log.flush();
    if (format === "json") {
      assert.deepEqual(lines.map((l) => JSON.parse(l).user), ["ann", null]);
    } else {
      assert.match(lines[0], /^192\.0\.2\.7 - ann \[/, format);
      assert.match(lines[1], /^192\.0\.2\.7 - - \[/, "a wrong password logs no user");
    }
  }
});

test("withAccessLog() logs the target of a request the runtime gave as a bare path", async () => {
  const lines: string[] = [];
  const log = withAccessLog(() => new Response("hi"), {
    format: "common",
    write: (t) => lines.push(t),
  });
  // Bun's request.url for an HTTP/1.0 request without Host.
  const bare = { url: "/docs/a.txt?x=1", method: "GET", headers: new Headers() } as Request;
  await log.handler(bare, info);
  log.flush();
  assert.match(lines[0], /"GET \/docs\/a\.txt\?x=1 HTTP\/1\.1" 200/);
});

test("withAccessLog() logs a request whose handler throws as 500, and rethrows", async () => {
  const lines: string[] = [];
  const log = withAccessLog(() => Promise.reject(new Error("disk gone")), {
    format: "common",
    write: (text) => lines.push(text),
  });
  const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
  await assert.rejects(
    Promise.resolve(log.handler(new Request("http://localhost/x"), { remoteAddr })),
    /disk gone/,
  );
  log.flush();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /"GET \/x HTTP\/1\.1" 500 -$/);
});
