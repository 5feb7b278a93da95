/** The stat cache: looks reused for an interval, and forgotten when the server writes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectAdapter } from "../../src/net/select.ts";
import type { FileSystem } from "../../src/net/types.ts";
import { StatCache } from "../../src/serve_http/stat_cache.ts";

const net = selectAdapter();

/** A temp root; removed on dispose. */
function scratch(): { root: string } & Disposable {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-stat-cache-")));
  return { root, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}

/** The adapter's fs, counting stats, whose stats wait for `hold` while it is set. */
function countingFs(): FileSystem & { stats: number; hold?: Promise<void> } {
  const fs = {
    ...net.fs,
    stats: 0,
    hold: undefined as Promise<void> | undefined,
    stat: async (path: string) => {
      fs.stats++;
      // Looked at now, answered when released: what a slow stat does.
      const seen = await net.fs.stat(path).then((info) => ({ info }), (error) => ({ error }));
      await fs.hold;
      if ("error" in seen) throw seen.error;
      return seen.info;
    },
  };
  return fs;
}

test("StatCache reuses a look until forget() of the path or of a path in the folder", async () => {
  using s = scratch();
  const fs = countingFs();
  const cache = new StatCache({ root: s.root, fs, revalidateMs: 60_000 });
  const path = join(s.root, "a.txt");
  assert.equal((await cache.lookup(path)).info, null);
  writeFileSync(path, "abc");
  assert.equal((await cache.lookup(path)).info, null, "reused: not looked at again");
  cache.forget(path);
  assert.equal((await cache.lookup(path)).info?.size, 3);
  await cache.lookup(s.root);
  const stats = fs.stats;
  await cache.lookup(s.root);
  assert.equal(fs.stats, stats, "the folder's look is reused");
  cache.forget(join(s.root, "b.txt")); // a write in the folder changes the folder
  await cache.lookup(s.root);
  assert.equal(fs.stats, stats + 1);
});

test("StatCache does not remember a look that was under way when forget() came", async () => {
  using s = scratch();
  const fs = countingFs();
  const cache = new StatCache({ root: s.root, fs, revalidateMs: 60_000 });
  const path = join(s.root, "a.txt");
  let release = () => {};
  fs.hold = new Promise((resolve) => release = resolve);
  const early = cache.lookup(path); // stats while nothing is there, answers later
  while (fs.stats === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 10));
  writeFileSync(path, "abc");
  cache.forget(path); // the write, done before the early look finishes
  fs.hold = undefined;
  release();
  assert.equal((await early).info, null, "the early look answers its own request");
  assert.equal((await cache.lookup(path)).info?.size, 3, "but it is not what the cache keeps");
});
