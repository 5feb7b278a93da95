/**
 * Files on Deno: metadata through `Deno.stat` and friends (node:fs/promises
 * on Deno costs ~30x more per stat), and response bodies read from open files.
 *
 * @module
 */
import type { DirEntry, FileBodyOptions, FileInfo, FileSystem, SyncFile } from "../types.ts";
import type { NetError } from "../errors.ts";
import { toNetError } from "./to_net_error.ts";

/** The same error, as a NetError with the errno-style code node:fs would give. */
function fsError(path: string): (error: unknown) => Promise<never> {
  return (error) => Promise.reject(toNetError(error, `Cannot read ${path}`) as NetError);
}

function toFileInfo(info: Deno.FileInfo): FileInfo {
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    dev: info.dev,
    ino: info.ino ?? 0,
  };
}

/**
 * {@linkcode FileSystem} on Deno's native calls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fs } from "./fs.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const info = await fs.stat(".");
 *   assert(info.isDirectory);
 *   const missing = await fs.stat("./no-such-file").catch((e) => e.code);
 *   assert(missing === "ENOENT");
 * }
 * ```
 */
export const fs: FileSystem = {
  stat: (path) => Deno.stat(path).then(toFileInfo, fsError(path)),
  realPath: (path) => Deno.realPath(path).catch(fsError(path)),
  async readDir(path) {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
    } catch (error) {
      return fsError(path)(error);
    }
    return names;
  },
  async readDirEntries(path) {
    const entries = [];
    try {
      for await (const entry of Deno.readDir(path)) {
        entries.push({ name: entry.name, kind: direntKind(entry) });
      }
    } catch (error) {
      return fsError(path)(error);
    }
    return entries;
  },
  readFile: (path) =>
    Deno.readFile(path).then((bytes) => bytes as Uint8Array<ArrayBuffer>, fsError(path)),
  openSync,
};

function direntKind(entry: Deno.DirEntry): DirEntry["kind"] {
  if (entry.isFile) return "file";
  if (entry.isDirectory) return "directory";
  return entry.isSymlink ? "symlink" : "other";
}

/** {@linkcode FileSystem.openSync} on `Deno.openSync`: reads go to the caller's buffer. */
function openSync(path: string): SyncFile {
  const fail = (error: unknown): never => {
    throw toNetError(error, `Cannot read ${path}`);
  };
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    fail(error);
  }
  // FsFile reads where it stands: seek only when asked for another position.
  let offset = 0;
  return {
    stat: () => {
      try {
        return toFileInfo(file!.statSync());
      } catch (error) {
        return fail(error);
      }
    },
    read: (buffer, position) => {
      try {
        if (position !== offset) offset = file!.seekSync(position, Deno.SeekMode.Start);
        const n = file!.readSync(buffer) ?? 0;
        offset += n;
        return n;
      } catch (error) {
        return fail(error);
      }
    },
    close: () => {
      try {
        file?.close();
      } catch { /* already closed */ }
      file = undefined;
    },
  };
}

/**
 * {@linkcode NetAdapter.fileBody} on Deno: the open file's own stream for a
 * whole file, a pull-based stream for a range. The file is closed at the
 * end, on a failed read and on cancel.
 *
 * @param path the file
 * @param options the byte range and the size examined
 * @returns the body
 * @throws {NetError} ENOENT/EACCES/EISDIR when the file cannot be opened
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileBody } from "./fs.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const path = await Deno.makeTempFile();
 *   await Deno.writeTextFile(path, "0123456789");
 *   const body = await fileBody(path, { start: 2, end: 4, size: 10 });
 *   assert((await new Response(body).text()) === "234");
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function fileBody(path: string, options: FileBodyOptions): Promise<BodyInit> {
  const file = await Deno.open(path, { read: true }).catch(fsError(path));
  // Deno has no sendfile. file.readable is copied by Deno itself (64 KiB
  // reads, no JavaScript per chunk) and closes the file when it ends, fails
  // or is cancelled; streams pulled from JavaScript with 64 KiB-1 MiB chunks,
  // sync reads or byte streams measured no faster and took peak RSS from
  // ~40 to 70-110 MB while serving one 100 MiB file.
  if (options.start === 0 && options.end === options.size - 1) return file.readable;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    try {
      file.close();
    } catch { /* already closed */ }
  };
  try {
    await file.seek(options.start, Deno.SeekMode.Start);
  } catch (error) {
    close();
    throw toNetError(error, `Cannot read ${path}`);
  }
  let remaining = options.end - options.start + 1;
  // Pull-based: one read per pull, so memory stays flat however slow the client.
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(controller) {
      const buffer = new Uint8Array(Math.min(65536, remaining));
      let n: number | null;
      try {
        n = await file.read(buffer);
      } catch (error) {
        close();
        throw toNetError(error, `Cannot read ${path}`);
      }
      if (n !== null && n > 0) {
        remaining -= n;
        controller.enqueue(buffer.subarray(0, n));
      }
      if (n === null || n === 0 || remaining <= 0) {
        close();
        controller.close();
      }
    },
    cancel: close,
  });
}
