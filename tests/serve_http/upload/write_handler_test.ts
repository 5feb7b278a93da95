/** The write side in-process: PUT, no clobber, limits, names, MKCOL, DELETE, auth. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasicAuthGate, passwordAccount } from "../../../src/serve_http/auth.ts";
import { LoginLimiter } from "../../../src/serve_http/login_limiter.ts";
import { basic, writeFixture } from "./_server.ts";

/** A body that sends `first`, then breaks off as a dropped connection does. */
function brokenBody(first: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (sent) controller.error(new Error("connection reset"));
      else controller.enqueue(new TextEncoder().encode(first));
      sent = true;
    },
  });
}

/** A body that sends `first`, then nothing ever again. */
function stalledBody(first: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) controller.enqueue(new TextEncoder().encode(first));
      sent = true;
      return new Promise(() => {});
    },
  });
}

const put = (body: BodyInit | null, headers: Record<string, string> = {}) => ({
  method: "PUT",
  body,
  headers,
});

test("createFileHandler() without writes still answers PUT with 405", async () => {
  const { createFileHandler } = await import("../../../src/serve_http/handler.ts");
  const { selectAdapter } = await import("../../../src/net/select.ts");
  const net = selectAdapter();
  const root = mkdtempSync(join(tmpdir(), "netkit-ro-"));
  try {
    const handler = createFileHandler({ root, fileBody: net.fileBody, fs: net.fs });
    const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
    const response = await handler(new Request("http://x/a", put("a")), { remoteAddr });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.equal(readdirSync(root).length, 0);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("PUT stores a new file (201, Location), refuses an existing name with 409, replaces with --overwrite (204)", async () => {
  using fixture = writeFixture();
  const first = await fixture.request("/new%20file.txt", put("one"));
  assert.equal(first.status, 201);
  assert.equal(first.headers.get("location"), "/new%20file.txt");
  assert.equal(readFileSync(join(fixture.root, "new file.txt"), "utf8"), "one");
  const again = await fixture.request("/new%20file.txt", put("two"));
  assert.equal(again.status, 409);
  assert.match(await again.text(), /--overwrite/);
  assert.equal(readFileSync(join(fixture.root, "new file.txt"), "utf8"), "one");
  using overwriting = writeFixture({ overwrite: true });
  writeFileSync(join(overwriting.root, "a.txt"), "old");
  const replaced = await overwriting.request("/a.txt", put("new"));
  assert.equal(replaced.status, 204);
  assert.equal(readFileSync(join(overwriting.root, "a.txt"), "utf8"), "new");
  assert.deepEqual(readdirSync(overwriting.root), ["a.txt"]);
});

test("PUT of one new name twice at once: one 201, one 409, the winner's bytes whole", async () => {
  using fixture = writeFixture();
  const big = (c: string) => c.repeat(256 * 1024);
  const [a, b] = await Promise.all([
    fixture.request("/race.bin", put(big("a"))),
    fixture.request("/race.bin", put(big("b"))),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [201, 409]);
  const winner = a.status === 201 ? "a" : "b";
  assert.equal(readFileSync(join(fixture.root, "race.bin"), "utf8"), big(winner));
  assert.deepEqual(readdirSync(fixture.root), ["race.bin"]);
});

test("PUT over --max-upload is 413 by Content-Length before reading, and while reading", async () => {
  using fixture = writeFixture({ maxUpload: 1024 });
  const declared = await fixture.request("/a.bin", put("x".repeat(2000)));
  assert.equal(declared.status, 413);
  const streamed = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(600));
      controller.close();
    },
  });
  const undeclared = await fixture.request(
    "/b.bin",
    { ...put(streamed), duplex: "half" } as RequestInit,
  );
  assert.equal(undeclared.status, 413);
  assert.match(await undeclared.text(), /--max-upload 1\.0 KiB/);
  assert.deepEqual(readdirSync(fixture.root), []);
  assert.equal((await fixture.request("/c.bin", put("x".repeat(1024)))).status, 201);
});

test("PUT whose body breaks off or stalls leaves nothing behind", async () => {
  using fixture = writeFixture({ idleMs: 200 });
  const broken = await fixture.request(
    "/a.bin",
    { ...put(brokenBody("half")), duplex: "half" } as RequestInit,
  );
  assert.equal(broken.status, 400);
  const stalled = await fixture.request(
    "/b.bin",
    { ...put(stalledBody("half")), duplex: "half" } as RequestInit,
  );
  assert.equal(stalled.status, 408);
  assert.deepEqual(readdirSync(fixture.root), []);
});

