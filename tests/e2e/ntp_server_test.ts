/**
 * End-to-end: `serve-time --ntp`, the real program (under the test runtime,
 * or NETKIT_BIN), read by SNTP clients nobody here wrote (chronyd -Q,
 * ntpdig, Python's ntplib) and attacked with what a hostile network sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  IS_ROOT,
  peerSkip,
  pythonWith,
  run,
  type RunningServer,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { udpAsk, udpPeer } from "../_peers.ts";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  isZeroTimestamp,
  type NtpPacket,
  refidText,
  unixFromNtpTimestamp,
} from "../../src/time/ntp_packet.ts";

/** serve-time with SNTP on a free high port (and RFC 868 on another), on loopback. */
function startNtp(...extra: string[]): Promise<RunningServer> {
  const time = extra.includes("--no-time") ? [] : ["--port", "0"];
  return startNetkit(
    ["serve-time", "--host", "127.0.0.1", ...time, "--ntp", "--ntp-port", "0", ...extra],
    { expect: time.length ? ["tcp", "udp", "ntp"] : ["ntp"] },
  );
}

/** A client request with a random transmit timestamp. */
function request(version = 4, mode = 3): Uint8Array {
  const random = () => (Math.random() * 2 ** 32) >>> 0;
  return encodeNtpPacket({ version, mode, transmit: { seconds: random(), fraction: random() } });
}

test(`[${TARGET}] chronyd -Q reads serve-time --ntp --local within 5 ms of the local clock`, {
  skip: peerSkip("chronyd"),
}, async () => {
  await using server = await startNtp("--local");
  // -Q only measures and prints; it never touches the clock. -f /dev/null: no
  // configuration but the one directive given here.
  const result = await run([
    "chronyd",
    "-Q",
    "-f",
    "/dev/null",
    "-t",
    "15",
    `server 127.0.0.1 port ${server.ports.ntp} iburst maxsamples 1`,
  ], { timeoutMs: 20_000 });
  const output = result.stdout + result.stderr;
  assert.equal(result.code, 0, output);
  const match = /System clock wrong by (-?\d+\.\d+) seconds/.exec(output);
  assert.ok(match, output);
  assert.ok(Math.abs(Number(match[1])) < 0.005, `offset ${match[1]} s`);
});

// Skips are decided before test(): Deno counts a skip inside the body as a pass.
test(`[${TARGET}] ntpdig reads serve-time --ntp --local on port 123 within 5 ms, stratum 10`, {
  skip: !IS_ROOT ? "ntpdig always asks port 123, which needs root to serve" : peerSkip("ntpdig") ||
    (!(await _udpPortFree(123)) && "something already listens on UDP 127.0.0.1:123"),
}, async () => {
  await using _server = await startNetkit(
    ["serve-time", "--host", "127.0.0.1", "--port", "0", "--ntp", "--local"],
    { expect: ["tcp", "udp", "ntp"] },
  );
  const result = await run(["ntpdig", "-j", "-t", "3", "127.0.0.1"], { timeoutMs: 15_000 });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const answer = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
  assert.equal(answer.stratum, 10);
  assert.equal(answer.leap, "no-leap");
  assert.ok(Math.abs(answer.offset) < 0.005, `offset ${answer.offset} s`);
});

