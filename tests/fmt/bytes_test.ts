import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "../../src/fmt/bytes.ts";

test("formatBytes() uses binary units with one decimal below 10 and none above", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(640 * 1024 ** 2), "640 MiB");
  assert.equal(formatBytes(1536, 2), "1.50 KiB");
  assert.equal(formatBytes(5 * 1024 ** 5), "5120 TiB");
});

test("formatBytes() rounds a fractional count of bytes (a rate) to whole bytes", () => {
  assert.equal(formatBytes(317.285714), "317 B");
  assert.equal(formatBytes(0.6), "1 B");
});
