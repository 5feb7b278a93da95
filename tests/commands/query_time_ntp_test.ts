/**
 * `query-time --ntp` in-process: the SNTP flags and URL forms through
 * parseQueryTimeArgs(), and runs against scripted servers through main().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../main.ts";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { selectAdapter } from "../../src/net/select.ts";
import type { NetAdapter, ResolvedAddress } from "../../src/net/types.ts";
import { encodeTime } from "../../src/time/codec.ts";
import { parseQueryTimeArgs } from "../../src/commands/query_time.ts";
import { tcpPeer } from "../_peers.ts";
import { ntpPeer, peerNow, replyTo } from "../peers/ntp_peer.ts";

const parse = (...args: string[]) => {
  const plan = parseQueryTimeArgs(args, {});
  assert.ok(!plan.help);
  return plan;
};

/** Runs netkit in-process, with `overrides` on the adapter (a resolver, a clock setter). */
async function netkit(args: string[], overrides: Partial<NetAdapter> = {}) {
  const properties = Object.fromEntries(
    Object.entries(overrides).map(([name, value]) => [name, { value }]),
  );
  const { context, output } = memoryContext(Object.create(selectAdapter(), properties));
  const code = await main(args, context);
  return { code, out: output.out, err: output.err };
}

test("parseQueryTimeArgs() --ntp asks hosts without a scheme over SNTP on port 123", () => {
  const plan = parse("--ntp", "a", "b:1123", "[::1]", "-n");
  assert.deepEqual(plan.targets, [
    { host: "a", port: 123, protocol: "ntp", transport: "udp" },
    { host: "b", port: 1123, protocol: "ntp", transport: "udp" },
    { host: "::1", port: 123, protocol: "ntp", transport: "udp" },
  ]);
  assert.equal(plan.samples, 1);
  assert.equal(parse("-n", "-p", "1234", "a").targets[0].port, 1234);
});

test("parseQueryTimeArgs() reads ntp://, time:// and time+udp:// so one run mixes protocols", () => {
  const plan = parse(
    "ntp://a",
    "ntp://[2001:db8::1]:1123",
    "time://b",
    "time+udp://c:3737",
    "d",
    "NTP://e/",
    "-p",
    "38",
  );
  assert.deepEqual(plan.targets, [
    { host: "a", port: 123, protocol: "ntp", transport: "udp" },
    { host: "2001:db8::1", port: 1123, protocol: "ntp", transport: "udp" },
    { host: "b", port: 37, protocol: "time", transport: "tcp" },
    { host: "c", port: 3737, protocol: "time", transport: "udp" },
    { host: "d", port: 38, protocol: "time", transport: "tcp" },
    { host: "e", port: 123, protocol: "ntp", transport: "udp" },
  ]);
  // --ntp changes only hosts without a scheme.
  assert.deepEqual(
    parse("--ntp", "time://b", "x").targets.map((t) => t.protocol),
    ["time", "ntp"],
  );
});

test("parseQueryTimeArgs() --samples: 1 by default, 4 with --set, 1 to 16", () => {
  assert.equal(parse("-n", "a").samples, 1);
  assert.equal(parse("-n", "--set", "a").samples, 4);
  assert.equal(parse("-n", "--set", "--samples", "1", "a").samples, 1);
  assert.equal(parse("--samples", "16", "ntp://a", "b").samples, 16);
});

test("parseQueryTimeArgs() --min-agree counts up to 4 addresses per SNTP host name", () => {
  assert.equal(parse("-n", "--set", "--min-agree", "4", "pool.example").set?.minAgree, 4);
  assert.equal(parse("-n", "--set", "--min-agree", "2", "192.0.2.1", "192.0.2.2").set?.minAgree, 2);
  assert.throws(
    () => parseQueryTimeArgs(["-n", "--set", "--min-agree", "2", "192.0.2.1"], {}),
    /--min-agree must be a whole number from 1 to 1/,
  );
});

