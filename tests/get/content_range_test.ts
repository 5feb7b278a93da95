/** Content-Range of a 206 or a 416. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseContentRange, unsatisfiedLength } from "../../src/get/content_range.ts";

test("parseContentRange() reads byte ranges and rejects nonsense", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/1000"), { start: 100, end: 199, length: 1000 });
  assert.deepEqual(parseContentRange("bytes 0-0/*"), { start: 0, end: 0, length: undefined });
  assert.equal(parseContentRange("bytes 200-100/1000"), undefined);
  assert.equal(parseContentRange("bytes 0-1000/1000"), undefined);
  assert.equal(parseContentRange("bytes */1000"), undefined);
  assert.equal(parseContentRange(null), undefined);
});

test("unsatisfiedLength() reads the complete length of a 416 and nothing else", () => {
  assert.equal(unsatisfiedLength("bytes */1000"), 1000);
  assert.equal(unsatisfiedLength(" bytes */0 "), 0);
  assert.equal(unsatisfiedLength("bytes 0-9/1000"), undefined);
  assert.equal(unsatisfiedLength("bytes */*"), undefined);
  assert.equal(unsatisfiedLength(null), undefined);
});
