/**
 * `get -N/--if-changed` in-process, through runGet with the runtime's own
 * adapter, against a server on 127.0.0.1:0 that answers If-None-Match and
 * If-Modified-Since (tests/get/_range_server.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryContext } from "../../src/cli/context.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { parseGetArgs, runGet } from "../../src/commands/get.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { startRangeServer } from "./_range_server.ts";

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "netkit-ifchanged-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

async function get(args: string[]): Promise<{ code: number; err: string; out: string[] }> {
  const { context, output } = memoryContext(selectAdapter());
  const code = await runGet(parseGetArgs(args, {}), context);
  return { code, err: output.err.join("\n"), out: output.out };
}

test("get -N sends the saved validators; a 304 leaves the file's bytes and mtime alone", async () => {
  const body = randomBytes(10_000);
  await using server = await startRangeServer(body);
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const first = await get([server.url, "-o", file, "-N"]);
  assert.equal(first.code, EXIT.OK, first.err);
  assert.deepEqual(readFileSync(file), body);
  assert.equal(statSync(file).mtime.toUTCString(), server.lastModified, "mtime from Last-Modified");
  const before = statSync(file).mtimeMs;

  const second = await get([server.url, "-o", file, "-N", "--exit-unchanged", "3", "--json"]);
  assert.equal(second.code, 3, second.err);
  assert.equal(server.seen[1]["if-none-match"], server.etag);
  assert.equal(server.seen[1]["if-modified-since"], server.lastModified);
  assert.match(second.err, /unchanged/);
  assert.equal(JSON.parse(second.out[0]).unchanged, true);
  assert.deepEqual(readFileSync(file), body);
  assert.equal(statSync(file).mtimeMs, before);
  assert.ok(!existsSync(`${file}.part`));
});

test("get -N replaces a changed file whole and keeps its new validators", async () => {
  await using server = await startRangeServer(randomBytes(5_000));
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  assert.equal((await get([server.url, "-o", file, "-N", "-s"])).code, EXIT.OK);
  const v2 = randomBytes(7_000);
  server.body = v2;
  server.etag = '"v2"';
  server.lastModified = "Wed, 02 Dec 2026 10:00:00 GMT";
  const changed = await get([server.url, "-o", file, "-N", "--exit-unchanged", "3", "--json"]);
  assert.equal(changed.code, EXIT.OK, changed.err);
  assert.equal(JSON.parse(changed.out[0]).unchanged, false);
  assert.equal(server.seen[1]["if-none-match"], '"v1"');
  assert.deepEqual(readFileSync(file), v2);
  assert.equal(statSync(file).mtime.toUTCString(), server.lastModified);
  const again = await get([server.url, "-o", file, "-N", "--exit-unchanged", "3"]);
  assert.equal(again.code, 3, again.err);
  assert.equal(server.seen[2]["if-none-match"], '"v2"');
  assert.deepEqual(readdirSync(dir.path).sort(), [".f.bin.netkit.json", "f.bin"]);
});

test("get -N on a file saved without -N sends its mtime as If-Modified-Since", async () => {
  const body = randomBytes(5_000);
  await using server = await startRangeServer(body);
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  assert.equal((await get([server.url, "-o", file, "-s"])).code, EXIT.OK);
  assert.ok(!existsSync(join(dir.path, ".f.bin.netkit.json")), "nothing kept without -N");
  const date = new Date(Date.parse(server.lastModified));
  utimesSync(file, date, date);
  const run = await get([server.url, "-o", file, "-N"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.equal(server.seen[1]["if-modified-since"], server.lastModified);
  assert.equal(server.seen[1]["if-none-match"], undefined);
  assert.match(run.err, /unchanged/);
});

test("get -N --split asks the first request conditionally and splits only a changed file", async () => {
  const body = randomBytes(3 << 20);
  await using server = await startRangeServer(body);
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  writeFileSync(file, "old");
  const fetched = await get([server.url, "-o", file, "-N", "--split", "3"]);
  assert.equal(fetched.code, EXIT.OK, fetched.err);
  assert.deepEqual(readFileSync(file), body);
  assert.ok(server.seen.slice(1).every((h) => h["if-none-match"] === undefined));
  const again = await get([server.url, "-o", file, "-N", "--split", "3", "--exit-unchanged", "9"]);
  assert.equal(again.code, 9, again.err);
});

test("get -o FILE with the user's own If-None-Match saves nothing on a 304", async () => {
  await using server = await startRangeServer(randomBytes(100));
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "-H", `If-None-Match: ${server.etag}`]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.ok(!existsSync(file), "a 304 is not an empty file");
  assert.deepEqual(readdirSync(dir.path), []);
});

test("parseGetArgs() takes -N only with a file, not with -C, and --exit-unchanged only with -N", () => {
  for (
    const [args, message] of [
      [["-N", "http://a.test/f"], /-N needs a file/],
      [["-N", "-C", "-O", "http://a.test/f"], /choose one/],
      [["--exit-unchanged", "3", "-O", "http://a.test/f"], /--exit-unchanged goes with -N/],
      [["-N", "--exit-unchanged", "300", "-O", "http://a.test/f"], /--exit-unchanged/],
      [["-N", "-O", "--remote-name-from-header", "http://a.test/f"], /-N needs the file's name/],
    ] as [string[], RegExp][]
  ) {
    assert.throws(() => parseGetArgs(args, {}), message);
  }
});
