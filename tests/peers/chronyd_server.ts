/**
 * chronyd as a loopback NTP server for the client's tests: `-x` (it never
 * touches the clock), `local stratum 8` (it serves its own clock as
 * synchronised), on a port of ours, with its pidfile and driftfile in a temp
 * folder and no command port or socket. As root it keeps root (`-u root`: the
 * temp folder is root's); otherwise `-U` lets it start as the user running the tests.
 *
 * @module
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { IS_ROOT } from "../_helpers.ts";

/** A running chronyd. */
export interface ChronydServer extends AsyncDisposable {
  host: string;
  port: number;
  /** What chronyd logged so far. */
  log(): string;
}

/** Options for {@linkcode startChronyd}. */
export interface StartChronydOptions {
  /** The loopback address to serve on. @default "127.0.0.1" */
  host?: string;
  /** @default a free port */
  port?: number;
  /** @default 8 */
  stratum?: number;
}

/** A UDP port nothing listens on right now. */
export async function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Whether an NTP server answers a mode-3 request at `host:port` within `timeoutMs`. */
function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = dgram.createSocket("udp4");
  return new Promise<boolean>((resolve) => {
    const done = (yes: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("message", () => done(true));
    socket.on("error", () => done(false));
    const request = new Uint8Array(48);
    request[0] = 0x23;
    crypto.getRandomValues(request.subarray(40));
    socket.send(request, port, host);
  });
}

/**
 * Starts chronyd and waits until it answers.
 *
 * @throws {Error} with chronyd's log when it exits or does not answer within 10 s
 */
export async function startChronyd(options: StartChronydOptions = {}): Promise<ChronydServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? await freeUdpPort(host);
  const dir = mkdtempSync(join(tmpdir(), "netkit-chronyd-"));
  const conf = join(dir, "chrony.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bindaddress ${host}`,
      `allow ${host}`,
      `local stratum ${options.stratum ?? 8}`,
      "cmdport 0",
      "bindcmdaddress /",
      `pidfile ${join(dir, "chronyd.pid")}`,
      `driftfile ${join(dir, "drift")}`,
      "",
    ].join("\n"),
  );
  const user = IS_ROOT ? ["-u", "root"] : ["-U", "-u", userInfo().username];
  const child = spawn("chronyd", ["-x", "-d", ...user, "-f", conf], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let tries = 0; tries < 50; tries++) {
    if (child.exitCode !== null) break;
    if (await answers(host, port, 200)) {
      return { host, port, log: () => log, [Symbol.asyncDispose]: stop };
    }
  }
  await stop();
  throw new Error(`chronyd did not answer on ${host}:${port}; its log:\n${log}`);
}
