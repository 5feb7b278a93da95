/**
 * `netkit query-time`: the RFC 868 client.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import {
  formatHostPort,
  parseCommandArgs,
  parseHostPort,
  parseNumber,
  parsePort,
  UsageError,
} from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { RFC868_PORT } from "../time/codec.ts";
import { NetError } from "../net/errors.ts";
import { DEFAULT_MAX_STEP_S, majority, planClockSet } from "../time/plan_clock_set.ts";
import type { Transport } from "../net/types.ts";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type TimeTarget } from "../time/query_time.ts";
import { DEFAULT_TOLERANCE_S, type PollResult, pollTime } from "../time/poll_time.ts";

const USAGE = `Usage: netkit query-time HOST[:PORT]... [options]

Ask one or more RFC 868 time servers for the time (like rdate -p), in parallel,
and show each one's time, its offset from the local clock and the round trip.

Arguments:
  HOST[:PORT]         a host name or address; IPv6 as [addr]:port or bare addr

Options:
  -p, --port N         port for hosts given without one (default: 37)
  -u, --udp            ask over UDP (default: TCP, as rdate)
  -t, --timeout SECS   give up on a host after this long, all included (default: ${
  DEFAULT_TIMEOUT_MS / 1000
})
      --retries N      UDP: resend the request up to N times within the
                       timeout (default: ${DEFAULT_RETRIES})
      --tolerance SECS with two or more answers, flag hosts further than this
                       from the median offset as outliers (default: ${DEFAULT_TOLERANCE_S})
      --json           one JSON object per host per line on stdout
  -h, --help           show this help

Setting the clock (like rdate -s):
  -s, --set            set the system clock from the answers; needs root (or
                       CAP_SYS_TIME). Prints the old and the new time
      --min-agree N    set only if at least N hosts agree: their windows of
                       offset +/- --tolerance all share one point (NTP's rule)
                       (default: the majority of the hosts given)
      --max-step SECS  refuse to step the clock by more than this (default:
                       ${DEFAULT_MAX_STEP_S}); no limit while the local clock reads earlier than
                       this build's date (a device booting without a clock)
      --force          step by any amount
      --dry-run        show what --set would do; change nothing
The new time is the local clock plus the median offset of the agreeing
hosts. A time before this build's date is never set.

The 32-bit value is read as unsigned, in the 136-year era nearest the local
clock (nearest this build's date when the local clock is plainly unset), so
servers are read correctly before and after 2036-02-07.

JSON fields: host, address, port, transport ("tcp"|"udp"), value (the raw
32-bit number), unix, iso, rtt_ms, offset_s, outlier; for a host that failed:
host, port, transport, error.

Exit codes: 0 at least one host answered (with --set: the clock was set; with
--dry-run: it would be), 1 none did (with --set: the clock was not set),
2 usage error.`;

/** What `query-time` was asked to do. */
export type QueryTimePlan = { help: true } | QueryTimeRun;

/** The hosts to ask, how, and whether to set the clock from them. */
export interface QueryTimeRun {
  help: false;
  targets: TimeTarget[];
  transport: Transport;
  timeoutMs: number;
  retries: number;
  /** Outlier flag, and the half-width of each host's window for `--set`. */
  toleranceS: number;
  json: boolean;
  /** `--set` and its options; absent when only asking. */
  set?: ClockSetRequest;
}

