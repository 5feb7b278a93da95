/** Folders as archives, in-process: what goes in, what stays out, and failing loudly. */
import { after, before, test } from "node:test";
import { setImmediate } from "node:timers";
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
import type { FileSystem, SyncFile } from "../../src/net/types.ts";
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

interface Options {
  archives?: boolean;
  dotfiles?: boolean;
  fs?: FileSystem;
}

function handler(options: Options = {}) {
  return createFileHandler({ root, fileBody: net.fileBody, fs: net.fs, ...options });
}

/** The adapter's fs, with `beforeOpen` run as a file is opened and `afterStat` after each fstat. */
function meddlingFs(hooks: {
  beforeOpen?: (path: string) => void;
  afterStat?: (path: string, count: number) => void;
}): FileSystem {
  return {
    ...net.fs,
    openSync(path: string): SyncFile {
      hooks.beforeOpen?.(path);
      const file = net.fs.openSync(path);
      let stats = 0;
      return {
        stat: () => {
          const info = file.stat();
          hooks.afterStat?.(path, ++stats);
          return info;
        },
        read: (buffer, position) => file.read(buffer, position),
        close: () => file.close(),
      };
    },
  };
}

async function get(path: string, options: Options = {}) {
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

test("a tar whose small member is written to while it is read errors instead of ending", async () => {
  mkdirSync(join(root, "written"));
  const path = join(root, "written", "log.txt");
  writeFileSync(path, "12345");
  // Between the stat of the open file and the read: the read is whole, the second stat differs.
  const fs = meddlingFs({ afterStat: (p, n) => p === path && n === 1 && appendFileSync(p, "678") });
  const response = await get("/written/?download=tar", { fs });
  await assert.rejects(response.arrayBuffer(), MemberChangedError);
});

test("a file removed between the walk and its turn is left out of the tar; the rest is there", async () => {
  mkdirSync(join(root, "removed"));
  writeFileSync(join(root, "removed", "a.txt"), "a");
  writeFileSync(join(root, "removed", "b.txt"), "b");
  const fs = meddlingFs({ beforeOpen: (p) => p.endsWith("a.txt") && rmSync(p) });
  const members = await tarMembers(await get("/removed/?download=tar", { fs }));
  assert.deepEqual([...members.keys()], ["removed/", "removed/b.txt"]);
});

test("a symlink pointed out of the root between the walk and its turn is left out of the tar", async () => {
  mkdirSync(join(root, "retarget"));
  writeFileSync(join(root, "retarget", "a.txt"), "inside\n");
  const link = join(root, "retarget", "link.txt");
  symlinkSync("a.txt", link);
  const fs = meddlingFs({
    beforeOpen: (p) => {
      if (p !== link) return;
      rmSync(link);
      symlinkSync(join(outside, "secret.txt"), link);
    },
  });
  const members = await tarMembers(await get("/retarget/?download=tar", { fs }));
  assert.deepEqual([...members.keys()], ["retarget/", "retarget/a.txt"]);
});

test("walkFolder() stats folders and resolves symlinks, never plain files", async () => {
  mkdirSync(join(root, "many", "sub"), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(root, "many", `f${i}.txt`), "x");
  symlinkSync("f0.txt", join(root, "many", "link.txt"));
  const calls = { stat: 0, realPath: 0 };
  const fs: FileSystem = {
    ...net.fs,
    stat: (path) => (calls.stat++, net.fs.stat(path)),
    realPath: (path) => (calls.realPath++, net.fs.realPath(path)),
  };
  const names: string[] = [];
  const cache = new StatCache({ root, fs });
  for await (const entry of walkFolder(join(root, "many"), { fs, cache, dotfiles: false })) {
    names.push(entry.relative);
  }
  assert.equal(names.length, 22);
  assert.deepEqual(
    calls,
    { stat: 3, realPath: 1 },
    "the folder, sub/ and the link; the link's verdict",
  );
});

test("a tar of many small files lets the event loop run between them (at least every ~1 MiB)", async () => {
  mkdirSync(join(root, "busy"));
  for (let i = 0; i < 40; i++) {
    writeFileSync(join(root, "busy", `f${i}.bin`), new Uint8Array(256 * 1024));
  }
  const reader = (await get("/busy/?download=tar")).body!.getReader();
  let received = 0;
  let atLastTurn = 0;
  let widestGap = 0;
  let reading = true;
  const turn = () => {
    widestGap = Math.max(widestGap, received - atLastTurn);
    atLastTurn = received;
    if (reading) setImmediate(turn);
  };
  setImmediate(turn);
  for (let step = await reader.read(); !step.done; step = await reader.read()) {
    received += step.value.length;
  }
  reading = false;
  turn();
  assert.equal(received, 512 + 40 * (512 + 256 * 1024) + 1024);
  assert(widestGap <= 2 * 1024 * 1024, `${widestGap} bytes went out between two turns`);
});
