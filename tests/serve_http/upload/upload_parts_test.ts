/** The upload helpers on their own: sizes, names, temporaries, bodies. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSize } from "../../../src/serve_http/upload/parse_size.ts";
import { uploadNameProblem } from "../../../src/serve_http/upload/upload_name.ts";
import { cleanTemporaries } from "../../../src/serve_http/upload/clean_temporaries.ts";
import { AtomicFile } from "../../../src/serve_http/upload/atomic_file.ts";

test("parseSize() reads bytes and K/M/G/T as powers of 1024, and refuses the rest", () => {
  assert.equal(parseSize("4096"), 4096);
  assert.equal(parseSize("8M"), 8 * 1024 ** 2);
  assert.equal(parseSize("2g"), 2 * 1024 ** 3);
  assert.equal(parseSize("1.5K"), 1536);
  assert.equal(parseSize("10MiB"), 10 * 1024 ** 2);
  assert.throws(() => parseSize("8X"), TypeError);
  assert.throws(() => parseSize("-1"), TypeError);
  assert.throws(() => parseSize("0"), RangeError);
});

test("uploadNameProblem() refuses what Windows, FAT and Linux refuse, and hidden names", () => {
  for (const name of ["", ".", "..", "a/b", "a\\b", "a:b", "a*b", 'a"b', "a<b", "a|b", "a?b"]) {
    assert.ok(uploadNameProblem(name), JSON.stringify(name));
  }
  for (
    const name of [
      "tab\there",
      "nl\n",
      "del\u007f",
      "c1\u0085",
      "x.",
      "x ",
      "nul",
      "COM1.txt",
      "lpt9",
    ]
  ) {
    assert.ok(uploadNameProblem(name), JSON.stringify(name));
  }
  assert.ok(uploadNameProblem("é".repeat(128)), "256 bytes of UTF-8");
  assert.equal(uploadNameProblem("é".repeat(127)), undefined);
  assert.ok(uploadNameProblem(".hidden"));
  assert.equal(uploadNameProblem(".hidden", { dotfiles: true }), undefined);
  assert.ok(uploadNameProblem(".netkit-upload-x.part", { dotfiles: true }));
  for (
    const name of ["report.pdf", "ünï cödé.txt", "%.txt", "#1", "a b", "console.log", "CONFIG"]
  ) {
    assert.equal(uploadNameProblem(name), undefined, name);
  }
});

test("cleanTemporaries() removes upload temporaries in every folder and nothing else, without following symlinks", async () => {
  const root = mkdtempSync(join(tmpdir(), "netkit-clean-"));
  const outside = mkdtempSync(join(tmpdir(), "netkit-clean-out-"));
  try {
    const temp = () => `.netkit-upload-${crypto.randomUUID()}.part`;
    mkdirSync(join(root, "a", "b"), { recursive: true });
    const strays = [join(root, temp()), join(root, "a", "b", temp())];
    for (const path of strays) writeFileSync(path, "half");
    writeFileSync(join(root, ".netkit-upload-mine.part"), "not ours: no uuid");
    writeFileSync(join(root, "keep.part"), "keep");
    const theirs = join(outside, temp());
    writeFileSync(theirs, "outside");
    symlinkSync(outside, join(root, "link"));
    assert.equal(await cleanTemporaries(root), 2);
    assert.ok(strays.every((p) => !existsSync(p)));
    assert.ok(existsSync(theirs));
    assert.deepEqual(readdirSync(root).sort(), [
      ".netkit-upload-mine.part",
      "a",
      "keep.part",
      "link",
    ]);
  } finally {
    rmSync(root, { recursive: true });
    rmSync(outside, { recursive: true });
  }
});

test("AtomicFile.publish() never replaces without overwrite, and a refused publish leaves no temporary", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-atomic-"));
  try {
    writeFileSync(join(dir, "taken"), "old");
    const file = await AtomicFile.create(dir);
    await file.write(new TextEncoder().encode("new"));
    await assert.rejects(file.publish(join(dir, "taken")), { status: 409 });
    assert.deepEqual(readdirSync(dir), ["taken"]);
    mkdirSync(join(dir, "folder"));
    const onto = await AtomicFile.create(dir);
    await assert.rejects(onto.publish(join(dir, "folder"), { overwrite: true }), { status: 409 });
    assert.deepEqual(readdirSync(dir).sort(), ["folder", "taken"]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
