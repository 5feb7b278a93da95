/**
 * `netkit serve-time`: the RFC 868 server, and with `--ntp` the SNTP server.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import {
  formatHostPort,
  isIPv4,
  isIPv6,
  parseCommandArgs,
  parseNumber,
  parsePort,
  UsageError,
} from "../cli/args.ts";
import type { Command, CommandContext } from "../cli/context.ts";
import { ALL_INTERFACES, listenFailure, listenOnFirstHost } from "../cli/listen.ts";
import { NetError } from "../net/errors.ts";
import { RFC868_PORT } from "../time/codec.ts";
import { NTP_PORT } from "../time/ntp_packet.ts";
import { type NtpServer, serveNtp } from "../time/ntp_server.ts";
import { preciseClock } from "../time/precise_clock.ts";
import { RateLimiter } from "../time/rate_limiter.ts";
import { DEFAULT_UDP_RATE, serveTime, type TimeServer } from "../time/server.ts";
import { DEFAULT_LOCAL_STRATUM, DEFAULT_STRATUM } from "../time/sync_state.ts";

const USAGE = `Usage: netkit serve-time [--host ADDR] [--port N] [--tcp] [--udp] [--udp-rate N]
                         [--ntp [--ntp-port N] [--no-time] [--stratum N] [--refid ID] [--local]]

Serve the RFC 868 Time Protocol: a 32-bit count of seconds since 1900,
over TCP and UDP (what inetd's internal "time" service does); with --ntp,
also SNTP (RFC 4330, the server mode of NTPv4, RFC 5905) on UDP.

Options:
      --host ADDR     address to listen on (default: all interfaces, IPv6 and
                      IPv4; "0.0.0.0" for IPv4 only, "::1" or "127.0.0.1" for
                      this machine only)
  -p, --port N        RFC 868 port for both transports (default: 37; 0 picks a free one)
      --tcp           serve RFC 868 on TCP only
      --udp           serve RFC 868 on UDP only
      --udp-rate N    UDP replies per second per source address, RFC 868 and
                      NTP together (default: ${DEFAULT_UDP_RATE}; 0 = unlimited); stops the
                      server being used as a reflector
  -n, --ntp           also serve SNTP, on the same addresses
      --ntp-port N    the SNTP port (default: ${NTP_PORT}; 0 picks a free one)
      --no-time       serve SNTP alone: no RFC 868 (needs --ntp)
      --stratum N     the stratum to claim while the kernel clock is synchronised,
                      1-15 (default: ${DEFAULT_STRATUM}; with --local on an unsynchronised
                      clock: ${DEFAULT_LOCAL_STRATUM})
      --refid ID      the reference ID: the upstream's IPv4 address, or up to 4
                      letters at stratum 1 (GPS, PPS); default 127.127.1.1 (local clock)
      --local         answer as a good clock even while the kernel clock is not
                      synchronised (a network with no other time source)
  -h, --help          show this help

RFC 868: TCP: each connection gets 4 bytes and is closed. UDP: each EMPTY
datagram gets 4 bytes; non-empty datagrams are dropped, so two servers can
never loop. The counter wraps past 2036-02-07T06:28:16Z, as clients expect.

SNTP: only client requests (mode 3, version 3 or 4, 48 bytes or more) are
answered, with 48 bytes: control (mode 6), private (mode 7, "monlist"),
server and broadcast packets, short and empty datagrams get nothing, so no
reply is larger than its request and two servers can never loop. Stratum and
leap come from the kernel (adjtimex, read-only): while no time daemon keeps
the clock synchronised, replies say leap 3, stratum 16 and clients refuse
them, unless --local. A source over --udp-rate gets at most one RATE
kiss-o'-death every 2 s, never a time.

When the clock reads earlier than this build's date (a device without a
real-time clock that has not synced yet) nothing is sent, as RFC 868 asks.

Prints "listening on tcp://HOST:PORT" (and udp://, ntp://) on stderr when
ready. SIGINT or SIGTERM stops it cleanly with exit 0.

Exit codes: 0 stopped by a signal, 1 could not start (port in use,
permission denied, bad address), 2 usage error.

Ports 37 and 123 need root or CAP_NET_BIND_SERVICE:
  sudo setcap cap_net_bind_service=+ep ./netkit
or run on high ports: netkit serve-time --port 3737 --ntp --ntp-port 1123`;

/** What `serve-time` was asked to do. */
export type ServeTimePlan = { help: true } | ServeTimeRun;

/** A server to run: where, which transports, how fast UDP may answer. */
export interface ServeTimeRun {
  help: false;
  /** Tried in order: the first that works is served (`::`, then `0.0.0.0` by default). */
  hosts: readonly string[];
  /** Whether RFC 868 is served (false with `--no-time`). */
  time: boolean;
  /** RFC 868's port for both transports; 0 picks a free one, the same for both. */
  port: number;
  tcp: boolean;
  udp: boolean;
  /** UDP replies per second per source address, RFC 868 and NTP together; 0 = unlimited. */
  udpRate: number;
  /** SNTP, with `--ntp`. */
  ntp?: ServeTimeNtp;
}

