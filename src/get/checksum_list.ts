/**
 * Reads a `SHA256SUMS`/`SHA512SUMS` list as `sha256sum -c` does (GNU
 * coreutils src/cksum.c): GNU lines `HEX  NAME` (`HEX *NAME` in binary
 * mode), BSD tags `SHA256 (NAME) = HEX` (also OpenSSL's `SHA256(NAME)= HEX`),
 * the leading-`\` escaped form of both, `#` comments and CRLF line ends.
 * The digest's length says the algorithm of an untagged line.
 *
 * @module
 */
import type { HashName } from "./sink.ts";

/** What one line of the list says about one file. */
export interface ChecksumEntry {
  hash: HashName;
  /** Lower-case hex. */
  hex: string;
}

/** The entries of a list by file name (`./` dropped), and how many lines were not understood. */
export interface ChecksumList {
  entries: Map<string, ChecksumEntry>;
  improper: number;
}

/** Digest length in hex digits of each algorithm (FIPS 180-4: 256 and 512 bits). */
const HEX_LENGTH: Record<HashName, number> = { sha256: 64, sha512: 128 };

const BSD_LINE = /^(SHA256|SHA512) ?\((.*)\) ?= ?([0-9A-Fa-f]+)$/;
const GNU_LINE = /^([0-9A-Fa-f]+) [ *](.*)$/;

/**
 * Parses the text of a checksum list.
 *
 * @param text the whole list
 * @returns the entries by name, and the count of improper lines
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChecksumList } from "./checksum_list.ts";
 *
 * const hex = "ab".repeat(32);
 * const list = parseChecksumList(`${hex}  a.txt\nSHA256 (b.txt) = ${hex}\nnonsense\n`);
 * assert.deepEqual(list.entries.get("b.txt"), { hash: "sha256", hex });
 * assert(list.entries.has("a.txt") && list.improper === 1);
 * ```
 */
export function parseChecksumList(text: string): ChecksumList {
  const entries = new Map<string, ChecksumEntry>();
  let improper = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").trimStart();
    if (line === "" || line.startsWith("#")) continue;
    const parsed = _parseLine(line);
    if (parsed === undefined) improper++;
    else entries.set(parsed.name.replace(/^(\.\/)+/, ""), parsed.entry);
  }
  return { entries, improper };
}

function _parseLine(line: string): { name: string; entry: ChecksumEntry } | undefined {
  const escaped = line.startsWith("\\");
  const body = escaped ? line.slice(1) : line;
  const bsd = BSD_LINE.exec(body);
  const match = bsd ? [bsd[1].toLowerCase(), bsd[2], bsd[3]] : GNU_LINE.exec(body)?.slice(1);
  if (!match) return undefined;
  const [tag, rawName, rawHex] = bsd ? match : [undefined, match[1], match[0]];
  const hex = rawHex.toLowerCase();
  const hash = (tag ?? _hashOfLength(hex.length)) as HashName | undefined;
  if (hash === undefined || hex.length !== HEX_LENGTH[hash]) return undefined;
  const name = escaped ? _unescape(rawName) : rawName;
  return name === undefined || name === "" ? undefined : { name, entry: { hash, hex } };
}

function _hashOfLength(length: number): HashName | undefined {
  return (Object.keys(HEX_LENGTH) as HashName[]).find((name) => HEX_LENGTH[name] === length);
}

/** `\\`, `\n` and `\r` in an escaped line's name; anything else makes the line improper. */
function _unescape(name: string): string | undefined {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== "\\") {
      out += name[i];
      continue;
    }
    const next = { "\\": "\\", n: "\n", r: "\r" }[name[++i]];
    if (next === undefined) return undefined;
    out += next;
  }
  return out;
}

/**
 * The entry for a file saved as `name` (a path relative to the output
 * folder): the line for that path, else the line for its last segment.
 *
 * @param list a parsed list
 * @param name the saved file's path, `/`-separated
 * @returns the entry, or undefined when the list has no line for it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checksumFor, parseChecksumList } from "./checksum_list.ts";
 *
 * const list = parseChecksumList(`${"0".repeat(64)}  ./iso/a.iso\n`);
 * assert(checksumFor(list, "iso/a.iso") !== undefined && checksumFor(list, "b.iso") === undefined);
 * ```
 */
export function checksumFor(list: ChecksumList, name: string): ChecksumEntry | undefined {
  const path = name.replace(/^(\.\/)+/, "");
  return list.entries.get(path) ?? list.entries.get(path.split("/").pop() ?? path);
}
