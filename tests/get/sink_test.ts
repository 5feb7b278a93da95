/** The atomic file sink and the stream sink. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { FileSink } from "../../src/get/sink.ts";
import { StreamSink } from "../../src/get/stream_sink.ts";

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

test("StreamSink hashes what it writes and turns a failed write into exit 23", () => {
  const chunks: Uint8Array[] = [];
  const sink = new StreamSink({
    write: (chunk) => void chunks.push(chunk),
    label: "to standard output",
    hashNames: ["sha256"],
    createHash,
  });
  sink.write(new TextEncoder().encode("ab"));
  sink.write(new TextEncoder().encode("c"));
  assert.equal(sink.offset, 3);
  assert.equal(sink.canRestart, false);
  assert.equal(sink.digests().get("sha256"), createHash("sha256").update("abc").digest("hex"));
  assert.throws(() => sink.restart(), /Cannot take back bytes/);

  const broken = new StreamSink({
    write: () => {
      throw Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    },
    label: "to standard output",
  });
  assert.throws(
    () => broken.write(new Uint8Array(1)),
    (e) =>
      e instanceof DownloadError && e.exitCode === EXIT.WRITE_ERROR &&
      e.message === "Cannot write to standard output: the reader closed the pipe",
  );
});