/** What `--ntp` and its flags asked for. */
export interface ServeTimeNtp {
  /** 0 picks a free one. */
  port: number;
  /** `--stratum`; when absent, the defaults of {@linkcode syncState}. */
  stratum?: number;
  /** `--refid` as four octets. */
  refid?: Uint8Array;
  /** `--local`: serve an unsynchronised clock anyway. */
  local: boolean;
}

/**
 * Reads `serve-time`'s arguments. Pure: nothing is bound or printed.
 *
 * @param args the arguments after `serve-time`
 * @param _env the environment (serve-time reads none)
 * @returns the plan
 * @throws {UsageError} on an unknown flag, a bad port or rate, or an argument
 * @example Neither --tcp nor --udp serves both, on all interfaces, port 37
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServeTimeArgs } from "./serve_time.ts";
 *
 * const plan = parseServeTimeArgs(["--udp-rate", "5"], {});
 * assert(!plan.help && plan.tcp && plan.udp && plan.port === 37 && plan.udpRate === 5);
 * assert(!plan.help && plan.hosts.join() === "::,0.0.0.0" && plan.ntp === undefined);
 * // NTP alone, on port 123, claiming stratum 2 from an upstream at 192.0.2.1.
 * const ntp = parseServeTimeArgs(["--ntp", "--no-time", "--stratum", "2", "--refid", "192.0.2.1"], {});
 * assert(!ntp.help && !ntp.time && !ntp.tcp && !ntp.udp && ntp.ntp?.port === 123 && ntp.ntp.stratum === 2);
 * ```
 */