test(`[${TARGET}] Python's ntplib reads serve-time --ntp --local within 5 ms, versions 3 and 4`, {
  skip: peerSkip("ntplib"),
}, async () => {
  await using server = await startNtp("--local", "--stratum", "4", "--refid", "192.0.2.44");
  const result = await run([
    pythonWith("ntplib")!,
    "-c",
    `import ntplib, json
c = ntplib.NTPClient()
for v in (3, 4):
    r = c.request("127.0.0.1", version=v, port=${server.ports.ntp}, timeout=3)
    print(json.dumps({"version": r.version, "mode": r.mode, "stratum": r.stratum, "leap": r.leap,
        "refid": ntplib.ref_id_to_text(r.ref_id, r.stratum), "offset": r.offset}))`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const answers = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(answers.map((a) => a.version), [3, 4]);
  for (const answer of answers) {
    assert.equal(answer.mode, 4);
    assert.equal(answer.stratum, 4);
    assert.equal(answer.leap, 0);
    assert.equal(answer.refid, "192.0.2.44");
    assert.ok(Math.abs(answer.offset) < 0.005, `offset ${answer.offset} s`);
  }
});

test(`[${TARGET}] serve-time --ntp without --local follows the kernel's real sync state`, {
  skip: peerSkip("ntplib"),
}, async () => {
  await using server = await startNtp("--no-time");
  // The same read-only adjtimex call, made by Python.
  const kernel = await run([
    pythonWith("ntplib")!,
    "-c",
    `import ctypes, struct
buf = ctypes.create_string_buffer(256)
rc = ctypes.CDLL(None).adjtimex(buf)
print("synchronised" if rc not in (-1, 5) and not struct.unpack_from("=i", buf, 40)[0] & 0x40 else "unsynchronised")`,
  ]);
  assert.equal(kernel.code, 0, kernel.stderr);
  const reply = await udpAsk(server.ports.ntp!, request());
  assert.ok(reply);
  const packet = decodeNtpPacket(reply);
  if (kernel.stdout.trim() === "synchronised") {
    assert.equal(packet.stratum, 3);
    assert.notEqual(packet.leap, 3);
  } else {
    assert.equal(packet.stratum, 16);
    assert.equal(packet.leap, 3);
    assert.match(server.stderr(), /not synchronised: answering with leap 3, stratum 16/);
  }
});

test(`[${TARGET}] serve-time --ntp sends nothing to mode 6, 7, 4 and 5, short and empty packets`, async () => {
  await using server = await startNtp("--local", "--udp-rate", "0");
  const port = server.ports.ntp!;
  const bad = [
    request(2, 6),
    request(2, 7),
    new Uint8Array([0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0]), // ntpdc's monlist request
    request(4, 4),
    request(4, 5),
    request(4, 3).subarray(0, 40),
    new Uint8Array(0),
  ];
  const replies = await Promise.all(bad.map((bytes) => udpAsk(port, bytes, 500)));
  assert.deepEqual(replies, bad.map(() => null));
  const good = await udpAsk(port, request());
  assert.equal(good?.length, 48, "a client request still gets its 48 bytes");
  // RFC 868 UDP does not answer NTP packets either, and NTP does not answer RFC 868's.
  assert.equal(await udpAsk(server.ports.udp!, request(), 300), null);
  assert.equal(await udpAsk(port, new Uint8Array(0), 300), null);
});

test(`[${TARGET}] 300 requests from one source in a burst get at most the rate limit's worth of times`, async () => {
  await using server = await startNtp("--local", "--udp-rate", "20");
  const packets: NtpPacket[] = [];
  await using peer = await udpPeer((data) => packets.push(decodeNtpPacket(data)));
  const started = performance.now();
  for (let i = 0; i < 300; i++) peer.socket.send(request(), server.ports.ntp!, "127.0.0.1");
  await sleep(700);
  const seconds = (performance.now() - started) / 1000;
  const times = packets.filter((p) => p.stratum !== 0);
  const kisses = packets.filter((p) => p.stratum === 0);
  assert.ok(
    times.length >= 1 && times.length <= 20 + Math.ceil(20 * seconds),
    `${times.length} times`,
  );
  assert.ok(kisses.length <= 1 + Math.ceil(seconds / 2), `${kisses.length} kisses`);
  for (const kiss of kisses) {
    assert.equal(refidText(kiss.refid, 0), "RATE");
    assert.ok(isZeroTimestamp(kiss.transmit), "a kiss carries no time");
  }
  assert.ok(packets.length < 300);
});

test(
  `[${TARGET}] 10,000 datagrams from closed ports: NTP keeps answering, RFC 868 keeps answering rdate`,
  {
    skip: peerSkip("rdate"),
  },
  async () => {
    await using server = await startNtp("--local", "--udp-rate", "0");
    const ntp = server.ports.ntp!;
    const flood = (async () => {
      for (let round = 0; round < 40; round++) {
        // Senders that close at once: every reply hits a closed port (ICMP errors).
        const burst = await udpPeer();
        for (let i = 0; i < 250; i++) burst.socket.send(request(), ntp, "127.0.0.1");
        await burst.close();
        await sleep(5);
      }
    })();
    const rdates = [];
    for (let i = 0; i < 3; i++) {
      const tcp = await run(["rdate", "-p", "-o", String(server.ports.tcp), "127.0.0.1"]);
      const udp = await run(["rdate", "-p", "-u", "-o", String(server.ports.udp), "127.0.0.1"], {
        timeoutMs: 5000,
      });
      rdates.push(tcp.code, udp.code);
    }
    await flood;
    assert.deepEqual(rdates, [0, 0, 0, 0, 0, 0], "rdate over TCP and UDP, during the flood");
    const reply = await udpAsk(ntp, request(), 1000);
    assert.equal(reply?.length, 48, "NTP answers after the flood");
    const now = Date.now() / 1000;
    assert.ok(Math.abs(unixFromNtpTimestamp(decodeNtpPacket(reply).transmit, now) - now) < 1);
  },
);

test(
  `[${TARGET}] serve-time --ntp and a second NTP server pointed back at it never loop, even on forged requests`,
  {
    skip: !IS_ROOT
      ? "needs root to forge UDP source ports and watch the loopback interface"
      : peerSkip("python3"),
  },
  async () => {
    await using a = await startNtp("--local", "--no-time", "--udp-rate", "0");
    await using b = await startNtp("--local", "--no-time", "--udp-rate", "0");
    const [pa, pb] = [a.ports.ntp!, b.ports.ntp!];
    // Forge a client request from each server's port to the other, then count
    // every datagram between the two ports on the loopback interface for 1.5 s.
    const result = await run([
      "python3",
      "-c",
      `import socket, struct, time
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
sniff.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: others' loopback traffic
sniff.bind(("lo", 0))
sniff.settimeout(0.1)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
ntp = bytes([0x23]) + bytes(39) + b"forgedno"
for src, dst in ((${pb}, ${pa}), (${pa}, ${pb})):
    raw.sendto(struct.pack("!HHHH", src, dst, 8 + len(ntp), 0) + ntp, ("127.0.0.1", 0))
seen = 0
end = time.time() + 1.5
while time.time() < end:
    try:
        frame, addr = sniff.recvfrom(2048)
    except socket.timeout:
        continue
    if addr[2] != socket.PACKET_HOST or frame[12:14] != b"\\x08\\x00" or frame[23] != 17:
        continue
    ihl = (frame[14] & 15) * 4
    sport, dport = struct.unpack_from("!HH", frame, 14 + ihl)
    if {sport, dport} == {${pa}, ${pb}}:
        seen += 1
print(seen)`,
    ], { timeoutMs: 10_000 });
    assert.equal(result.code, 0, result.stderr);
    // Two forged requests and one reply to each: 4 (fewer if the machine's other
    // loopback traffic crowded the sniffer out); a loop would make thousands.
    const seen = Number(result.stdout.trim());
    assert.ok(seen >= 2 && seen <= 4, `${seen} datagrams between the two servers`);
    assert.ok(await udpAsk(pa, request()), "A still answers");
    assert.ok(await udpAsk(pb, request()), "B still answers");
  },
);

test(
  `[${TARGET}] chronyd as a second server, polling serve-time and forged to answer it, never loops`,
  {
    skip: !IS_ROOT ? "needs root to forge a UDP source port" : peerSkip("chronyd", "python3"),
  },
  async () => {
    await using netkit = await startNtp("--local", "--no-time", "--udp-rate", "0");
    const chronyPort = await _freeUdpPort();
    const tmp = mkdtempSync(join(tmpdir(), "netkit-chronyd-"));
    // chronyd serves on chronyPort and polls netkit; -x: it never touches the clock.
    const chronyd = startChronyd([
      `server 127.0.0.1 port ${netkit.ports.ntp} iburst minpoll 0 maxpoll 0`,
      `port ${chronyPort}`,
      "bindaddress 127.0.0.1",
      "allow 127.0.0.1",
      "local stratum 8",
      "cmdport 0",
      "bindcmdaddress /",
      `pidfile ${tmp}/chronyd.pid`,
      `driftfile ${tmp}/drift`,
    ]);
    try {
      await sleep(1500);
      // The forged request: to netkit, "from" chronyd's server port.
      const forged = await run([
        "python3",
        "-c",
        `import socket, struct
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
ntp = bytes([0x23]) + bytes(39) + b"forgedno"
for i in range(100):
    raw.sendto(struct.pack("!HHHH", ${chronyPort}, ${netkit.ports.ntp}, 8 + len(ntp), 0) + ntp, ("127.0.0.1", 0))`,
      ]);
      assert.equal(forged.code, 0, forged.stderr);
      await sleep(1000);
      const reply = await udpAsk(chronyPort, request(), 1000);
      assert.ok(reply, "chronyd still serves");
      // Stratum 11 once it has taken netkit (stratum 10) as its source; 8 (its local) before.
      assert.ok(
        [8, 11].includes(decodeNtpPacket(reply).stratum),
        `stratum ${decodeNtpPacket(reply).stratum}`,
      );
      assert.ok(await udpAsk(netkit.ports.ntp!, request()), "netkit still serves");
      assert.equal(chronyd.exitCode, null, chronyd.stderr());
    } finally {
      await chronyd.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);

/** chronyd in the foreground with these directives only; -x: it never touches the clock. */
function startChronyd(directives: string[]) {
  const child = spawn("chronyd", ["-d", "-x", "-f", "/dev/null", ...directives], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    get exitCode() {
      return child.exitCode;
    },
    stderr: () => stderr,
    async stop() {
      // By PID, the process this test started.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/** Whether UDP 127.0.0.1:`port` can be bound now. */
function _udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

/** A UDP port free on 127.0.0.1 just now. */
async function _freeUdpPort(): Promise<number> {
  const peer = await udpPeer();
  const port = peer.port;
  await peer.close();
  return port;
}
