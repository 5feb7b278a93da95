/**
 * The release archive helpers of scripts/release.ts: the tar's members and
 * headers, compressing with the system's gzip and xz, SHA256SUMS over a folder.
 * Small inputs only; the real release set is tested in tests/release/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { unpackTar } from "modern-tar";
import { compressFile } from "../../scripts/_compress_file.ts";
import { releaseTar } from "../../scripts/_release_tar.ts";
import { sha256Sums } from "../../scripts/_sha256_sums.ts";
import { peerSkip, run } from "../_helpers.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "release-archive-"));
}

test("releaseTar() puts netkit.exe and the documents in one folder, root-owned, one mtime", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "netkit-windows-x64.exe"), "MZ");
    writeFileSync(join(dir, "README.md"), "# netkit\n");
    writeFileSync(join(dir, "LICENSE"), "MIT\n");
    const mtime = new Date("2026-12-02T06:00:00Z");
    const tar = await releaseTar(join(dir, "netkit-windows-x64.exe"), {
      folder: "netkit-windows-x64",
      name: "netkit.exe",
      documents: [join(dir, "README.md"), join(dir, "LICENSE")],
      mtime,
    });
    const entries = await unpackTar(tar, { strict: true });
    assert.deepEqual(entries.map((entry) => entry.header.name), [
      "netkit-windows-x64/",
      "netkit-windows-x64/netkit.exe",
      "netkit-windows-x64/README.md",
      "netkit-windows-x64/LICENSE",
    ]);
    for (const { header } of entries) {
      assert.equal(header.uid, 0, header.name);
      assert.equal(header.gid, 0, header.name);
      assert.equal(header.uname, "", header.name);
      assert.equal(header.gname, "", header.name);
      assert.equal(header.mtime?.getTime(), mtime.getTime(), header.name);
    }
    assert.equal(new TextDecoder().decode(entries[3].data), "MIT\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "compressFile() writes .gz and .xz that decompress to the input, with no name or time in the gzip header",
  {
    skip: peerSkip("gzip", "xz"),
  },
  async () => {
    const dir = tempDir();
    try {
      const input = join(dir, "data");
      writeFileSync(input, "netkit release ".repeat(10_000));
      await compressFile(input, join(dir, "data.gz"), "gz");
      const gz = readFileSync(join(dir, "data.gz"));
      assert.equal(gunzipSync(gz).toString(), "netkit release ".repeat(10_000));
      // RFC 1952 §2.3: FLG (byte 3) without FNAME, MTIME (bytes 4-7) zero.
      assert.equal(gz[3] & 0x08, 0);
      assert.equal(gz.readUInt32LE(4), 0);
      await compressFile(input, join(dir, "data.xz"), "xz");
      const xz = await run(["xz", "-dc", join(dir, "data.xz")]);
      assert.equal(xz.code, 0, xz.stderr);
      assert.equal(xz.stdout, "netkit release ".repeat(10_000));
      // The same input gives the same bytes.
      await compressFile(input, join(dir, "again.xz"), "xz");
      assert.deepEqual(readFileSync(join(dir, "again.xz")), readFileSync(join(dir, "data.xz")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("compressFile() throws with the program's message and leaves no output when it fails", {
  skip: peerSkip("xz"),
}, async () => {
  const dir = tempDir();
  try {
    await assert.rejects(
      compressFile(join(dir, "missing"), join(dir, "missing.xz"), "xz"),
      /xz exited 1: .*missing/,
    );
    assert.equal(existsSync(join(dir, "missing.xz")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sha256Sums() lists the folder's files only: not SHA256SUMS, not subfolders", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "netkit-linux-x64.tar.gz"), "x");
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "inner"), "y");
    writeFileSync(join(dir, "SHA256SUMS"), "");
    assert.equal(
      await sha256Sums(dir),
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  netkit-linux-x64.tar.gz\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
