/**
 * What a many-file run reads before it starts: the input file (`-i`) and
 * the checksum list (`--checksums`, a file or a URL). Private to `src/get`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../cli/args.ts";
import { errnoWords } from "../cli/errno_words.ts";
import { EXIT } from "../cli/exit_codes.ts";
import type { NetAdapter } from "../net/types.ts";
import { type ChecksumEntry, type ChecksumList, parseChecksumList } from "./checksum_list.ts";
import { download, type DownloadRequest } from "./download.ts";
import { downloadUrl } from "./download_url.ts";
import { DownloadError } from "./errors.ts";
import { stdoutSinks } from "./sink_provider.ts";
import { parseUrlList } from "./url_list.ts";

/** One file of a run: its URL, and where it goes when the input file says. */
export interface ManyItem {
  url: URL;
  /** `out=`: the file's path inside the output folder (and `dir`). */
  out?: string;
  /** `dir=`: a folder inside the output folder. */
  dir?: string;
  /** Resume this file's `.part` (overrides the run's `-C`; `--mirror` decides per file). */
  resume?: boolean;
  /** The checksum this file must match (`--mirror`'s served SHA256SUMS). */
  checksum?: ChecksumEntry;
}

function _readText(path: string, flag: string): string {
  try {
    return new TextDecoder().decode(readFileSync(path === "-" ? 0 : path));
  } catch (error) {
    throw new DownloadError(EXIT.READ_ERROR, `Cannot read ${flag} ${path}: ${errnoWords(error)}`);
  }
}

/**
 * The items of an input file (`-` is standard input).
 *
 * @param path the file
 * @returns its items, in order
 * @throws {DownloadError} 26 when it cannot be read; {UsageError} for a bad line
 */
export function readUrlList(path: string): ManyItem[] {
  return parseUrlList(_readText(path, "-i")).map((entry) => {
    let url: URL;
    try {
      url = downloadUrl(entry.url);
    } catch (error) {
      throw new UsageError(`-i line ${entry.line}: ${(error as Error).message}`);
    }
    return { url, out: entry.out, dir: entry.dir };
  });
}

/** Options for {@linkcode loadChecksums}. */
export interface LoadChecksumsOptions {
  net: NetAdapter;
  /** The run's request rules (headers, timeouts, retries) for a list at a URL. */
  request: Omit<DownloadRequest, "url">;
  sleep(ms: number): Promise<void>;
  now(): number;
  note(line: string): void;
}

/**
 * Reads a checksum list from a file or, for an `http(s)://` source, the network.
 *
 * @param source the path or URL `--checksums` names
 * @param options how to fetch it
 * @returns the parsed list
 * @throws {DownloadError} when it cannot be read or fetched, or lists no checksum (1)
 */
export async function loadChecksums(
  source: string,
  options: LoadChecksumsOptions,
): Promise<ChecksumList> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    await download({ ...options.request, url: downloadUrl(source) }, {
      ...options,
      sinks: stdoutSinks((chunk) => void chunks.push(chunk.slice()), { hashNames: [] }),
      random: Math.random,
    });
    text = await new Blob(chunks).text();
  } else {
    text = _readText(source, "--checksums");
  }
  const list = parseChecksumList(text);
  if (list.entries.size === 0) {
    throw new DownloadError(
      EXIT.FAILURE,
      `--checksums ${source} has no SHA256SUMS or SHA512SUMS lines`,
    );
  }
  return list;
}
