import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiProgress } from "../../src/get/multi_progress.ts";

/** What a terminal shows after `text`: handles \r, \n, ESC[nA, ESC[J and ESC[K. */
function screen(text: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let col = 0;
  // deno-lint-ignore no-control-regex
  for (const token of text.match(/\u001b\[\d*[AJK]|\r|\n|[^\r\n\u001b]+/g) ?? []) {
    if (token === "\r") col = 0;
    else if (token === "\n") {
      row++;
      col = 0;
      lines[row] ??= "";
    } else if (token.endsWith("A")) row -= Number(token.slice(2, -1) || 1);
    else if (token.endsWith("J")) {
      lines[row] = lines[row].slice(0, col);
      lines.length = row + 1;
    } else if (token.endsWith("K")) lines[row] = lines[row].slice(0, col);
    else {
      lines[row] = lines[row].slice(0, col) + token + lines[row].slice(col + token.length);
      col += token.length;
    }
  }
  return lines;
}

test("MultiProgress shows a line per active transfer and a total line, and leaves nothing behind", () => {
  let clock = 0;
  let text = "";
  const board = new MultiProgress((t) => (text += t), { files: 3, now: () => clock });
  const a = board.transfer("a.iso");
  const b = board.transfer("b.iso");
  a.start(0, 100);
  b.start(0, 200);
  clock = 1000;
  a.advance(50);
  clock = 1300; // redraws are at least 250 ms apart
  b.advance(20);
  const shown = screen(text);
  assert.equal(shown.length, 3, shown.join("|"));
  assert.match(shown[0], /^a\.iso\s.* 50%/);
  assert.match(shown[1], /^b\.iso\s.* 10%/);
  assert.match(shown[2], /^total: 0\/3 files, 70 B/);
  board.done(a, { ok: true });
  board.print("netkit get: saved a.iso (50 B)");
  const after = screen(text);
  assert.equal(after[0], "netkit get: saved a.iso (50 B)");
  assert.match(after[1], /^b\.iso/);
  assert.match(after[2], /^total: 1\/3 files/);
  assert.equal(after.length, 3);
  board.done(b, { ok: false });
  board.close();
  assert.deepEqual(screen(text), ["netkit get: saved a.iso (50 B)", ""]);
  board.print("netkit get: 1 of 3 files saved");
  b.advance(10);
  assert.deepEqual(
    screen(text),
    ["netkit get: saved a.iso (50 B)", "netkit get: 1 of 3 files saved", ""],
    "after close, lines are only lines: the display never comes back",
  );
});

test("MultiProgress redraws at most four times a second while bytes flow, as one write each", () => {
  let clock = 0;
  const writes: string[] = [];
  const board = new MultiProgress((t) => writes.push(t), { files: 1, now: () => clock });
  const meter = board.transfer("x");
  meter.start(0, 1000);
  const before = writes.length;
  for (let i = 0; i < 100; i++) {
    clock += 10;
    meter.advance(10);
  }
  // 1 s of advances: at most one redraw per 250 ms.
  assert.ok(writes.length - before <= 5, `${writes.length - before} redraws`);
  for (const frame of writes) assert.ok(!frame.includes("\n\n"), "no blank line in a frame");
  const wide = board.transfer("a-name-much-longer-than-the-column-for-names.tar.gz");
  wide.start(0, 1);
  for (const line of screen(writes.join(""))) assert.ok(line.length <= 79, line);
});
