/**
 * `netkit query-time`: the RFC 868 client.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { parseCommandArgs, parseNumber, parsePort, UsageError } from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { isIPv4, isIPv6 } from "../net/ip.ts";
import { RFC868_PORT } from "../time/codec.ts";
import { NetError } from "../net/errors.ts";
import { NTP_PORT } from "../time/ntp_packet.ts";
import { MAX_ROOT_DISTANCE_S } from "../time/check_ntp_reply.ts";
import { NTP_SAMPLE_SPACING_MS } from "../time/query_ntp.ts";
import { DEFAULT_MAX_STEP_S, planClockSet } from "../time/plan_clock_set.ts";
import { clockSample } from "../time/clock_sample.ts";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from "../time/query_time.ts";
import {
  DEFAULT_TOLERANCE_S,
  MAX_NTP_ADDRESSES,
  type PollResult,
  type PollTarget,
  pollTime,
} from "../time/poll_time.ts";
import { readCaCerts } from "../get/ca_certs.ts";
import { DownloadError } from "../get/errors.ts";
import { parseTimeTarget } from "./_parse_time_target.ts";
import { formatPollRow } from "./_query_time_output.ts";

const USAGE = `Usage: netkit query-time HOST[:PORT]... [options]

Ask one or more time servers for the time, in parallel, over RFC 868 (like
rdate -p), SNTP (like ntpdig/sntp) or HTTPS (the Date header, like htpdate),
and show each one's time, its offset from the local clock and the round trip.

Arguments:
  HOST[:PORT]         a host name or address; IPv6 as [addr]:port or bare addr
  ntp://HOST[:PORT]   ask this host over SNTP (UDP, default port 123)
  time://HOST[:PORT]  ask this host over RFC 868, TCP (default port 37)
  time+udp://HOST[:PORT]  ask this host over RFC 868, UDP
  https://HOST[:PORT] the Date header of HEAD / over HTTPS (default port 443)
  http://HOST[:PORT]  the same over plain HTTP (port 80): UNAUTHENTICATED
                      (one run may mix them; a host without a scheme is asked
                      as the options below say)

Options:
  -n, --ntp            ask hosts without a scheme over SNTP (default: RFC 868)
  -p, --port N         port for hosts given without one or a scheme
                       (default: 37; 123 with --ntp)
  -u, --udp            RFC 868 over UDP (default: TCP, as rdate)
  -t, --timeout SECS   give up on a host after this long, all included; SNTP:
                       on each request; HTTPS: the connection and first request,
                       plus 1 s per further sample (default: ${DEFAULT_TIMEOUT_MS / 1000})
      --retries N      UDP and SNTP: resend the request up to N times within
                       the timeout (default: ${DEFAULT_RETRIES})
      --samples N      SNTP: requests per server, ${
  NTP_SAMPLE_SPACING_MS / 1000
} s apart; the one with the
                       smallest round-trip delay is kept (default: 1; 4 with --set)
                       HTTPS: requests on one connection, each timed to land
                       as the server's second changes; each halves the
                       uncertainty (1: +/-0.5 s; 5: about +/-30 ms)
      --cacert FILE    HTTPS: trust the CA certificates in this PEM file too
                       (NODE_EXTRA_CA_CERTS and DENO_CERT are read as well)
  -k, --insecure       HTTPS: check no certificate at all; the answer is
                       marked unauthenticated (anyone on the path can lie)
      --tolerance SECS with two or more answers, flag hosts further than this
                       from the median offset as outliers (default: ${DEFAULT_TOLERANCE_S})
      --json           one JSON object per host per line on stdout
  -h, --help           show this help

Setting the clock (like rdate -s):
  -s, --set            set the system clock from the answers; needs root (or
                       CAP_SYS_TIME). Prints the old and the new time
      --min-agree N    set only if at least N hosts agree: their windows of
                       offset +/- (--tolerance + the answer's own uncertainty)
                       all share one point (NTP's rule) (default: the majority
                       of the servers asked)
      --max-step SECS  refuse to step the clock by more than this (default:
                       ${DEFAULT_MAX_STEP_S}); no limit while the local clock reads earlier than
                       this build's date (a device booting without a clock)
      --force          step by any amount
      --dry-run        show what --set would do; change nothing
The new time is the local clock plus the median offset of the agreeing
hosts. A time before this build's date is never set. An RFC 868 answer is
whole seconds: its uncertainty is 0.5 s + half the round trip; an SNTP
answer's is half its delay + the server's root distance; an HTTPS answer's
is its precision_ms.

HTTPS and an unset clock: while the local clock reads before this build's
date, the certificate chain (up to a trusted CA) and the host name are
verified as always but the validity dates are not, and the server's Date
is accepted only if it lies inside every certificate's validity period and
after this build's date. Otherwise the runtime's own verification applies.

SNTP: the request is 48 bytes, mode 3, version 4, its transmit timestamp a
random nonce, from a random port. A reply counts only from the address and
port asked, with mode 4, version 3 or 4, our nonce as its originate
timestamp, a transmit timestamp, leap indicator not 3, stratum 1-15 and a
root distance under ${MAX_ROOT_DISTANCE_S} s; anything else is waited past or reported. A
kiss-o'-death DENY or RSTR stops the asking; RATE backs off. A host name with
several addresses is asked at up to ${MAX_NTP_ADDRESSES} of them, one row each.

Times are read in the 136-year era nearest the local clock (nearest this
build's date when the local clock is plainly unset), so servers are read
correctly before and after 2036-02-07.

JSON fields: host, address, port, transport ("tcp"|"udp"), value (the raw
32-bit number), unix, iso, rtt_ms, offset_s, outlier; SNTP rows: host,
address, port, protocol ("ntp"), transport, unix, iso, stratum, refid, leap,
root_distance_ms, rtt_ms (the delay), offset_s, outlier; in a run with any
SNTP host every row has protocol ("ntp"|"time"). HTTPS rows: host, address,
port, protocol ("https"|"http"), transport ("tcp"), authenticated, unix,
iso, offset_s, precision_ms, rtt_ms, samples, outlier (in a run with any
HTTPS host every row has protocol). For a host that failed:
host, [address,] port, [protocol,] transport, error.

Exit codes: 0 at least one host answered (with --set: the clock was set; with
--dry-run: it would be), 1 none did (refused, unreachable, timed out, a bad
reply, an unsynchronised server, a kiss-o'-death; with --set: the clock was
not set), 2 usage error.`;

/** What `query-time` was asked to do. */
export type QueryTimePlan = { help: true } | QueryTimeRun;

