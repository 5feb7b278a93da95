/** The file handler in-process: every rule, status, header and body, on both runtimes. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { selectAdapter } from "../../src/net/select.ts";
import { createFileHandler, type FileHandlerOptions } from "../../src/serve_http/handler.ts";

const net = selectAdapter();
let root = "";
const BIG_TEXT = "netkit serves files. ".repeat(500); // 10.5 KB, compressible
const XSS_NAME = "<img src=x onerror=alert(1)>.txt";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-files-")));
  writeFileSync(join(root, "hello.txt"), "hello, world\n");
  writeFileSync(join(root, "big.txt"), BIG_TEXT);
  writeFileSync(join(root, "digits.bin"), "0123456789");
  writeFileSync(join(root, "empty.txt"), "");
  writeFileSync(join(root, "app.js"), "console.log('plain');\n".repeat(100));
  writeFileSync(join(root, "app.js.br"), "BROTLI-BYTES");
  writeFileSync(join(root, "app.js.gz"), gzipSync("console.log('plain');\n".repeat(100)));
  writeFileSync(join(root, "mod.mjs"), "export {};\n");
  writeFileSync(join(root, "prog.wasm"), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(root, "data.unknownext"), "?");
  writeFileSync(join(root, "index.html"), "<h1>home</h1>\n");
  writeFileSync(join(root, XSS_NAME), "x");
  writeFileSync(join(root, ".env"), "SECRET=1\n");
  mkdirSync(join(root, ".git"));
  writeFileSync(join(root, ".git", "config"), "[core]\n");
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "a.txt"), "a");
  writeFileSync(join(root, "docs", "bb.txt"), "bb");
  mkdirSync(join(root, "site"));
  writeFileSync(join(root, "site", "index.html"), "<h1>site</h1>\n");
  symlinkSync("/etc/hostname", join(root, "escape.txt"));
  symlinkSync("/etc", join(root, "etc-link"));
  symlinkSync(join(root, "hello.txt"), join(root, "inside-link.txt"));
  const old = new Date("2020-01-01T00:00:00Z");
  utimesSync(join(root, "hello.txt"), old, old);
});

after(() => rmSync(root, { recursive: true, force: true }));

function handler(options: Partial<FileHandlerOptions> = {}) {
  const h = createFileHandler({ root, fileBody: net.fileBody, fs: net.fs, ...options });
  return (path: string, init: RequestInit = {}) =>
    Promise.resolve(
      h(new Request(`http://localhost${path}`, init), {
        remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
      }),
    );
}

test("file handler serves a file with type, length, validators and no-cache", async () => {
  const response = await handler()("/hello.txt");
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello, world\n");
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(response.headers.get("content-length"), "13");
  assert.equal(response.headers.get("last-modified"), "Wed, 01 Jan 2020 00:00:00 GMT");
  assert.match(response.headers.get("etag")!, /^"[0-9a-z]+-[0-9a-z]+"$/);
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("accept-ranges"), "bytes");
});

test("file handler uses the mime table: .js/.mjs text/javascript, .wasm, unknown octet-stream", async () => {
  const get = handler({ compress: false });
  const type = async (p: string) => (await get(p)).headers.get("content-type");
  assert.equal(await type("/mod.mjs"), "text/javascript; charset=utf-8");
  assert.equal(await type("/app.js"), "text/javascript; charset=utf-8");
  assert.equal(await type("/prog.wasm"), "application/wasm");
  assert.equal(await type("/data.unknownext"), "application/octet-stream");
  assert.equal(await type("/index.html"), "text/html; charset=utf-8");
});

test("file handler answers HEAD with headers and no body", async () => {
  const response = await handler()("/hello.txt", { method: "HEAD" });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), "13");
  assert.equal(await response.text(), "");
});

test("file handler answers other methods with 405 and Allow", async () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    const response = await handler()("/hello.txt", { method });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
  }
});

test("file handler gives 304 for a matching If-None-Match or a later If-Modified-Since", async () => {
  const get = handler();
  const etag = (await get("/hello.txt")).headers.get("etag")!;
  assert.equal((await get("/hello.txt", { headers: { "if-none-match": etag } })).status, 304);
  assert.equal(
    (await get("/hello.txt", { headers: { "if-none-match": `"x", W/${etag}` } })).status,
    304,
  );
  assert.equal((await get("/hello.txt", { headers: { "if-none-match": '"other"' } })).status, 200);
  const since = { "if-modified-since": "Wed, 01 Jan 2020 00:00:00 GMT" };
  assert.equal((await get("/hello.txt", { headers: since })).status, 304);
  const before = { "if-modified-since": "Tue, 31 Dec 2019 23:59:59 GMT" };
  assert.equal((await get("/hello.txt", { headers: before })).status, 200);
});

test("file handler serves single ranges with 206 and Content-Range", async () => {
  const get = handler();
  for (
    const [range, body, contentRange] of [
      ["bytes=2-4", "234", "bytes 2-4/10"],
      ["bytes=7-", "789", "bytes 7-9/10"],
      ["bytes=-2", "89", "bytes 8-9/10"],
    ]
  ) {
    const response = await get("/digits.bin", { headers: { range } });
    assert.equal(response.status, 206, range);
    assert.equal(response.headers.get("content-range"), contentRange);
    assert.equal(await response.text(), body);
  }
});

test("file handler gives 416 with Content-Range bytes */SIZE for an unsatisfiable range", async () => {
  const response = await handler()("/digits.bin", { headers: { range: "bytes=10-" } });
  assert.equal(response.status, 416);
  assert.equal(response.headers.get("content-range"), "bytes */10");
});

