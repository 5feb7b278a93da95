/**
 * Reads the input file of `get -i FILE` as aria2 reads its own
 * (aria2c.rst, "Input File"): one URL per line; lines that start with a
 * blank carry options for the URL above them (`out=NAME`, `dir=DIR`); `#`
 * starts a comment. netkit takes the first of several TAB-separated mirror
 * URIs and says so.
 *
 * @module
 */
import { UsageError } from "../cli/args.ts";

/** One download of an input file. */
export interface UrlListEntry {
  /** The URL as written (parsed by the command, which knows its rules). */
  url: string;
  /** `out=NAME`: the file name, relative to the output folder (and to `dir`). */
  out?: string;
  /** `dir=DIR`: a folder inside the output folder. */
  dir?: string;
  /** The 1-based line the URL is on, for messages. */
  line: number;
}

/**
 * Parses an input file's text.
 *
 * @param text the whole file
 * @returns the downloads, in the file's order
 * @throws {UsageError} for an option line before any URL, an unknown option,
 *   or an `out=` name that leaves the output folder (absolute, or with `..`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUrlList } from "./url_list.ts";
 *
 * const list = parseUrlList("# mine\nhttp://h.test/a\n  out=b.txt\nhttp://h.test/c\n");
 * assert.deepEqual(list, [
 *   { url: "http://h.test/a", out: "b.txt", line: 2 },
 *   { url: "http://h.test/c", line: 4 },
 * ]);
 * ```
 */
export function parseUrlList(text: string): UrlListEntry[] {
  const entries: UrlListEntry[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index].replace(/\r$/, "");
    const line = index + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    if (!/^[ \t]/.test(raw)) {
      entries.push({ url: raw.split("\t")[0].trim(), line });
      continue;
    }
    const current = entries.at(-1);
    if (!current) throw new UsageError(`-i line ${line}: an option line needs a URL line above it`);
    _applyOption(current, { option: raw.trim(), line });
  }
  return entries;
}

function _applyOption(entry: UrlListEntry, at: { option: string; line: number }): void {
  const { option, line } = at;
  const equals = option.indexOf("=");
  const name = equals < 0 ? option : option.slice(0, equals);
  const value = equals < 0 ? "" : option.slice(equals + 1);
  if (name !== "out" && name !== "dir") {
    throw new UsageError(`-i line ${line}: netkit reads only out= and dir= (got '${name}')`);
  }
  if (value === "") throw new UsageError(`-i line ${line}: ${name}= needs a value`);
  if (value.startsWith("/") || value.split("/").includes("..")) {
    throw new UsageError(`-i line ${line}: ${name}=${value} must stay inside the output folder`);
  }
  entry[name] = value;
}
