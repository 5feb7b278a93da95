/** Folders as archives, in-process: what goes in, what stays out, and failing loudly. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unpackTar } from "modern-tar";
import { selectAdapter } from "../../src/net/select.ts";
import { createFileHandler } from "../../src/serve_http/handler.ts";
import { archiveFormat } from "../../src/serve_http/archive.ts";
import { MemberChangedError, memberChunks } from "../../src/serve_http/member_chunks.ts";
import { walkFolder } from "../../src/serve_http/walk_folder.ts";
import { StatCache } from "../../src/serve_http/stat_cache.ts";

const net = selectAdapter();
const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
let root = "";
let outside = "";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-archive-")));
  outside = realpathSync(mkdtempSync(join(tmpdir(), "netkit-outside-")));
  writeFileSync(join(outside, "secret.txt"), "outside\n");
  mkdirSync(join(root, "docs", "sub", "empty"), { recursive: true });
  writeFileSync(join(root, "docs", "a.txt"), "alpha\n");
  writeFileSync(join(root, "docs", "ünï cödé.txt"), "unicode\n");
  writeFileSync(join(root, "docs", "sub", "b.bin"), new Uint8Array(3000).map((_, i) => i));
  writeFileSync(join(root, "docs", ".env"), "SECRET=1\n");
  mkdirSync(join(root, "docs", ".git"));
  writeFileSync(join(root, "docs", ".git", "config"), "[core]\n");
  symlinkSync(join(outside, "secret.txt"), join(root, "docs", "escape.txt"));
  symlinkSync("..", join(root, "docs", "sub", "loop"));
  symlinkSync("a.txt", join(root, "docs", "inside-link.txt"));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function handler(options: { archives?: boolean; dotfiles?: boolean } = {}) {
  return createFileHandler({ root, fileBody: net.fileBody, fs: net.fs, ...options });
}

async function get(path: string, options: { archives?: boolean; dotfiles?: boolean } = {}) {
  return await handler(options)(new Request(`http://localhost${path}`), { remoteAddr });
}

async function tarMembers(response: Response) {
  const entries = await unpackTar(new Uint8Array(await response.arrayBuffer()));
  return new Map(
    entries.map((e) => [e.header.name, e.data ? new TextDecoder().decode(e.data) : null]),
  );
}

test("archiveFormat() reads ?download= and its aliases", () => {
  const format = (query: string) => archiveFormat(new URL(`http://x/d/${query}`));
  assert.equal(format("?download=zip"), "zip");
  assert.equal(format("?download=tar"), "tar");
  assert.equal(format("?download=tgz"), "tar.gz");
  assert.equal(format("?download=tar_gz"), "tar.gz");
  assert.equal(format("?download=7z"), "unknown");
  assert.equal(format("?sort=name"), null);
});

test("?download=tar holds the visible files under the folder's name, with their bytes", async () => {
  const response = await get("/docs/?download=tar");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/x-tar");
  assert.equal(response.headers.get("content-disposition"), "attachment; filename=docs.tar");
  const members = await tarMembers(response);
  assert.deepEqual([...members.keys()].sort(), [
    "docs/",
    "docs/a.txt",
    "docs/inside-link.txt",
    "docs/sub/",
    "docs/sub/b.bin",
    "docs/sub/empty/",
    "docs/ünï cödé.txt",
  ]);
  assert.equal(members.get("docs/a.txt"), "alpha\n");
  assert.equal(members.get("docs/inside-link.txt"), "alpha\n");
  assert.equal(members.get("docs/ünï cödé.txt"), "unicode\n");
});

test("?download=tar with --dotfiles holds dotfiles too, but never a symlink out of the root", async () => {
  const names = [
    ...(await tarMembers(await get("/docs/?download=tar", { dotfiles: true }))).keys(),
  ];
  assert(names.includes("docs/.env") && names.includes("docs/.git/config"));
  assert(!names.some((n) => n.includes("escape") || n.includes("loop")), names.join(", "));
});

test("?download=tar.gz is the same tar, gzipped; ?download=zip starts with a zip header", async () => {
  const gz = await get("/docs/?download=tar.gz");
  assert.equal(gz.headers.get("content-type"), "application/gzip");
  const tar = await new Response(gz.body!.pipeThrough(new DecompressionStream("gzip")))
    .arrayBuffer();
  const entries = await unpackTar(new Uint8Array(tar));
  assert(entries.some((e) => e.header.name === "docs/sub/b.bin" && e.data?.length === 3000));
  const zip = new Uint8Array(await (await get("/docs/?download=zip")).arrayBuffer());
  assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
});

test("an archive of a folder with a non-ASCII name is named with filename* (RFC 6266)", async () => {
  mkdirSync(join(root, "fötos"), { recursive: true });
  const response = await get(`/${encodeURIComponent("fötos")}/?download=zip`);
  assert.equal(
    response.headers.get("content-disposition"),
    "attachment; filename=\"f?tos.zip\"; filename*=UTF-8''f%C3%B6tos.zip",
  );
  await response.body?.cancel(); // and a cancelled zip stream cancels cleanly
});

test("the root's archive is named after the served folder; HEAD sends headers only", async () => {
  const response = await handler()(
    new Request("http://localhost/?download=tar", { method: "HEAD" }),
    {
      remoteAddr,
    },
  );
  assert.equal(response.status, 200);
  assert(response.headers.get("content-disposition")!.includes(`netkit-archive-`));
  assert.equal(await response.text(), "");
});

test("an unknown ?download= format is 400; with archives off the query is ignored", async () => {
  assert.equal((await get("/docs/?download=rar")).status, 400);
  const listing = await get("/docs/?download=zip", { archives: false });
  assert.match(listing.headers.get("content-type") ?? "", /^text\/html/);
  await listing.body?.cancel();
});

test("walkFolder() leaves out a symlink to an ancestor folder", async () => {
  const cache = new StatCache({ root, fs: net.fs });
  const names: string[] = [];
  for await (
    const entry of walkFolder(join(root, "docs"), { fs: net.fs, cache, dotfiles: false })
  ) {
    names.push(entry.relative);
  }
  assert(names.includes("sub/b.bin") && !names.some((n) => n.includes("loop")), names.join(", "));
});

test("memberChunks() throws MemberChangedError for a file that grew after its stat", async () => {
  const path = join(root, "growing.txt");
  writeFileSync(path, "12345");
  const info = await net.fs.stat(path);
  appendFileSync(path, "678");
  const read = async () => {
    for await (const _ of memberChunks({ path, name: "growing.txt", info }, { fs: net.fs }));
  };
  await assert.rejects(read, MemberChangedError);
});

test("memberChunks() throws MemberChangedError for a file that shrank after its stat", async () => {
  const path = join(root, "shrinking.txt");
  writeFileSync(path, "12345");
  const info = await net.fs.stat(path);
  writeFileSync(path, "1");
  const read = async () => {
    for await (const _ of memberChunks({ path, name: "shrinking.txt", info }, { fs: net.fs }));
  };
  await assert.rejects(read, /ended after 1 of 5 bytes/);
});

test("a tar whose member changes while it is read errors instead of ending", async () => {
  mkdirSync(join(root, "changing"));
  const path = join(root, "changing", "big.bin");
  writeFileSync(path, "");
  // Larger than the read-ahead and every queue on the way: still being read when it changes.
  truncateSync(path, 64 * 1024 * 1024);
  const response = await get("/changing/?download=tar");
  const reader = response.body!.getReader();
  let received = 0;
  while (received < 1024 * 1024) received += (await reader.read()).value?.length ?? 0;
  appendFileSync(path, "more"); // the file changes after its first MiB went out
  await assert.rejects(async () => {
    while (!(await reader.read()).done);
  }, MemberChangedError);
});

test("memberChunks() holds a member's last chunk until the file is known unchanged", async () => {
  const path = join(root, "tail.txt");
  writeFileSync(path, "12345");
  const info = await net.fs.stat(path);
  const chunks: Uint8Array[] = [];
  const reading = memberChunks({ path, name: "tail.txt", info }, { fs: net.fs });
  appendFileSync(path, "6"); // after the stat, before the check that follows the read
  await assert.rejects(async () => {
    for await (const chunk of reading) chunks.push(chunk);
  }, MemberChangedError);
  assert.equal(chunks.length, 0, "none of a one-chunk member went out: it is cut short");
});
