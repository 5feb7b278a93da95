/**
 * netkit: one program, five subcommands, on Deno and on Bun.
 *
 * Parses argv, picks the runtime adapter, dispatches; the only place that exits.
 *
 * @module
 */
import process from "node:process";
import { EXIT } from "./src/cli/exit_codes.ts";
import { UsageError } from "./src/cli/args.ts";
import { type Command, type CommandContext, sleep } from "./src/cli/context.ts";
import { selectAdapter } from "./src/net/select.ts";
import { writeAll } from "./src/cli/write_all.ts";
import { BUILD_DATE, BUILD_TARGET, VERSION } from "./src/build_info.ts";

/**
 * The command list, with the one-line summaries `--help` shows.
 * Each command is loaded only when it runs: a query-time run is mostly
 * start-up, and serve-http alone (mime table, node:fs, node:os) added ~3 ms.
 */
const COMMANDS: Record<string, { summary: string; load(): Promise<Command> }> = {
  "serve-time": {
    summary: "serve the time: RFC 868 over TCP and UDP (port 37), SNTP with --ntp (port 123)",
    load: async () => (await import("./src/commands/serve_time.ts")).serveTimeCommand,
  },
  "query-time": {
    summary: "ask time servers (RFC 868, SNTP) for the time, like rdate -p and ntpdig",
    load: async () => (await import("./src/commands/query_time.ts")).queryTimeCommand,
  },
  "sync-time": {
    summary: "keep the clock right from boot: floor, retries, step/slew, re-checks (like chrony)",
    load: async () => (await import("./src/commands/sync_time.ts")).syncTimeCommand,
  },
  "serve-http": {
    summary: "serve a folder over HTTP(S): listings, ranges, archives; uploads with --upload",
    load: async () => (await import("./src/commands/serve_http.ts")).serveHttpCommand,
  },
  "get": {
    summary: "download over HTTP(S): atomic files, resume, retries, checksums, many at once",
    load: async () => (await import("./src/commands/get.ts")).getCommand,
  },
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join("\n");
  return `Usage: netkit COMMAND [options]

Commands:
${list}

Options:
  -h, --help       show this help; "netkit help COMMAND" for a command's own
  -V, --version    show version, runtime, target and build date

Exit codes: 0 success, 1 failure, 2 usage error (see each command's help).`;
}

function versionLine(runtime: string, runtimeVersion: string): string {
  const target = BUILD_TARGET === "source"
    ? `${process.platform}-${process.arch} (from source)`
    : BUILD_TARGET;
  return `netkit ${VERSION} (${runtime} ${runtimeVersion}; ${target}; built ${BUILD_DATE})`;
}

/**
 * Runs netkit with `args` (argv without the runtime and script).
 *
 * @param args the arguments
 * @param context adapter and output; tests pass their own
 * @returns the exit code
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * import { memoryContext } from "./src/cli/context.ts";
 * import type { NetAdapter } from "./src/net/types.ts";
 *
 * const net = { runtime: "deno", runtimeVersion: "2.9.6" } as NetAdapter;
 * const { context, output } = memoryContext(net);
 * assert.equal(await main(["--version"], context), 0);
 * assert.equal(output.out.length, 1);
 * assert.match(output.out[0], /^netkit \d+\.\d+\.\d+ \(deno 2\.9\.6; /);
 * assert.equal(await main(["no-such-command"], context), 2);
 * ```
 */
export async function main(args: string[], context: CommandContext): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) {
    context.err(mainUsage());
    return EXIT.USAGE;
  }
  if (first === "-h" || first === "--help") {
    context.out(mainUsage());
    return EXIT.OK;
  }
  if (first === "-V" || first === "--version") {
    context.out(versionLine(context.net.runtime, context.net.runtimeVersion));
    return EXIT.OK;
  }
  if (first === "help") {
    if (rest.length === 0) {
      context.out(mainUsage());
      return EXIT.OK;
    }
    const entry = COMMANDS[rest[0]];
    if (!entry) return unknownCommand(rest[0], context);
    context.out((await entry.load()).usage);
    return EXIT.OK;
  }
  const entry = COMMANDS[first];
  if (!entry) return unknownCommand(first, context);
  const command = await entry.load();
  try {
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.err(`netkit ${first}: ${error.message}`);
      context.err(`Try 'netkit help ${first}' for usage.`);
      return EXIT.USAGE;
    }
    throw error;
  }
}

function unknownCommand(name: string, context: CommandContext): number {
  context.err(`netkit: unknown command '${name}'`);
  context.err(`Commands: ${Object.keys(COMMANDS).join(", ")}. Try 'netkit --help'.`);
  return EXIT.USAGE;
}

/** The context of a real run: this process's streams, environment and clock. */
function processContext(): CommandContext {
  let stderrIsTerminal: boolean | undefined;
  const net = selectAdapter();
  const encoder = new TextEncoder(); // one for every stderr write (the meter's many)
  return {
    net,
    // console.* rather than process.stdout: Bun loads its Node stream layer
    // lazily and that alone costs ~20 ms of start-up; both runtimes write
    // console output synchronously, so nothing is lost at exit.
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    writeOut: (bytes) => writeAll(bytes, (rest) => net.writeStdio(1, rest)),
    writeErr: (text) => writeAll(encoder.encode(text), (rest) => net.writeStdio(2, rest)),
    env: process.env,
    get stderrIsTerminal() {
      return (stderrIsTerminal ??= net.isTerminal(2));
    },
    now: () => Date.now(),
    monotonicNow: () => performance.now(),
    sleep,
  };
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(process.argv.slice(2), processContext());
  } catch (error) {
    // Expected failures are handled by the commands; this is a bug, still one line.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`netkit: internal error: ${message}`);
    code = EXIT.FAILURE;
  }
  process.exit(code);
}
