/**
 * Where a command writes, so tests can capture it.
 *
 * @module
 */
import type { NetAdapter } from "../net/types.ts";

/** What every command gets: the adapter and its two output streams, a line at a time. */
export interface CommandContext {
  net: NetAdapter;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
}

/** A subcommand: parses its own arguments, returns an exit code, never exits. */
export interface Command {
  /** The full `--help` text. */
  usage: string;
  run(args: string[], context: CommandContext): Promise<number>;
}
