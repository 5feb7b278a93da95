import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { AddressInfo, Socket } from "node:net";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import type { CertificateCheck } from "../../src/net/types.ts";
import { makeCertificates, type Pem, type TestCertificates } from "./_certs.ts";
import { tcpPeer } from "../_peers.ts";
import { have, peerSkip } from "../_helpers.ts";

const net = selectAdapter();
let certs: TestCertificates;

/** Answers every HEAD on a connection with a Date (node:tls, not netkit's adapters). */
function answerHeads(socket: Socket | TLSSocket) {
  let text = "";
  socket.on("error", () => {});
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
    for (let end = text.indexOf("\r\n\r\n"); end >= 0; end = text.indexOf("\r\n\r\n")) {
      text = text.slice(end + 4);
      socket.write(
        `HTTP/1.1 200 OK\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: 5\r\n\r\n`,
      );
    }
  });
}

async function tlsServer(pem: Pem): Promise<{ port: number } & AsyncDisposable> {
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ cert: pem.cert, key: pem.key }, (socket) => {
    sockets.add(socket);
    answerHeads(socket);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

before(() => {
  if (have("openssl")) certs = makeCertificates();
});
after(() => certs?.[Symbol.dispose]());

function open(port: number, check: CertificateCheck, caCerts: string[] = [certs.ca]) {
  return net.openHeadSession({ hostname: "127.0.0.1", port, tls: true, check, caCerts });
}

function refusedWith(code: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof NetError, String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

test("openHeadSession() sends several HEADs on one verified connection", {
  skip: peerSkip("openssl"),
}, async () => {
  await using server = await tlsServer(certs.good);
  for (const check of ["ordinary", "ignore-dates"] as const) {
    await using session = await open(server.port, check);
    for (let i = 0; i < 3; i++) {
      const reply = await session.head("/");
      assert.equal(reply.status, 200);
      assert.ok(Math.abs(Date.parse(reply.headers.get("date")!) - Date.now()) < 2000);
    }
    assert.ok(session.chain.length >= 1, check);
    assert.equal(session.chain[0].notAfterMs, Date.parse("2099-12-31T00:00:00Z"));
  }
});

test("openHeadSession() ignoring dates accepts an expired chain and hands over its dates", {
  skip: peerSkip("openssl"),
}, async () => {
  await using server = await tlsServer(certs.expired);
  await assert.rejects(open(server.port, "ordinary"), refusedWith("CERT_EXPIRED"));
  await using session = await open(server.port, "ignore-dates");
  assert.equal(session.chain.length, 2);
  assert.equal(session.chain[0].notAfterMs, Date.parse("2020-01-02T00:00:00Z"));
  assert.match(session.chain[1].subject, /netkit test CA/);
  assert.equal((await session.head("/")).status, 200);
});

test(
  "openHeadSession() ignoring dates still refuses an unknown CA, a self-signed leaf and a wrong name",
  { skip: peerSkip("openssl") },
  async () => {
    await using good = await tlsServer(certs.good);
    await using self = await tlsServer(certs.selfSigned);
    await using wrong = await tlsServer(certs.wrongName);
    for (const check of ["ordinary", "ignore-dates"] as const) {
      await assert.rejects(open(good.port, check, []), refusedWith("CERT_UNTRUSTED"), check);
      await assert.rejects(open(self.port, check), refusedWith("CERT_UNTRUSTED"), check);
      await assert.rejects(open(wrong.port, check), refusedWith("CERT_HOSTNAME"), check);
    }
    await assert.rejects(
      open(good.port, "ignore-dates", []),
      refusedWith("CERT_UNTRUSTED", /unknown issuer 'CN=netkit test CA'/),
    );
    await assert.rejects(
      open(wrong.port, "ignore-dates"),
      refusedWith("CERT_HOSTNAME", /it is for DNS:example\.invalid, not 127\.0\.0\.1/),
    );
    await using insecure = await open(self.port, "none", []);
    assert.deepEqual(insecure.chain, []);
    assert.equal((await insecure.head("/")).status, 200);
  },
);

test("openHeadSession() over plain HTTP reports a server that closes the connection", async () => {
  await using server = await tcpPeer((socket) => socket.end("HTTP/1.1 200 OK\r\n"));
  await using session = await net.openHeadSession({
    hostname: "127.0.0.1",
    port: server.port,
    tls: false,
  });
  await assert.rejects(session.head("/"), refusedWith("ECONNRESET"));
  await using garbage = await tcpPeer((socket) => socket.end("SSH-2.0-OpenSSH\r\n\r\n"));
  await using other = await net.openHeadSession({
    hostname: "127.0.0.1",
    port: garbage.port,
    tls: false,
  });
  await assert.rejects(other.head("/"), refusedWith("EPROTO"));
});
