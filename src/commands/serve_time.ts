/**
 * `netkit serve-time`: the RFC 868 server.
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
import { DEFAULT_UDP_RATE, serveTime, type TimeServer } from "../time/server.ts";

const USAGE = `Usage: netkit serve-time [--host ADDR] [--port N] [--tcp] [--udp] [--udp-rate N]

Serve the RFC 868 Time Protocol: a 32-bit count of seconds since 1900,
over TCP and UDP (what inetd's internal "time" service does).

Options:
      --host ADDR     address to listen on (default: all interfaces, IPv6 and
                      IPv4; "0.0.0.0" for IPv4 only, "::1" or "127.0.0.1" for
                      this machine only)
  -p, --port N        port for both transports (default: 37; 0 picks a free one)
      --tcp           serve TCP only
      --udp           serve UDP only
      --udp-rate N    UDP replies per second per source address (default: ${DEFAULT_UDP_RATE};
                      0 = unlimited); stops the server being used as a reflector
  -h, --help          show this help

TCP: each connection gets 4 bytes and is closed. UDP: each EMPTY datagram gets
4 bytes; non-empty datagrams are dropped, so two servers can never loop.
When the clock reads earlier than this build's date (a device without a
real-time clock that has not synced yet) nothing is sent, as RFC 868 asks.
The counter wraps past 2036-02-07T06:28:16Z, as RFC 868 clients expect.

Prints "listening on tcp://HOST:PORT" (and udp://) on stderr when ready.
SIGINT or SIGTERM stops it cleanly with exit 0.

Exit codes: 0 stopped by a signal, 1 could not start (port in use,
permission denied, bad address), 2 usage error.

Port 37 needs root or CAP_NET_BIND_SERVICE:
  sudo setcap cap_net_bind_service=+ep ./netkit
or run on a high port: netkit serve-time --port 3737`;

/** What `serve-time` was asked to do. */
export type ServeTimePlan = { help: true } | ServeTimeRun;

/** A server to run: where, which transports, how fast UDP may answer. */
export interface ServeTimeRun {
  help: false;
  /** Tried in order: the first that works is served (`::`, then `0.0.0.0` by default). */
  hosts: readonly string[];
  /** For both transports; 0 picks a free one, the same for both. */
  port: number;
  tcp: boolean;
  udp: boolean;
  /** UDP replies per second per source address; 0 = unlimited. */
  udpRate: number;
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
 * assert(!plan.help && plan.hosts.join() === "::,0.0.0.0");
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
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.host === "") throw new UsageError("--host needs an address");
  return {
    help: false,
    hosts: values.host === undefined ? ALL_INTERFACES : [values.host],
    port: values.port === undefined ? RFC868_PORT : parsePort(values.port),
    // Neither flag, or both: serve both transports.
    tcp: values.tcp || !values.udp,
    udp: values.udp || !values.tcp,
    udpRate: values["udp-rate"] === undefined
      ? DEFAULT_UDP_RATE
      : parseNumber(values["udp-rate"], "--udp-rate", { min: 0, max: 1_000_000 }),
  };
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
  let server: TimeServer;
  try {
    server = await listenOnFirstHost(plan.hosts, async (host) =>
      await serveTime(context.net, {
        hostname: await _toAddress(context, host),
        port: plan.port,
        tcp: plan.tcp,
        udp: plan.udp,
        udpRate: plan.udpRate,
        clock: context.now,
        log,
      }));
  } catch (error) {
    off();
    const suggestPort = plan.port === 3737 ? 3738 : 3737;
    log(listenFailure(error, plan.port, { suggestPort }));
    return EXIT.FAILURE;
  }
  for (const addr of [server.tcp, server.udp]) {
    if (addr) {
      context.err(`listening on ${addr.transport}://${formatHostPort(addr.hostname, addr.port)}`);
    }
  }
  const signal = await stopped;
  off();
  server.close();
  log(`${signal}: stopped`);
  return EXIT.OK;
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
