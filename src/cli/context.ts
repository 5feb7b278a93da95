/**
 * The only I/O a command has: the network adapter, its output streams, its
 * environment and its clock. `main.ts` builds the real one; tests build
 * their own with {@linkcode memoryContext} and run every flag in-process.
 *
 * @module
 */
import type { NetAdapter } from "../net/types.ts";

/** What every command gets. */
export interface CommandContext {
  net: NetAdapter;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /**
   * Writes bytes to standard output, all of them, before returning (a body
   * on stdout). Throws the errno error of a failed write (EPIPE, ENOSPC).
   */
  writeOut(bytes: Uint8Array): void;
  /** Writes text to standard error as is, without adding a line break (a progress meter). */
  writeErr(text: string): void;
  /** The environment (`HOME`, passwords, proxies); never `process.env` directly. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether standard error is a terminal (progress meters, colour). */
  readonly stderrIsTerminal: boolean;
  /** Wall-clock time, milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic time in milliseconds (durations, rates): a clock step changes nothing. */
  monotonicNow(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A subcommand: parses its own arguments, returns an exit code, never exits. */
export interface Command {
  /** The full `--help` text. */
  usage: string;
  run(args: string[], context: CommandContext): Promise<number>;
}

/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./context.ts";
 *
 * const started = performance.now();
 * await sleep(10);
 * assert(performance.now() - started >= 9);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** What a {@linkcode memoryContext} collected. */
export interface MemoryOutput {
  /** Lines written with `out`. */
  out: string[];
  /** Lines written with `err`, and text written with `writeErr`, in order. */
  err: string[];
  /** Bytes written with `writeOut`, joined. */
  bytes(): Uint8Array;
}

/** Options for {@linkcode memoryContext}. */
export interface MemoryContextOptions {
  env?: Record<string, string | undefined>;
  stderrIsTerminal?: boolean;
  now?: () => number;
}

/**
 * A context that keeps what a command writes, for in-process tests.
 *
 * @param net the adapter (or a stub of the parts the command uses)
 * @param options environment, terminal, clock
 * @returns the context and what it collected
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryContext } from "./context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter, { env: { HOME: "/root" } });
 * context.out("hello");
 * context.writeOut(new TextEncoder().encode("body"));
 * assert(output.out[0] === "hello" && output.bytes().length === 4);
 * ```
 */
export function memoryContext(
  net: NetAdapter,
  options: MemoryContextOptions = {},
): { context: CommandContext; output: MemoryOutput } {
  const chunks: Uint8Array[] = [];
  const output: MemoryOutput = {
    out: [],
    err: [],
    bytes: () => {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
      return all;
    },
  };
  const context: CommandContext = {
    net,
    out: (line) => output.out.push(line),
    err: (line) => output.err.push(line),
    writeOut: (bytes) => chunks.push(bytes.slice()),
    writeErr: (text) => output.err.push(text),
    env: options.env ?? {},
    stderrIsTerminal: options.stderrIsTerminal ?? false,
    now: options.now ?? (() => Date.now()),
    monotonicNow: () => performance.now(),
    sleep,
  };
  return { context, output };
}