test("file handler answers several ranges with the whole file", async () => {
  const response = await handler()("/digits.bin", { headers: { range: "bytes=0-1,4-5" } });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "0123456789");
});

test("file handler honours If-Range: a stale validator gets the whole file", async () => {
  const get = handler();
  const etag = (await get("/digits.bin")).headers.get("etag")!;
  const fresh = await get("/digits.bin", { headers: { range: "bytes=0-1", "if-range": etag } });
  assert.equal(fresh.status, 206);
  assert.equal(await fresh.text(), "01");
  const stale = await get("/digits.bin", { headers: { range: "bytes=0-1", "if-range": '"old"' } });
  assert.equal(stale.status, 200);
  assert.equal(await stale.text(), "0123456789");
});

test("file handler gzips compressible files on the fly, not ranges, not with --no-compress", async () => {
  const get = handler();
  const gz = await get("/big.txt", { headers: { "accept-encoding": "gzip, deflate" } });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(gz.headers.get("vary"), "accept-encoding");
  assert.equal(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString(), BIG_TEXT);
  const ranged = await get("/big.txt", {
    headers: { "accept-encoding": "gzip", range: "bytes=0-5" },
  });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-encoding"), null);
  assert.equal(await ranged.text(), BIG_TEXT.slice(0, 6));
  const plain = await handler({ compress: false })("/big.txt", {
    headers: { "accept-encoding": "gzip" },
  });
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal((await plain.text()).length, BIG_TEXT.length);
  const identity = await get("/big.txt", { headers: { "accept-encoding": "gzip;q=0" } });
  assert.equal(identity.headers.get("content-encoding"), null);
});

test("file handler sends a precompressed .br or .gz sibling when accepted", async () => {
  const get = handler();
  const br = await get("/app.js", { headers: { "accept-encoding": "gzip, br" } });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.equal(br.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await br.text(), "BROTLI-BYTES");
  const gz = await get("/app.js", { headers: { "accept-encoding": "gzip" } });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(
    gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString(),
    "console.log('plain');\n".repeat(100),
  );
});

test("file handler serves index.html for a folder and redirects a folder without its slash", async () => {
  const get = handler();
  const index = await get("/site/");
  assert.equal(index.status, 200);
  assert.equal(await index.text(), "<h1>site</h1>\n");
  const redirect = await get("/site?x=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/site/?x=1");
});