/** The hosts to ask, how, and whether to set the clock from them. */
export interface QueryTimeRun {
  help: false;
  /** Each with its protocol (RFC 868 or SNTP) and transport. */
  targets: PollTarget[];
  /** RFC 868: the whole query; SNTP: each request. */
  timeoutMs: number;
  retries: number;
  /** SNTP: requests per server address; the smallest delay is kept. */
  samples: number;
  /** Outlier flag, and the half-width of each host's window for `--set`. */
  toleranceS: number;
  json: boolean;
  /** `--set` and its options; absent when only asking. */
  set?: ClockSetRequest;
  /** HTTPS: PEM files of extra CAs (`--cacert`, then NODE_EXTRA_CA_CERTS, DENO_CERT). */
  caCertFiles: string[];
  /** HTTPS: `--insecure`. */
  insecure: boolean;
}

/** `--set`'s options. */
export interface ClockSetRequest {
  /** Fewest servers that must agree; undefined: the majority of the servers asked. */
  minAgree?: number;
  maxStepS: number;
  force: boolean;
  dryRun: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

const OPTIONS = {
  ntp: { type: "boolean", short: "n" },
  port: { type: "string", short: "p" },
  udp: { type: "boolean", short: "u" },
  timeout: { type: "string", short: "t" },
  retries: { type: "string" },
  samples: { type: "string" },
  tolerance: { type: "string" },
  json: { type: "boolean" },
  set: { type: "boolean", short: "s" },
  "min-agree": { type: "string" },
  "max-step": { type: "string" },
  force: { type: "boolean" },
  "dry-run": { type: "boolean" },
  cacert: { type: "string" },
  insecure: { type: "boolean", short: "k" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Reads `query-time`'s arguments. Pure: nothing is resolved or sent.
 *
 * @param args the arguments after `query-time`
 * @param env the environment: NODE_EXTRA_CA_CERTS and DENO_CERT name CA files for HTTPS
 * @returns the plan
 * @throws {UsageError} on no host, a bad host, scheme or value, or `--set`'s options
 *   without `--set`
 * @example Two hosts over UDP, and --set with its defaults; a mixed run
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQueryTimeArgs } from "./query_time.ts";
 *
 * const plan = parseQueryTimeArgs(["-u", "--set", "a", "b:3737", "[::1]"], {});
 * assert(!plan.help && plan.targets.every((t) => t.transport === "udp"));
 * assert(!plan.help && plan.timeoutMs === 5000);
 * assert(!plan.help && plan.targets.map((t) => t.port).join() === "37,3737,37");
 * assert(!plan.help && plan.set?.minAgree === undefined && plan.set?.maxStepS === 1000);
 * const mixed = parseQueryTimeArgs(["--ntp", "--set", "a", "time://b"], {});
 * assert(!mixed.help && mixed.targets.map((t) => t.protocol).join() === "ntp,time");
 * assert(!mixed.help && mixed.samples === 4);
 * ```
 */
export function parseQueryTimeArgs(args: string[], env: Env): QueryTimePlan {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) return { help: true };
  if (positionals.length === 0) throw new UsageError("no host given");
  if (values.ntp && values.udp) {
    throw new UsageError(
      "--udp does not go with --ntp (SNTP is always UDP; for RFC 868 over UDP write " +
        "time+udp://HOST)",
    );
  }
  const defaults = {
    protocol: values.ntp ? "ntp" as const : "time" as const,
    transport: values.ntp || values.udp ? "udp" as const : "tcp" as const,
    port: values.port === undefined
      ? (values.ntp ? NTP_PORT : RFC868_PORT)
      : parsePort(values.port),
  };
  const targets = positionals.map((text) => {
    const target = parseTimeTarget(text, defaults);
    if (target.port === 0) throw new UsageError(`port 0 cannot be asked: '${text}'`);
    return target;
  });
  const timeoutS = values.timeout === undefined
    ? DEFAULT_TIMEOUT_MS / 1000
    : parseNumber(values.timeout, "--timeout", { min: 0, max: 3600, exclusiveMin: true });
  return {
    help: false,
    targets,
    timeoutMs: timeoutS * 1000,
    retries: values.retries === undefined
      ? DEFAULT_RETRIES
      : parseNumber(values.retries, "--retries", { min: 0, max: 100, integer: true }),
    samples: _parseSamples(values, targets),
    toleranceS: values.tolerance === undefined
      ? DEFAULT_TOLERANCE_S
      : parseNumber(values.tolerance, "--tolerance", { min: 0, max: 1e9 }),
    json: values.json === true,
    set: _parseSetOptions(values, _mostRows(targets)),
    ..._parseTlsOptions(values, { targets, env }),
  };
}

/** `--cacert` and `--insecure`: HTTPS only. */
function _parseTlsOptions(
  values: { cacert?: string; insecure?: boolean },
  { targets, env }: { targets: PollTarget[]; env: Env },
): { caCertFiles: string[]; insecure: boolean } {
  if (!targets.some((t) => t.protocol === "https")) {
    for (const flag of ["cacert", "insecure"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only goes with https://HOST`);
    }
  }
  const files = [values.cacert, env.NODE_EXTRA_CA_CERTS, env.DENO_CERT];
  return {
    caCertFiles: files.filter((f): f is string => f !== undefined && f !== ""),
    insecure: values.insecure === true,
  };
}

