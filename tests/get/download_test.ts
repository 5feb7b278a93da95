/**
 * The download loop against a scripted fetch: redirects, retries with
 * Retry-After, resumes, Content-Length counted on the wire, decoding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { download, type DownloadOptions, type DownloadRequest } from "../../src/get/download.ts";
import { stdoutSinks } from "../../src/get/sink_provider.ts";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import type { NetAdapter } from "../../src/net/types.ts";

type Reply = (url: URL, init: RequestInit) => Response;

function request(overrides: Partial<DownloadRequest> = {}): DownloadRequest {
  return {
    url: new URL("http://a.test/file"),
    method: "GET",
    headers: new Headers(),
    follow: true,
    maxRedirects: 10,
    allowDowngrade: false,
    insecure: false,
    decode: false,
    connectTimeoutMs: 5000,
    idleTimeoutMs: 5000,
    retries: 0,
    retryDelayMs: 1000,
    failWithBody: false,
    ...overrides,
  };
}

/** Options whose fetch answers from `replies` in turn; what went out is in `sent`. */
function scripted(replies: Reply[]) {
  const sent: { url: URL; headers: Headers }[] = [];
  const notes: string[] = [];
  const sleeps: number[] = [];
  const chunks: Uint8Array[] = [];
  const net = {
    fetch: (url: URL, init: RequestInit) => {
      sent.push({ url, headers: new Headers(init.headers) });
      const reply = replies.shift();
      if (!reply) throw new Error("no more replies");
      return Promise.resolve(reply(url, init));
    },
  } as unknown as NetAdapter;
  const options: DownloadOptions = {
    net,
    sinks: stdoutSinks((chunk) => void chunks.push(chunk.slice()), { hashNames: [] }),
    note: (line) => void notes.push(line),
    sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
    random: () => 1,
    now: () => 0,
  };
  const body = () => new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c])));
  return { options, sent, notes, sleeps, body };
}

test("download() follows a redirect and reports the final URL", async () => {
  const run = scripted([
    () => new Response(null, { status: 302, headers: { location: "/moved" } }),
    () => new Response("here"),
  ]);
  const result = await download(request(), run.options);
  assert.equal(result.finalUrl.href, "http://a.test/moved");
  assert.equal(run.body(), "here");
  assert.equal(run.sent.length, 2);
});

test("download() stops after --max-redirects with exit 47", async () => {
  const loop = () => new Response(null, { status: 302, headers: { location: "/again" } });
  const run = scripted([loop, loop, loop]);
  await assert.rejects(
    download(request({ maxRedirects: 2 }), run.options),
    (e) => e instanceof DownloadError && e.exitCode === EXIT.TOO_MANY_REDIRECTS,
  );
  assert.equal(run.sent.length, 3);
});

test("download() retries a 503 after Retry-After and says so", async () => {
  const run = scripted([
    () => new Response("busy", { status: 503, headers: { "retry-after": "2" } }),
    () => new Response("done"),
  ]);
  await download(request({ retries: 1 }), run.options);
  assert.deepEqual(run.sleeps, [2000]);
  assert.match(run.notes[0], /^HTTP 503 Service Unavailable; retry 1 of 1 in 2\.0 s$/);
  assert.equal(run.body(), "done");
});

test("download() fails a short body with exit 18 and counts wire bytes, never negative", async () => {
  const run = scripted([() => new Response("abc", { headers: { "content-length": "10" } })]);
  await assert.rejects(
    download(request(), run.options),
    (e) =>
      e instanceof DownloadError && e.exitCode === EXIT.PARTIAL_BODY &&
      e.message === "Transfer closed with 7 bytes remaining of 10",
  );
});

test("download() fails a body longer than its Content-Length with exit 56, never a negative count", async () => {
  const run = scripted([() => new Response("0123456789", { headers: { "content-length": "5" } })]);
  await assert.rejects(download(request(), run.options), (e) => {
    assert.ok(e instanceof DownloadError, String(e));
    assert.equal(e.exitCode, EXIT.RECEIVE_ERROR);
    assert.equal(e.retryable, false, "a server that overruns its length is not retried");
    assert.equal(e.message, "The server sent 10 bytes, more than its Content-Length of 5");
    assert.doesNotMatch(e.message, /-\d/);
    return true;
  });
  assert.equal(run.sent.length, 1);
});

test("download() compares Content-Length with the compressed bytes, not the decoded ones", async () => {
  const text = "hello, compressed world\n".repeat(200);
  const gzipped = gzipSync(text);
  const reply = () =>
    new Response(gzipped, {
      headers: { "content-encoding": "gzip", "content-length": String(gzipped.length) },
    });
  const decoded = scripted([reply]);
  const result = await download(request({ decode: true }), decoded.options);
  assert.equal(decoded.body(), text);
  assert.equal(result.bytes, text.length);

  const raw = scripted([reply]);
  await download(request({ decode: false }), raw.options);
  assert.notEqual(raw.body(), text, "undecoded: the server's bytes");
});

test("download() leaves an unknown coding as sent, with a note", async () => {
  const run = scripted([() => new Response("zzz", { headers: { "content-encoding": "zstd" } })]);
  await download(request({ decode: true }), run.options);
  assert.equal(run.body(), "zzz");
  assert.match(run.notes[0], /stays zstd-encoded/);
});

test("download() does not retry a decoded body that broke off after bytes were written", async () => {
  const text = "netkit ".repeat(50_000);
  const gzipped = gzipSync(text);
  const half = gzipped.subarray(0, gzipped.length >> 1);
  const broken = () =>
    new Response(half, {
      headers: { "content-encoding": "gzip", "content-length": String(gzipped.length) },
    });
  const run = scripted([broken, broken]);
  await assert.rejects(
    download(request({ decode: true, retries: 1 }), run.options),
    (e) =>
      e instanceof DownloadError && e.exitCode === EXIT.PARTIAL_BODY && !e.retryable &&
      /cannot be resumed/.test(e.message),
  );
  assert.equal(run.sent.length, 1, "a Range over wire bytes would not fit the decoded offset");
  assert.ok(run.body().length > 0 && text.startsWith(run.body()));
});
