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

async function run(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    host: { type: "string" },
    port: { type: "string", short: "p" },
    tcp: { type: "boolean" },
    udp: { type: "boolean" },
    "udp-rate": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    context.out(USAGE);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.host === "") throw new UsageError("--host needs an address");
  const port = values.port === undefined ? RFC868_PORT : parsePort(values.port);
  const udpRate = values["udp-rate"] === undefined
    ? DEFAULT_UDP_RATE
    : parseNumber(values["udp-rate"], "--udp-rate", { min: 0, max: 1_000_000 });
  // Neither flag, or both: serve both transports.
  const tcp = values.tcp || !values.udp;
  const udp = values.udp || !values.tcp;
  const log = (line: string) => context.err(`netkit serve-time: ${line}`);

  // Listen for signals before announcing anything: a supervisor may send
  // SIGTERM the moment it reads "listening on".
  let off = () => {};
  const stopped = new Promise<string>((resolve) => {
    off = context.net.onSignal(["SIGINT", "SIGTERM"], resolve);
  });
  let server: TimeServer;
  const hosts = values.host === undefined ? ["::", "0.0.0.0"] : [values.host];
  try {
    server = await startOnFirstHost(context, hosts, { port, tcp, udp, udpRate, log });
  } catch (error) {
    off();
    context.err(`netkit serve-time: ${bindFailure(error, hosts[0], port)}`);
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

/**
 * Tries each host in turn: the default "::" (dual-stack) falls back to
 * 0.0.0.0 where the kernel has no IPv6.
 */
async function startOnFirstHost(
  context: CommandContext,
  hosts: string[],
  options: { port: number; tcp: boolean; udp: boolean; udpRate: number; log(l: string): void },
): Promise<TimeServer> {
  for (let i = 0;; i++) {
    try {
      const hostname = await toAddress(context, hosts[i]);
      return await serveTime(context.net, { hostname, ...options });
    } catch (error) {
      const noIpv6 = error instanceof NetError &&
        (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL");
      if (!noIpv6 || i + 1 >= hosts.length) throw error;
    }
  }
}

/** A host name given to --host becomes its first address, so both runtimes fail alike. */
async function toAddress(context: CommandContext, host: string): Promise<string> {
  if (isIPv4(host) || isIPv6(host)) return host;
  if (/^[\d.]+$/.test(host)) throw new NetError("ENOTFOUND", `Not an IPv4 address: ${host}`);
  const [first] = await context.net.resolve(host);
  if (!first) throw new NetError("ENOTFOUND", `Cannot resolve ${host}`);
  return first.address;
}

/** One line that names the problem and the fix. */
function bindFailure(error: unknown, host: string, port: number): string {
  const where = formatHostPort(host, port);
  if (!(error instanceof NetError)) return `cannot listen on ${where}: ${String(error)}`;
  switch (error.code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: port ${port} is already in use ` +
        `(another time server?); pick another with --port ${port === 3737 ? 3738 : 3737}`;
    case "EACCES":
      return `cannot listen on ${where}: permission denied; ports below 1024 need root or ` +
        `CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep netkit), or use --port 3737`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: ${host} is not an address of this machine; ` +
        `use one of its addresses, or leave out --host to listen on all`;
    case "ENOTFOUND":
      return `cannot listen on ${where}: '${host}' is not an address or a known host name`;
    case "EAFNOSUPPORT":
      return `cannot listen on ${where}: this system has no IPv6; use --host 0.0.0.0`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/** The `serve-time` subcommand. */
export const serveTimeCommand: Command = {
  usage: USAGE,
  run,
};