test("file handler never redirects to a Location starting with //", async () => {
  const h = createFileHandler({ root, fileBody: net.fileBody, fs: net.fs });
  const response = await h(new Request("http://localhost//site"), {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  });
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/site/");
});

test("file handler lists a folder as HTML with escaped names, sizes and sort links", async () => {
  const response = await handler()("/docs/");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await response.text();
  assert.match(html, /<a href="a\.txt">a\.txt<\/a>/);
  assert.match(html, /<a href="bb\.txt">bb\.txt<\/a>/);
  assert.match(html, /href="\?sort=size&amp;order=desc"/);
  assert.match(html, /<meta name="viewport"/);
  assert.equal(html.match(/<script/gi)?.length, 1, "only the page's own script");
  const bySize = await (await handler()("/docs/?sort=size&order=desc")).text();
  assert.ok(bySize.indexOf("bb.txt") < bySize.indexOf(">a.txt"), "largest first");
});

test("file handler escapes a file named like markup in the listing", async () => {
  const get = handler({ root });
  // The root has index.html, so list a copy of the fixture name in its own folder.
  mkdirSync(join(root, "xss"), { recursive: true });
  writeFileSync(join(root, "xss", XSS_NAME), "x");
  const html = await (await get("/xss/")).text();
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;\.txt/);
  assert.match(html, /href="%3Cimg%20src%3Dx%20onerror%3Dalert\(1\)%3E\.txt"/);
});

test("file handler lists as JSON when Accept prefers it", async () => {
  const response = await handler()("/docs/", { headers: { accept: "application/json" } });
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const list = await response.json();
  assert.deepEqual(
    list.map((e: { name: string; type: string; size: number }) => [e.name, e.type, e.size]),
    [
      ["a.txt", "file", 1],
      ["bb.txt", "file", 2],
    ],
  );
  const html = await handler()("/docs/", {
    headers: { accept: "text/html,application/json;q=0.9" },
  });
  assert.match(html.headers.get("content-type")!, /text\/html/);
});

test("file handler with listing off answers 404 for a folder without index.html", async () => {
  assert.equal((await handler({ listing: false })("/docs/")).status, 404);
  assert.equal((await handler({ listing: false })("/site/")).status, 200);
});

test("file handler neither serves nor lists dotfiles unless allowed", async () => {
  const get = handler();
  assert.equal((await get("/.env")).status, 404);
  assert.equal((await get("/.git/config")).status, 404);
  assert.equal((await get("/%2eenv")).status, 404);
  const list = await (await get("/", { headers: { accept: "application/json" } })).text();
  assert.ok(!list.includes(".env") && !list.includes(".git"), list);
  const open = handler({ dotfiles: true });
  assert.equal(await (await open("/.env")).text(), "SECRET=1\n");
});

test("file handler refuses symlinks out of the root unless --follow-symlinks", async () => {
  const get = handler();
  assert.equal((await get("/escape.txt")).status, 404);
  assert.equal((await get("/etc-link/hostname")).status, 404);
  assert.equal((await get("/inside-link.txt")).status, 200, "a link within the root is fine");
  const list = await (await get("/", { headers: { accept: "application/json" } })).text();
  assert.ok(!list.includes("escape.txt") && !list.includes("etc-link"), list);
  assert.equal((await handler({ followSymlinks: true })("/escape.txt")).status, 200);
});

test("file handler answers traversal attempts with 400 or 404, never a file outside", async () => {
  const get = handler({ dotfiles: true });
  for (
    const path of [
      "/..%2f..%2fetc/hostname",
      "/%2e%2e/%2e%2e/etc/hostname",
      "/a%5c..%5c..%5cetc",
      "/x%00.txt",
    ]
  ) {
    const response = await get(path);
    assert.ok([400, 404].includes(response.status), `${path}: ${response.status}`);
  }
});

