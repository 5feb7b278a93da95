import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crawlMirror } from "../../src/get/mirror_crawl.ts";
import { deleteUnlisted } from "../../src/get/mirror_delete.ts";
import { MirrorManifest } from "../../src/get/mirror_manifest.ts";
import { runMirror } from "../../src/get/mirror.ts";
import { parseGetArgs } from "../../src/commands/get.ts";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import type { NetAdapter } from "../../src/net/types.ts";

/** A python-style server whose `loop/` links back to the root at every depth. */
function loopingServer(): (url: URL) => Promise<{ text: string; finalUrl: URL }> {
  return (url) => {
    const text = url.pathname.endsWith("/")
      ? '<a href="f.txt">f.txt</a><a href="loop/">loop@</a><a href=".env">.env</a>'
      : "x";
    return Promise.resolve({ text, finalUrl: url });
  };
}

test("crawlMirror() stops at a server-side symlink loop and never lists dotfiles", async () => {
  const fetched: string[] = [];
  const serve = loopingServer();
  const result = await crawlMirror(new URL("http://h.test/p/"), {
    fetchText: (url) => (fetched.push(url.pathname), serve(url)),
    parallel: 4,
    note: () => {},
  });
  assert.deepEqual(result.files.map((f) => f.path), ["f.txt"]);
  assert.deepEqual(fetched, ["/p/", "/p/loop/"]);
});

test("crawlMirror() bounds depth even when every folder lists something new", async () => {
  const notes: string[] = [];
  const result = await crawlMirror(new URL("http://h.test/"), {
    fetchText: (url) =>
      Promise.resolve({ text: `<a href="d${url.pathname.length}/">d</a>`, finalUrl: url }),
    parallel: 1,
    maxDepth: 5,
    note: (line) => notes.push(line),
  });
  assert.equal(result.folders.length, 6);
  assert.match(notes.join("\n"), /deeper than 5 folders/);
});

test("crawlMirror() does not follow a redirect out of the start path", async () => {
  const result = await crawlMirror(new URL("http://h.test/p/"), {
    fetchText: (url) =>
      Promise.resolve({
        text: '<a href="s/">s</a><a href="a">a</a>',
        finalUrl: url.pathname === "/p/s/" ? new URL("http://h.test/other/") : url,
      }),
    parallel: 2,
    note: () => {},
  });
  assert.deepEqual(result.files.map((f) => f.path), ["a"]);
});

test("crawlMirror() keys a served SHA256SUMS's lines by the files' paths", async () => {
  const hex = "ab".repeat(32);
  const pages: Record<string, string> = {
    "/": '<a href="s/">s/</a>',
    "/s/": '<a href="SHA256SUMS">SHA256SUMS</a><a href="f">f</a>',
    "/s/SHA256SUMS": `${hex}  f\n${hex}  ../escape\n`,
  };
  const result = await crawlMirror(new URL("http://h.test/"), {
    fetchText: (url) => Promise.resolve({ text: pages[url.pathname], finalUrl: url }),
    parallel: 2,
    note: () => {},
  });
  assert.deepEqual([...result.sums.keys()], ["s/f"]);
});

