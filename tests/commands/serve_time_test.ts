/**
 * `serve-time` in-process: every flag through parseServeTimeArgs(), the run
 * through runServeTime() with its signals (and, where a test needs it, its
 * sockets) replaced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { main } from "../../main.ts";
import { UsageError } from "../../src/cli/args.ts";
import { type CommandContext, memoryContext } from "../../src/cli/context.ts";
import { NetError } from "../../src/net/errors.ts";
import { selectAdapter } from "../../src/net/select.ts";
import type { NetAdapter, SignalName } from "../../src/net/types.ts";
import { decodeTime } from "../../src/time/codec.ts";
import { DEFAULT_UDP_RATE } from "../../src/time/server.ts";
import { parseServeTimeArgs, runServeTime } from "../../src/commands/serve_time.ts";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  unixFromNtpTimestamp,
} from "../../src/time/ntp_packet.ts";
import { udpAsk, udpPeer } from "../_peers.ts";

const parse = (...args: string[]) => {
  const plan = parseServeTimeArgs(args, {});
  assert.ok(!plan.help);
  return plan;
};

test("parseServeTimeArgs() defaults: TCP and UDP on port 37, all interfaces, the default rate", () => {
  assert.deepEqual(parse(), {
    help: false,
    hosts: ["::", "0.0.0.0"],
    time: true,
    port: 37,
    tcp: true,
    udp: true,
    udpRate: DEFAULT_UDP_RATE,
  });
});

test("parseServeTimeArgs() --tcp, --udp, both, --host and --port", () => {
  assert.deepEqual([parse("--tcp").tcp, parse("--tcp").udp], [true, false]);
  assert.deepEqual([parse("--udp").tcp, parse("--udp").udp], [false, true]);
  assert.deepEqual([parse("--tcp", "--udp").tcp, parse("--tcp", "--udp").udp], [true, true]);
  assert.deepEqual(parse("--host", "127.0.0.1").hosts, ["127.0.0.1"]);
  assert.equal(parse("-p", "0").port, 0);
  assert.equal(parse("--port=65535").port, 65535);
  assert.deepEqual(parseServeTimeArgs(["--help", "--port", "x"], {}), { help: true });
});

test("parseServeTimeArgs() takes --udp-rate from 0 (no limit) to 1,000,000", () => {
  assert.equal(parse("--udp-rate", "0").udpRate, 0);
  assert.equal(parse("--udp-rate", "2.5").udpRate, 2.5);
  assert.equal(parse("--udp-rate", "1000000").udpRate, 1_000_000);
  for (const bad of ["1000001", "-1", "x", ""]) {
    assert.throws(
      () => parse(`--udp-rate=${bad}`),
      (e) =>
        e instanceof UsageError && /^--udp-rate must be a number from 0 to 1000000/.test(e.message),
      bad,
    );
  }
});

test("parseServeTimeArgs() refuses bad ports, empty hosts, arguments and unknown flags", () => {
  const cases: [string[], RegExp][] = [
    [["--port", "65536"], /^--port must be a port number from 0 to 65535 \(got '65536'\)$/],
    [["--port", "-1"], /^option '--port' needs a value/],
    [["--host", ""], /^--host needs an address$/],
    [["127.0.0.1"], /^unexpected argument '127\.0\.0\.1'$/],
    [["--sntp"], /^unknown option '--sntp'$/],
    [["--tcp=yes"], /^option '--tcp' does not take a value$/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseServeTimeArgs(args, {}), (e) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    }, args.join(" "));
  }
});

test("serve-time: a bad value exits 2 with one line and a hint", async () => {
  for (const args of [["--udp-rate", "-5"], ["--port", "99999"], ["extra"], ["--bogus"]]) {
    const { context, output } = memoryContext(selectAdapter());
    assert.equal(await main(["serve-time", ...args], context), 2, args.join(" "));
    assert.equal(output.err.length, 2, output.err.join("\n"));
    assert.match(output.err[0], /^netkit serve-time: \S/);
    assert.equal(output.err[1], "Try 'netkit help serve-time' for usage.");
  }
});

/** An adapter whose signals this test raises, and whose sockets may be replaced. */
function stubbedAdapter(overrides: Partial<NetAdapter> = {}) {
  let raise: (signal: SignalName) => void = () => {};
  const net = Object.create(selectAdapter(), {
    onSignal: {
      value: (_signals: SignalName[], handler: (signal: SignalName) => void) => {
        raise = handler;
        return () => {};
      },
    },
    ...Object.fromEntries(Object.entries(overrides).map(([k, value]) => [k, { value }])),
  }) as NetAdapter;
  return { net, raise: (signal: SignalName) => raise(signal) };
}