test("file handler answers a missing file with 404, an empty file with an empty 200", async () => {
  assert.equal((await handler()("/nope.txt")).status, 404);
  assert.equal((await handler()("/hello.txt/x")).status, 404);
  const empty = await handler()("/empty.txt");
  assert.equal(empty.status, 200);
  assert.equal(empty.headers.get("content-length"), "0");
  assert.equal(await empty.text(), "");
});

test("file handler --spa answers extension-less unknown paths with /index.html and 200", async () => {
  const spa = handler({ spa: true });
  const route = await spa("/app/settings/profile");
  assert.equal(route.status, 200);
  assert.equal(await route.text(), "<h1>home</h1>\n");
  assert.equal((await spa("/missing.png")).status, 404, "paths with an extension stay 404");
  assert.equal((await handler()("/app/settings")).status, 404, "off by default");
});

test("file handler --cors adds the header and answers preflight", async () => {
  const cors = handler({ cors: true });
  assert.equal((await cors("/hello.txt")).headers.get("access-control-allow-origin"), "*");
  const preflight = await cors("/hello.txt", {
    method: "OPTIONS",
    headers: { "access-control-request-method": "GET", "access-control-request-headers": "x-a" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-headers"), "x-a");
  assert.match(preflight.headers.get("access-control-allow-methods")!, /GET/);
  assert.equal((await handler()("/hello.txt")).headers.get("access-control-allow-origin"), null);
});

test("file handler adds --header headers and --cache max-age", async () => {
  const response = await handler({ headers: [["X-Frame-Options", "DENY"]], cacheSeconds: 60 })(
    "/hello.txt",
  );
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("cache-control"), "max-age=60");
});

test("file handler --auth demands Basic credentials", async () => {
  const get = handler({ auth: { user: "ann", password: "s3cret:x" } });
  const denied = await get("/hello.txt");
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get("www-authenticate")!, /^Basic realm="netkit"/);
  const wrong = await get("/hello.txt", {
    headers: { authorization: `Basic ${btoa("ann:nope")}` },
  });
  assert.equal(wrong.status, 401);
  const right = await get("/hello.txt", {
    headers: { authorization: `Basic ${btoa("ann:s3cret:x")}` },
  });
  assert.equal(right.status, 200);
  assert.equal((await get("/hello.txt", { headers: { authorization: "Basic !!!" } })).status, 401);
});

test("file handler answers a file that vanished after it was listed with 404", async () => {
  writeFileSync(join(root, "gone.txt"), "soon gone");
  const get = handler({ revalidateMs: 0 });
  assert.equal((await get("/gone.txt")).status, 200);
  rmSync(join(root, "gone.txt"));
  assert.equal((await get("/gone.txt")).status, 404);
});

test("file handler with revalidateMs 0 never serves a small file stale from memory", async () => {
  const get = handler({ revalidateMs: 0 });
  writeFileSync(join(root, "changing.txt"), "version 1");
  assert.equal(await (await get("/changing.txt")).text(), "version 1");
  assert.equal(await (await get("/changing.txt")).text(), "version 1");
  writeFileSync(join(root, "changing.txt"), "version 2"); // same size, new contents
  const later = new Date(Date.now() + 5000);
  utimesSync(join(root, "changing.txt"), later, later);
  assert.equal(await (await get("/changing.txt")).text(), "version 2");
  rmSync(join(root, "changing.txt"));
  writeFileSync(join(root, "changing.txt"), "v3"); // replaced: a new inode
  assert.equal(await (await get("/changing.txt")).text(), "v3");
});

test("file handler re-checks a symlink retargeted out of the root after it was served", async () => {
  const get = handler({ revalidateMs: 0 });
  symlinkSync(join(root, "hello.txt"), join(root, "moving-link.txt"));
  assert.equal((await get("/moving-link.txt")).status, 200);
  rmSync(join(root, "moving-link.txt"));
  symlinkSync("/etc/hostname", join(root, "moving-link.txt"));
  assert.equal((await get("/moving-link.txt")).status, 404);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("file handler serves a changed small file fresh once revalidateMs has passed", async () => {
  const get = handler({ revalidateMs: 300 });
  writeFileSync(join(root, "ttl.txt"), "version 1");
  assert.equal(await (await get("/ttl.txt")).text(), "version 1");
  writeFileSync(join(root, "ttl.txt"), "version two"); // new size, new contents
  // Within the interval the last look stands: the old bytes, with their own validators.
  const stale = await get("/ttl.txt");
  assert.equal(stale.headers.get("content-length"), "9");
  assert.equal(await stale.text(), "version 1");
  await sleep(400);
  const fresh = await get("/ttl.txt");
  assert.equal(fresh.headers.get("content-length"), "11");
  assert.equal(await fresh.text(), "version two");
  rmSync(join(root, "ttl.txt"));
  await sleep(400);
  assert.equal((await get("/ttl.txt")).status, 404);
  writeFileSync(join(root, "ttl.txt"), "back");
  await sleep(400);
  assert.equal(await (await get("/ttl.txt")).text(), "back");
});

test("file handler looks at a file over 64 KiB on every request, whatever revalidateMs", async () => {
  const get = handler({ revalidateMs: 60_000, compress: false });
  writeFileSync(join(root, "large.bin"), new Uint8Array(100_000).fill(1));
  assert.equal((await (await get("/large.bin")).arrayBuffer()).byteLength, 100_000);
  writeFileSync(join(root, "large.bin"), new Uint8Array(70_000).fill(2));
  const response = await get("/large.bin");
  assert.equal(response.headers.get("content-length"), "70000");
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.equal(bytes.length, 70_000);
  assert.equal(bytes[0], 2);
  rmSync(join(root, "large.bin"));
  assert.equal((await get("/large.bin")).status, 404);
});

test("file handler never serves what a retargeted symlink leads to before it looks again", async () => {
  const get = handler({ revalidateMs: 300 });
  symlinkSync(join(root, "hello.txt"), join(root, "ttl-link.txt"));
  assert.equal(await (await get("/ttl-link.txt")).text(), "hello, world\n");
  rmSync(join(root, "ttl-link.txt"));
  symlinkSync("/etc/hostname", join(root, "ttl-link.txt"));
  // Within the interval: the bytes read when the link led inside, never the new target's.
  assert.equal(await (await get("/ttl-link.txt")).text(), "hello, world\n");
  await sleep(400);
  assert.equal((await get("/ttl-link.txt")).status, 404);
});

test("file handler answers a gzip representation's own ETag in If-None-Match with 304", async () => {
  const get = handler();
  const gzip = { "accept-encoding": "gzip" };
  const sent = await get("/big.txt", { headers: gzip });
  assert.equal(sent.headers.get("content-encoding"), "gzip");
  const etag = sent.headers.get("etag")!;
  assert.match(etag, /-gzip"$/);
  assert.notEqual(etag, (await get("/big.txt")).headers.get("etag"), "its own tag");
  const again = await get("/big.txt", { headers: { ...gzip, "if-none-match": etag } });
  assert.equal(again.status, 304);
  for (const name of ["etag", "vary", "cache-control", "last-modified"]) {
    assert.equal(again.headers.get(name), sent.headers.get(name), name);
  }
  assert.equal(again.headers.get("content-length"), null);
  assert.equal(await again.text(), "");
  const listed = await get("/big.txt", { headers: { ...gzip, "if-none-match": `"x", ${etag}` } });
  assert.equal(listed.status, 304, "a list of tags");
  // The plain tag names another representation: the client has not got this one.
  const plain = (await get("/big.txt")).headers.get("etag")!;
  const other = await get("/big.txt", { headers: { ...gzip, "if-none-match": plain } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get("content-encoding"), "gzip");
  const star = await get("/big.txt", { headers: { ...gzip, "if-none-match": "*" } });
  assert.equal(star.status, 304);
});

test("file handler tags a precompressed sibling from the sibling's own size and time", async () => {
  writeFileSync(join(root, "lib.js"), "export const a = 1;\n".repeat(100));
  writeFileSync(join(root, "lib.js.br"), "BR-1");
  const t1 = new Date("2021-01-01T00:00:00Z");
  utimesSync(join(root, "lib.js"), t1, t1);
  utimesSync(join(root, "lib.js.br"), t1, t1);
  const get = handler({ revalidateMs: 0 });
  const br = { "accept-encoding": "br" };
  const first = await get("/lib.js", { headers: br });
  assert.equal(first.headers.get("content-encoding"), "br");
  const tag = first.headers.get("etag")!;
  assert.equal((await get("/lib.js", { headers: { ...br, "if-none-match": tag } })).status, 304);
  // A rebuilt sibling (same source) is another representation: a new tag, a 200.
  writeFileSync(join(root, "lib.js.br"), "BR-two");
  const t2 = new Date("2022-01-01T00:00:00Z");
  utimesSync(join(root, "lib.js.br"), t2, t2);
  const rebuilt = await get("/lib.js", { headers: { ...br, "if-none-match": tag } });
  assert.equal(rebuilt.status, 200);
  assert.notEqual(rebuilt.headers.get("etag"), tag);
  assert.equal(rebuilt.headers.get("last-modified"), t2.toUTCString());
  assert.equal(await rebuilt.text(), "BR-two");
});

test("file handler applies If-Range only for a strong tag of the bytes the range is of", async () => {
  const get = handler();
  const plain = (await get("/big.txt")).headers.get("etag")!;
  const gzipTag = (await get("/big.txt", { headers: { "accept-encoding": "gzip" } })).headers.get(
    "etag",
  )!;
  const ranged = (ifRange: string) =>
    get("/big.txt", { headers: { range: "bytes=0-3", "if-range": ifRange } });
  assert.equal((await ranged(plain)).status, 206);
  assert.equal((await ranged(`W/${plain}`)).status, 200, "a weak tag never matches");
  assert.equal((await ranged(gzipTag)).status, 200, "another representation's tag");
  const lastModified = (await get("/big.txt")).headers.get("last-modified")!;
  assert.equal((await ranged(lastModified)).status, 206);
});

test("file handler answers Range on an empty file with 416, and ignores bytes=5-1", async () => {
  const get = handler();
  const empty = await get("/empty.txt", { headers: { range: "bytes=0-" } });
  assert.equal(empty.status, 416);
  assert.equal(empty.headers.get("content-range"), "bytes */0");
  const backwards = await get("/digits.bin", { headers: { range: "bytes=5-1" } });
  assert.equal(backwards.status, 200);
  assert.equal(await backwards.text(), "0123456789");
});

test("file handler answers OPTIONS with 204 and Allow, for a path and for *", async () => {
  for (const path of ["/hello.txt", "/*"]) {
    const response = await handler()(path, { method: "OPTIONS" });
    assert.equal(response.status, 204, path);
    assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.equal(response.headers.get("access-control-allow-origin"), null);
  }
});

test("file handler status pages carry one Content-Type", async () => {
  const response = await handler()("/nope.txt");
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await response.text(), "404 Not Found\n");
});

test("file handler answers HEAD for a listing with the GET's headers and no body", async () => {
  const get = handler();
  for (const accept of ["text/html", "application/json"]) {
    const full = await get("/docs/", { headers: { accept } });
    const body = new Uint8Array(await full.arrayBuffer());
    const head = await get("/docs/", { method: "HEAD", headers: { accept } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), full.headers.get("content-type"));
    assert.equal(head.headers.get("content-length"), String(body.length), accept);
    assert.equal(await head.text(), "");
  }
});

test("file handler refuses a request with several Host headers (joined by the runtime) with 400", async () => {
  const response = await handler()("/hello.txt", { headers: { host: "a, b" } });
  assert.equal(response.status, 400);
});
