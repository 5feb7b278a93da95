/** The atomic file sink and the stream sink. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { FileSink, SPILL_BYTES, SPILL_MS } from "../../src/get/sink.ts";
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

test("FileSink holds a small body in memory: no .part or .part.json exists before commit", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  try {
    const path = join(dir, "small.bin");
    const seen = () => readdirSync(dir).sort();
    const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
    assert.deepEqual(seen(), [], "open() creates nothing");
    sink.saveValidators({ url: "http://h.test/small.bin", etag: '"s"', length: 10 });
    assert.deepEqual(seen(), [], "the validators stay in memory");
    for (let i = 0; i < 10; i++) {
      sink.write(new Uint8Array([48 + i]));
      assert.deepEqual(seen(), [], `nothing on disk after byte ${i + 1}`);
    }
    sink.commit();
    assert.deepEqual(seen(), ["small.bin"], "only the target, never a sidecar");
    assert.equal(readFileSync(path, "utf8"), "0123456789");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink keeps the chunks it was given, not the caller's reused buffer", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  try {
    const path = join(dir, "reused.bin");
    const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
    const buffer = new TextEncoder().encode("ab");
    sink.write(buffer);
    buffer.set(new TextEncoder().encode("cd"));
    sink.write(buffer);
    sink.commit();
    assert.equal(readFileSync(path, "utf8"), "abcd");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink puts a body past SPILL_BYTES on disk, its .part.json first, and it resumes", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  const path = join(dir, "big.bin");
  const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
  try {
    sink.saveValidators({ etag: '"b"' }); // no length: it spills by what arrives
    const chunk = new Uint8Array(64 * 1024).fill(7);
    while (sink.inMemory) {
      assert.ok(!existsSync(`${path}.part.json`) && !existsSync(`${path}.part`));
      sink.write(chunk);
    }
    assert.ok(sink.offset > SPILL_BYTES && sink.offset <= SPILL_BYTES + chunk.length);
    assert.deepEqual(JSON.parse(readFileSync(`${path}.part.json`, "utf8")), { etag: '"b"' });
    assert.equal(statSync(`${path}.part`).size, sink.offset, "what was held is on disk");
    sink.write(chunk);
    assert.equal(statSync(`${path}.part`).size, sink.offset, "later chunks go straight to disk");
  } finally {
    sink.close();
  }
  try {
    // As after a kill: the .part and its validators are there for -C.
    const resumed = FileSink.open(path, { force: false, resume: true, hashNames: [] });
    assert.equal(resumed.offset, statSync(`${path}.part`).size);
    assert.deepEqual(resumed.validators, { etag: '"b"' });
    resumed.commit();
    assert.deepEqual(readdirSync(dir), ["big.bin"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink puts a body on disk at once when its declared length is past SPILL_BYTES", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  const path = join(dir, "declared.bin");
  const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
  try {
    sink.saveValidators({ etag: '"d"', length: SPILL_BYTES + 1 });
    assert.equal(sink.inMemory, false);
    assert.deepEqual(readdirSync(dir).sort(), ["declared.bin.part", "declared.bin.part.json"]);
  } finally {
    sink.discard();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink puts a slow body on disk once it has been arriving for SPILL_MS", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  const path = join(dir, "slow.bin");
  let now = 1000;
  const sink = FileSink.open(path, { force: false, resume: false, hashNames: [], now: () => now });
  try {
    sink.saveValidators({ etag: '"t"' });
    sink.write(new TextEncoder().encode("a"));
    now += SPILL_MS;
    sink.write(new TextEncoder().encode("b"));
    assert.equal(sink.inMemory, true, "not before SPILL_MS have passed");
    now += 1;
    sink.write(new TextEncoder().encode("c"));
    assert.equal(sink.inMemory, false);
    assert.equal(readFileSync(`${path}.part`, "utf8"), "abc");
    assert.ok(existsSync(`${path}.part.json`));
  } finally {
    sink.discard();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink: a failed transfer's held bytes go to the .part with their .part.json at close()", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  try {
    const path = join(dir, "failed.bin");
    const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
    sink.saveValidators({ etag: '"f"' });
    sink.write(new TextEncoder().encode("partial"));
    sink.close();
    assert.deepEqual(readdirSync(dir).sort(), ["failed.bin.part", "failed.bin.part.json"]);
    assert.equal(readFileSync(`${path}.part`, "utf8"), "partial");
    // Nothing arrived: nothing is left.
    const empty = FileSink.open(join(dir, "empty.bin"), {
      force: false,
      resume: false,
      hashNames: [],
    });
    empty.close();
    assert.ok(!readdirSync(dir).some((name) => name.startsWith("empty")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileSink without -C removes an earlier .part and its sidecar at open, so none outlives its .part.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-sink-"));
  try {
    const path = join(dir, "stale.bin");
    writeFileSync(`${path}.part`, "stale bytes");
    writeFileSync(`${path}.part.json`, JSON.stringify({ etag: '"old"' }));
    const sink = FileSink.open(path, { force: false, resume: false, hashNames: [] });
    assert.deepEqual(readdirSync(dir), [], "a kill now leaves nothing to mix with");
    sink.write(new TextEncoder().encode("new"));
    sink.commit();
    assert.equal(readFileSync(path, "utf8"), "new");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
