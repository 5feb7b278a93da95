/**
 * Test helpers: spawning netkit and peer programs, bounded in time.
 *
 * Which netkit the end-to-end tests run: `NETKIT_BIN` if set (the compiled
 * binary), else the runtime running the tests (`deno run -A main.ts` under
 * `deno test`, `bun main.ts` under `bun test`).
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, appendFileSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import process from "node:process";

/** The project's root folder. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** `"deno"` or `"bun"`: the runtime running the tests. */
export const RUNTIME: string = navigator.userAgent.startsWith("Deno/") ? "deno" : "bun";

/** The argv that starts netkit for end-to-end tests. */
export function netkitArgv(): string[] {
  const bin = process.env.NETKIT_BIN;
  if (bin) return [bin];
  return RUNTIME === "deno"
    ? [process.execPath, "run", "-A", `${ROOT}main.ts`]
    : [process.execPath, `${ROOT}main.ts`];
}

/** A name for the netkit under test, for test titles. */
export const TARGET: string = process.env.NETKIT_BIN ? "binary" : RUNTIME;

const found = new Map<string, boolean>();

/**
 * Whether a program is on PATH (looked up here, not through a shell: a machine
 * may lack `sh` on PATH and still have the program).
 */
export function have(program: string): boolean {
  const path = process.env.PATH ?? "";
  let yes = found.get(`${path}\0${program}`);
  if (yes === undefined) {
    yes = path.split(delimiter).some((dir) => {
      try {
        accessSync(join(dir || ".", program), constants.X_OK);
        return statSync(join(dir || ".", program)).isFile();
      } catch {
        return false;
      }
    });
    found.set(`${path}\0${program}`, yes);
  }
  return yes;
}

/** Where the browser test finds Chromium. */
export const CHROMIUM: string = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Sysroot with the arm64 loader and libc, for qemu-user (Debian libc6-arm64-cross). */
export const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

/** A program or file the tests talk to, and the Debian package that brings it. */
export interface Peer {
  /** The Debian package to `apt-get install`. */
  package: string;
  /** How to tell it is there; default: a program of the peer's name on PATH. */
  present?: () => boolean;
}

/**
 * Every peer a test may need. A test names its peers through
 * {@linkcode peerSkip}, so a skip always says what is missing and how to get it.
 */
