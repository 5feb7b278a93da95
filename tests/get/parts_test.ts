/**
 * The pure parts of `netkit get`: file names from the network, Content-Range
 * and Retry-After parsing, the progress meter, the atomic file sink.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileNameFromDisposition, fileNameFromUrl, safeFileName } from "../../src/get/file_name.ts";
import { parseContentRange, parseRetryAfter } from "../../src/get/download.ts";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { FileSink } from "../../src/get/sink.ts";
import { Progress } from "../../src/get/progress.ts";

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

test("parseContentRange() reads byte ranges and rejects nonsense", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/1000"), { start: 100, end: 199, length: 1000 });
  assert.deepEqual(parseContentRange("bytes 0-0/*"), { start: 0, end: 0, length: undefined });
  assert.equal(parseContentRange("bytes 200-100/1000"), undefined);
  assert.equal(parseContentRange("bytes 0-1000/1000"), undefined);
  assert.equal(parseContentRange("bytes */1000"), undefined);
  assert.equal(parseContentRange(null), undefined);
});

test("parseRetryAfter() takes seconds or a date, capped at 10 minutes", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  assert.equal(parseRetryAfter("3", now), 3);
  assert.equal(parseRetryAfter("Sun, 22 Nov 2026 10:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("86400", now), 600);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

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

test("FileSink writes through FILE.part and renames only on commit", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  try {
    const path = join(dir, "f.bin");
    writeFileSync(path, "old");
    assert.throws(
      () => FileSink.open(path, { force: false, resume: false, hashNames: [] }),
      (e) => e instanceof DownloadError && e.exitCode === EXIT.FILE_EXISTS,
    );
    const sink = FileSink.open(path, {
      force: true,
      resume: false,
      hashNames: ["sha256"],
      createHash,
    });
    sink.write(new TextEncoder().encode("new "));
    sink.saveValidators({ etag: '"x"', length: 8 });
    sink.write(new TextEncoder().encode("body"));
    assert.equal(readFileSync(path, "utf8"), "old", "the target is untouched until commit");
    sink.close();
    assert.equal(readFileSync(`${path}.part`, "utf8"), "new body");

    // A later run resumes: the prefix is hashed, the validators come back.
    const resumed = FileSink.open(path, {
      force: false,
      resume: true,
      hashNames: ["sha256"],
      createHash,
    });
    assert.equal(resumed.offset, 8);
    assert.equal(resumed.resumedFrom, 8);
    assert.deepEqual(resumed.validators, { etag: '"x"', length: 8 });
    resumed.write(new TextEncoder().encode("!"));
    resumed.commit();
    assert.equal(readFileSync(path, "utf8"), "new body!");
    assert.ok(!existsSync(`${path}.part`) && !existsSync(`${path}.part.json`));
    assert.equal(
      resumed.digests().get("sha256"),
      createHash("sha256").update("new body!").digest("hex"),
      "the digest covers the resumed prefix too",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
