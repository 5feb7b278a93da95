/**
 * `serve-http --workers N`: N copies of the server, each its own process
 * on the same port (`SO_REUSEPORT`: the kernel spreads new connections),
 * kept by one supervisor. Workers write the access log straight to the
 * stdout they inherit, each write whole lines of at most `PIPE_BUF` bytes
 * (see `cli/whole_lines.ts`), so lines never mix and none waits in a relay
 * that could lose it at exit. The supervisor relays the workers' stderr
 * line by line; starts a worker again when one dies (and gives up when
 * they keep dying); and on SIGINT/SIGTERM stops them all gracefully.
 *
 * Processes rather than threads: a crash or a leak stays in one worker,
 * and the same code runs under Deno, Bun and the compiled binary.
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { nodeChildProcess } from "../lazy_node.ts";
import process from "node:process";

/** The environment variable that makes serve-http a worker; its value is the worker's index. */
export const WORKER_ENV = "NETKIT_SERVE_HTTP_WORKER";
/** The line a worker prints on stderr once it listens. */
export const WORKER_READY = "worker ready";
/** More restarts than this within {@linkcode RESTART_WINDOW_MS}: the pool gives up. */
export const MAX_RESTARTS = 5;
/** The window in which restarts are counted. */
export const RESTART_WINDOW_MS = 30_000;
/** How long a stopping worker may take (its own grace is 5 s) before SIGKILL. */
const STOP_KILL_MS = 10_000;
/** How long the stderr of a worker that exited may take to deliver its last bytes. */
const DRAIN_MS = 3000;

/** Options for {@linkcode runWorkerPool}. */
export interface WorkerPoolOptions {
  /** How many workers. */
  count: number;
  /** The argv of one worker: the program and its arguments. */
  argv: string[];
  /** A line for stderr: the workers' own, and the pool's. */
  err(line: string): void;
  /** Resolves when the pool should stop (a signal's name). */
  stopped: Promise<string>;
  /** Called once every worker has said it listens. */
  onReady(): void;
}