export const PEERS: Readonly<Record<string, Peer>> = {
  "aria2c": { package: "aria2" },
  "arm64-sysroot": {
    package: "libc6-arm64-cross",
    present: () => existsSync(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`),
  },
  "busybox": { package: "busybox" },
  "chromium": {
    package: "chromium",
    // Debian's /usr/bin/chromium is a shell script that needs the usual tools on
    // PATH: where chromium itself is not on PATH, those may be missing too.
    present: () => existsSync(CHROMIUM) && (!!process.env.CHROMIUM_PATH || have("chromium")),
  },
  "chronyd": { package: "chrony" },
  "curl": { package: "curl" },
  "dash": { package: "dash" },
  "faketime": { package: "faketime" },
  "file": { package: "file" },
  "gzip": { package: "gzip" },
  "htpasswd": { package: "apache2-utils" },
  "mkfifo": { package: "coreutils" },
  "nginx": { package: "nginx" },
  "node": { package: "nodejs" },
  "ntpdig": { package: "ntpsec-ntpdate" },
  "ntplib": {
    package: "python3-ntplib",
    present: () => pythonWith("ntplib") !== undefined,
  },
  "openssl": { package: "openssl" },
  "python3": { package: "python3" },
  "qemu-aarch64-static": { package: "qemu-user-static" },
  "rdate": { package: "rdate" },
  "setpriv": { package: "util-linux" },
  "sha256sum": { package: "coreutils" },
  "shasum": { package: "perl" },
  "systemd-analyze": { package: "systemd" },
  "tar": { package: "tar" },
  "unzip": { package: "unzip" },
  "wget": { package: "wget" },
  "xinetd": { package: "xinetd" },
  "xz": { package: "xz-utils" },
};

/**
 * The `skip` of a test that needs `peers`: `false` when all are there, else a
 * message naming the missing ones and the `apt-get install` line that brings
 * them. Call it once per test (`{ skip: peerSkip("curl") }`): the test runner
 * counts the calls (through the file `NETKIT_PEER_LOG` names) and reports them.
 * With `NETKIT_REQUIRE_PEERS=1` (CI) a missing peer throws instead: a failure.
 *
 * @param peers names from {@linkcode PEERS}
 * @returns `false`, or why the test is skipped
 * @throws {TypeError} for a peer not in {@linkcode PEERS}
 * @throws {Error} when a peer is missing and `NETKIT_REQUIRE_PEERS=1`
 */
export function peerSkip(...peers: string[]): string | false {
  const missing = peers.filter((name) => {
    const peer = PEERS[name];
    if (!peer) throw new TypeError(`Cannot check peer "${name}": not listed in PEERS`);
    return !(peer.present ? peer.present() : have(name));
  });
  if (missing.length === 0) return false;
  const packages = [...new Set(missing.map((name) => PEERS[name].package))];
  const install = `apt-get install ${packages.join(" ")}`;
  if (process.env.NETKIT_REQUIRE_PEERS === "1") {
    throw new Error(`missing peer ${missing.join(", ")} (NETKIT_REQUIRE_PEERS=1; ${install})`);
  }
  const log = process.env.NETKIT_PEER_LOG;
  if (log) appendFileSync(log, JSON.stringify({ peers: missing, packages }) + "\n");
  return `missing peer ${missing.join(", ")} (${install})`;
}

const pythons = new Map<string, string | undefined>();

/**
 * The first `python3` on PATH that can import `module`: a Python version
 * manager's shim may come first on PATH and lack the Debian package's module.
 *
 * @param module a Python module name, e.g. `ntplib`
 * @returns the python3 to run, or undefined when none has the module
 */
export function pythonWith(module: string): string | undefined {
  if (!pythons.has(module)) {
    const dirs = (process.env.PATH ?? "").split(delimiter);
    const found = dirs.map((dir) => join(dir || ".", "python3")).find((python) =>
      existsSync(python) &&
      spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0
    );
    pythons.set(module, found);
  }
  return pythons.get(module);
}

/** Whether the tests run as root. */
export const IS_ROOT: boolean = typeof process.getuid === "function" && process.getuid() === 0;

/** What a finished process left behind. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  /** stdout as the bytes written (binary output: gzip, images). */
  stdoutBytes: Buffer;
  stderr: string;
  ms: number;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Killed with SIGKILL after this long (default 20 s). */
  timeoutMs?: number;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Working folder. */
  cwd?: string;
}

/**
 * Runs a program to completion, killing it after `timeoutMs`.
 *
 * @param argv program and arguments
 * @param options timeout (default 20 s) and environment
 * @returns exit code, output and how long it took
 */
export function run(
  argv: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env ? { ...process.env, ...options.env } : process.env,
      cwd: options.cwd,
    });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => chunks.push(d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    childClosed(child).then(({ code, signal }) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(chunks);
      const stdout = stdoutBytes.toString("utf8");
      resolve({ code, signal, stdout, stdoutBytes, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * Resolves once `child` has exited and its stdout and stderr are read to the
 * end: Deno's node:child_process can report "close" before the last "data".
 * A pipe a grandchild still holds is given up on after two seconds.
 */
export function childClosed(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  const ended = (stream: NodeJS.ReadableStream | null) =>
    stream && new Promise<void>((resolve) => {
      if ((stream as { readableEnded?: boolean }).readableEnded) return resolve();
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
  const pipes = Promise.all([ended(child.stdout), ended(child.stderr)]);
  return new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  ).then(async (status) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([pipes, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    return status;
  });
}

/** Runs netkit with `args`. */
export function runNetkit(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const argv = netkitArgv();
  return run([...argv, ...args], options);
}

/** A netkit server running in a child process. */
export interface RunningServer extends AsyncDisposable {
  child: ChildProcess;
  /** Ports by transport (ntp: serve-time's SNTP socket), from the "listening on" lines. */
  ports: { tcp?: number; udp?: number; ntp?: number };
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: "SIGTERM" | "SIGINT"): Promise<{ code: number | null; signal: string | null }>;
}

/**
 * Starts a netkit server and waits until it prints its "listening on" lines.
 *
 * @param args subcommand and options
 * @param options which listeners to wait for, and how long
 * @returns the running server
 * @throws {Error} if it exits first or is not listening in time (stderr included)
 */
export function startNetkit(
  args: string[],
  options: { expect?: ("tcp" | "udp" | "ntp")[]; timeoutMs?: number; argv?: string[] } = {},
): Promise<RunningServer> {
  const argv = options.argv ?? netkitArgv();
  const expect = options.expect ?? ["tcp", "udp"];
  const child = spawn(argv[0], [...argv.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  const ports: { tcp?: number; udp?: number; ntp?: number } = {};
  const exited = childClosed(child);
  const stop = async (signal: "SIGTERM" | "SIGINT" = "SIGTERM") => {
    // By PID: Deno's ChildProcess.kill() reports the child as killed by the
    // signal even when it handled it and exited 0.
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop("SIGTERM").then(() =>
        reject(new Error(`netkit did not start in time; stderr:\n${stderr}`))
      );
    }, options.timeoutMs ?? 15_000);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      for (const m of stderr.matchAll(/listening on (tcp|udp|ntp|http|https):\/\/\S*:(\d+)/g)) {
        ports[m[1] as "tcp" | "udp" | "ntp"] = Number(m[2]);
      }
      if (expect.every((t) => ports[t] !== undefined)) {
        clearTimeout(timer);
        resolve({
          child,
          ports,
          stderr: () => stderr,
          stdout: () => stdout,
          stop,
          [Symbol.asyncDispose]: async () => {
            await stop();
          },
        });
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`netkit exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