test("parseQueryTimeArgs() refuses bad SNTP arguments with one line each", () => {
  const cases: [string[], RegExp][] = [
    [
      ["gopher://a"],
      /^unknown scheme 'gopher:\/\/' in 'gopher:\/\/a' \(use ntp:\/\/, time:\/\/, time\+udp:\/\/, https:\/\/ or http:\/\/\)$/,
    ],
    [["ntp://a/path"], /^not a host: 'ntp:\/\/a\/path' \(no path, user or query\)$/],
    [["ntp://u@a"], /^not a host/],
    [["ntp://"], /^not a host: ''$/],
    [["ntp://a:0"], /^port 0 cannot be asked: 'ntp:\/\/a:0'$/],
    [["ntp://a:99999"], /^port in 'a:99999' must be a port number/],
    [
      ["--ntp", "-u", "a"],
      /^--udp does not go with --ntp \(SNTP is always UDP; .*time\+udp:\/\/HOST\)$/,
    ],
    [
      ["--samples", "2", "a"],
      /^--samples only goes with SNTP or HTTPS hosts \(--ntp, ntp:\/\/HOST, https:\/\/HOST\)$/,
    ],
    [["-n", "--samples", "0", "a"], /^--samples must be a whole number from 1 to 16 \(got '0'\)$/],
    [["-n", "--samples", "17", "a"], /^--samples must be a whole number from 1 to 16/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseQueryTimeArgs(args, {}), (e) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    }, args.join(" "));
  }
});

test("query-time --ntp prints the time, offset, delay, stratum and refid of each server", async () => {
  await using server = await ntpPeer((request) =>
    replyTo(request, {
      stratum: 1,
      refid: "GPS",
      receive: request.receivedAt + 3,
      transmit: peerNow() + 3,
    })
  );
  const r = await netkit(["query-time", "--ntp", `127.0.0.1:${server.port}`]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(r.out.length, 1);
  assert.match(
    r.out[0],
    new RegExp(
      `^127\\.0\\.0\\.1:${server.port} ntp  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z  ` +
        `offset \\+(2\\.99|3\\.00)\\d{4} s  rtt \\d+\\.\\d{3} ms  stratum 1  refid GPS$`,
    ),
  );
});

test("query-time --json: SNTP rows have the documented fields, and every row its protocol", async () => {
  await using ntp = await ntpPeer();
  await using time = await tcpPeer((s) => s.end(encodeTime(Date.now() / 1000)));
  await using denied = await ntpPeer((request) => replyTo(request, { stratum: 0, refid: "DENY" }));
  const r = await netkit([
    "query-time",
    "--json",
    `ntp://127.0.0.1:${ntp.port}`,
    `time://127.0.0.1:${time.port}`,
    `ntp://127.0.0.1:${denied.port}`,
  ]);
  assert.equal(r.code, 0, r.err.join("\n"));
  const [ntpRow, timeRow, deniedRow] = r.out.map((line) => JSON.parse(line));
  assert.deepEqual(Object.keys(ntpRow), [
    "host",
    "address",
    "port",
    "protocol",
    "transport",
    "unix",
    "iso",
    "stratum",
    "refid",
    "leap",
    "root_distance_ms",
    "rtt_ms",
    "offset_s",
    "outlier",
  ]);
  assert.deepEqual(
    [ntpRow.protocol, ntpRow.transport, ntpRow.stratum, ntpRow.refid, ntpRow.leap],
    ["ntp", "udp", 2, "192.0.2.1", 0],
  );
  assert.ok(Math.abs(ntpRow.root_distance_ms - 15) < 0.1, String(ntpRow.root_distance_ms));
  assert.ok(Math.abs(ntpRow.offset_s) < 0.01);
  assert.equal(timeRow.protocol, "time");
  assert.equal(timeRow.transport, "tcp");
  assert.deepEqual(deniedRow, {
    host: "127.0.0.1",
    address: "127.0.0.1",
    port: denied.port,
    protocol: "ntp",
    transport: "udp",
    error: "kiss-o'-death DENY: the server refuses us (not asking it again)",
  });
  assert.deepEqual(r.err, []);
});

test("query-time --ntp: each failure is one line naming the server, and exit 1 when none answered", async () => {
  await using unsynced = await ntpPeer((request) => replyTo(request, { stratum: 16 }));
  await using rate = await ntpPeer((request) => replyTo(request, { stratum: 0, refid: "RATE" }));
  const r = await netkit([
    "query-time",
    "-n",
    "-t",
    "1",
    `127.0.0.1:${unsynced.port}`,
    `127.0.0.1:${rate.port}`,
  ]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.out, []);
  assert.deepEqual(r.err, [
    `netkit query-time: 127.0.0.1:${unsynced.port} ntp: server is unsynchronised (stratum 16)`,
    `netkit query-time: 127.0.0.1:${rate.port} ntp: kiss-o'-death RATE: the server asks us to ` +
    "slow down (backed off: not asking it again in this run)",
  ]);
});

test("query-time --ntp asks a host name with several addresses at up to 4 of them, one row each", async () => {
  await using first = await ntpPeer();
  const port = first.port;
  const peers = [first];
  try {
    for (const host of ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]) {
      peers.push(await ntpPeer(undefined, { host, port }));
    }
    const addresses: ResolvedAddress[] = ["1", "2", "2", "3", "4", "5"].map((n) => ({
      address: `127.0.0.${n}`,
      family: 4,
    }));
    const r = await netkit(["query-time", "-n", `pool.example:${port}`], {
      resolve: () => Promise.resolve(addresses),
    });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(
      r.out.map((line) => line.split(" ").slice(0, 2).join(" ")),
      ["1", "2", "3", "4"].map((n) => `pool.example:${port} (127.0.0.${n})`),
    );
    assert.deepEqual(peers.map((p) => p.requests.length), [1, 1, 1, 1, 0]);
  } finally {
    for (const peer of peers.slice(1)) await peer.close();
  }
});

