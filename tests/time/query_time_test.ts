import { test } from "node:test";
import assert from "node:assert/strict";
import { selectAdapter } from "../../src/net/select.ts";
import { encodeTime } from "../../src/time/codec.ts";
import { queryTime } from "../../src/time/query_time.ts";
import { TimeQueryError } from "../../src/time/time_query_error.ts";
import dgram from "node:dgram";
import { tcpPeer, udpPeer } from "../_peers.ts";

const adapter = selectAdapter();
const nowS = () => Date.now() / 1000;

function failsWith(kind: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TimeQueryError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  };
}

test("queryTime() over TCP reads the time, offset and round trip", async () => {
  await using server = await tcpPeer((s) => s.end(encodeTime(nowS())));
  const answer = await queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
    transport: "tcp",
  });
  assert.equal(answer.address, "127.0.0.1");
  assert.equal(answer.transport, "tcp");
  assert.ok(Math.abs(answer.unix - nowS()) < 2);
  assert.ok(Math.abs(answer.offsetS) < 1.5, `offset ${answer.offsetS}`);
  assert.ok(answer.rttMs >= 0 && answer.rttMs < 1000);
});

test("queryTime() reports a server that closes without sending", async () => {
  await using server = await tcpPeer((s) => s.end());
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, { transport: "tcp" }),
    failsWith("no-data", /closed the connection without sending the time/),
  );
});

for (const length of [3, 5, 8]) {
  test(`queryTime() reports a ${length}-byte TCP reply as a protocol error`, async () => {
    await using server = await tcpPeer((s) => s.end(new Uint8Array(length).fill(0x83)));
    await assert.rejects(
      queryTime(adapter, { host: "127.0.0.1", port: server.port }, { transport: "tcp" }),
      failsWith(
        "bad-reply",
        new RegExp(
          `${length < 4 ? "short" : "overlong"} reply: expected 4 bytes, received ${length}`,
        ),
      ),
    );
  });
}

test("queryTime() gives up on a server that accepts and never sends at its timeout (±0.5 s)", async () => {
  await using server = await tcpPeer(() => {});
  const started = performance.now();
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
      transport: "tcp",
      timeoutMs: 1500,
    }),
    failsWith("timeout", /timed out after 1\.5 s while waiting for the reply/),
  );
  const elapsed = performance.now() - started;
  assert.ok(Math.abs(elapsed - 1500) <= 500, `gave up after ${elapsed} ms`);
});

test("queryTime() gives up on a trickling server at its timeout", async () => {
  await using server = await tcpPeer((s) => s.write(new Uint8Array([0x83, 0xaa])));
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
      transport: "tcp",
      timeoutMs: 800,
    }),
    failsWith("timeout", /reading the reply \(2 bytes so far\)/),
  );
});

test("queryTime() reports a refused TCP connection", async () => {
  const server = await tcpPeer(() => {});
  const port = server.port;
  await server.close();
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port }, { transport: "tcp" }),
    failsWith("refused", /^connection refused$/),
  );
});

test("queryTime() reports an unknown host", async () => {
  await assert.rejects(
    queryTime(adapter, { host: "no-such-host.invalid", port: 37 }, { transport: "tcp" }),
    failsWith("unknown-host", /cannot resolve the host name/),
  );
});

test("queryTime() over UDP sends an empty datagram and reads the reply", async () => {
  const requests: number[] = [];
  await using server = await udpPeer((data, rinfo, socket) => {
    requests.push(data.length);
    socket.send(encodeTime(nowS()), rinfo.port, rinfo.address);
  });
  const answer = await queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
    transport: "udp",
  });
  assert.deepEqual(requests, [0]);
  assert.equal(answer.transport, "udp");
  assert.ok(Math.abs(answer.unix - nowS()) < 2);
});

test("queryTime() over UDP accepts the reply when asked by an IPv4-mapped IPv6 address", async () => {
  // A dual-stack socket: reachable as ::ffff:127.0.0.1, replies come back from 127.0.0.1.
  const dual = dgram.createSocket({ type: "udp6", ipv6Only: false });
  dual.on("message", (_d, rinfo) => dual.send(encodeTime(nowS()), rinfo.port, rinfo.address));
  await new Promise<void>((r) => dual.bind(0, "::", () => r()));
  try {
    const answer = await queryTime(
      adapter,
      { host: "::ffff:127.0.0.1", port: dual.address().port },
      {
        transport: "udp",
        timeoutMs: 1500,
      },
    );
    assert.ok(Math.abs(answer.unix - nowS()) < 2);
  } finally {
    await new Promise<void>((r) => dual.close(() => r()));
  }
});

test("queryTime() over UDP resends within the timeout and then gives up", async () => {
  let requests = 0;
  await using server = await udpPeer(() => requests++);
  const started = performance.now();
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
      transport: "udp",
      timeoutMs: 1200,
      retries: 2,
    }),
    failsWith("timeout", /timed out after 1\.2 s while waiting for a reply/),
  );
  const elapsed = performance.now() - started;
  assert.ok(Math.abs(elapsed - 1200) <= 500, `gave up after ${elapsed} ms`);
  assert.equal(requests, 3, "the request and two resends");
});

test("queryTime() over UDP ignores a reply from a different port than the one asked", async () => {
  await using other = await udpPeer();
  await using server = await udpPeer((_data, rinfo) => {
    // Answer from another socket: not the server the client asked.
    other.socket.send(encodeTime(nowS()), rinfo.port, rinfo.address);
  });
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
      transport: "udp",
      timeoutMs: 700,
    }),
    failsWith("timeout", /timed out/),
  );
});

test("queryTime() over UDP reports a wrong-length reply when nothing better came", async () => {
  await using server = await udpPeer((_d, rinfo, socket) => {
    socket.send(new Uint8Array(8), rinfo.port, rinfo.address);
  });
  await assert.rejects(
    queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
      transport: "udp",
      timeoutMs: 500,
    }),
    failsWith("bad-reply", /overlong reply: expected 4 bytes, received 8/),
  );
});

test("queryTime() picks the era nearest the build date when the local clock is unset", async () => {
  const serverTime = Date.parse("2037-01-01T00:00:00Z") / 1000; // value wrapped past 2036
  await using server = await tcpPeer((s) => s.end(encodeTime(serverTime)));
  const answer = await queryTime(adapter, { host: "127.0.0.1", port: server.port }, {
    transport: "tcp",
    clock: () => 5000, // 1970: an RTC-less device at boot
  });
  assert.equal(answer.unix, serverTime);
});
