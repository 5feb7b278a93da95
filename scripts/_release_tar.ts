/**
 * The tar inside a release archive, written by modern-tar (ustar): one
 * folder, `netkit-<target>/`, holding the binary as `netkit` (`netkit.exe`
 * for Windows) and the documents that ship with it. Every header carries the
 * same mtime (the build's source date), owner 0:0 with no user or group
 * names, and a fixed mode, so the same binary always gives the same bytes.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { packTar, type TarEntry } from "modern-tar";

/** What goes into one release tar. */
export interface ReleaseTarOptions {
  /** The folder every member sits in, e.g. `netkit-linux-arm64`. */
  folder: string;
  /** The binary's name inside the folder: `netkit`, or `netkit.exe` for Windows. */
  name: string;
  /** Documents added beside the binary under their own base names (README.md, LICENSE). */
  documents?: string[];
  /** The mtime of every member: the build's source date. */
  mtime: Date;
}

/** Owner and group of every member: root, by number only (no names to look up). */
const OWNER = { uid: 0, gid: 0, uname: "", gname: "" };

/**
 * The tar's bytes: the folder, the binary (mode 755), then each document
 * (mode 644), in that order.
 *
 * @param binary path of the binary to pack
 * @param options the folder, the binary's name, documents and mtime
 * @returns the whole tar
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { unpackTar } from "modern-tar";
 * import { releaseTar } from "./_release_tar.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "release-tar-"));
 * try {
 *   writeFileSync(join(dir, "netkit-linux-x64"), "binary bytes");
 *   writeFileSync(join(dir, "README.md"), "# netkit\n");
 *   const options = {
 *     folder: "netkit-linux-x64",
 *     name: "netkit",
 *     documents: [join(dir, "README.md")],
 *     mtime: new Date("2026-12-01T10:00:00Z"),
 *   };
 *   const tar = await releaseTar(join(dir, "netkit-linux-x64"), options);
 *   const entries = await unpackTar(tar);
 *   assert.deepEqual(entries.map((e) => [e.header.name, e.header.mode]), [
 *     ["netkit-linux-x64/", 0o755],
 *     ["netkit-linux-x64/netkit", 0o755],
 *     ["netkit-linux-x64/README.md", 0o644],
 *   ]);
 *   assert.equal(new TextDecoder().decode(entries[1].data), "binary bytes");
 *   // The same input gives the same bytes.
 *   assert.deepEqual(await releaseTar(join(dir, "netkit-linux-x64"), options), tar);
 * } finally {
 *   rmSync(dir, { recursive: true, force: true });
 * }
 * ```
 */
export function releaseTar(binary: string, options: ReleaseTarOptions): Promise<Uint8Array> {
  const { folder, name, documents = [], mtime } = options;
  const file = (path: string, member: string, mode: number): TarEntry => {
    const body = readFileSync(path);
    return {
      header: { name: `${folder}/${member}`, size: body.length, mode, mtime, ...OWNER },
      body,
    };
  };
  return packTar([
    { header: { name: `${folder}/`, type: "directory", size: 0, mode: 0o755, mtime, ...OWNER } },
    file(binary, name, 0o755),
    ...documents.map((path) => file(path, basename(path), 0o644)),
  ]);
}
