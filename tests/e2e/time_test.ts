/**
 * End-to-end: the real program (under the test runtime, or NETKIT_BIN) against
 * peers nobody here wrote: rdate (openrdate), BusyBox rdate, xinetd (also under faketime).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  IS_ROOT,
  netkitArgv,
  peerSkip,
  run,
  runNetkit,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { tcpFetch, tcpPeer } from "../_peers.ts";

/** Parses rdate's printed date ("Sun Nov 22 03:08:01 UTC 2026" or "rdate: [host]\t…"). */
function rdateSeconds(output: string): number {
  const match = /\w{3} (\w{3})\s+(\d+) (\d\d:\d\d:\d\d) (?:UTC )?(\d{4})/.exec(output);
  assert.ok(match, `no date in rdate output: ${JSON.stringify(output)}`);
  return Date.parse(`${match[1]} ${match[2]} ${match[4]} ${match[3]} UTC`) / 1000;
}

test(`[${TARGET}] rdate -p reads serve-time over TCP within 2 s of the clock`, {
  skip: peerSkip("rdate"),
}, async () => {
  await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const result = await run(["rdate", "-p", "-o", String(server.ports.tcp), "127.0.0.1"]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Math.abs(rdateSeconds(result.stdout) - Date.now() / 1000) <= 2, result.stdout);
});

test(`[${TARGET}] rdate -p -u reads serve-time over UDP within 2 s of the clock`, {
  skip: peerSkip("rdate"),
}, async () => {
  await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  // rdate -u has no timeout of its own: bound it.
  const result = await run(["rdate", "-p", "-u", "-o", String(server.ports.udp), "127.0.0.1"], {
    timeoutMs: 5000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Math.abs(rdateSeconds(result.stdout) - Date.now() / 1000) <= 2, result.stdout);
});

test(`[${TARGET}] rdate -p reads serve-time on IPv6 and the default all-interfaces bind`, {
  skip: peerSkip("rdate"),
}, async () => {
  await using server = await startNetkit(["serve-time", "--port", "0"]);
  assert.match(server.stderr(), /listening on tcp:\/\/(\[::\]|0\.0\.0\.0):\d+/);
  for (const host of ["127.0.0.1", "::1"]) {
    const result = await run(["rdate", "-p", "-o", String(server.ports.tcp), host]);
    assert.equal(result.code, 0, `${host}: ${result.stderr}`);
    assert.ok(Math.abs(rdateSeconds(result.stdout) - Date.now() / 1000) <= 2);
  }
});

/** Why the port-37 BusyBox test cannot run here, or false if it can. */
async function cannotUsePort37(): Promise<string | false> {
  if (!IS_ROOT) return "port 37 needs root";
  const noBusybox = peerSkip("busybox");
  if (noBusybox) return noBusybox;
  // BusyBox rdate always asks port 37; the port must be free for the test.
  const busy = await tcpFetch(37).then(() => true, () => false);
  return busy ? "something already listens on port 37" : false;
}

// Worked out before test() is called: a skip inside the body counts as a pass under Deno.
test(`[${TARGET}] busybox rdate -p reads serve-time on port 37`, {
  skip: await cannotUsePort37(),
}, async () => {
  await using _server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--tcp"], {
    expect: ["tcp"],
  });
  const result = await run(["busybox", "rdate", "-p", "127.0.0.1"], { timeoutMs: 15_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Math.abs(rdateSeconds(result.stdout) - Date.now() / 1000) <= 2, result.stdout);
});

/**
 * Starts xinetd with only its internal time services on `port`, in the
 * foreground; with `offsetS`, under faketime, so its clock is that far from ours.
 */
