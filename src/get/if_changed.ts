/**
 * `get -N/--if-changed`: the conditional request for a file downloaded
 * before (RFC 9110 §13.1.2 If-None-Match, §13.1.3 If-Modified-Since), and
 * the validators that make the next one possible.
 *
 * The validators live beside the file in a hidden `.FILE.netkit.json`, not in
 * an extended attribute: neither runtime exposes xattrs without FFI, and
 * they are lost on filesystems without them (FAT, many tmpfs and network
 * mounts) and by plain `cp`, `tar` and `scp`. A sidecar survives all of that,
 * and its leading dot keeps it out of `ls` and of mirrors.
 *
 * @module
 */
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readValidators, type Validators } from "./validators.ts";

/** The sidecar that keeps the validators of `path`'s download. */
export const validatorsPath = (path: string): string =>
  join(dirname(path), `.${basename(path)}.netkit.json`);

/**
 * What a file's previous download said about it, turned into request headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IfChanged } from "./if_changed.ts";
 * import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const file = join(dir, "f.txt");
 *   writeFileSync(file, "v1");
 *   const url = "http://example.test/f.txt";
 *   IfChanged.record(file, { url, etag: '"v1"', lastModified: "Tue, 01 Dec 2026 10:00:00 GMT" });
 *   assert.deepEqual(IfChanged.load(file, url).headers, {
 *     "if-none-match": '"v1"',
 *     "if-modified-since": "Tue, 01 Dec 2026 10:00:00 GMT",
 *   });
 *   assert(statSync(file).mtime.toUTCString() === "Tue, 01 Dec 2026 10:00:00 GMT");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class IfChanged {
  /** The conditional request headers; empty when there is no file yet. */
  readonly headers: Record<string, string>;

  private constructor(headers: Record<string, string>) {
    this.headers = headers;
  }

  /**
   * Reads what is known about `path` as fetched from `url`: its saved ETag
   * and Last-Modified, else (a file saved without -N, or by another tool)
   * its mtime as If-Modified-Since, as wget -N sends it.
   *
   * @param path the local file
   * @param url the URL it is fetched from (a sidecar saved for another URL is ignored)
   * @returns the headers to send
   */
  static load(path: string, url: string): IfChanged {
    let mtime: Date;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return new IfChanged({});
      mtime = stat.mtime;
    } catch {
      return new IfChanged({});
    }
    const saved = readValidators(validatorsPath(path));
    const headers: Record<string, string> = {};
    if (saved.url === url && saved.etag) headers["if-none-match"] = saved.etag;
    headers["if-modified-since"] = saved.url === url && saved.lastModified
      ? saved.lastModified
      : mtime.toUTCString();
    return new IfChanged(headers);
  }

  /**
   * Saves `validators` beside `path` and sets its mtime from Last-Modified
   * (as wget does), so even without the sidecar the next If-Modified-Since
   * matches the server's date exactly (nginx answers 304 only to that).
   *
   * @param path the file just saved
   * @param validators the validators of the response it came from
   */
  static record(path: string, validators: Validators): void {
    const { url, etag, lastModified } = validators;
    writeFileSync(validatorsPath(path), JSON.stringify({ url, etag, lastModified }) + "\n");
    const date = lastModified === undefined ? NaN : Date.parse(lastModified);
    if (!Number.isNaN(date)) utimesSync(path, new Date(), new Date(date));
  }
}
