/** --checksums in-process: SHA256SUMS, Repr-Digest, the digest cache and its per-request bound. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
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
import { selectAdapter } from "../../src/net/select.ts";
import { createFileHandler } from "../../src/serve_http/handler.ts";
import { DigestCache } from "../../src/serve_http/digest_cache.ts";
import { folderEntries } from "../../src/serve_http/folder_entries.ts";
import { StatCache } from "../../src/serve_http/stat_cache.ts";
import {
  serveSha256Sums,
  sha256SumsEntry,
  sha256SumsLine,
} from "../../src/serve_http/sha256sums.ts";
import { wantsSha256 } from "../../src/serve_http/repr_digest.ts";

const net = selectAdapter();
const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
const TEXT = "netkit checks files. ".repeat(400); // compressible, 8.4 KB
let root = "";
let outside = "";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-sums-")));
  outside = realpathSync(mkdtempSync(join(tmpdir(), "netkit-sums-out-")));
  writeFileSync(join(outside, "x.txt"), "x");
  writeFileSync(join(root, "a.txt"), "alpha\n");
  writeFileSync(join(root, "text.txt"), TEXT);
  writeFileSync(join(root, "back\\slash.txt"), "b");
  writeFileSync(join(root, ".env"), "SECRET=1\n");
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "c.txt"), "c");
  mkdirSync(join(root, "own"));
  writeFileSync(join(root, "own", "SHA256SUMS"), "the publisher's own\n");
  symlinkSync(outside, join(root, "out"));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const handler = (checksums = true) =>
  createFileHandler({ root, fileBody: net.fileBody, fs: net.fs, checksums, revalidateMs: 0 });
const sha256 = (text: string) => createHash("sha256").update(text).digest();

async function get(path: string, headers: Record<string, string> = {}, checksums = true) {
  return await handler(checksums)(new Request(`http://localhost${path}`, { headers }), {
    remoteAddr,
  });
}

test("sha256SumsLine() escapes backslash, LF and CR the way coreutils reads them", () => {
  const hex = "ab".repeat(32);
  assert.equal(sha256SumsLine(hex, "plain name.txt"), `${hex}  plain name.txt\n`);
  assert.equal(sha256SumsLine(hex, "back\\slash"), `\\${hex}  back\\\\slash\n`);
  assert.equal(sha256SumsLine(hex, "cr\rx"), `\\${hex}  cr\\rx\n`);
});

test("GET /SHA256SUMS lists the folder's visible files (not dotfiles, not folders) with their digests", async () => {
  const response = await get("/SHA256SUMS");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  const expected = [
    `\\${sha256("b").toString("hex")}  back\\\\slash.txt\n`,
    `${sha256("alpha\n").toString("hex")}  a.txt\n`,
    `${sha256(TEXT).toString("hex")}  text.txt\n`,
  ].sort().join("");
  const lines = (await response.text()).split(/(?<=\n)/).sort().join("");
  assert.equal(lines, expected);
});

test("the listing shows SHA256SUMS with the exact size the file then has", async () => {
  const listing = await (await get("/", { accept: "application/json" })).json();
  const row = listing.find((e: { name: string }) => e.name === "SHA256SUMS");
  assert(row, JSON.stringify(listing));
  const body = new Uint8Array(await (await get("/SHA256SUMS")).arrayBuffer());
  assert.equal(row.size, body.length);
  const off = await (await get("/", { accept: "application/json" }, false)).json();
  assert(!off.some((e: { name: string }) => e.name === "SHA256SUMS"));
});

test("a real SHA256SUMS wins over the virtual one; without --checksums there is none", async () => {
  assert.equal(await (await get("/own/SHA256SUMS")).text(), "the publisher's own\n");
  const entries = await folderEntries(join(root, "own"), {
    fs: net.fs,
    cache: new StatCache({ root, fs: net.fs }),
    dotfiles: false,
  });
  assert.deepEqual(sha256SumsEntry(entries), []);
  assert.equal((await get("/sub/SHA256SUMS", {}, false)).status, 404);
});

test("SHA256SUMS of a folder that is a symlink out of the root is 404", async () => {
  assert.equal((await get("/out/SHA256SUMS")).status, 404);
});

test("serveSha256Sums() past its budget answers 503 with Retry-After, and each retry gets further", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sums-budget-"));
  try {
    for (const name of ["1", "2", "3"]) writeFileSync(join(dir, name), name.repeat(1000));
    const cache = new StatCache({ root: realpathSync(dir), fs: net.fs });
    const entries = await folderEntries(dir, { fs: net.fs, cache, dotfiles: false });
    const digests = new DigestCache(net);
    const request = new Request("http://x/SHA256SUMS");
    const options = { digests, maxFiles: 2 };
    const first = await serveSha256Sums(request, entries, options);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get("retry-after"), "1");
    assert.equal(entries.filter((e) => digests.known(e.info)).length, 2);
    const second = await serveSha256Sums(request, entries, options);
    assert.equal(second.status, 200);
    assert.equal((await second.text()).split("\n").length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("DigestCache hashes a version once, however many ask at once, and a new version again", async () => {
  const path = join(root, "versioned.txt");
  writeFileSync(path, "one");
  const digests = new DigestCache(net);
  const info = await net.fs.stat(path);
  const [a, b] = await Promise.all([digests.digest(path, info), digests.digest(path, info)]);
  assert.equal(a, b);
  assert.deepEqual(Buffer.from(a), sha256("one"));
  writeFileSync(path, "two");
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  const changed = await net.fs.stat(path);
  assert.equal(digests.known(changed), undefined);
  assert.deepEqual(Buffer.from(await digests.digest(path, changed)), sha256("two"));
});

test("wantsSha256() reads Want-Repr-Digest as an RFC 9530 §4 dictionary", () => {
  assert(wantsSha256("sha-256=1"));
  assert(wantsSha256("sha-512=10, sha-256=3"));
  assert(!wantsSha256("sha-256=0"));
  assert(!wantsSha256("sha-512=10"));
  assert(!wantsSha256("sha-256=1, ,"));
  assert(!wantsSha256(null));
});

test("Want-Repr-Digest: sha-256 gets Repr-Digest of the file, also on a 206 and a HEAD", async () => {
  const expected = `sha-256=:${sha256("alpha\n").toString("base64")}:`;
  const want = { "want-repr-digest": "sha-256=10" };
  const whole = await get("/a.txt", want);
  assert.equal(whole.headers.get("repr-digest"), expected);
  await whole.body?.cancel();
  const part = await get("/a.txt", { ...want, range: "bytes=0-1" });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("repr-digest"), expected);
  await part.body?.cancel();
  const head = await handler()(
    new Request("http://localhost/a.txt", { method: "HEAD", headers: want }),
    {
      remoteAddr,
    },
  );
  assert.equal(head.headers.get("repr-digest"), expected);
});

test("no Repr-Digest unasked, without --checksums, or for a gzipped representation", async () => {
  const want = { "want-repr-digest": "sha-256=10" };
  assert.equal((await get("/a.txt")).headers.get("repr-digest"), null);
  assert.equal((await get("/a.txt", want, false)).headers.get("repr-digest"), null);
  const gzipped = await get("/text.txt", { ...want, "accept-encoding": "gzip" });
  assert.equal(gzipped.headers.get("content-encoding"), "gzip");
  assert.equal(gzipped.headers.get("repr-digest"), null);
  await gzipped.body?.cancel();
});
