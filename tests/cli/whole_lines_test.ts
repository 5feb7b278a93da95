import { test } from "node:test";
import assert from "node:assert/strict";
import { PIPE_BUF, writeWholeLines } from "../../src/cli/whole_lines.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

test("writeWholeLines() writes a batch that fits in one write at once", () => {
  const writes: string[] = [];
  writeWholeLines("a\nb\nc", (b) => writes.push(decode(b)));
  assert.deepEqual(writes, ["a\nb\nc\n"]);
});

test("writeWholeLines() cuts a long batch at line ends, every write at most PIPE_BUF bytes", () => {
  // 512 lines of 99 bytes (the most the access log batches): 50 KiB.
  const lines = Array.from({ length: 512 }, (_, i) => String(i).padStart(98, "x"));
  const writes: Uint8Array[] = [];
  writeWholeLines(lines.join("\n"), (b) => writes.push(b.slice()));
  assert.ok(writes.length > 1);
  for (const w of writes) {
    assert.ok(w.length <= PIPE_BUF, `a write of ${w.length} bytes`);
    assert.equal(w.at(-1), 0x0a, "ends with a whole line");
  }
  assert.equal(writes.map(decode).join(""), lines.join("\n") + "\n");
  // Filled up: no write could have taken the next line too.
  for (const w of writes.slice(0, -1)) assert.ok(w.length + 99 > PIPE_BUF);
});

test("writeWholeLines() sends a line longer than the limit alone, and counts bytes, not characters", () => {
  const writes: string[] = [];
  writeWholeLines("ab\n" + "é".repeat(5) + "\ncd", (b) => writes.push(decode(b)), 8);
  // "é" is 2 bytes: the 10-byte line cannot share a write, nor be cut.
  assert.deepEqual(writes, ["ab\n", "é".repeat(5) + "\n", "cd\n"]);
});