async function startXinetd(port: number, offsetS?: number) {
  const dir = mkdtempSync(join(tmpdir(), "netkit-xinetd-"));
  const config = join(dir, "xinetd.conf");
  const service = (socketType: string, id: string) => `
service time
{
  type        = INTERNAL UNLISTED
  id          = ${id}
  socket_type = ${socketType}
  protocol    = ${socketType === "stream" ? "tcp" : "udp"}
  port        = ${port}
  bind        = 127.0.0.1
  wait        = ${socketType === "stream" ? "no" : "yes"}
  user        = root
}`;
  writeFileSync(
    config,
    `defaults\n{\n  instances = 50\n}\n${service("stream", "time-stream")}\n${
      service("dgram", "time-dgram")
    }\n`,
  );
  const xinetd = ["xinetd", "-dontfork", "-f", config, "-pidfile", join(dir, "pid")];
  const argv = offsetS === undefined ? xinetd : ["faketime", "-f", `+${offsetS}s`, ...xinetd];
  // Its own process group: faketime runs xinetd as its child, and both must stop.
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  // Ready once it answers over TCP.
  for (let i = 0; i < 50; i++) {
    if ((await tcpFetch(port).catch(() => Buffer.alloc(0))).length === 4) break;
    await sleep(100);
  }
  return {
    port,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      const exited = new Promise((r) => child.on("close", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const peer = await tcpPeer(() => {});
  await peer.close();
  return peer.port;
}

for (const transport of ["tcp", "udp"] as const) {
  test(`[${TARGET}] query-time agrees with xinetd's internal time service over ${transport}`, {
    skip: peerSkip("xinetd"),
  }, async () => {
    const port = await freePort();
    await using xinetd = await startXinetd(port);
    const args = ["query-time", "--json", `127.0.0.1:${port}`];
    if (transport === "udp") args.push("--udp");
    const result = await runNetkit(args);
    assert.equal(result.code, 0, `${result.stderr}\nxinetd: ${xinetd.stderr()}`);
    const answer = JSON.parse(result.stdout);
    assert.equal(answer.transport, transport);
    assert.ok(Math.abs(answer.offset_s) <= 2, `offset ${answer.offset_s}`);
    assert.ok(Math.abs(answer.unix - Date.now() / 1000) <= 2);
  });
}

test(
  `[${TARGET}] query-time --set --dry-run: xinetd clocks 0, 4 and 8 s ahead with --tolerance 5 all agree`,
  {
    skip: peerSkip("xinetd", "faketime"),
  },
  async () => {
    // The middle server agrees with both others, and all three windows of ±5 s share 3 … 5 s.
    await using a = await startXinetd(await freePort());
    await using b = await startXinetd(await freePort(), 4);
    await using c = await startXinetd(await freePort(), 8);
    const hosts = [a, b, c].map((x) => `127.0.0.1:${x.port}`);
    const result = await runNetkit([
      "query-time",
      "--set",
      "--dry-run",
      "--tolerance",
      "5",
      ...hosts,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout.trim().split("\n").at(-1)!,
      /^would set the clock: \S+ -> \S+ {2}\(step \+[345]\.\d{3} s; 3 of 3 hosts agree\)$/,
    );
  },
);

test(`[${TARGET}] query-time --json prints exactly the documented fields`, async () => {
  await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const closed = await freePort();
  const result = await runNetkit([
    "query-time",
    "--json",
    `127.0.0.1:${server.ports.tcp}`,
    `localhost:${server.ports.tcp}`,
    `127.0.0.1:${closed}`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  const fields = [
    "host",
    "address",
    "port",
    "protocol",
    "transport",
    "value",
    "unix",
    "iso",
    "rtt_ms",
    "offset_s",
    "outlier",
  ];
  assert.deepEqual(Object.keys(lines[0]), fields);
  assert.deepEqual(Object.keys(lines[1]), fields);
  assert.equal(lines[0].host, "127.0.0.1");
  assert.equal(lines[1].host, "localhost");
  assert.match(lines[0].iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(lines[0].value, (lines[0].unix + 2208988800) % 2 ** 32);
  assert.equal(lines[0].outlier, false);
  assert.deepEqual(lines[2], {
    host: "127.0.0.1",
    port: closed,
    protocol: "time",
    transport: "tcp",
    error: "connection refused",
  });
});

test(`[${TARGET}] query-time prints one human line per host, errors on stderr, exit 1 when none answered`, async () => {
  await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const ok = await runNetkit(["query-time", "-u", `127.0.0.1:${server.ports.udp}`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /^127\.0\.0\.1:\d+ udp {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}offset [+-]\d+\.\d{3} s {2}rtt \d+\.\d ms\n$/,
  );
  const closed = await freePort();
  const bad = await runNetkit(["query-time", `127.0.0.1:${closed}`, "no-such-host.invalid"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "");
  assert.deepEqual(bad.stderr.trim().split("\n"), [
    `netkit query-time: 127.0.0.1:${closed} tcp: connection refused`,
    "netkit query-time: no-such-host.invalid:37 tcp: cannot resolve the host name",
  ]);
});

test(`[${TARGET}] serve-time on a port in use: one line naming the fix, exit 1`, async () => {
  await using first = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const result = await runNetkit([
    "serve-time",
    "--host",
    "127.0.0.1",
    "--port",
    String(first.ports.tcp),
  ]);
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /already in use.*--port 3737/);
});

test(`[${TARGET}] serve-time on an address not on this machine: one line, exit 1`, async () => {
  const result = await runNetkit(["serve-time", "--host", "192.0.2.1", "--port", "0"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^netkit serve-time: cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1);
});

/** Runs netkit as nobody (uid and gid 65534, no groups). */
function asNobody(args: string[]) {
  return run(
    ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...netkitArgv(), ...args],
    { env: { HOME: tmpdir(), DENO_DIR: join(tmpdir(), "netkit-deno-nobody") } },
  );
}

let nobodyProbe: ReturnType<typeof asNobody> | undefined;

/**
 * Why netkit cannot be run as nobody here, or false if it can. Called once per
 * test (peerSkip counts the calls); the probe itself runs once.
 */
async function cannotRunAsNobody(): Promise<string | false> {
  if (!IS_ROOT) return "needs root (to drop to nobody)";
  const noSetpriv = peerSkip("setpriv");
  if (noSetpriv) return noSetpriv;
  // The checkout may sit in a folder nobody cannot read (mktemp -d is 0700).
  const probe = await (nobodyProbe ??= asNobody(["--version"]));
  if (probe.code !== 0) return `netkit cannot run as nobody here: ${probe.stderr.split("\n")[0]}`;
  return false;
}

test(`[${TARGET}] serve-time on port 37 without privileges names root and CAP_NET_BIND_SERVICE`, {
  skip: await cannotRunAsNobody(),
}, async () => {
  const result = await asNobody(["serve-time", "--host", "127.0.0.1"]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});

test(`[${TARGET}] query-time --set without privileges: clock_settime's EPERM in one line, exit 1`, {
  skip: await cannotRunAsNobody(),
}, async () => {
  // The real FFI path, run as nobody: the kernel refuses, the clock is untouched.
  await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
  const result = await asNobody(["query-time", "--set", `127.0.0.1:${server.ports.tcp}`]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(
    result.stderr,
    "netkit query-time: cannot set the clock: permission denied (needs root or CAP_SYS_TIME)\n",
  );
  assert.match(result.stdout, /^127\.0\.0\.1:\d+ tcp /);
  const dry = await asNobody(["query-time", "--set", "--dry-run", `127.0.0.1:${server.ports.tcp}`]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /\nwould set the clock: \S+ -> \S+ {2}\(step [+-]\d+\.\d{3} s; 1 of 1 hosts agree\)\n$/,
  );
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`[${TARGET}] serve-time stops on ${signal} with exit 0`, async () => {
    const server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"]);
    const { code } = await server.stop(signal);
    assert.equal(code, 0, server.stderr());
    await assert.rejects(tcpFetch(server.ports.tcp!), "the listener is closed");
  });
}

test(`[${TARGET}] usage errors exit 2 with one line and a hint`, async () => {
  for (
    const args of [
      ["query-time"],
      ["query-time", "--nope", "x"],
      ["query-time", "-t", "0", "127.0.0.1"],
      ["query-time", "127.0.0.1:99999"],
      ["serve-time", "--port", "http"],
      ["serve-time", "--udp-rate", "-1"],
      ["serve-time", "--host", ""],
      ["serve-time", "stray"],
      ["query-time", "[::1"],
      ["query-time", "999.1.1.1"],
      ["query-time", "127.0.0.1:0"],
      ["frobnicate"],
      [],
    ]
  ) {
    const result = await runNetkit(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});

test(`[${TARGET}] --version, --help, help COMMAND, and a command without its argument`, async () => {
  const version = await runNetkit(["--version"]);
  assert.equal(version.code, 0);
  assert.match(
    version.stdout,
    /^netkit \d+\.\d+\.\d+ \((deno|bun) \d+\.\d+\.\d+; [\w-]+.*; built \d{4}-\d\d-\d\d\)\n$/,
  );
  const help = await runNetkit(["--help"]);
  assert.equal(help.code, 0);
  for (const name of ["serve-time", "query-time", "serve-http", "get"]) {
    assert.match(help.stdout, new RegExp(name));
  }
  const commandHelp = await runNetkit(["help", "query-time"]);
  assert.equal(commandHelp.code, 0);
  assert.match(commandHelp.stdout, /--tolerance/);
  assert.equal((await runNetkit(["serve-time", "--help"])).code, 0);
  const getHelp = await runNetkit(["help", "get"]);
  assert.match(getHelp.stdout, /--sha256/);
  const noUrl = await runNetkit(["get"]);
  assert.equal(noUrl.code, 2);
  assert.equal(noUrl.stderr, "netkit get: give a URL\nTry 'netkit help get' for usage.\n");
});