export function parseServeTimeArgs(
  args: string[],
  _env: Readonly<Record<string, string | undefined>>,
): ServeTimePlan {
  const { values, positionals } = parseCommandArgs(args, {
    host: { type: "string" },
    port: { type: "string", short: "p" },
    tcp: { type: "boolean" },
    udp: { type: "boolean" },
    "udp-rate": { type: "string" },
    ntp: { type: "boolean", short: "n" },
    "ntp-port": { type: "string" },
    "no-time": { type: "boolean" },
    stratum: { type: "string" },
    refid: { type: "string" },
    local: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.host === "") throw new UsageError("--host needs an address");
  const time = !values["no-time"];
  if (!time && (values.tcp || values.udp || values.port !== undefined)) {
    throw new UsageError("--no-time serves NTP alone: leave out --tcp, --udp and --port");
  }
  return {
    help: false,
    hosts: values.host === undefined ? ALL_INTERFACES : [values.host],
    time,
    port: values.port === undefined ? RFC868_PORT : parsePort(values.port),
    // Neither flag, or both: serve both transports.
    tcp: time && (values.tcp || !values.udp),
    udp: time && (values.udp || !values.tcp),
    udpRate: values["udp-rate"] === undefined
      ? DEFAULT_UDP_RATE
      : parseNumber(values["udp-rate"], "--udp-rate", { min: 0, max: 1_000_000 }),
    ..._parseNtp(values),
  };
}

/** The `--ntp` part of the plan; its flags without `--ntp` are a usage error. */
function _parseNtp(values: Record<string, string | boolean | undefined>): { ntp?: ServeTimeNtp } {
  if (!values.ntp) {
    const stray = ["ntp-port", "no-time", "stratum", "refid", "local"].find((flag) =>
      values[flag] !== undefined
    );
    if (stray) throw new UsageError(`--${stray} needs --ntp`);
    return {};
  }
  const port = values["ntp-port"];
  const stratum = values.stratum;
  return {
    ntp: {
      port: typeof port === "string" ? parsePort(port, "--ntp-port") : NTP_PORT,
      stratum: typeof stratum === "string"
        ? parseNumber(stratum, "--stratum", { min: 1, max: 15, integer: true })
        : undefined,
      refid: typeof values.refid === "string" ? parseRefid(values.refid) : undefined,
      local: values.local === true,
    },
  };
}

/**
 * Reads `--refid`: an IPv4 address (an upstream, for stratum 2–15) or 1–4
 * printable ASCII characters (a reference clock at stratum 1: `GPS`, `PPS`),
 * as RFC 5905 §7.3 defines the field.
 *
 * @param text what the user wrote
 * @returns the four octets (text is zero-padded)
 * @throws {UsageError} for anything else
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRefid } from "./serve_time.ts";
 *
 * assert.deepEqual([...parseRefid("192.0.2.1")], [192, 0, 2, 1]);
 * assert.deepEqual([...parseRefid("GPS")], [71, 80, 83, 0]);
 * ```
 */
export function parseRefid(text: string): Uint8Array {
  if (isIPv4(text)) return new Uint8Array(text.split(".").map(Number));
  if (/^[\x21-\x7e]{1,4}$/.test(text) && !/^[\d.]+$/.test(text)) {
    return new TextEncoder().encode(text.padEnd(4, "\0"));
  }
  throw new UsageError(
    `--refid must be an IPv4 address or 1 to 4 letters such as GPS (got '${text}')`,
  );
}

/**
 * Runs the server until SIGINT or SIGTERM.
 *
 * @param plan what {@linkcode parseServeTimeArgs} returned
 * @param context the command's I/O (its clock is the clock served)
 * @returns 0 when stopped by a signal, 1 when it could not start
 * @example `--help` prints the usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { runServeTime } from "./serve_time.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const { context, output } = memoryContext({} as NetAdapter);
 * assert((await runServeTime({ help: true }, context)) === 0);
 * assert(output.out[0].startsWith("Usage: netkit serve-time"));
 * ```
 */
export async function runServeTime(plan: ServeTimePlan, context: CommandContext): Promise<number> {
  if (plan.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  const log = (line: string) => context.err(`netkit serve-time: ${line}`);
  // Listen for signals before announcing anything: a supervisor may send
  // SIGTERM the moment it reads "listening on".
  let off = () => {};
  const stopped = new Promise<string>((resolve) => {
    off = context.net.onSignal(["SIGINT", "SIGTERM"], resolve);
  });
  // The first port to be listened on, until _startServers says which one failed.
  const failing = !plan.time && plan.ntp
    ? { port: plan.ntp.port, flag: "--ntp-port" }
    : { port: plan.port, flag: "--port" };
  let servers: _Servers;
  try {
    servers = await listenOnFirstHost(
      plan.hosts,
      async (host) =>
        await _startServers(plan, context, {
          hostname: await _toAddress(context, host),
          failing,
          log,
        }),
    );
  } catch (error) {
    off();
    const suggestPort = failing.flag === "--ntp-port"
      ? (failing.port === 1123 ? 1124 : 1123)
      : (failing.port === 3737 ? 3738 : 3737);
    log(listenFailure(error, failing.port, { suggestPort, flag: failing.flag }));
    return EXIT.FAILURE;
  }
  const ntpAddr = servers.ntp ? { ...servers.ntp.addr, transport: "ntp" } : undefined;
  for (const addr of [servers.time?.tcp, servers.time?.udp, ntpAddr]) {
    if (addr) {
      context.err(`listening on ${addr.transport}://${formatHostPort(addr.hostname, addr.port)}`);
    }
  }
  const signal = await stopped;
  off();
  servers.time?.close();
  servers.ntp?.close();
  log(`${signal}: stopped`);
  return EXIT.OK;
}

interface _Servers {
  time?: TimeServer;
  ntp?: NtpServer;
}

interface _StartOptions {
  hostname: string;
  /** Set to the port (and its flag) being bound, so a failure names the right one. */
  failing: { port: number; flag: string };
  log: (line: string) => void;
}

/** Starts RFC 868 and SNTP on one address, sharing the per-source limit; all or nothing. */
async function _startServers(
  plan: ServeTimeRun,
  context: CommandContext,
  options: _StartOptions,
): Promise<_Servers> {
  const { hostname, failing, log } = options;
  const limiter = new RateLimiter({ ratePerSecond: plan.udpRate });
  Object.assign(failing, { port: plan.port, flag: "--port" });
  const time = plan.time
    ? await serveTime(context.net, {
      hostname,
      port: plan.port,
      tcp: plan.tcp,
      udp: plan.udp,
      limiter,
      clock: context.now,
      log,
    })
    : undefined;
  if (!plan.ntp) return { time };
  Object.assign(failing, { port: plan.ntp.port, flag: "--ntp-port" });
  try {
    const ntp = await serveNtp(context.net, {
      hostname,
      port: plan.ntp.port,
      stratum: plan.ntp.stratum,
      refid: plan.ntp.refid,
      local: plan.ntp.local,
      limiter,
      clock: preciseClock(context.now, context.monotonicNow),
      log,
    });
    return { time, ntp };
  } catch (error) {
    time?.close();
    throw error;
  }
}

/** A host name given to --host becomes its first address, so both runtimes fail alike. */
async function _toAddress(context: CommandContext, host: string): Promise<string> {
  if (isIPv4(host) || isIPv6(host)) return host;
  if (/^[\d.]+$/.test(host)) throw new NetError("ENOTFOUND", `Not an IPv4 address: ${host}`);
  const [first] = await context.net.resolve(host);
  if (!first) throw new NetError("ENOTFOUND", `Cannot resolve ${host}`);
  return first.address;
}

/** The `serve-time` subcommand. */
export const serveTimeCommand: Command = {
  usage: USAGE,
  run: (args, context) => runServeTime(parseServeTimeArgs(args, context.env), context),
};
