import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { selectAdapter } from "../../src/net/select.ts";
import { decodeTime, RFC868_EPOCH_OFFSET } from "../../src/time/codec.ts";
import { serveTime } from "../../src/time/server.ts";
import { tcpFetch, udpAsk, udpPeer } from "../_peers.ts";
import { IS_ROOT, peerSkip, run, sleep } from "../_helpers.ts";

const adapter = selectAdapter();
const nowS = () => Date.now() / 1000;

test("serveTime() answers TCP with 4 bytes of the current time and closes", async () => {
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, udp: false });
  assert.equal(server.udp, undefined);
  const reply = await tcpFetch(server.tcp!.port);
  assert.equal(reply.length, 4);
  assert.ok(Math.abs(decodeTime(reply, nowS()).unix - nowS()) < 2);
});

test("serveTime() answers an empty UDP datagram with 4 bytes of the current time", async () => {
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, tcp: false });
  assert.equal(server.tcp, undefined);
  const reply = await udpAsk(server.udp!.port);
  assert.ok(reply);
  assert.equal(reply.length, 4);
  assert.ok(Math.abs(decodeTime(reply, nowS()).unix - nowS()) < 2);
});

test("serveTime() drops non-empty UDP datagrams", async () => {
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, tcp: false });
  assert.equal(await udpAsk(server.udp!.port, new Uint8Array([0, 0, 0, 1]), 300), null);
  assert.equal(await udpAsk(server.udp!.port, new Uint8Array([1]), 300), null);
  assert.ok(await udpAsk(server.udp!.port), "still answers the RFC's empty request");
});

test("serveTime() with port 0 serves TCP and UDP on the same port", async () => {
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0 });
  assert.ok(server.tcp && server.udp);
  assert.equal(server.tcp.port, server.udp.port);
  assert.equal((await tcpFetch(server.tcp.port)).length, 4);
  assert.equal((await udpAsk(server.udp.port))?.length, 4);
});

test("serveTime() serves IPv6 and IPv4 on a dual-stack '::' bind", async () => {
  await using server = await serveTime(adapter, { hostname: "::", port: 0 });
  assert.equal((await tcpFetch(server.tcp!.port, "::1")).length, 4);
  assert.equal((await tcpFetch(server.tcp!.port, "127.0.0.1")).length, 4);
  assert.equal((await udpAsk(server.udp!.port, undefined, 1000, "::1"))?.length, 4);
  assert.equal((await udpAsk(server.udp!.port, undefined, 1000, "127.0.0.1"))?.length, 4);
});

test("serveTime() sends 4 when its clock reads 2036-02-07T06:28:20Z (the wrap)", async () => {
  const clock = () => Date.parse("2036-02-07T06:28:20Z");
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, clock });
  assert.deepEqual([...await tcpFetch(server.tcp!.port)], [0, 0, 0, 4]);
  assert.deepEqual([...(await udpAsk(server.udp!.port))!], [0, 0, 0, 4]);
});

test("serveTime() with a plainly unset clock sends nothing, logs once, recovers when set", async () => {
  let now = Date.parse("1970-01-01T00:00:05Z");
  const lines: string[] = [];
  await using server = await serveTime(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    clock: () => now,
    log: (line) => lines.push(line),
  });
  assert.equal((await tcpFetch(server.tcp!.port)).length, 0, "TCP closes without sending");
  assert.equal((await tcpFetch(server.tcp!.port)).length, 0);
  assert.equal(await udpAsk(server.udp!.port, undefined, 300), null, "UDP stays silent");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /clock reads 1970-01-01T00:00:05\.000Z, before this build's date/);
  now = Date.now();
  const reply = await tcpFetch(server.tcp!.port);
  assert.equal(reply.length, 4);
  assert.ok(Math.abs(decodeTime(reply, nowS()).unix - nowS()) < 2);
  assert.equal(lines.length, 2);
  assert.match(lines[1], /answering again/);
});

test("serveTime() limits UDP replies per source address", async () => {
  await using server = await serveTime(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    tcp: false,
    udpRate: 5,
  });
  let replies = 0;
  await using peer = await udpPeer(() => replies++);
  for (let i = 0; i < 50; i++) peer.socket.send(new Uint8Array(0), server.udp!.port, "127.0.0.1");
  await sleep(300);
  // Burst of 5, plus at most ~2 refilled during the 300 ms.
  assert.ok(replies >= 5 && replies <= 7, `got ${replies} replies to 50 requests`);
});

test("serveTime() never loops with a second time server, even on a forged trigger", {
  skip: IS_ROOT ? peerSkip("python3") : "needs root to forge a UDP source port",
}, async () => {
  await using a = await serveTime(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    tcp: false,
    udpRate: 0,
  });
  await using b = await serveTime(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    tcp: false,
    udpRate: 0,
  });
  // What a spoofer sends: an empty request to A that claims to come from B.
  const forged = await run([
    "python3",
    "-c",
    `import socket,struct
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_UDP)
s.sendto(struct.pack("!HHHH",${b.udp!.port},${a.udp!.port},8,0),("127.0.0.1",0))`,
  ]);
  assert.equal(forged.code, 0, forged.stderr);
  await sleep(500);
  assert.equal(a.stats.udpReplies, 1, "A answered the forged request once");
  assert.equal(b.stats.udpReplies, 0, "B never answered A's 4-byte reply");
  assert.equal(b.stats.udpDropped, 1);
  assert.equal(a.stats.udpDropped, 0);
});