test("PUT with a Content-Digest, Repr-Digest or Content-MD5 is stored only when it matches", async () => {
  using fixture = writeFixture();
  const sha256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="; // RFC 9530 Appendix D
  const body = '{"hello": "world"}';
  const good = await fixture.request(
    "/good.json",
    put(body, { "content-digest": `sha-256=:${sha256}:` }),
  );
  assert.equal(good.status, 201);
  const bad = await fixture.request(
    "/bad.json",
    put(body + " ", { "repr-digest": `sha-256=:${sha256}:` }),
  );
  assert.equal(bad.status, 400);
  const md5 = await fixture.request(
    "/md5.json",
    put(body, { "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==" }),
  );
  assert.equal(md5.status, 400);
  assert.deepEqual(readdirSync(fixture.root), ["good.json"]);
});

test("PUT refuses traversal (400), dotfiles (403 unless --dotfiles), names Windows refuses (400), folders (409)", async () => {
  using fixture = writeFixture();
  for (
    const path of [
      "/a/..%2f..%2fescape",
      "/..%5cescape",
      "/a%3Ab",
      "/CON.txt",
      "/trail.",
      "/ctl%01",
    ]
  ) {
    assert.equal((await fixture.request(path, put("x"))).status, 400, path);
  }
  assert.equal((await fixture.request("/.env", put("x"))).status, 403);
  assert.equal((await fixture.request("/.netkit-upload-x.part", put("x"))).status, 403);
  assert.equal((await fixture.request("/", put("x"))).status, 409);
  assert.equal((await fixture.request("/missing/a.txt", put("x"))).status, 409);
  assert.deepEqual(readdirSync(fixture.root), []);
  using dotted = writeFixture({ dotfiles: true });
  assert.equal((await dotted.request("/.env", put("x"))).status, 201);
});

test("PUT into a symlinked folder that leads outside the root is refused with 403", async () => {
  using fixture = writeFixture();
  const outside = mkdtempSync(join(tmpdir(), "netkit-outside-"));
  try {
    symlinkSync(outside, join(fixture.root, "out"));
    mkdirSync(join(fixture.root, "in"));
    symlinkSync(join(fixture.root, "in"), join(fixture.root, "in-link"));
    assert.equal((await fixture.request("/out/a.txt", put("x"))).status, 403);
    assert.deepEqual(readdirSync(outside), []);
    assert.equal((await fixture.request("/in-link/a.txt", put("x"))).status, 201);
    assert.ok(existsSync(join(fixture.root, "in", "a.txt")));
  } finally {
    rmSync(outside, { recursive: true });
  }
});

test("PUT of a gzip-coded body is 415 and a Content-Range PUT 400", async () => {
  using fixture = writeFixture();
  assert.equal((await fixture.request("/a", put("x", { "content-encoding": "gzip" }))).status, 415);
  assert.equal(
    (await fixture.request("/a", put("x", { "content-range": "bytes 0-0/2" }))).status,
    400,
  );
});

test("MKCOL needs --mkdir, gives 201, 405 on an existing name, 409 without a parent", async () => {
  using off = writeFixture();
  assert.equal((await off.request("/d/", { method: "MKCOL" })).status, 405);
  using fixture = writeFixture({ mkdir: true });
  assert.equal((await fixture.request("/d/", { method: "MKCOL" })).status, 201);
  assert.equal((await fixture.request("/d/", { method: "MKCOL" })).status, 405);
  assert.equal((await fixture.request("/x/y/", { method: "MKCOL" })).status, 409);
  assert.equal((await fixture.request("/.git/", { method: "MKCOL" })).status, 403);
});

test("DELETE needs --delete, removes files and empty folders, never a folder with content", async () => {
  using off = writeFixture();
  writeFileSync(join(off.root, "a.txt"), "a");
  assert.equal((await off.request("/a.txt", { method: "DELETE" })).status, 405);
  using fixture = writeFixture({ delete: true });
  writeFileSync(join(fixture.root, "a.txt"), "a");
  mkdirSync(join(fixture.root, "full"));
  writeFileSync(join(fixture.root, "full", "b.txt"), "b");
  mkdirSync(join(fixture.root, "empty"));
  assert.equal((await fixture.request("/a.txt", { method: "DELETE" })).status, 204);
  assert.equal((await fixture.request("/a.txt", { method: "DELETE" })).status, 404);
  assert.equal((await fixture.request("/full/", { method: "DELETE" })).status, 409);
  assert.equal((await fixture.request("/empty/", { method: "DELETE" })).status, 204);
  assert.equal((await fixture.request("/", { method: "DELETE" })).status, 403);
  assert.deepEqual(readdirSync(fixture.root), ["full"]);
});

test("OPTIONS and 405 name the write methods that are on; OPTIONS carries Upload-Limit", async () => {
  using fixture = writeFixture({ delete: true, maxUpload: 1024 });
  const options = await fixture.request("/", { method: "OPTIONS" });
  assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE");
  assert.equal(options.headers.get("upload-limit"), "max-size=1024, max-age=86400");
  const refused = await fixture.request("/", { method: "PROPFIND" });
  assert.equal(refused.status, 405);
  assert.equal(refused.headers.get("allow"), options.headers.get("allow"));
});

