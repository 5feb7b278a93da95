/**
 * How Bun's callback-style sockets become `read(): Promise<Uint8Array | null>`.
 * Private to `src/net/bun`.
 *
 * @module
 */

/**
 * A queue of received chunks that a reader awaits: how callback-style sockets
 * become `read(): Promise<Uint8Array | null>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChunkQueue } from "./_chunk_queue.ts";
 *
 * const queue = new ChunkQueue();
 * queue.push(new Uint8Array([1]));
 * queue.end();
 * assert((await queue.read())?.[0] === 1);
 * assert((await queue.read()) === null);
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: unknown = undefined;
  #waiter: { resolve: (v: Uint8Array | null) => void; reject: (e: unknown) => void } | null = null;

  /** Adds a chunk from the socket. */
  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w.resolve(chunk);
    } else {
      this.#chunks.push(chunk);
    }
  }

  /** Marks the end of the stream, or a failure when `error` is given. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      if (error !== undefined && this.#chunks.length === 0) w.reject(error);
      else w.resolve(this.#chunks.shift() ?? null);
    }
  }

  /** Next chunk, `null` at the end; rejects if the stream failed before more data. */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) return Promise.resolve(chunk);
    if (this.#ended) {
      return this.#error !== undefined ? Promise.reject(this.#error) : Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }
}
