/**
 * `get --split` in-process, through runGet with the runtime's own adapter,
 * against a byte-range server on 127.0.0.1:0 (tests/get/_range_server.ts):
 * ranges assembled in order, connections bounded, fallback to one stream,
 * a change between ranges, resume of every range, 429 back-off.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryContext } from "../../src/cli/context.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { parseGetArgs, runGet } from "../../src/commands/get.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { SplitState } from "../../src/get/split_state.ts";
import { type RangeServer, startRangeServer } from "./_range_server.ts";

const MiB = 1 << 20;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A temporary folder, removed on dispose. */
function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "netkit-split-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `get ARGS` in-process; returns the exit code and stderr lines. */
async function get(args: string[]): Promise<{ code: number; err: string; out: string[] }> {
  const { context, output } = memoryContext(selectAdapter());
  const code = await runGet(parseGetArgs(args, {}), context);
  return { code, err: output.err.join("\n"), out: output.out };
}

const ranged = (server: RangeServer) => server.seen.filter((h) => h.range !== undefined);

test("get --split 4 fetches 4 ranges over at most 4 connections and assembles the file", async () => {
  const body = randomBytes(4 * MiB);
  await using server = await startRangeServer(body);
  server.rate = 64 * 1024; // slow enough that the ranges overlap in time
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "--split", "4", "--sha256", sha256(body)]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.equal(sha256(readFileSync(file)), sha256(body));
  assert.deepEqual(readdirSync(dir.path), ["f.bin"], "no .part or sidecar left behind");
  assert.ok(ranged(server).length >= 3, "the first response carries the first range");
  assert.ok(
    !ranged(server).some((h) => h.range!.startsWith("bytes=0-")),
    "range 0 is not asked again",
  );
  assert.ok(ranged(server).every((h) => h["if-range"] === '"v1"'), "each range sends If-Range");
  assert.ok(server.peakRequests >= 2, `ranges ran in parallel (peak ${server.peakRequests})`);
  assert.ok(server.peakConnections <= 4, `at most 4 connections (peak ${server.peakConnections})`);
});

test("get --split falls back to one stream when the server offers no ranges, and says so", async () => {
  const body = randomBytes(3 * MiB);
  await using server = await startRangeServer(body);
  server.acceptRanges = false;
  server.ranges = false;
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "--split", "4"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.match(run.err, /does not offer byte ranges.*one stream/);
  assert.equal(sha256(readFileSync(file)), sha256(body));
  assert.equal(server.seen.length, 1, "the first response is the one stream");
});

test("get --split falls back to one stream when ranges are answered with the whole file", async () => {
  const body = randomBytes(3 * MiB);
  await using server = await startRangeServer(body);
  server.ranges = false; // says Accept-Ranges, but ignores Range
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "--split", "3"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.match(run.err, /whole file; downloading in one stream/);
  assert.equal(sha256(readFileSync(file)), sha256(body));
  assert.deepEqual(readdirSync(dir.path), ["f.bin"]);
});

test("get --split starts over when the file changes between ranges, never mixing versions", async () => {
  const v1 = randomBytes(4 * MiB);
  const v2 = randomBytes(4 * MiB);
  await using server = await startRangeServer(v1);
  server.onRequest = (_, count) => {
    // The first request sees v1; from the second on the server has v2.
    if (count === 2) {
      server.body = v2;
      server.etag = '"v2"';
      server.lastModified = "Wed, 02 Dec 2026 10:00:00 GMT";
    }
  };
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "--split", "4", "--json"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.match(run.err, /changed on the server.*starting over/);
  assert.equal(sha256(readFileSync(file)), sha256(v2));
  assert.equal(JSON.parse(run.out[0]).sha256, sha256(v2));
});

test("get --split -C resumes every range where it stopped", async () => {
  const body = randomBytes(4 * MiB);
  await using server = await startRangeServer(body);
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  server.cutAfter = 100_000; // every range breaks off after 100,000 bytes
  server.ranges = true;
  const broken = await get([server.url, "-o", file, "--split", "4"]);
  assert.equal(broken.code, EXIT.PARTIAL_BODY, broken.err);
  assert.ok(!existsSync(file), "nothing at the target");
  const state = SplitState.read(`${file}.part.ranges.json`);
  assert.ok(state, "the ranges' progress is kept");
  const stopped = state.ranges.map((r) => r.done);

  server.cutAfter = undefined;
  server.seen.length = 0;
  const resumed = await get([server.url, "-o", file, "--split", "4", "-C", "--json"]);
  assert.equal(resumed.code, EXIT.OK, resumed.err);
  assert.equal(sha256(readFileSync(file)), sha256(body));
  const asked = ranged(server).map((h) => Number(/bytes=(\d+)-/.exec(h.range!)![1]));
  for (const r of state.ranges.filter((r) => r.done < r.end)) {
    assert.ok(asked.includes(r.done), `range ${r.start}- resumed at ${r.done} (asked ${asked})`);
  }
  for (const at of asked) {
    const again = state.ranges.some((r) => r.start <= at && at < r.done);
    assert.ok(!again, `byte ${at} was written before (stopped at ${stopped})`);
  }
  assert.equal(JSON.parse(resumed.out[0]).resumed_from, state.doneBytes());
  assert.deepEqual(readdirSync(dir.path), ["f.bin"]);
});

test("get -C without --split continues a split .part only from its written prefix", async () => {
  const body = randomBytes(4 * MiB);
  await using server = await startRangeServer(body);
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  // A split .part of full length whose ranges after the first are not written.
  const state = SplitState.plan(body.length, 4, { minRangeBytes: MiB });
  state.ranges[0].done = 500_000;
  const part = new Uint8Array(body.length);
  part.set(body.subarray(0, 500_000));
  writeFileSync(`${file}.part`, part);
  writeFileSync(`${file}.part.json`, JSON.stringify({ etag: '"v1"', length: body.length }));
  state.save(`${file}.part.ranges.json`);
  const run = await get([server.url, "-o", file, "-C"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.equal(server.seen[0].range, "bytes=500000-");
  assert.equal(sha256(readFileSync(file)), sha256(body));
});

test("get --split backs off on 429 and then fetches the range", async () => {
  const body = randomBytes(3 * MiB);
  await using server = await startRangeServer(body);
  server.busy = 2;
  using dir = tempDir();
  const file = join(dir.path, "f.bin");
  const run = await get([server.url, "-o", file, "--split", "3"]);
  assert.equal(run.code, EXIT.OK, run.err);
  assert.match(run.err, /HTTP 429 for bytes \d+-: waiting 0\.0 s/);
  assert.equal(sha256(readFileSync(file)), sha256(body));
});

test("parseGetArgs() takes --split 2 to 16 and only for a GET into a file", () => {
  assert.equal(
    (parseGetArgs(["-O", "--split", "16", "http://a.test/f"], {}) as { split: number }).split,
    16,
  );
  for (
    const [args, message] of [
      [["--split", "4", "http://a.test/f"], /--split needs a file/],
      [["-O", "--split", "17", "http://a.test/f"], /--split/],
      [["-O", "--split", "4", "-d", "x", "http://a.test/f"], /--split fetches with GET/],
    ] as [string[], RegExp][]
  ) {
    assert.throws(() => parseGetArgs(args, {}), message);
  }
});