test("a write gate keeps reads open and refuses writes without credentials (401)", async () => {
  const gate = new BasicAuthGate({ accounts: [passwordAccount({ user: "w", password: "pw" })] });
  using fixture = writeFixture({ gate });
  writeFileSync(join(fixture.root, "r.txt"), "read me");
  assert.equal((await fixture.request("/r.txt")).status, 200);
  const anonymous = await fixture.request("/a.txt", put("x"));
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get("www-authenticate")!, /^Basic /);
  assert.equal((await fixture.request("/a.txt", put("x", basic("w", "nope")))).status, 401);
  assert.equal((await fixture.request("/a.txt", put("x", basic("w", "pw")))).status, 201);
});

test("BasicAuthGate refuses a source with 429 after 5 failed logins, the right password too", async () => {
  let now = 0;
  const limiter = new LoginLimiter({ now: () => now });
  const gate = new BasicAuthGate({
    accounts: [passwordAccount({ user: "w", password: "pw" })],
    limiter,
  });
  using fixture = writeFixture({ gate });
  for (let i = 0; i < 5; i++) {
    assert.equal((await fixture.request("/a", put("x", basic("w", `guess${i}`)))).status, 401);
  }
  const blocked = await fixture.request("/a", put("x", basic("w", "pw")));
  assert.equal(blocked.status, 429);
  assert.equal(blocked.headers.get("retry-after"), "60");
  const other = await fixture.request("/b", { ...put("x", basic("w", "pw")), from: "192.0.2.9" });
  assert.equal(other.status, 201);
  now = 60_000;
  assert.equal((await fixture.request("/a", put("x", basic("w", "pw")))).status, 201);
});

test("--auth's failed logins are rate-limited on reads too", async () => {
  using fixture = writeFixture({}, { auth: { user: "r", password: "pw" } });
  for (let i = 0; i < 5; i++) {
    assert.equal((await fixture.request("/", { headers: basic("r", "x") })).status, 401);
  }
  assert.equal((await fixture.request("/", { headers: basic("r", "pw") })).status, 429);
});

test("a GET or listing right after any write sees it, though looks are otherwise reused", async () => {
  using fixture = writeFixture({ overwrite: true, mkdir: true, delete: true }, {
    revalidateMs: 60_000, // longer than the test: only forgetting can make it pass
  });
  const text = async (path: string) => {
    const response = await fixture.request(path);
    return `${response.status} ${response.status === 200 ? await response.text() : ""}`;
  };
  const form = (name: string, content: string, field = "f") => {
    const body = new FormData();
    if (field === "mkdir") body.append("mkdir", name);
    else body.append(field, new Blob([content]), name);
    return { method: "POST", body };
  };
  // PUT: a new name (looked at while missing), then replaced (its bytes were cached).
  assert.equal(await text("/a.txt"), "404 ");
  assert.equal((await fixture.request("/a.txt", put("one"))).status, 201);
  assert.equal(await text("/a.txt"), "200 one");
  assert.equal((await fixture.request("/a.txt", put("two"))).status, 204);
  assert.equal(await text("/a.txt"), "200 two");
  // A form's file part, and its mkdir field (every level new).
  assert.equal(await text("/b.txt"), "404 ");
  assert.equal((await fixture.request("/", form("b.txt", "bee"))).status, 201);
  assert.equal(await text("/b.txt"), "200 bee");
  assert.equal((await text("/x/")).slice(0, 4), "404 ");
  assert.equal((await text("/x/y/")).slice(0, 4), "404 ");
  assert.equal((await fixture.request("/", form("x/y", "", "mkdir"))).status, 201);
  assert.equal((await text("/x/")).slice(0, 4), "200 ");
  assert.equal((await text("/x/y/")).slice(0, 4), "200 ");
  // MKCOL, then a listing of the new folder; DELETE of a file whose bytes were cached.
  assert.equal((await text("/m/")).slice(0, 4), "404 ");
  assert.equal((await fixture.request("/m/", { method: "MKCOL" })).status, 201);
  assert.equal((await text("/m/")).slice(0, 4), "200 ");
  assert.equal((await fixture.request("/a.txt", { method: "DELETE" })).status, 204);
  assert.equal(await text("/a.txt"), "404 ");
  assert.equal((await fixture.request("/m/", { method: "DELETE" })).status, 204);
  assert.equal((await text("/m/")).slice(0, 4), "404 ");
  // A resumable upload's completion (created incomplete, finished by PATCH).
  assert.equal(await text("/r.txt"), "404 ");
  const started = await fixture.request("/r.txt", {
    method: "PUT",
    body: "re",
    headers: { "upload-complete": "?0", "upload-draft-interop-version": "8" },
  });
  assert.equal(started.status, 201);
  assert.equal(await text("/r.txt"), "404 ");
  const finished = await fixture.request(started.headers.get("location")!, {
    method: "PATCH",
    body: "s",
    headers: { "upload-offset": "2", "upload-complete": "?1" },
  });
  assert.equal(finished.status, 201);
  assert.equal(await text("/r.txt"), "200 res");
});