test("query-time --set weighs SNTP and RFC 868 answers alike, each with its own uncertainty", async () => {
  // With --tolerance 0 only the answers' own uncertainty remains. Both servers are
  // 100 s ahead; the RFC 868 one sends whole seconds, so its answer lands anywhere in
  // 99.5 … 100.5 s (where in its second the server read its clock): only its ±0.5 s
  // window lets it agree with the SNTP answer.
  await using ntp = await ntpPeer((request) =>
    replyTo(request, { receive: request.receivedAt + 100, transmit: peerNow() + 100 })
  );
  await using time = await tcpPeer((s) => s.end(encodeTime(Date.now() / 1000 + 100)));
  const calls: number[] = [];
  const before = Date.now();
  const r = await netkit([
    "query-time",
    "--set",
    "--samples",
    "1",
    "--tolerance",
    "0",
    `ntp://127.0.0.1:${ntp.port}`,
    `time://127.0.0.1:${time.port}`,
  ], {
    setSystemClock: (ms: number) => {
      calls.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(calls.length, 1);
  const stepS = (calls[0] - before) / 1000;
  assert.ok(stepS > 99.5 && stepS < 101.5, `step ${stepS}`);
  assert.match(r.out.at(-1)!, /\(step \+(99|100)\.\d{3} s; 2 of 2 hosts agree\)$/);
});

test("query-time --set refuses when an SNTP and an RFC 868 answer are further apart than their uncertainties", async () => {
  await using ntp = await ntpPeer((request) =>
    replyTo(request, { receive: request.receivedAt + 100, transmit: peerNow() + 100 })
  );
  await using time = await tcpPeer((s) => s.end(encodeTime(Date.now() / 1000 + 103)));
  const r = await netkit([
    "query-time",
    "--set",
    "--dry-run",
    "--samples",
    "1",
    "--tolerance",
    "0",
    `ntp://127.0.0.1:${ntp.port}`,
    `time://127.0.0.1:${time.port}`,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err.at(-1)!, /^netkit query-time: not setting the clock: the answers fall into/);
});
