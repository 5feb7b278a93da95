/** Names for downloaded files: from a URL or a Content-Disposition, made safe. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fileNameFromDisposition, fileNameFromUrl, safeFileName } from "../../src/get/file_name.ts";

test("fileNameFromDisposition() prefers filename*, keeps the basename, drops leading dots", () => {
  assert.equal(fileNameFromDisposition(`attachment; filename="../../etc/passwd"`), "passwd");
  assert.equal(
    fileNameFromDisposition(`attachment; filename="a.txt"; filename*=UTF-8''na%C3%AFve.txt`),
    "naïve.txt",
  );
  assert.equal(
    fileNameFromDisposition(`attachment; filename*=iso-8859-1'en'caf%E9.txt`),
    "café.txt",
  );
  assert.equal(fileNameFromDisposition(`attachment; filename="..\\\\..\\\\win.ini"`), "win.ini");
  assert.equal(fileNameFromDisposition(`attachment; filename=".bashrc"`), "bashrc");
  assert.equal(fileNameFromDisposition(`attachment; filename="a\\"b.txt"`), `a"b.txt`);
  assert.equal(fileNameFromDisposition(`attachment; filename=".."`), undefined);
  assert.equal(fileNameFromDisposition(`attachment`), undefined);
  // A broken filename* falls back to filename.
  assert.equal(
    fileNameFromDisposition(`attachment; filename*=UTF-8''%FF%FE; filename=b.txt`),
    "b.txt",
  );
});

test("fileNameFromUrl() decodes the last segment and falls back to index.html", () => {
  assert.equal(fileNameFromUrl(new URL("http://h/a/b%20c.tar.gz?x=1")), "b c.tar.gz");
  assert.equal(fileNameFromUrl(new URL("http://h/dir/")), "index.html");
  assert.equal(fileNameFromUrl(new URL("http://h/x/..%2F..%2Fetc%2Fpasswd")), "passwd");
  assert.equal(fileNameFromUrl(new URL("http://h/%E0%A4%A")), "%E0%A4%A");
});

test("safeFileName() never yields a path, a dot name or a control character", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 80 }), (name) => {
      const safe = safeFileName(name);
      if (safe === undefined) return;
      assert.ok(!/[/\\]/.test(safe), safe);
      assert.ok(!safe.startsWith("."), safe);
      // deno-lint-ignore no-control-regex
      assert.ok(!/[\u0000-\u001f\u007f]/.test(safe), safe);
      assert.ok(safe.length > 0 && safe.length <= 255);
    }),
    { numRuns: 2000 },
  );
});
