/**
 * The virtual `SHA256SUMS` of a folder: one `sha256sum -c` line per visible
 * file, with a bounded amount of hashing per request.
 *
 * @module
 */
import type { DigestCache } from "./digest_cache.ts";
import type { FolderEntry } from "./folder_entries.ts";
import type { ListingEntry } from "./listing.ts";
import { respond, statusResponse } from "./respond.ts";

/** The name of the virtual file (the name Debian, Ubuntu and GNU releases use). */
export const SHA256SUMS = "SHA256SUMS";
/**
 * Bytes of not-yet-hashed files one request may hash; the file that crosses
 * the limit is still finished (so one file larger than this is hashed in one
 * request, alone).
 */
export const SUMS_HASH_BYTES_PER_REQUEST = 512 * 1024 * 1024;
/** Not-yet-hashed files one request may hash. */
export const SUMS_HASH_FILES_PER_REQUEST = 1000;
/** The rate a Retry-After is estimated with, in bytes per second (a slow disk). */
const ASSUMED_HASH_RATE = 200 * 1024 * 1024;
/** Longest Retry-After sent, in seconds. */
const MAX_RETRY_AFTER = 60;
/** A digest's length in hex. */
const HEX_LENGTH = 64;

/**
 * One line of a `sha256sum` file for a name, GNU style: `HEX  NAME`, and for
 * a name holding a backslash, LF or CR a leading `\` with those escaped
 * (`\\`, `\n`, `\r`), as coreutils writes and reads it.
 *
 * @param hex the digest in lower-case hex
 * @param name the file's name
 * @returns the line, with its LF
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256SumsLine } from "./sha256sums.ts";
 *
 * const hex = "0".repeat(64);
 * assert(sha256SumsLine(hex, "a b.txt") === `${hex}  a b.txt\n`);
 * assert(sha256SumsLine(hex, "new\nline") === `\\${hex}  new\\nline\n`);
 * ```
 */
export function sha256SumsLine(hex: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hex}  ${name}\n`;
  const escaped = name.replace(
    /[\\\n\r]/g,
    (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\r"),
  );
  return `\\${hex}  ${escaped}\n`;
}

/**
 * The listing's row for the virtual file: its exact size (known without
 * hashing: every line's length follows from the name) and the newest file's
 * time. None when the folder has a real file of that name (it wins) or no files.
 *
 * @param entries the folder's visible entries
 * @returns the row, or none
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256SumsEntry } from "./sha256sums.ts";
 *
 * const info = { isFile: true, isDirectory: false, size: 1, mtimeMs: 5, dev: 0, ino: 0 };
 * const [row] = sha256SumsEntry([{ name: "a", path: "/srv/a", info }]);
 * assert(row.name === "SHA256SUMS" && row.size === 64 + 2 + 1 + 1 && row.mtimeMs === 5);
 * ```
 */
export function sha256SumsEntry(entries: readonly FolderEntry[]): ListingEntry[] {
  const files = entries.filter((e) => e.info.isFile);
  if (files.length === 0 || files.some((e) => e.name === SHA256SUMS)) return [];
  const encoder = new TextEncoder();
  const zero = "0".repeat(HEX_LENGTH);
  return [{
    name: SHA256SUMS,
    kind: "file",
    size: files.reduce((n, e) => n + encoder.encode(sha256SumsLine(zero, e.name)).length, 0),
    mtimeMs: Math.max(...files.map((e) => e.info.mtimeMs)),
  }];
}

/** Options for {@linkcode serveSha256Sums}. */
export interface Sha256SumsOptions {
  /** The digest cache. */
  digests: DigestCache;
  /** Bytes of new files this request may hash. @default {@linkcode SUMS_HASH_BYTES_PER_REQUEST} */
  maxBytes?: number;
  /** New files this request may hash. @default {@linkcode SUMS_HASH_FILES_PER_REQUEST} */
  maxFiles?: number;
}

/**
 * Answers a GET or HEAD for a folder's virtual `SHA256SUMS`. Digests already
 * known cost nothing; the rest are computed until this request's budget
 * ({@linkcode SUMS_HASH_BYTES_PER_REQUEST}, {@linkcode SUMS_HASH_FILES_PER_REQUEST})
 * is spent. If files remain, the answer is 503 with a Retry-After: what was
 * hashed is kept, so each retry gets further and the list, when it comes, is
 * complete (a partial list would let `sha256sum -c` pass without checking
 * every file).
 *
 * @param request the request
 * @param entries the folder's visible entries
 * @param options the digest cache and the budget
 * @returns 200 with the list, or 503
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveSha256Sums } from "./sha256sums.ts";
 * import { DigestCache } from "./digest_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs, fileBody } = selectAdapter();
 * const dir = mkdtempSync(join(tmpdir(), "sums-"));
 * writeFileSync(join(dir, "a.txt"), "abc");
 * const entries = [{ name: "a.txt", path: join(dir, "a.txt"), info: await fs.stat(join(dir, "a.txt")) }];
 * const response = await serveSha256Sums(new Request("http://x/SHA256SUMS"), entries, {
 *   digests: new DigestCache({ fs, fileBody }),
 * });
 * assert((await response.text()).startsWith("ba7816bf") );
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function serveSha256Sums(
  request: Request,
  entries: readonly FolderEntry[],
  options: Sha256SumsOptions,
): Promise<Response> {
  const { digests } = options;
  const maxBytes = options.maxBytes ?? SUMS_HASH_BYTES_PER_REQUEST;
  const maxFiles = options.maxFiles ?? SUMS_HASH_FILES_PER_REQUEST;
  const files = entries.filter((e) => e.info.isFile).sort((a, b) => (a.name < b.name ? -1 : 1));
  const lines: string[] = [];
  let hashedBytes = 0;
  let hashedFiles = 0;
  let leftBytes = 0;
  for (const { name, path, info } of files) {
    let digest = digests.known(info);
    const withinBudget = hashedBytes < maxBytes && hashedFiles < maxFiles;
    if (!digest && withinBudget) {
      digest = await digests.digest(path, info).catch(() => undefined);
      hashedBytes += info.size;
      hashedFiles++;
    }
    if (!digest) {
      leftBytes += info.size;
      continue;
    }
    lines.push(sha256SumsLine(Buffer.from(digest).toString("hex"), name));
  }
  if (lines.length < files.length) {
    const seconds = Math.min(
      MAX_RETRY_AFTER,
      Math.max(1, Math.ceil(leftBytes / ASSUMED_HASH_RATE)),
    );
    return statusResponse(503, { "retry-after": String(seconds) });
  }
  const bytes = new TextEncoder().encode(lines.join(""));
  const headers: [string, string][] = [
    ["content-type", "text/plain; charset=utf-8"],
    ["cache-control", "no-cache"],
  ];
  if (request.method !== "HEAD") return respond(bytes, headers);
  headers.push(["content-length", String(bytes.length)]);
  return respond(null, headers);
}