/** `--set`'s options. */
export interface ClockSetRequest {
  minAgree: number;
  maxStepS: number;
  force: boolean;
  dryRun: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads `query-time`'s arguments. Pure: nothing is resolved or sent.
 *
 * @param args the arguments after `query-time`
 * @param _env the environment (query-time reads none)
 * @returns the plan
 * @throws {UsageError} on no host, a bad host or value, or `--set`'s options without `--set`
 * @example Two hosts over UDP, and --set with its defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQueryTimeArgs } from "./query_time.ts";
 *
 * const plan = parseQueryTimeArgs(["-u", "--set", "a", "b:3737", "[::1]"], {});
 * assert(!plan.help && plan.transport === "udp" && plan.timeoutMs === 5000);
 * assert(!plan.help && plan.targets.map((t) => t.port).join() === "37,3737,37");
 * assert(!plan.help && plan.set?.minAgree === 2 && plan.set.maxStepS === 1000);
 * ```
 */
export function parseQueryTimeArgs(args: string[], _env: Env): QueryTimePlan {
  const { values, positionals } = parseCommandArgs(args, {
    port: { type: "string", short: "p" },
    udp: { type: "boolean", short: "u" },
    timeout: { type: "string", short: "t" },
    retries: { type: "string" },
    tolerance: { type: "string" },
    json: { type: "boolean" },
    set: { type: "boolean", short: "s" },
    "min-agree": { type: "string" },
    "max-step": { type: "string" },
    force: { type: "boolean" },
    "dry-run": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { help: true };
  if (positionals.length === 0) throw new UsageError("no host given");
  const defaultPort = values.port === undefined ? RFC868_PORT : parsePort(values.port);
  const targets = positionals.map((text) => parseHostPort(text, defaultPort));
  for (const target of targets) {
    if (target.port === 0) {
      throw new UsageError(`port 0 cannot be asked: '${formatHostPort(target.host, 0)}'`);
    }
  }
  const timeoutS = values.timeout === undefined
    ? DEFAULT_TIMEOUT_MS / 1000
    : parseNumber(values.timeout, "--timeout", { min: 0, max: 3600, exclusiveMin: true });
  return {
    help: false,
    targets,
    transport: values.udp ? "udp" : "tcp",
    timeoutMs: timeoutS * 1000,
    retries: values.retries === undefined
      ? DEFAULT_RETRIES
      : parseNumber(values.retries, "--retries", { min: 0, max: 100, integer: true }),
    toleranceS: values.tolerance === undefined
      ? DEFAULT_TOLERANCE_S
      : parseNumber(values.tolerance, "--tolerance", { min: 0, max: 1e9 }),
    json: values.json === true,
    set: _parseSetOptions(values, targets.length),
  };
}

/** `--set`'s options, checked against the number of hosts; undefined without `--set`. */
function _parseSetOptions(
  values: {
    set?: boolean;
    "min-agree"?: string;
    "max-step"?: string;
    force?: boolean;
    "dry-run"?: boolean;
  },
  asked: number,
): ClockSetRequest | undefined {
  if (!values.set) {
    for (const flag of ["min-agree", "max-step", "force", "dry-run"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only goes with --set`);
    }
    return undefined;
  }
  return {
    minAgree: values["min-agree"] === undefined
      ? majority(asked)
      : parseNumber(values["min-agree"], "--min-agree", { min: 1, max: asked, integer: true }),
    maxStepS: values["max-step"] === undefined
      ? DEFAULT_MAX_STEP_S
      : parseNumber(values["max-step"], "--max-step", { min: 0, max: 1e12 }),
    force: values.force === true,
    dryRun: values["dry-run"] === true,
  };
}

/**
 * Asks every host at once, prints each answer (or failure), and with `--set`
 * steps the clock by the agreeing hosts' median offset.
 *
 * @param plan what {@linkcode parseQueryTimeArgs} returned
 * @param context the command's I/O; its clock is the local clock compared with
 * @returns 0 when a host answered (with `--set`: when the clock was set), else 1
 * @example `--help` prints the usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { runQueryTime } from "./query_time.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter);
 * assert((await runQueryTime({ help: true }, context)) === 0);
 * assert(output.out[0].startsWith("Usage: netkit query-time"));
 * ```
 */