/** One running worker. */
interface Worker {
  index: number;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Runs the pool until `stopped` resolves or the workers keep dying.
 *
 * @param options the workers, where their output goes, and when to stop
 * @returns 0 after a stop, 1 when a worker could not start or kept dying
 * @example One worker that stops at once: the pool says so and returns 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { runWorkerPool } from "./worker_pool.ts";
 *
 * const lines: string[] = [];
 * const code = await runWorkerPool({
 *   count: 1,
 *   argv: ["sh", "-c", "echo no such folder >&2; exit 1"],
 *   err: (line) => lines.push(line),
 *   stopped: new Promise(() => {}),
 *   onReady() {},
 * });
 * assert.equal(code, 1);
 * assert.deepEqual(lines, ["no such folder", "netkit serve-http: worker 1 exited (status 1) before it listened"]);
 * ```
 */
export async function runWorkerPool(options: WorkerPoolOptions): Promise<number> {
  const workers = new Map<number, Worker>();
  let stopping = false;
  const restarts: number[] = [];
  let gaveUp: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (gaveUp = resolve));

  const start = async (index: number): Promise<boolean> => {
    const worker = _spawnWorker(index, options);
    workers.set(index, worker);
    if (!(await worker.ready)) {
      options.err(
        `netkit serve-http: worker ${index + 1} ${_exitText(worker.child)} before it listened`,
      );
      return false;
    }
    worker.exited.then(() => {
      if (stopping) return;
      const now = performance.now();
      restarts.push(now);
      while (restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS) {
        gaveUp(`${restarts.length} workers died within ${RESTART_WINDOW_MS / 1000} s`);
        return;
      }
      options.err(
        `netkit serve-http: worker ${index + 1} ${_exitText(worker.child)}; starting it again`,
      );
      start(index).then((ok) => ok || gaveUp(`worker ${index + 1} could not start again`));
    });
    return true;
  };

  for (let index = 0; index < options.count; index++) {
    if (!(await start(index))) {
      await _stopAll(workers);
      return 1;
    }
  }
  options.onReady();
  const outcome = await Promise.race([
    options.stopped.then((signal) => ({ signal })),
    failed.then((reason) => ({ reason })),
  ]);
  stopping = true;
  if ("reason" in outcome) options.err(`netkit serve-http: ${outcome.reason}: stopping`);
  await _stopAll(workers);
  return "reason" in outcome ? 1 : 0;
}

/** Starts worker `index`: its own process group (a terminal's Ctrl-C reaches only the pool). */
function _spawnWorker(
  index: number,
  options: WorkerPoolOptions,
): Worker & { ready: Promise<boolean> } {
  const child = nodeChildProcess().spawn(options.argv[0], options.argv.slice(1), {
    // stdin tells the worker when the supervisor is gone; stdout is ours.
    stdio: ["pipe", "inherit", "pipe"],
    env: { ...process.env, [WORKER_ENV]: String(index) },
    detached: true,
  });
  // Ended once the process is gone and stderr is read to the end: Deno can
  // report "close" before the last "data". A pipe some grandchild still
  // holds is given up on after a few seconds.
  const drained = new Promise<void>((resolve) => {
    child.stderr!.on("end", resolve);
    child.stderr!.on("close", resolve); // destroyed without an end: a spawn that failed
    child.stderr!.on("error", () => resolve());
  });
  const exited = new Promise<void>((resolve) => {
    child.on("close", () => resolve());
    child.on("error", (error) => {
      options.err(`netkit serve-http: cannot start a worker: ${error.message}`);
      resolve();
    });
  }).then(() => _within(drained, DRAIN_MS));
  let resolveReady: (ready: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (resolveReady = resolve));
  let pendingErr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    const lines = (pendingErr + text).split("\n");
    pendingErr = lines.pop()!;
    for (const line of lines) {
      if (line === WORKER_READY) resolveReady(true);
      else options.err(line);
    }
  });
  exited.then(() => resolveReady(false));
  return { index, child, exited, ready };
}

/** SIGTERM to every worker, SIGKILL to any still there after {@linkcode STOP_KILL_MS}. */
async function _stopAll(workers: Map<number, Worker>): Promise<void> {
  const all = [...workers.values()];
  for (const { child } of all) _signal(child, "SIGTERM");
  const killer = setTimeout(() => {
    for (const { child } of all) _signal(child, "SIGKILL");
  }, STOP_KILL_MS);
  await Promise.all(all.map((w) => w.exited));
  clearTimeout(killer);
}

/**
 * Signals a worker that is still there. By pid, not `child.kill()`: Deno's
 * kill() also closes the pipes to the child, so a worker saw its stdin end
 * before the SIGTERM came and, stopping for that, died of the signal
 * before it wrote its last access-log lines.
 */
function _signal(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // Gone between the check and the signal: "close" is on its way.
  }
}

function _exitText(child: ChildProcess): string {
  if (child.signalCode) return `was killed by ${child.signalCode}`;
  return `exited (status ${child.exitCode ?? "unknown"})`;
}

/** `promise`, or nothing after `ms`. */
async function _within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * In a worker: resolves when the supervisor is gone (the worker's stdin,
 * a pipe from it, closes), so a pool killed with SIGKILL leaves no worker
 * serving on.
 *
 * @returns a promise that resolves when stdin ends
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whenSupervisorGone } from "./worker_pool.ts";
 *
 * assert(whenSupervisorGone instanceof Function);
 * ```
 */
export function whenSupervisorGone(): Promise<string> {
  return new Promise((resolve) => {
    process.stdin.on("end", () => resolve("supervisor gone"));
    process.stdin.on("close", () => resolve("supervisor gone"));
    process.stdin.resume();
  });
}