test("deleteUnlisted() keeps dotfiles, listed .parts and everything a symlink points at", () => {
  const root = mkdtempSync(join(tmpdir(), "netkit-mirror-"));
  try {
    const dir = join(root, "dir");
    const outside = join(root, "outside");
    mkdirSync(join(dir, "gone"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "precious"), "p");
    for (const name of ["keep", "keep.part", "old", ".netkit-mirror.json", "gone/x"]) {
      writeFileSync(join(dir, name), "");
    }
    symlinkSync(outside, join(dir, "link"));
    const removed = deleteUnlisted(dir, new Set(["keep"])).sort();
    assert.deepEqual(removed, ["gone/", "gone/x", "link", "old"]);
    assert(existsSync(join(outside, "precious")));
    assert(existsSync(join(dir, "keep.part")) && existsSync(join(dir, ".netkit-mirror.json")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("MirrorManifest keeps what an interrupted run recorded (the journal) and drops unlisted paths", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-mirror-"));
  try {
    const manifest = MirrorManifest.load(dir);
    manifest.record("a", { version: "v1", size: 1 });
    manifest.record("b", { version: "v2", size: 2 });
    assert.deepEqual(MirrorManifest.load(dir).get("b"), { version: "v2", size: 2 });
    manifest.save(new Set(["a"]));
    const again = MirrorManifest.load(dir);
    assert.equal(again.get("b"), undefined);
    assert.deepEqual(again.get("a"), { version: "v1", size: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("parseGetArgs() reads --mirror URL DIR and refuses flags that do not fit it", () => {
  const plan = parseGetArgs(
    ["--mirror", "http://h.test/p/", "out", "--parallel", "8", "--delete"],
    {},
  );
  assert(plan.kind === "mirror");
  assert.deepEqual([plan.url.href, plan.dir, plan.many.parallel, plan.delete], [
    "http://h.test/p/",
    "out",
    8,
    true,
  ]);
  assert.throws(() => parseGetArgs(["--mirror", "http://h.test/p/"], {}), UsageError);
  assert.throws(() => parseGetArgs(["--mirror", "http://h.test/", "d", "-O"], {}), UsageError);
  assert.throws(() => parseGetArgs(["--mirror", "http://h.test/", "d", "-N"], {}), UsageError);
  assert.throws(() => parseGetArgs(["http://h.test/", "--delete"], {}), UsageError);
});

test("runMirror() fetches nothing the second time, and a file whose listed date changed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-mirror-"));
  try {
    let mtime = "2026-12-01T10:00:00.000Z";
    const requests: string[] = [];
    const net = {
      fetch: (url: URL) => {
        requests.push(url.pathname);
        const body = url.pathname === "/p/"
          ? JSON.stringify([{ name: "a.txt", type: "file", size: 1, mtime }])
          : "A";
        return Promise.resolve(new Response(body));
      },
    } as unknown as NetAdapter;
    const mirror = async () => {
      requests.length = 0;
      const plan = parseGetArgs(["--mirror", "http://h.test/p/", dir, "-s"], {});
      assert(plan.kind === "mirror");
      assert.equal(await runMirror(plan, memoryContext(net).context), 0);
      return [...requests];
    };
    assert.deepEqual(await mirror(), ["/p/", "/p/a.txt"]);
    assert.deepEqual(await mirror(), ["/p/"]);
    mtime = "2026-12-01T11:00:00.000Z";
    assert.deepEqual(await mirror(), ["/p/", "/p/a.txt"]);
    assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "A");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runMirror() never writes through a symlink in DIR (exit 23, the target untouched)", async () => {
  const root = mkdtempSync(join(tmpdir(), "netkit-mirror-"));
  try {
    const dir = join(root, "dir");
    const outside = join(root, "outside");
    mkdirSync(dir);
    mkdirSync(outside);
    symlinkSync(outside, join(dir, "sub"));
    const pages: Record<string, string> = {
      "/": '<a href="sub/">sub/</a><a href="a">a</a>',
      "/sub/": '<a href="evil">evil</a>',
    };
    const net = {
      fetch: (url: URL) => Promise.resolve(new Response(pages[url.pathname] ?? "x")),
    } as unknown as NetAdapter;
    const plan = parseGetArgs(["--mirror", "http://h.test/", dir, "-s"], {});
    assert(plan.kind === "mirror");
    const { context, output } = memoryContext(net);
    assert.equal(await runMirror(plan, context), 23);
    assert(!existsSync(join(outside, "evil")) && existsSync(join(dir, "a")));
    assert.match(output.err.join("\n"), /is a symlink/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("runMirror() where a file is in the way of a listed folder: exit 23 in words, no crash", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-mirror-"));
  try {
    writeFileSync(join(dir, "sub"), "a file where the server has a folder\n");
    const pages: Record<string, string> = {
      "/": '<a href="sub/">sub/</a>',
      "/sub/": '<a href="a">a</a>',
    };
    const net = {
      fetch: (url: URL) => Promise.resolve(new Response(pages[url.pathname] ?? "x")),
    } as unknown as NetAdapter;
    const plan = parseGetArgs(["--mirror", "http://h.test/", dir, "-s"], {});
    assert(plan.kind === "mirror");
    const { context, output } = memoryContext(net);
    assert.equal(await runMirror(plan, context), 23);
    assert.match(output.err.join("\n"), /Cannot write the folder .*sub: a file is in the way/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