test("serveTime() keeps answering through a flood of 10,000 datagrams from closed ports and non-empty ones", async () => {
  await using server = await serveTime(adapter, {
    hostname: "127.0.0.1",
    port: 0,
    tcp: false,
    udpRate: 0,
  });
  const port = server.udp!.port;
  // Senders that close at once: the server's replies hit closed ports (ICMP errors).
  for (let round = 0; round < 20; round++) {
    const burst = await udpPeer();
    for (let i = 0; i < 250; i++) {
      burst.socket.send(new Uint8Array(i % 2 ? 0 : 8), port, "127.0.0.1");
    }
    await burst.close();
    if (round % 5 === 4) await sleep(10);
  }
  await using flooder = await udpPeer();
  for (let i = 0; i < 5000; i++) flooder.socket.send(new Uint8Array(16), port, "127.0.0.1");
  await sleep(200);
  for (let i = 0; i < 3; i++) {
    const reply = await udpAsk(port, undefined, 1000);
    assert.equal(reply?.length, 4, `still answering after the flood (try ${i})`);
  }
});

test("serveTime() survives 2,000 TCP connections opened and dropped without reading", async () => {
  await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, udp: false });
  const port = server.tcp!.port;
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 100 }, () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          // Half the clients vanish with a reset, half with a plain close.
          if (Math.random() < 0.5) socket.resetAndDestroy();
          else socket.destroy();
          resolve();
        });
        socket.on("error", () => resolve());
      })));
  }
  const reply = await tcpFetch(port);
  assert.equal(reply.length, 4);
  assert.ok(decodeTime(reply, nowS()).value > RFC868_EPOCH_OFFSET);
});

test(
  "serveTime() keeps accepting TCP through a burst of clients that reset before being accepted",
  {
    skip: peerSkip("python3"),
  },
  async () => {
    await using server = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, udp: false });
    // SO_LINGER 0 then close: an RST right after the handshake, before accept().
    const burst = await run([
      "python3",
      "-c",
      `import socket,struct
for i in range(500):
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack("ii",1,0))
    s.connect(("127.0.0.1",${server.tcp!.port})); s.close()`,
    ]);
    assert.equal(burst.code, 0, burst.stderr);
    const started = performance.now();
    assert.equal((await tcpFetch(server.tcp!.port, "127.0.0.1", 3000)).length, 4);
    const waited = performance.now() - started;
    assert.ok(waited < 1000, `answered after ${waited.toFixed(0)} ms`);
  },
);

/**
 * Whether netkit could listen on TCP `port` at 127.0.0.1 right now. Asks the
 * adapter itself: Deno's listener refuses a port that an outgoing connection
 * in TIME_WAIT still names, where node:net's (SO_REUSEADDR) would not.
 */
async function tcpPortFree(port: number): Promise<boolean> {
  try {
    const probe = await serveTime(adapter, { hostname: "127.0.0.1", port, udp: false });
    probe.close();
    await sleep(20); // Deno frees a closed listener on a later event-loop turn
    return true;
  } catch {
    return false;
  }
}

test("serveTime() rejects a port already in use with NetError EADDRINUSE", async () => {
  await using first = await serveTime(adapter, { hostname: "127.0.0.1", port: 0 });
  await assert.rejects(
    serveTime(adapter, { hostname: "127.0.0.1", port: first.tcp!.port }),
    { name: "NetError", code: "EADDRINUSE" },
  );
  // A failed start releases what it had bound: with UDP taken, TCP-then-UDP
  // fails on UDP, and the TCP listener it opened must be gone again.
  // The kernel picks the UDP port; another program may hold the same number
  // for TCP (an outgoing connection's local port), so pick one free for both.
  let udpOnly = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, tcp: false });
  for (let tries = 0; tries < 20 && !(await tcpPortFree(udpOnly.udp!.port)); tries++) {
    udpOnly.close();
    udpOnly = await serveTime(adapter, { hostname: "127.0.0.1", port: 0, tcp: false });
  }
  await using _udpOnly = udpOnly;
  const port = udpOnly.udp!.port;
  await assert.rejects(serveTime(adapter, { hostname: "127.0.0.1", port }), { code: "EADDRINUSE" });
  // Deno frees a listener with an accept() pending on a later event-loop turn.
  let tcpOnly;
  for (let waited = 0; !tcpOnly; waited += 20) {
    try {
      tcpOnly = await serveTime(adapter, { hostname: "127.0.0.1", port, udp: false });
    } catch (error) {
      if (waited >= 1000) throw error;
      await sleep(20);
    }
  }
  tcpOnly.close();
  assert.equal(tcpOnly.tcp!.port, port);
});
