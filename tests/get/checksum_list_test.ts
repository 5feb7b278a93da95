import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { checksumFor, parseChecksumList } from "../../src/get/checksum_list.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const sha512 = (text: string) => createHash("sha512").update(text).digest("hex");

test("parseChecksumList() reads GNU text and binary lines, BSD tags and OpenSSL's form", () => {
  const text = [
    `${sha256("a")}  a.txt`,
    `${sha256("b").toUpperCase()} *b.bin`,
    `SHA256 (c d.txt) = ${sha256("c")}`,
    `SHA512 (e.txt) = ${sha512("e")}`,
    `SHA256(f.txt)= ${sha256("f")}`,
    `${sha512("g")}  ./sub/g.txt`,
  ].join("\r\n");
  const list = parseChecksumList(text);
  assert.equal(list.improper, 0);
  assert.deepEqual(Object.fromEntries(list.entries), {
    "a.txt": { hash: "sha256", hex: sha256("a") },
    "b.bin": { hash: "sha256", hex: sha256("b") },
    "c d.txt": { hash: "sha256", hex: sha256("c") },
    "e.txt": { hash: "sha512", hex: sha512("e") },
    "f.txt": { hash: "sha256", hex: sha256("f") },
    "sub/g.txt": { hash: "sha512", hex: sha512("g") },
  });
});

test("parseChecksumList() unescapes names of lines that start with a backslash, as sha256sum writes them", () => {
  const hex = sha256("x");
  const list = parseChecksumList(`\\${hex}  back\\\\slash\\nnew.txt\n\\SHA256 (p\\\\q) = ${hex}\n`);
  assert.deepEqual([...list.entries.keys()], ["back\\slash\nnew.txt", "p\\q"]);
});

test("parseChecksumList() counts improper lines: wrong length, lower-case tag, no name, bad escape", () => {
  const hex = sha256("x");
  const list = parseChecksumList(
    [`${hex.slice(1)}  short.txt`, `sha256 (a) = ${hex}`, `${hex}  `, `\\${hex}  bad\\q`, "# fine"]
      .join("\n"),
  );
  assert.equal(list.entries.size, 0);
  assert.equal(list.improper, 4);
});

test("checksumFor() finds a file by its path in the output folder, else by its last segment", () => {
  const list = parseChecksumList(`${sha256("1")}  dir/one.iso\n${sha256("2")}  two.iso\n`);
  assert.equal(checksumFor(list, "dir/one.iso")?.hex, sha256("1"));
  assert.equal(checksumFor(list, "./dir/one.iso")?.hex, sha256("1"));
  assert.equal(checksumFor(list, "elsewhere/two.iso")?.hex, sha256("2"));
  assert.equal(checksumFor(list, "one.iso"), undefined);
});
