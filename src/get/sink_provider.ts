/**
 * Chooses where a body goes: standard output, `-o FILE` (through a `.part`,
 * or in place for a FIFO or device), or `-O` (named once the final
 * response is known, from its URL or Content-Disposition).
 *
 * @module
 */
import { closeSync, existsSync, lstatSync, openSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";
import { fileNameFromDisposition, fileNameFromUrl } from "./file_name.ts";
import { FileSink, type FileSinkOptions, refuseToReplace, type Sink } from "./sink.ts";
import { StreamSink } from "./stream_sink.ts";
import { type HashFactory, type HashName, writeAllToFd, writeError } from "./_sink_helpers.ts";

/** Where the body goes, decided when the final response's head is known. */
export interface SinkProvider {
  /** The sink already chosen (after the first response), if any. */
  current?: Sink;
  /**
   * Chooses the sink for this response; the name may depend on the final
   * URL or on Content-Disposition.
   */
  open(finalUrl: URL, response: Response): Sink;
  /** Whether a sink for `response` would already hold bytes to resume from. */
  wouldResume(finalUrl: URL, response: Response): boolean;
}

/** Options for {@linkcode stdoutSinks}. */
export interface StdoutSinksOptions {
  hashNames: HashName[];
  createHash?: HashFactory;
}

/**
 * The body on standard output, through `write` (the context's writeOut).
 *
 * @param write writes all of a chunk, or throws the errno error
 * @param options what to hash
 * @returns a provider whose sink is always the same stream
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stdoutSinks } from "./sink_provider.ts";
 *
 * const sinks = stdoutSinks(() => {}, { hashNames: [] });
 * assert(sinks.current !== undefined && !sinks.wouldResume(new URL("http://h/"), new Response()));
 * ```
 */
export function stdoutSinks(
  write: (chunk: Uint8Array) => void,
  options: StdoutSinksOptions,
): SinkProvider {
  const sink = new StreamSink({ write, label: "to standard output", ...options });
  return { current: sink, open: () => sink, wouldResume: () => false };
}

/** Options for {@linkcode fileSinks}. */
export interface FileSinksOptions extends FileSinkOptions {
  /** With `-O`: prefer the server's Content-Disposition name. */
  fromHeader: boolean;
  /** With `-O`: the folder the named file goes in (`-P`); the current one by default. */
  dir?: string;
  /**
   * With `-O`: called with the chosen name before its `.part` is opened;
   * throws to refuse it (two URLs of one run that would write one file).
   */
  claim?(path: string): void;
}

/**
 * Sinks for `-o FILE` (`path`) or `-O` (`path` undefined).
 *
 * @param path the file `-o` names, or undefined for `-O`
 * @param options replace, resume, name from header, hashes
 * @returns the provider
 * @throws {DownloadError} 111 when FILE exists, 23 when a device cannot be opened
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileSinks } from "./sink_provider.ts";
 *
 * const sinks = fileSinks(undefined, { force: false, resume: false, fromHeader: false, hashNames: [] });
 * assert(sinks.current === undefined); // -O: named after the final response
 * ```
 */
export function fileSinks(path: string | undefined, options: FileSinksOptions): SinkProvider {
  const open = (name: string): Sink => FileSink.open(name, options);
  const hasPartial = (name: string) => existsSync(`${name}.part`) || existsSync(name);
  if (path === undefined) {
    const nameFor = (finalUrl: URL, response: Response): string => {
      const disposition = response.headers.get("content-disposition");
      const named = options.fromHeader && disposition
        ? fileNameFromDisposition(disposition)
        : undefined;
      const name = named ?? fileNameFromUrl(finalUrl);
      return options.dir ? join(options.dir, name) : name;
    };
    return {
      open: (finalUrl, response) => {
        const name = nameFor(finalUrl, response);
        options.claim?.(name);
        return open(name);
      },
      wouldResume: (finalUrl, response) =>
        options.resume && hasPartial(nameFor(finalUrl, response)),
    };
  }
  const existing = !options.fresh && existsSync(path) ? statSync(path) : undefined;
  if (existing && !existing.isFile() && !existing.isDirectory()) return deviceSinks(path, options);
  if (existing?.isDirectory()) {
    throw new DownloadError(
      EXIT.WRITE_ERROR,
      `Cannot write ${path}: it is a folder (-P DIR saves into one)`,
    );
  }
  if (existing) refuseToReplace(path, options);
  // A symlink stays a symlink: its target is what gets replaced (and what messages name).
  const target = existing && lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  // Open now only to resume (the request then carries Range at once); a
  // fresh download creates its .part when the response is a success.
  return {
    current: options.resume && hasPartial(target) ? open(target) : undefined,
    open: () => open(target),
    wouldResume: () => false,
  };
}

/** /dev/null, a FIFO, a device: written in place, never replaced by a rename. */
function deviceSinks(path: string, options: FileSinkOptions): SinkProvider {
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (error) {
    throw writeError(error, path);
  }
  const sink = new StreamSink({
    write: (chunk) => writeAllToFd(fd, chunk),
    close: () => closeSync(fd),
    label: path,
    hashNames: options.hashNames,
    createHash: options.createHash,
  });
  return { current: sink, open: () => sink, wouldResume: () => false };
}