export async function runQueryTime(plan: QueryTimePlan, context: CommandContext): Promise<number> {
  if (plan.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  const results = await pollTime(context.net, plan.targets, {
    transport: plan.transport,
    timeoutMs: plan.timeoutMs,
    retries: plan.retries,
    toleranceS: plan.toleranceS,
    clock: context.now,
  });
  for (const result of results) {
    if (plan.json) context.out(JSON.stringify(_toJson(result)));
    else if (result.ok) context.out(_toLine(result));
    else {
      context.err(
        `netkit query-time: ${formatHostPort(result.host, result.port)} ${result.transport}: ` +
          result.error.message,
      );
    }
  }
  if (plan.set) return await _setClock(results, context, { ...plan, ...plan.set });
  return results.some((r) => r.ok) ? EXIT.OK : EXIT.FAILURE;
}

/** `--set`: decide, then step the clock (or say what it would do); 0 only when set. */
async function _setClock(
  results: PollResult[],
  context: CommandContext,
  options: ClockSetRequest & { targets: TimeTarget[]; toleranceS: number; json: boolean },
): Promise<number> {
  const asked = options.targets.length;
  const samples = results.flatMap((r) => (r.ok ? [{ host: r.host, offsetS: r.offsetS }] : []));
  const plan = planClockSet(samples, { ...options, asked, nowMs: context.now() });
  if (!plan.ok) {
    context.err(`netkit query-time: not setting the clock: ${plan.reason}`);
    return EXIT.FAILURE;
  }
  // Read the clock again just before the step: the step is an offset, not a time.
  const oldMs = context.now();
  const newMs = oldMs + plan.stepS * 1000;
  if (!options.dryRun) {
    try {
      await context.net.setSystemClock(newMs);
    } catch (error) {
      if (!(error instanceof NetError)) throw error;
      const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      context.err(`netkit query-time: ${message}`);
      return EXIT.FAILURE;
    }
  }
  if (options.json) {
    context.out(JSON.stringify({
      clock: options.dryRun ? "dry-run" : "set",
      old: new Date(oldMs).toISOString(),
      new: new Date(newMs).toISOString(),
      step_s: Math.round(plan.stepS * 1000) / 1000,
      agree: plan.hosts.length,
      asked,
    }));
  } else {
    const sign = plan.stepS >= 0 ? "+" : "-";
    context.out(
      `${options.dryRun ? "would set the clock" : "clock set"}: ` +
        `${new Date(oldMs).toISOString()} -> ${new Date(newMs).toISOString()}  ` +
        `(step ${sign}${Math.abs(plan.stepS).toFixed(3)} s; ${plan.hosts.length} of ${asked} ` +
        `hosts agree${plan.clockWasUnset ? "; the clock was unset" : ""})`,
    );
  }
  return EXIT.OK;
}

function _toIso(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(".000Z", "Z");
}

function _toJson(result: PollResult): Record<string, unknown> {
  if (!result.ok) {
    const { host, port, transport, error } = result;
    return { host, port, transport, error: error.message };
  }
  return {
    host: result.host,
    address: result.address,
    port: result.port,
    transport: result.transport,
    value: result.value,
    unix: result.unix,
    iso: _toIso(result.unix),
    rtt_ms: Math.round(result.rttMs * 1000) / 1000,
    offset_s: Math.round(result.offsetS * 1000) / 1000,
    outlier: result.outlier,
  };
}

function _toLine(result: PollResult & { ok: true }): string {
  const where = formatHostPort(result.host, result.port);
  const via = result.address === result.host ? "" : ` (${result.address})`;
  const sign = result.offsetS >= 0 ? "+" : "-";
  return `${where}${via} ${result.transport}  ${_toIso(result.unix)}  ` +
    `offset ${sign}${Math.abs(result.offsetS).toFixed(3)} s  rtt ${result.rttMs.toFixed(1)} ms` +
    (result.outlier ? "  OUTLIER" : "");
}

/** The `query-time` subcommand. */
export const queryTimeCommand: Command = {
  usage: USAGE,
  run: (args, context) => runQueryTime(parseQueryTimeArgs(args, context.env), context),
};
