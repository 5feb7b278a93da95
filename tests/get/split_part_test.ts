/**
 * The `.part` of a split download and its ranges' sidecar: the digest
 * covers the assembled file whatever order the ranges arrive in, and a
 * sidecar that is torn or inconsistent is no state at all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SplitPart } from "../../src/get/split_part.ts";
import { SplitState } from "../../src/get/split_state.ts";

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "netkit-splitpart-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

test("SplitPart digests the assembled file whatever order the ranges arrive in", () => {
  using dir = tempDir();
  const body = randomBytes(1000);
  const state = SplitState.plan(body.length, 5, { minRangeBytes: 100 });
  const part = SplitPart.open(join(dir.path, "f"), {
    state,
    validators: {},
    resumed: false,
    hashNames: ["sha256"],
    createHash,
    now: () => 0,
  });
  for (const range of [...state.ranges].reverse()) {
    // In pieces of 70 bytes, hashing what is contiguous after each one.
    while (range.done < range.end) {
      part.writeAt(range, body.subarray(range.done, range.done + 70));
      part.hashWritten(64);
    }
  }
  assert.equal(part.digests().get("sha256"), createHash("sha256").update(body).digest("hex"));
  part.commit();
  assert.deepEqual(readFileSync(join(dir.path, "f")), body);
});

test("SplitState.read() takes only a whole, consistent sidecar", () => {
  using dir = tempDir();
  const file = join(dir.path, "s.json");
  const state = SplitState.plan(1000, 4, { minRangeBytes: 100, prefix: 100 });
  state.ranges[2].done += 10;
  state.save(file);
  assert.deepEqual(SplitState.read(file), state);
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.slice(0, text.length / 2));
  assert.equal(SplitState.read(file), undefined, "torn");
  const gap = JSON.parse(text);
  gap.ranges[1].start += 1;
  writeFileSync(file, JSON.stringify(gap));
  assert.equal(SplitState.read(file), undefined, "a gap between ranges");
  const beyond = JSON.parse(text);
  beyond.ranges[3].done = beyond.ranges[3].end + 1;
  writeFileSync(file, JSON.stringify(beyond));
  assert.equal(SplitState.read(file), undefined, "done past the end");
  assert.equal(SplitState.read(join(dir.path, "none.json")), undefined, "missing");
});