test("serve-time names the fallback host when the fallback is the one that failed", async () => {
  // No IPv6 here ("::" fails with EAFNOSUPPORT), and the IPv4 port is taken.
  const { net } = stubbedAdapter({
    listenTcp: ({ hostname }) => {
      throw hostname === "::"
        ? new NetError("EAFNOSUPPORT", "Address family not supported")
        : new NetError("EADDRINUSE", "Address in use");
    },
  });
  const { context, output } = memoryContext(net);
  assert.equal(await main(["serve-time", "--tcp"], context), 1);
  assert.equal(output.err.length, 1, output.err.join("\n"));
  assert.match(
    output.err[0],
    /^netkit serve-time: cannot listen on 0\.0\.0\.0:37: port 37 is already in use; pick another with --port 3737/,
  );
});

test("serve-time names the one host given when it fails", async () => {
  const { net } = stubbedAdapter({
    listenTcp: () => {
      throw new NetError("EACCES", "Permission denied");
    },
  });
  const { context, output } = memoryContext(net);
  assert.equal(await main(["serve-time", "--host", "::1", "--port", "3737"], context), 1);
  assert.match(
    output.err[0],
    /^netkit serve-time: cannot listen on \[::1\]:3737: permission denied; .* or use --port 3738$/,
  );
});

test("serve-time --no-time names the NTP port when its host is no address", async () => {
  const { context, output } = memoryContext(selectAdapter());
  const argv = ["serve-time", "--no-time", "--ntp", "--ntp-port", "3123", "--local", "--host"];
  assert.equal(await main([...argv, "256.1.1.1"], context), 1);
  // Deno says ENOTFOUND; Bun's vaguer error follows in brackets.
  assert.match(
    output.err[0],
    /^netkit serve-time: cannot listen on 256\.1\.1\.1:3123: '256\.1\.1\.1' is not an address or a known host name( \(.+\))?$/,
  );
});

/** Waits until the server printed both "listening on" lines. */
async function listening(output: { err: string[] }): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const line = output.err.find((l) => l.startsWith("listening on tcp://"));
    if (line && output.err.some((l) => l.startsWith("listening on udp://"))) {
      return Number(line.split(":").at(-1));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never listened: ${output.err.join("\n")}`);
}

/** Reads one RFC 868 reply over TCP with node:net. */
function readTime(port: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1");
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    socket.on("error", reject);
  });
}

test("runServeTime() serves the context's clock, and stops on SIGTERM with exit 0", async () => {
  const { net, raise } = stubbedAdapter();
  const served = Date.parse("2030-06-01T12:00:00Z");
  const { context, output } = memoryContext(net, { now: () => served });
  const plan = parseServeTimeArgs(["--host", "127.0.0.1", "--port", "0"], {});
  const running = runServeTime(plan, context as CommandContext);
  try {
    const port = await listening(output);
    const { unix } = decodeTime(await readTime(port), served / 1000);
    assert.equal(unix, served / 1000);
  } finally {
    raise("SIGTERM");
  }
  assert.equal(await running, 0);
  assert.equal(output.err.at(-1), "netkit serve-time: SIGTERM: stopped");
});

test("parseServeTimeArgs() --ntp: SNTP on port 123 beside RFC 868, no stratum or refid given, not --local", () => {
  const plan = parse("--ntp");
  assert.deepEqual(plan.ntp, { port: 123, stratum: undefined, refid: undefined, local: false });
  assert.ok(plan.time && plan.tcp && plan.udp && plan.port === 37);
  assert.deepEqual(parse("-n").ntp, plan.ntp);
  assert.equal(parse().ntp, undefined);
});

test("parseServeTimeArgs() --ntp-port, --stratum, --refid and --local", () => {
  const plan = parse(
    "--ntp",
    "--ntp-port",
    "1123",
    "--stratum",
    "2",
    "--refid",
    "192.0.2.1",
    "--local",
  );
  assert.deepEqual(plan.ntp, {
    port: 1123,
    stratum: 2,
    refid: new Uint8Array([192, 0, 2, 1]),
    local: true,
  });
  assert.deepEqual([...parse("--ntp", "--stratum", "1", "--refid", "GPS").ntp!.refid!], [
    71,
    80,
    83,
    0,
  ]);
  assert.deepEqual([...parse("--ntp", "--refid=PPS").ntp!.refid!], [80, 80, 83, 0]);
  assert.equal(parse("--ntp", "--ntp-port", "0").ntp!.port, 0);
});

test("parseServeTimeArgs() --no-time serves NTP alone", () => {
  const plan = parse("--ntp", "--no-time", "--udp-rate", "3");
  assert.equal(plan.time, false);
  assert.equal(plan.tcp, false);
  assert.equal(plan.udp, false);
  assert.equal(plan.udpRate, 3);
  assert.equal(plan.ntp!.port, 123);
});

test("parseServeTimeArgs() refuses NTP flags without --ntp, bad strata and refids, --no-time with RFC 868 flags", () => {
  const cases: [string[], RegExp][] = [
    [["--no-time"], /^--no-time needs --ntp$/],
    [["--ntp-port", "1123"], /^--ntp-port needs --ntp$/],
    [["--stratum", "2"], /^--stratum needs --ntp$/],
    [["--refid", "GPS"], /^--refid needs --ntp$/],
    [["--local"], /^--local needs --ntp$/],
    [["--ntp", "--ntp-port", "65536"], /^--ntp-port must be a port number from 0 to 65535/],
    [["--ntp", "--stratum", "0"], /^--stratum must be a whole number from 1 to 15 \(got '0'\)$/],
    [["--ntp", "--stratum", "16"], /^--stratum must be a whole number from 1 to 15/],
    [["--ntp", "--stratum", "2.5"], /^--stratum must be a whole number/],
    [["--ntp", "--refid", "TOOLONG"], /^--refid must be an IPv4 address or 1 to 4 letters/],
    [["--ntp", "--refid", "1.2.3"], /^--refid must be an IPv4 address/],
    [["--ntp", "--refid", ""], /^--refid must be an IPv4 address/],
    [
      ["--ntp", "--no-time", "--tcp"],
      /^--no-time serves NTP alone: leave out --tcp, --udp and --port$/,
    ],
    [["--ntp", "--no-time", "--port", "37"], /^--no-time serves NTP alone/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseServeTimeArgs(args, {}), (e) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    }, args.join(" "));
  }
});

/** Waits until the server printed a "listening on ntp://" line; returns its port. */
async function listeningNtp(output: { err: string[] }): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const line = output.err.find((l) => l.startsWith("listening on ntp://"));
    if (line) return Number(line.split(":").at(-1));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never listened: ${output.err.join("\n")}`);
}

