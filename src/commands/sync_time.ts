/**
 * `netkit sync-time`: keeps a device's clock right, from boot on.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { parseCommandArgs, parseNumber, UsageError } from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { runShell } from "../cli/run_shell.ts";
import { NetError } from "../net/errors.ts";
import { DEFAULT_MAX_STEP_S } from "../time/plan_clock_set.ts";
import { DEFAULT_TOLERANCE_S, type PollTarget, pollTime } from "../time/poll_time.ts";
import { DEFAULT_TIMEOUT_MS } from "../time/query_time.ts";
import { ClockStateFile, DEFAULT_STATE_FILE } from "../time/clock_state_file.ts";
import { DEFAULT_INTERVAL_S, DEFAULT_MAX_INTERVAL_S } from "../time/poll_interval.ts";
import { DEFAULT_STEP_THRESHOLD_S, MAX_SLEW_S } from "../time/step_or_slew.ts";
import { SdNotifier } from "../time/sd_notify.ts";
import { ClockDenied } from "../time/_sync_correction.ts";
import { type SyncDeps, SyncLoop, type SyncOutcome, type SyncSettings } from "../time/sync_loop.ts";
import { readCaCerts } from "../get/ca_certs.ts";
import { DownloadError } from "../get/errors.ts";
import { parseSyncConfig, parseSyncSource } from "./_sync_time_sources.ts";
import { SYNC_TIME_USAGE } from "./_sync_time_usage.ts";

/** What `sync-time` was asked to do. */
export type SyncTimePlan = { help: true } | SyncTimeRun;

