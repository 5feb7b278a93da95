/**
 * Small pieces both adapters use. Private to `src/net`.
 *
 * @module
 */

/** Removes the IPv4-mapped prefix a dual-stack socket reports (`::ffff:1.2.3.4`). */
export function unmapAddress(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".") ? hostname.slice(7) : hostname;
}

/** Resolves after `ms` milliseconds; does not keep the process alive past an abort. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `promise` at most `ms` milliseconds.
 *
 * @returns true if it settled in time (its rejection counts as settled)
 */
export async function raceWithTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A queue of received chunks that a reader awaits: how callback-style sockets
 * become `read(): Promise<Uint8Array | null>`.
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
