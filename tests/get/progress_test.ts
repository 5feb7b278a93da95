/** The progress meter, on a fake clock and an in-memory writer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress } from "../../src/get/progress.ts";

test("Progress counts from the resumed offset and rates only this run's bytes", () => {
  let clock = 0;
  const drawn: string[] = [];
  const progress = new Progress((text) => drawn.push(text), () => clock);
  progress.start(500 * 1024, 1000 * 1024);
  clock = 1000;
  progress.advance(100 * 1024);
  const line = progress.line();
  assert.match(line, /600\.0 KiB \/ 1000\.0 KiB\s+60%/);
  assert.match(line, /100\.0 KiB\/s/, "the 500 KiB on disk are not part of the rate");
  assert.match(line, /ETA 0:04/);
  progress.finish();
  assert.equal(drawn.at(-1), "\n");
});

test("Progress rounds a rate under 1 KiB/s to whole bytes", () => {
  let clock = 0;
  const progress = new Progress(() => {}, () => clock);
  progress.start(0, 10_000);
  clock = 7000;
  progress.advance(2221); // 317.285714… B/s
  const line = progress.line();
  assert.match(line, /\s317 B\/s/);
  assert.doesNotMatch(line, /\d\.\d+ B\/s/, line);
});

test("Progress.finish() draws the final line and ends it exactly once", () => {
  let clock = 0;
  const drawn: string[] = [];
  const progress = new Progress((text) => drawn.push(text), () => clock);
  progress.finish();
  assert.deepEqual(drawn, [], "nothing started: nothing to end");
  progress.start(0, 100);
  clock = 10;
  progress.advance(100);
  clock = 20;
  progress.finish();
  progress.finish();
  assert.equal(drawn.filter((text) => text === "\n").length, 1);
  assert.equal(drawn.at(-1), "\n");
  // deno-lint-ignore no-control-regex
  assert.match(drawn.at(-2)!, /^\r.*100%.*\u001b\[K$/);
});
