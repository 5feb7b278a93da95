/**
 * A body written as it arrives, with no `.part`: standard output, or a file
 * that is not a regular file (`/dev/null`, a FIFO, a device), which renaming
 * a `.part` over would replace.
 *
 * @module
 */
import type { Hash } from "node:crypto";
import type { Sink } from "./sink.ts";
import type { Validators } from "./validators.ts";
import {
  digestsOf,
  hashers,
  type HashFactory,
  type HashName,
  writeError,
} from "./_sink_helpers.ts";

/** Options for {@linkcode StreamSink}. */
export interface StreamSinkOptions {
  /** Writes all of a chunk or throws the errno error (the context's writeOut). */
  write: (chunk: Uint8Array) => void;
  /** How messages name it: `standard output`, the path. */
  label: string;
  /** Releases what `write` writes to (a file's descriptor); nothing for stdout. */
  close?: () => void;
  hashNames?: HashName[];
  createHash?: HashFactory;
}

/**
 * Writes the body as it arrives; bytes once written cannot be taken back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamSink } from "./stream_sink.ts";
 *
 * const chunks: Uint8Array[] = [];
 * const sink = new StreamSink({ write: (c) => void chunks.push(c), label: "memory" });
 * sink.write(new TextEncoder().encode("abc"));
 * sink.commit();
 * assert(sink.offset === 3 && chunks.length === 1 && !sink.canRestart);
 * ```
 */
export class StreamSink implements Sink {
  readonly resumedFrom = 0;
  validators: Validators = {};
  #options: StreamSinkOptions;
  #offset = 0;
  #hashes: Map<HashName, Hash>;
  #closed = false;

  /** @param options where the bytes go and what to hash */
  constructor(options: StreamSinkOptions) {
    this.#options = options;
    this.#hashes = hashers(options.hashNames ?? [], options.createHash);
  }
  /** Bytes written. */
  get offset(): number {
    return this.#offset;
  }
  /** Only before the first byte. */
  get canRestart(): boolean {
    return this.#offset === 0;
  }
  /** Writes and hashes `chunk`; a failed write is exit 23. */
  write(chunk: Uint8Array): void {
    try {
      this.#options.write(chunk);
    } catch (error) {
      throw writeError(error, this.#options.label);
    }
    for (const hash of this.#hashes.values()) hash.update(chunk);
    this.#offset += chunk.length;
  }
  /** Nothing to forget before the first byte; after it, an error. */
  restart(): void {
    if (this.#offset !== 0) {
      throw new Error(`Cannot take back bytes written to ${this.#options.label}`);
    }
  }
  /** Kept in memory only: there is nothing to resume later. */
  saveValidators(validators: Validators): void {
    this.validators = validators;
  }
  /** Hex digests of what was written. */
  digests(): Map<HashName, string> {
    return digestsOf(this.#hashes);
  }
  /** Releases the output. */
  commit(): void {
    this.close();
  }
  /** Releases the output (written bytes stay written). */
  discard(): void {
    this.close();
  }
  /** Releases the output once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.close?.();
  }
}