test("runServeTime() --ntp --no-time --local serves the context's clock over SNTP only", async () => {
  const { net, raise } = stubbedAdapter();
  const served = Date.parse("2041-03-01T00:00:00Z"); // NTP era 1
  const { context, output } = memoryContext(net, { now: () => served });
  const plan = parseServeTimeArgs(
    ["--host", "127.0.0.1", "--ntp", "--ntp-port", "0", "--no-time", "--local"],
    {},
  );
  const running = runServeTime(plan, context as CommandContext);
  try {
    const port = await listeningNtp(output);
    assert.ok(!output.err.some((l) => /listening on (tcp|udp):/.test(l)), "no RFC 868");
    const reply = await udpAsk(port, encodeNtpPacket({ version: 4, mode: 3 }));
    assert.ok(reply);
    const packet = decodeNtpPacket(reply);
    assert.equal(Math.floor(unixFromNtpTimestamp(packet.transmit, served / 1000)), served / 1000);
    assert.notEqual(packet.stratum, 16);
  } finally {
    raise("SIGTERM");
  }
  assert.equal(await running, 0);
});

test("serve-time --ntp on a port in use names --ntp-port and closes the RFC 868 listeners it opened", async () => {
  await using taken = await udpPeer();
  const real = selectAdapter();
  const closed: string[] = [];
  const { net } = stubbedAdapter({
    listenTcp: (options) => {
      const listener = real.listenTcp(options);
      const close = listener.close.bind(listener);
      return Object.assign(listener, { close: () => (closed.push("tcp"), close()) });
    },
    bindUdp: async (options) => {
      const socket = await real.bindUdp(options);
      const close = socket.close.bind(socket);
      return Object.assign(socket, { close: () => (closed.push("udp"), close()) });
    },
  });
  const { context, output } = memoryContext(net);
  const args = [
    "serve-time",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--ntp",
    "--ntp-port",
    String(taken.port),
  ];
  assert.equal(await main(args, context), 1);
  assert.equal(output.err.length, 2, output.err.join("\n")); // the kernel's state, then the failure
  assert.match(
    output.err[1],
    new RegExp(
      `^netkit serve-time: cannot listen on 127\\.0\\.0\\.1:${taken.port}: port ${taken.port} is already in use; pick another with --ntp-port 1123`,
    ),
  );
  assert.deepEqual(closed.sort(), ["tcp", "udp"], "RFC 868's listeners were closed again");
});