/** The sources, the flags, and where things go. */
export interface SyncTimeRun {
  help: false;
  /** SOURCE arguments (the `--config` file's are added when the run starts). */
  sources: PollTarget[];
  /** `--config FILE`: more sources, re-read on SIGHUP. */
  configFile?: string;
  /** `--state FILE`. */
  statePath: string;
  /** `--exec CMD`. */
  exec?: string;
  /** HTTPS: PEM files of extra CAs (`--cacert`, NODE_EXTRA_CA_CERTS, DENO_CERT). */
  caCertFiles: string[];
  insecure: boolean;
  settings: SyncSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

const OPTIONS = {
  config: { type: "string", short: "c" },
  state: { type: "string" },
  "save-every": { type: "string" },
  timeout: { type: "string", short: "t" },
  once: { type: "boolean" },
  "dry-run": { type: "boolean" },
  exec: { type: "string" },
  "min-agree": { type: "string" },
  tolerance: { type: "string" },
  "max-step": { type: "string" },
  force: { type: "boolean" },
  "step-threshold": { type: "string" },
  interval: { type: "string" },
  "max-interval": { type: "string" },
  samples: { type: "string" },
  cacert: { type: "string" },
  insecure: { type: "boolean", short: "k" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

/**
 * Reads `sync-time`'s arguments. Pure: no file is read, nothing is sent.
 *
 * @param args the arguments after `sync-time`
 * @param env the environment: NODE_EXTRA_CA_CERTS and DENO_CERT name CA files for HTTPS
 * @returns the plan
 * @throws {UsageError} on no source and no `--config`, a bad source or value
 * @example A bare host is SNTP; the defaults are ntpd's and chrony's
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSyncTimeArgs } from "./sync_time.ts";
 *
 * const plan = parseSyncTimeArgs(["clock.example", "https://backup.example", "--once"], {});
 * assert(!plan.help && plan.sources.map((s) => s.protocol).join() === "ntp,https");
 * assert(!plan.help && plan.statePath === "/var/lib/netkit/clock");
 * assert(!plan.help && plan.settings.once && plan.settings.stepThresholdS === 0.128);
 * assert(!plan.help && plan.settings.intervalS === 64 && plan.settings.maxIntervalS === 1024);
 * ```
 */
export function parseSyncTimeArgs(args: string[], env: Env): SyncTimePlan {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) return { help: true };
  if (positionals.length === 0 && values.config === undefined) {
    throw new UsageError("no source given (SOURCE... or --config FILE)");
  }
  const sources = positionals.map(parseSyncSource);
  if (values.insecure && values.cacert !== undefined) {
    throw new UsageError("--cacert and --insecure contradict each other (drop one)");
  }
  if (values.state === "") throw new UsageError("--state needs a file name");
  const files = [values.cacert, env.NODE_EXTRA_CA_CERTS, env.DENO_CERT];
  return {
    help: false,
    sources,
    configFile: values.config,
    statePath: values.state ?? DEFAULT_STATE_FILE,
    exec: values.exec,
    caCertFiles: files.filter((f): f is string => f !== undefined && f !== ""),
    insecure: values.insecure === true,
    settings: _parseSettings(values),
  };
}

/** The loop's numbers, each within its bounds. */
function _parseSettings(values: Values): SyncSettings {
  const seconds = (flag: keyof Values, fallback: number, bounds: { min: number; max: number }) => {
    const text = values[flag];
    return typeof text === "string" ? parseNumber(text, `--${flag}`, bounds) : fallback;
  };
  const intervalS = seconds("interval", DEFAULT_INTERVAL_S, { min: 16, max: 86_400 });
  const maxIntervalS = seconds("max-interval", Math.max(DEFAULT_MAX_INTERVAL_S, intervalS), {
    min: 16,
    max: 86_400,
  });
  if (maxIntervalS < intervalS) {
    throw new UsageError(`--max-interval ${maxIntervalS} is shorter than --interval ${intervalS}`);
  }
  const timeout = values.timeout === undefined
    ? undefined
    : parseNumber(values.timeout, "--timeout", { min: 0, max: 1e9, exclusiveMin: true });
  return {
    minAgree: values["min-agree"] === undefined
      ? undefined
      : parseNumber(values["min-agree"], "--min-agree", { min: 1, max: 1000, integer: true }),
    toleranceS: seconds("tolerance", DEFAULT_TOLERANCE_S, { min: 0, max: 1e9 }),
    maxStepS: seconds("max-step", DEFAULT_MAX_STEP_S, { min: 0, max: 1e12 }),
    force: values.force === true,
    stepThresholdS: seconds("step-threshold", DEFAULT_STEP_THRESHOLD_S, {
      min: 0,
      max: MAX_SLEW_S,
    }),
    intervalS,
    maxIntervalS,
    saveEveryMs: seconds("save-every", 900, { min: 1, max: 1e7 }) * 1000,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    once: values.once === true,
    dryRun: values["dry-run"] === true,
    queryTimeoutMs: DEFAULT_TIMEOUT_MS,
    samples: values.samples === undefined
      ? 4
      : parseNumber(values.samples, "--samples", { min: 1, max: 16, integer: true }),
  };
}

/**
 * Keeps the clock: floor first, then sources until the first sync, then a
 * check every interval. Runs until SIGTERM or SIGINT (the time is saved),
 * or with `--once` until the first sync.
 *
 * @param plan what {@linkcode parseSyncTimeArgs} returned
 * @param context the command's I/O: its clocks, sleep, environment and adapter
 * @returns 0 when stopped by a signal or (`--once`) synced; 1 at `--timeout`;
 *   113 when the clock cannot be changed; 2 for an unreadable or bad `--config`
 * @example `--help` prints the usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSyncTime } from "./sync_time.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter);
 * assert((await runSyncTime({ help: true }, context)) === 0);
 * assert(output.out[0].startsWith("Usage: netkit sync-time"));
 * ```
 */
export async function runSyncTime(plan: SyncTimePlan, context: CommandContext): Promise<number> {
  if (plan.help) {
    context.out(SYNC_TIME_USAGE);
    return EXIT.OK;
  }
  const log = (line: string) => context.err(`netkit sync-time: ${line}`);
  const sources = [...plan.sources, ...(await _readConfig(plan, context))];
  if (sources.length === 0) throw new UsageError(`${plan.configFile} lists no source`);
  let caCerts: string[];
  try {
    caCerts = plan.caCertFiles.flatMap((file) => readCaCerts(file));
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    log(error.message);
    return EXIT.FAILURE;
  }
  if (plan.insecure) {
    log(
      "WARNING: --insecure: no certificate is checked; anyone on the network path can set " +
        "this clock (drop -k to verify the servers)",
    );
  }
  const loop = new SyncLoop(sources, plan.settings, _deps(plan, context, { caCerts, log }));
  const off = context.net.onSignal(["SIGINT", "SIGTERM", "SIGHUP"], (signal) => {
    if (signal !== "SIGHUP") return loop.stop(signal);
    _reload(plan, context, { log }).then((targets) => targets && loop.reload(targets));
  });
  const dry = plan.settings.dryRun ? " (--dry-run: nothing is changed)" : "";
  let outcome: SyncOutcome;
  try {
    // "start" only once the clock is at its floor: a boot script may go on then.
    await loop.floor().catch((error) => {
      if (!(error instanceof ClockDenied)) throw error;
    });
    log(
      `start: ${sources.length} source${sources.length === 1 ? "" : "s"}, ` +
        `state ${plan.statePath}${dry}`,
    );
    outcome = await loop.run();
  } finally {
    off();
  }
  return _exitCode(outcome, { plan, log });
}

/** The loop's effects: this process's clocks and adapter. */
function _deps(
  plan: SyncTimeRun,
  context: CommandContext,
  { caCerts, log }: { caCerts: string[]; log: (line: string) => void },
): SyncDeps {
  const net = context.net;
  const notifier = new SdNotifier(context.env.NOTIFY_SOCKET, {
    send: (path, bytes) => net.sendUnixDatagram(path, bytes),
    log,
  });
  const exec = plan.exec;
  return {
    now: () => context.now(),
    monotonicNow: () => context.monotonicNow(),
    sleep: (ms, signal) => context.sleep(ms, signal),
    random: Math.random,
    poll: (targets, options) =>
      pollTime(net, targets, {
        caCerts,
        insecure: plan.insecure,
        monotonic: () => context.monotonicNow(),
        timeoutMs: options.timeoutMs,
        samples: options.samples,
        toleranceS: plan.settings.toleranceS,
        clock: context.now,
        sleep: (ms) => context.sleep(ms),
        plausibleSinceMs: options.floorMs,
        clockUnverified: options.clockUnverified,
      }),
    setClock: (ms) => net.setSystemClock(ms),
    slewClock: (offsetS) => net.slewSystemClock(offsetS),
    state: new ClockStateFile(plan.statePath),
    notify: (fields) => notifier.notify(fields),
    exec: exec === undefined ? undefined : async (vars) => {
      const result = await runShell(exec, { env: { ...context.env, ...vars } });
      const how = result.error !== undefined
        ? `could not start (${result.error})`
        : result.timedOut
        ? "was killed after 60 s"
        : result.signal
        ? `was killed by ${result.signal}`
        : `exited ${result.code}`;
      if (result.code !== 0) log(`--exec '${exec}' ${how}`);
    },
    log,
  };
}

/** The `--config` file's sources; none without `--config`. */
async function _readConfig(plan: SyncTimeRun, context: CommandContext): Promise<PollTarget[]> {
  if (plan.configFile === undefined) return [];
  let bytes: Uint8Array;
  try {
    bytes = await context.net.fs.readFile(plan.configFile);
  } catch (error) {
    if (!(error instanceof NetError)) throw error;
    throw new UsageError(`cannot read --config ${plan.configFile} (${error.code})`);
  }
  return parseSyncConfig(new TextDecoder().decode(bytes), plan.configFile);
}

/** SIGHUP: the sources again (arguments and `--config`); undefined when the file is bad. */
async function _reload(
  plan: SyncTimeRun,
  context: CommandContext,
  { log }: { log: (line: string) => void },
): Promise<PollTarget[] | undefined> {
  if (plan.configFile === undefined) {
    log("SIGHUP: no --config to read again; the sources stay as they are");
    return undefined;
  }
  try {
    const targets = [...plan.sources, ...(await _readConfig(plan, context))];
    if (targets.length === 0) throw new UsageError(`${plan.configFile} lists no source`);
    log(`SIGHUP: read ${plan.configFile}: ${targets.length} sources; checking now`);
    return targets;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`SIGHUP: ${error.message}; keeping the sources as they were`);
    return undefined;
  }
}

/** The exit code for how the loop ended, with its last line. */
function _exitCode(
  outcome: SyncOutcome,
  { plan, log }: { plan: SyncTimeRun; log: (line: string) => void },
): number {
  const saved = plan.settings.dryRun ? "" : `saved the time to ${plan.statePath}; `;
  switch (outcome.kind) {
    case "synced":
      return EXIT.OK;
    case "stopped":
      log(`${outcome.reason}: ${saved}stopped`);
      return EXIT.OK;
    case "timeout":
      log(`no sync within --timeout ${plan.settings.timeoutMs! / 1000} s: ${saved}giving up`);
      return EXIT.FAILURE;
    case "denied":
      log(
        `${outcome.message} (run as root or with CAP_SYS_TIME; --dry-run only watches)`,
      );
      return EXIT.CLOCK_DENIED;
  }
}

/** The `sync-time` subcommand. */
export const syncTimeCommand: Command = {
  usage: SYNC_TIME_USAGE,
  run: (args, context) => runSyncTime(parseSyncTimeArgs(args, context.env), context),
};
