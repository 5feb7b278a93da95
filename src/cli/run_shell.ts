/**
 * Runs a user's shell command (`sync-time --exec CMD`) with extra variables
 * in its environment, bounded in time. The child's output goes to this
 * process's stderr, so a service's log holds it beside netkit's own lines.
 *
 * @module
 */
import { nodeChildProcess } from "../lazy_node.ts";
import process from "node:process";

/** Options for {@linkcode runShell}. */
export interface RunShellOptions {
  /** The whole environment the command gets. */
  env: Record<string, string | undefined>;
  /** Killed (SIGKILL, by its PID) after this long. @default 60000 */
  timeoutMs?: number;
}

/** How the command ended. */
export interface ShellResult {
  /** Its exit code; null when killed. */
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: string | null;
  /** Whether it was killed for running past the time limit. */
  timedOut: boolean;
  /** It could not be started at all (no /bin/sh). */
  error?: string;
}

/**
 * Runs `command` with `/bin/sh -c`, waits for it (at most `timeoutMs`).
 *
 * @param command the shell command line
 * @param options its environment and time limit
 * @returns its exit code or signal; never rejects
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runShell } from "./run_shell.ts";
 *
 * const result = await runShell('test "$STEP" = "+1.5"', { env: { STEP: "+1.5" } });
 * assert.deepEqual(result, { code: 0, signal: null, timedOut: false });
 * ```
 */
export function runShell(command: string, options: RunShellOptions): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = nodeChildProcess().spawn("/bin/sh", ["-c", command], {
      env: options.env,
      stdio: ["ignore", 2, 2],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, error: error.message });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
}