/** `--samples`: SNTP and HTTP(S) only; default 1, or 4 with `--set` (chrony's iburst). */
function _parseSamples(values: { samples?: string; set?: boolean }, targets: PollTarget[]) {
  if (values.samples === undefined) return values.set ? 4 : 1;
  if (!targets.some((t) => t.protocol !== "time")) {
    throw new UsageError(
      "--samples only goes with SNTP or HTTPS hosts (--ntp, ntp://HOST, https://HOST)",
    );
  }
  return parseNumber(values.samples, "--samples", { min: 1, max: 16, integer: true });
}

/** The most rows a run can give: an SNTP host name may give one per address. */
function _mostRows(targets: PollTarget[]): number {
  return targets.reduce(
    (n, t) =>
      n + (t.protocol === "ntp" && !isIPv4(t.host) && !isIPv6(t.host) ? MAX_NTP_ADDRESSES : 1),
    0,
  );
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
  mostRows: number,
): ClockSetRequest | undefined {
  if (!values.set) {
    for (const flag of ["min-agree", "max-step", "force", "dry-run"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only goes with --set`);
    }
    return undefined;
  }
  return {
    minAgree: values["min-agree"] === undefined
      ? undefined
      : parseNumber(values["min-agree"], "--min-agree", { min: 1, max: mostRows, integer: true }),
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
  let caCerts: string[];
  try {
    caCerts = plan.caCertFiles.flatMap((file) => readCaCerts(file));
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    context.err(`netkit query-time: ${error.message}`);
    return EXIT.FAILURE;
  }
  if (plan.insecure) {
    context.err(
      "netkit query-time: WARNING: --insecure: no certificate is checked; anyone on the " +
        "network path can set this time (drop -k to verify the server)",
    );
  }
  const results = await pollTime(context.net, plan.targets, {
    caCerts,
    insecure: plan.insecure,
    monotonic: () => context.monotonicNow(),
    timeoutMs: plan.timeoutMs,
    retries: plan.retries,
    samples: plan.samples,
    toleranceS: plan.toleranceS,
    clock: context.now,
    sleep: (ms) => context.sleep(ms),
  });
  for (const result of results) {
    const { out, err } = formatPollRow(result, { json: plan.json });
    if (out !== undefined) context.out(out);
    for (const line of err) context.err(line);
  }
  if (plan.set) return await _setClock(results, context, { ...plan, ...plan.set });
  return results.some((r) => r.ok) ? EXIT.OK : EXIT.FAILURE;
}

/** `--set`: decide, then step the clock (or say what it would do); 0 only when set. */
async function _setClock(
  results: PollResult[],
  context: CommandContext,
  options: ClockSetRequest & { toleranceS: number; json: boolean },
): Promise<number> {
  const asked = results.length;
  const samples = results.flatMap((r) => (r.ok ? [clockSample(r)] : []));
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

/** The `query-time` subcommand. */
export const queryTimeCommand: Command = {
  usage: USAGE,
  run: (args, context) => runQueryTime(parseQueryTimeArgs(args, context.env), context),
};
