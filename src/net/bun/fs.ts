/**
 * Files on Bun: node:fs, which Bun implements natively (its fastest file
 * API for metadata), and `Bun.file` bodies, which go out with sendfile.
 *
 * @module
 */
import { closeSync, type Dirent, fstatSync, openSync, readSync, type Stats } from "node:fs";
import type { DirEntry, FileBodyOptions, FileInfo, FileSystem, SyncFile } from "../types.ts";
import type { BunApi } from "./_api.ts";
import { nodeFsPromises } from "../../lazy_node.ts";
import { toNetError } from "./to_net_error.ts";

declare const Bun: BunApi;

function fsError(path: string): (error: unknown) => Promise<never> {
  return (error) => Promise.reject(toNetError(error, `Cannot read ${path}`));
}

/**
 * {@linkcode FileSystem} on Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fs } from "./fs.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const info = await fs.stat(".");
 *   assert(info.isDirectory);
 *   const missing = await fs.stat("./no-such-file").catch((e) => e.code);
 *   assert(missing === "ENOENT");
 * }
 * ```
 */
export const fs: FileSystem = {
  stat: (path) => nodeFsPromises().stat(path).then(toFileInfo, fsError(path)),
  realPath: (path) => nodeFsPromises().realpath(path).catch(fsError(path)),
  readDir: (path) => nodeFsPromises().readdir(path).catch(fsError(path)),
  readDirEntries: (path) =>
    nodeFsPromises().readdir(path, { withFileTypes: true }).then(
      (entries) => entries.map((entry) => ({ name: entry.name, kind: direntKind(entry) })),
      fsError(path),
    ),
  readFile: (path) =>
    nodeFsPromises().readFile(path).then((bytes) => new Uint8Array(bytes), fsError(path)),
  openSync: openFileSync,
};

function direntKind(entry: Dirent): DirEntry["kind"] {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "directory";
  return entry.isSymbolicLink() ? "symlink" : "other";
}

function toFileInfo(info: Stats): FileInfo {
  return {
    isFile: info.isFile(),
    isDirectory: info.isDirectory(),
    size: info.size,
    mtimeMs: info.mtimeMs,
    dev: info.dev,
    ino: info.ino,
  };
}

/** {@linkcode FileSystem.openSync} on node:fs's sync calls (Bun's own, not a compatibility layer). */
function openFileSync(path: string): SyncFile {
  const fail = (error: unknown): never => {
    throw toNetError(error, `Cannot read ${path}`);
  };
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    fail(error);
  }
  return {
    stat: () => {
      try {
        return toFileInfo(fstatSync(fd!));
      } catch (error) {
        return fail(error);
      }
    },
    read: (buffer, position) => {
      try {
        return readSync(fd!, buffer, 0, buffer.length, position);
      } catch (error) {
        return fail(error);
      }
    },
    close: () => {
      if (fd === undefined) return;
      const open = fd;
      fd = undefined;
      try {
        closeSync(open);
      } catch { /* already closed */ }
    },
  };
}

/**
 * {@linkcode NetAdapter.fileBody} on Bun: a `Bun.file` (or a slice of it),
 * which Bun sends with sendfile; a plain stream when the request's Range must
 * not be applied.
 *
 * @param path the file
 * @param options the byte range and the size examined
 * @returns the body
 * @throws {NetError} ENOENT/EACCES when the file cannot be opened
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileBody } from "./fs.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
 *   const { tmpdir } = await import("node:os");
 *   const dir = await mkdtemp(`${tmpdir()}/netkit-doc-`);
 *   await writeFile(`${dir}/f`, "0123456789");
 *   const body = await fileBody(`${dir}/f`, { start: 2, end: 4, size: 10 });
 *   assert((await new Response(body).text()) === "234");
 *   await rm(dir, { recursive: true });
 * }
 * ```
 */
export async function fileBody(path: string, options: FileBodyOptions): Promise<BodyInit> {
  const file = Bun.file(path);
  // Bun.file is lazy: open now, so a vanished or unreadable file fails here
  // (and becomes a 404/403) rather than after the status line went out.
  const probe = await nodeFsPromises().open(path).catch(fsError(path));
  await probe.close();
  const whole = options.start === 0 && options.end === options.size - 1;
  // Bun applies a request's Range to file.stream() as well (bun 1.4.5: a
  // stale If-Range got 206): only a stream Bun cannot trace to the file is
  // sent whole. The identity transform costs a copy only on this rare path.
  if (whole && options.ignoresRange) return file.stream().pipeThrough(new TransformStream());
  return whole ? file : file.slice(options.start, options.end + 1);
}
