/**
 * Undoing a response's content codings (RFC 9110 §8.4.1) where `get` wants
 * decoded output: gzip, deflate (zlib-wrapped, or raw as some servers send
 * it, which curl accepts too) and br, with the web-standard
 * `DecompressionStream`, the same on Deno and on Bun: the adapter never
 * decodes (its contract), so this is the only place that does.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";

/** A content coding `get` can undo. */
export type ContentCoding = "gzip" | "deflate" | "br";

/** Aliases RFC 9110 §8.4.1.3 keeps for gzip. */
const NAMES: Record<string, ContentCoding | "identity"> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "br",
  identity: "identity",
};

/**
 * The codings of a `Content-Encoding` header, in the order to undo them
 * (the last one applied first); `identity` is dropped.
 *
 * @param header the header's value
 * @returns the codings (empty for none), or undefined when one is unknown
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseContentCodings } from "./content_decoding.ts";
 *
 * assert(parseContentCodings("gzip, br")?.join() === "br,gzip");
 * assert(parseContentCodings(null)?.length === 0);
 * assert(parseContentCodings("zstd") === undefined);
 * ```
 */
export function parseContentCodings(header: string | null): ContentCoding[] | undefined {
  const codings: ContentCoding[] = [];
  for (const part of (header ?? "").split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "") continue;
    const coding = NAMES[name];
    if (coding === undefined) return undefined;
    if (coding !== "identity") codings.unshift(coding);
  }
  return codings;
}

/** Where a body's bytes go, chunk by chunk; `end` once the wire is done. */
export interface BodyOutput {
  /** Whether the bytes written are decoded ones (so they do not count the server's bytes). */
  readonly decoded: boolean;
  write(chunk: Uint8Array): void | Promise<void>;
  end(): Promise<void>;
}

/**
 * An output that undoes `codings` and hands the decoded bytes to `write`.
 *
 * @param codings from {@linkcode parseContentCodings}, in undo order
 * @param write where decoded bytes go (a sink's write)
 * @returns the output to feed the wire bytes to
 * @throws {DownloadError} from `write` or `end`: exit 61 for a corrupt body,
 *   or the error `write` threw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodingOutput } from "./content_decoding.ts";
 *
 * const gzipped = new Uint8Array(
 *   await new Response(new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
 * );
 * const parts: Uint8Array[] = [];
 * const output = decodingOutput(["gzip"], (chunk) => void parts.push(chunk));
 * await output.write(gzipped);
 * await output.end();
 * assert(new TextDecoder().decode(parts[0]) === "hello");
 * ```
 */
export function decodingOutput(
  codings: ContentCoding[],
  write: (chunk: Uint8Array) => void,
): BodyOutput {
  const stages = codings.map(stage);
  const readable = stages.slice(1).reduce((r, s) => r.pipeThrough(s), stages[0].readable);
  const writer = stages[0].writable.getWriter();
  const reader = readable.getReader();
  let failure: unknown;
  const drained = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        write(value);
      }
    } catch (error) {
      failure ??= error;
      await reader.cancel(error).catch(() => {});
    }
  })();
  const fail = (error: unknown): never => {
    const cause = failure ?? error;
    if (cause instanceof DownloadError) throw cause;
    throw new DownloadError(
      EXIT.BAD_CONTENT_ENCODING,
      `Cannot decode the body: it is not valid ${codings.join(" inside ")} data`,
      { cause },
    );
  };
  return {
    decoded: true,
    write: (chunk) => writer.write(chunk as Uint8Array<ArrayBuffer>).catch(fail),
    end: async () => {
      await writer.close().catch(fail);
      await drained;
      if (failure !== undefined) fail(failure);
    },
  };
}

/** A decompressor: bytes in, bytes out. */
type Stage = TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>;

/** One coding's decompressor. */
function stage(coding: ContentCoding): Stage {
  if (coding === "gzip") return new DecompressionStream("gzip") as unknown as Stage;
  if (coding === "br") {
    return new DecompressionStream("brotli" as CompressionFormat) as unknown as Stage;
  }
  return deflateStage();
}

/**
 * `deflate` as RFC 9110 §8.4.1.2 means it (zlib, RFC 1950) or as some
 * servers send it (raw RFC 1951): the first two bytes tell.
 */
function deflateStage(): Stage {
  let head = new Uint8Array(0);
  let inner:
    | { writer: WritableStreamDefaultWriter<Uint8Array<ArrayBuffer>>; done: Promise<void> }
    | undefined;
  const open = (controller: TransformStreamDefaultController<Uint8Array<ArrayBuffer>>) => {
    const format = isZlibHeader(head) ? "deflate" : "deflate-raw";
    const decoder = new DecompressionStream(format) as unknown as Stage;
    const reader = decoder.readable.getReader();
    const done = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        controller.enqueue(value);
      }
    })();
    done.catch(() => {}); // awaited in flush; a failure also rejects the writes
    return { writer: decoder.writable.getWriter(), done };
  };
  return new TransformStream({
    async transform(chunk, controller) {
      if (inner) return await inner.writer.write(chunk as Uint8Array<ArrayBuffer>);
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head.length < 2) return;
      const opened = open(controller);
      inner = opened;
      await opened.writer.write(head);
    },
    async flush(controller) {
      const opened = inner ?? open(controller);
      if (!inner && head.length > 0) await opened.writer.write(head);
      await opened.writer.close();
      await opened.done;
    },
  });
}

/** RFC 1950 §2.2: CM 8 (deflate) and a header checksum divisible by 31. */
function isZlibHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && (bytes[0] & 0x0f) === 8 && ((bytes[0] << 8) | bytes[1]) % 31 === 0;
}
