/**
 * Conformance of the adapter's file system and file bodies, for the runtime
 * running the tests: the same file passes under `deno test` and `bun test`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";

const net = selectAdapter();
const CONTENT = "0123456789abcdefghij";

/** A temp folder with a file `f` (CONTENT), a folder `d` and a link `l` to `f`; removed on dispose. */
function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "netkit-net-fs-"));
  writeFileSync(join(dir, "f"), CONTENT);
  mkdirSync(join(dir, "d"));
  symlinkSync(join(dir, "f"), join(dir, "l"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const isNetError = (code: string) => (e: unknown) => e instanceof NetError && e.code === code;

/** Open descriptors of this process (Linux), or undefined where /proc is missing. */
function openFds(): number | undefined {
  return existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : undefined;
}

const NO_PROC = existsSync("/proc/self/fd") ? false : "needs /proc/self/fd to count open files";

test("fs.stat() describes files and folders, following symlinks", async () => {
  using s = scratch();
  const file = await net.fs.stat(join(s.dir, "l"));
  assert.equal(file.isFile, true);
  assert.equal(file.isDirectory, false);
  assert.equal(file.size, CONTENT.length);
  assert.ok(file.mtimeMs > 0 && file.ino > 0);
  const folder = await net.fs.stat(join(s.dir, "d"));
  assert.equal(folder.isDirectory, true);
});

test("fs.stat() fails with NetError ENOENT and ENOTDIR", async () => {
  using s = scratch();
  await assert.rejects(net.fs.stat(join(s.dir, "missing")), isNetError("ENOENT"));
  await assert.rejects(net.fs.stat(join(s.dir, "f", "below")), isNetError("ENOTDIR"));
});

test("fs.realPath() resolves a symlink and fails with NetError ENOENT", async () => {
  using s = scratch();
  assert.equal(await net.fs.realPath(join(s.dir, "l")), await net.fs.realPath(join(s.dir, "f")));
  assert.ok((await net.fs.realPath(join(s.dir, "l"))).endsWith("/f"));
  await assert.rejects(net.fs.realPath(join(s.dir, "missing")), isNetError("ENOENT"));
});

test("fs.readDir() lists names and fails with NetError ENOENT and ENOTDIR", async () => {
  using s = scratch();
  assert.deepEqual((await net.fs.readDir(s.dir)).sort(), ["d", "f", "l"]);
  await assert.rejects(net.fs.readDir(join(s.dir, "missing")), isNetError("ENOENT"));
  await assert.rejects(net.fs.readDir(join(s.dir, "f")), isNetError("ENOTDIR"));
});

test("fs.readFile() reads bytes and fails with NetError ENOENT and EISDIR", async () => {
  using s = scratch();
  assert.equal(new TextDecoder().decode(await net.fs.readFile(join(s.dir, "f"))), CONTENT);
  await assert.rejects(net.fs.readFile(join(s.dir, "missing")), isNetError("ENOENT"));
  await assert.rejects(net.fs.readFile(join(s.dir, "d")), isNetError("EISDIR"));
});

test("fileBody() gives the whole file and any byte range", async () => {
  using s = scratch();
  const path = join(s.dir, "f");
  const size = CONTENT.length;
  const text = async (start: number, end: number) =>
    await new Response(await net.fileBody(path, { start, end, size })).text();
  assert.equal(await text(0, size - 1), CONTENT);
  assert.equal(await text(3, 7), CONTENT.slice(3, 8));
  assert.equal(await text(0, 0), "0");
  assert.equal(await text(size - 1, size - 1), "j");
});

test("fileBody() of a missing file fails with NetError ENOENT", async () => {
  using s = scratch();
  await assert.rejects(
    net.fileBody(join(s.dir, "missing"), { start: 0, end: 0, size: 1 }),
    isNetError("ENOENT"),
  );
});

test("fileBody() with ignoresRange is sent whole although the request has a Range", async () => {
  using s = scratch();
  const path = join(s.dir, "f");
  const size = CONTENT.length;
  await using server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    handler: async () =>
      new Response(await net.fileBody(path, { start: 0, end: size - 1, size, ignoresRange: true })),
  });
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
    headers: { range: "bytes=0-1" },
  });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), CONTENT);
});

test("fileBody() closes the file when a read fails (a folder read as a range)", {
  skip: NO_PROC,
}, async () => {
  using s = scratch();
  const before = openFds();
  for (let i = 0; i < 5; i++) {
    // Opening a folder works; reading it fails with EISDIR.
    const body = await net.fileBody(join(s.dir, "d"), { start: 1, end: 10, size: 4096 }).catch(
      () => null,
    );
    if (body) await new Response(body).arrayBuffer().catch(() => {});
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(openFds(), before, "every file opened was closed");
});

test("fileBody() closes the file when the body is cancelled after one chunk", {
  skip: NO_PROC,
}, async () => {
  using s = scratch();
  const big = join(s.dir, "big");
  writeFileSync(big, new Uint8Array(1024 * 1024));
  const before = openFds();
  for (const [start, end] of [[0, 1024 * 1024 - 1], [1, 1024 * 1024 - 2]]) {
    const body = await net.fileBody(big, { start, end, size: 1024 * 1024 });
    const reader = new Response(body).body!.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(openFds(), before, "every file opened was closed");
});

test("fs.readDirEntries() says which entries are files, folders and symlinks, not following links", async () => {
  using s = scratch();
  symlinkSync(join(s.dir, "missing"), join(s.dir, "dead"));
  const kinds = Object.fromEntries(
    (await net.fs.readDirEntries(s.dir)).map((entry) => [entry.name, entry.kind]),
  );
  assert.deepEqual(kinds, { d: "directory", f: "file", l: "symlink", dead: "symlink" });
  await assert.rejects(net.fs.readDirEntries(join(s.dir, "missing")), isNetError("ENOENT"));
  await assert.rejects(net.fs.readDirEntries(join(s.dir, "f")), isNetError("ENOTDIR"));
});

test("fs.openSync() stats the open file and reads it at any position", () => {
  using s = scratch();
  const file = net.fs.openSync(join(s.dir, "l"));
  try {
    const info = file.stat();
    assert.equal(info.isFile, true);
    assert.equal(info.size, CONTENT.length);
    const buffer = new Uint8Array(4);
    assert.equal(file.read(buffer, 10), 4);
    assert.equal(new TextDecoder().decode(buffer), "abcd");
    assert.equal(file.read(buffer, 0), 4);
    assert.equal(new TextDecoder().decode(buffer), "0123");
    assert.equal(file.read(buffer, 18), 2);
    assert.equal(file.read(buffer, CONTENT.length), 0);
  } finally {
    file.close();
  }
  file.close(); // a second close does nothing
});

test("fs.openSync() keeps reading the file it opened after its name is replaced", () => {
  using s = scratch();
  const path = join(s.dir, "f");
  const file = net.fs.openSync(path);
  try {
    const before = file.stat();
    rmSync(path);
    writeFileSync(path, "another file");
    assert.equal(file.stat().ino, before.ino);
    const buffer = new Uint8Array(CONTENT.length);
    assert.equal(file.read(buffer, 0), CONTENT.length);
    assert.equal(new TextDecoder().decode(buffer), CONTENT);
  } finally {
    file.close();
  }
});

test("fs.openSync() fails with NetError ENOENT and ENOTDIR; a folder's read fails with EISDIR", () => {
  using s = scratch();
  assert.throws(() => net.fs.openSync(join(s.dir, "missing")), isNetError("ENOENT"));
  assert.throws(() => net.fs.openSync(join(s.dir, "f", "below")), isNetError("ENOTDIR"));
  const folder = net.fs.openSync(join(s.dir, "d"));
  try {
    assert.equal(folder.stat().isDirectory, true);
    assert.throws(() => folder.read(new Uint8Array(1), 0), isNetError("EISDIR"));
  } finally {
    folder.close();
  }
});

test("fs.openSync() leaves no file open after close", { skip: NO_PROC }, () => {
  using s = scratch();
  const before = openFds();
  for (let i = 0; i < 5; i++) net.fs.openSync(join(s.dir, "f")).close();
  assert.equal(openFds(), before);
});
