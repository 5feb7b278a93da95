/**
 * Conformance of the adapter's `fetch` for the runtime running the tests:
 * the server's bytes, never decoded; and every failure a NetError with a code.
 * The peers are node:http, node:https and node:net servers, not netkit's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import { tcpPeer } from "../_peers.ts";
import { peerSkip, RUNTIME } from "../_helpers.ts";
import { makeCertificates, type Pem } from "./_certs.ts";

const net = selectAdapter();
const TEXT = "netkit ".repeat(200);
const CODINGS: Record<string, Uint8Array> = {
  gzip: new Uint8Array(gzipSync(TEXT)),
  deflate: new Uint8Array(deflateSync(TEXT)),
  br: new Uint8Array(brotliCompressSync(TEXT)),
};

/** A node:http or node:https server on 127.0.0.1 port 0, closed on dispose. */
async function serve(
  handler: http.RequestListener,
  tls?: Pem,
): Promise<{ port: number } & AsyncDisposable> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Request headers each failure is tried with: none, and a caller-chosen
 * Accept-Encoding (which Deno's adapter sends over another client).
 */
const CHOICES: Record<string, string>[] = [{}, { "accept-encoding": "gzip" }];

/** A predicate for assert.rejects: a NetError with `code`. */
function netError(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof NetError, `a NetError, not ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}

test("fetch() hands over gzip, deflate and br bodies undecoded, with or without Accept-Encoding", async () => {
  const asked: (string | undefined)[] = [];
  await using server = await serve((request, response) => {
    asked.push(request.headers["accept-encoding"]);
    const coding = request.url!.slice(1);
    response.writeHead(200, { "content-encoding": coding, vary: "accept-encoding" });
    response.end(CODINGS[coding]);
  });
  for (const [coding, bytes] of Object.entries(CODINGS)) {
    const choices: Record<string, string>[] = [{}, { "accept-encoding": "gzip, deflate, br" }];
    for (const headers of choices) {
      const url = new URL(`http://127.0.0.1:${server.port}/${coding}`);
      const response = await net.fetch(url, { headers });
      assert.equal(response.headers.get("content-encoding"), coding);
      const got = new Uint8Array(await response.arrayBuffer());
      assert.deepEqual(got, bytes, `${coding}, ${JSON.stringify(headers)}: the server's bytes`);
    }
  }
  assert.deepEqual(asked, [
    "identity",
    "gzip, deflate, br",
    "identity",
    "gzip, deflate, br",
    "identity",
    "gzip, deflate, br",
  ]);
});

test("fetch() with redirect manual gives the 3xx response itself", async () => {
  await using server = await serve((_request, response) => {
    response.writeHead(302, { location: "/elsewhere" });
    response.end("moved");
  });
  const url = new URL(`http://127.0.0.1:${server.port}/`);
  const response = await net.fetch(url, { redirect: "manual" });
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "/elsewhere");
  await response.body?.cancel();
});

test("fetch() keeps status, headers and url of the response", async () => {
  await using server = await serve((_request, response) => {
    response.writeHead(404, "Gone Fishing", { "x-peer": "node" });
    response.end("nothing");
  });
  const url = new URL(`http://127.0.0.1:${server.port}/a?b`);
  const response = await net.fetch(url, {});
  assert.equal(response.status, 404);
  // Deno's fetch reports the standard reason phrase, Bun the server's: the adapter keeps either.
  const native = await fetch(url);
  await native.body?.cancel();
  assert.equal(response.statusText, native.statusText);
  assert.equal(response.headers.get("x-peer"), "node");
  assert.equal(response.url, url.href);
  assert.equal(await response.text(), "nothing");
});

test("fetch() to a closed port throws NetError ECONNREFUSED, the native error as cause", async () => {
  const peer = await tcpPeer(() => {});
  const port = peer.port;
  await peer.close();
  for (const headers of CHOICES) {
    const url = new URL(`http://127.0.0.1:${port}/`);
    const error = await net.fetch(url, { headers }).catch((e) => e);
    netError("ECONNREFUSED")(error);
    assert.equal(error.message, "connection refused");
    assert.ok(error.cause && !(error.cause instanceof NetError), "the native error is the cause");
  }
});

test("fetch() of an unknown host throws NetError ENOTFOUND", async () => {
  for (const headers of CHOICES) {
    await assert.rejects(
      net.fetch(new URL("http://no-such-host.invalid/"), { headers }),
      netError("ENOTFOUND", /^host name not found$/),
    );
  }
});

test("fetch() to a port Deno blocks throws NetError EBADPORT", {
  skip: RUNTIME === "deno" ? false : "only Deno refuses the fetch standard's bad ports",
}, async () => {
  await assert.rejects(net.fetch(new URL("http://127.0.0.1:25/"), {}), netError("EBADPORT"));
});

test("fetch() throws NetError ECONNRESET when the server drops the connection before a head", async () => {
  for (const drop of ["reset", "close"] as const) {
    for (const headers of CHOICES) {
      await using peer = await tcpPeer((socket) =>
        socket.once("data", () => drop === "reset" ? socket.resetAndDestroy() : socket.end())
      );
      await assert.rejects(
        net.fetch(new URL(`http://127.0.0.1:${peer.port}/`), { headers }),
        netError("ECONNRESET"),
        drop,
      );
    }
  }
});

test("fetch() throws NetError EPROTO for a malformed response head", async () => {
  const heads = ["garbage garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nbad header line\r\n\r\nok"];
  for (const head of heads) {
    for (const headers of CHOICES) {
      await using peer = await tcpPeer((socket) => socket.once("data", () => socket.end(head)));
      await assert.rejects(
        net.fetch(new URL(`http://127.0.0.1:${peer.port}/`), { headers }),
        netError("EPROTO"),
        JSON.stringify(head),
      );
    }
  }
});

test("fetch() over TLS to a plain HTTP server throws NetError TLS_FAILED", async () => {
  await using peer = await tcpPeer((socket) =>
    socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"))
  );
  for (const headers of CHOICES) {
    await assert.rejects(
      net.fetch(new URL(`https://127.0.0.1:${peer.port}/`), { headers }),
      netError("TLS_FAILED"),
    );
  }
});

test("fetch() aborted by the caller throws NetError EABORTED with the signal's reason as cause", async () => {
  await using peer = await tcpPeer(() => {});
  const url = new URL(`http://127.0.0.1:${peer.port}/`);
  for (const headers of CHOICES) {
    const reason = new Error("the caller's own reason");
    const abort = new AbortController();
    setTimeout(() => abort.abort(reason), 100);
    const error = await net.fetch(url, { headers, signal: abort.signal }).catch((e) => e);
    netError("EABORTED")(error);
    assert.equal(error.cause, reason);
    const signal = AbortSignal.timeout(100);
    const timedOut = await net.fetch(url, { headers, signal }).catch((e) => e);
    netError("EABORTED")(timedOut);
    assert.equal((timedOut.cause as Error).name, "TimeoutError");
  }
});

test("fetch() body read errors are NetErrors: a reset, a bad chunk, an abort", async () => {
  const head = "HTTP/1.1 200 OK\r\n";
  const routes: Record<string, (socket: import("node:net").Socket) => void> = {
    reset: (s) => {
      s.write(`${head}content-length: 100000\r\n\r\n${"x".repeat(1000)}`);
      setTimeout(() => s.resetAndDestroy(), 50);
    },
    chunk: (s) => {
      s.write(`${head}transfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n`);
      setTimeout(() => s.end(), 50);
    },
    stall: (s) => s.write(`${head}content-length: 100000\r\n\r\nxx`),
  };
  for (const [route, send] of Object.entries(routes)) {
    for (const headers of CHOICES) {
      await using peer = await tcpPeer((socket) => socket.once("data", () => send(socket)));
      const abort = new AbortController();
      const reason = new Error("stalled");
      const response = await net.fetch(new URL(`http://127.0.0.1:${peer.port}/`), {
        headers,
        signal: abort.signal,
      });
      if (route === "stall") setTimeout(() => abort.abort(reason), 100);
      const error = await response.arrayBuffer().catch((e) => e);
      assert.ok(error instanceof NetError, `${route}: a NetError, not ${String(error)}`);
      if (route === "stall") {
        assert.equal(error.code, "EABORTED");
        assert.equal(error.cause, reason);
      } else {
        // Deno words every broken body the same ("error reading a body from connection").
        assert.ok(["ECONNRESET", "EPROTO"].includes(error.code), `${route}: ${error.code}`);
      }
    }
  }
});

test("fetch() names certificate failures: self-signed, unknown CA, wrong name, expired", {
  skip: peerSkip("openssl"),
}, async () => {
  using certs = makeCertificates();
  const cases: [Pem, string, RegExp, boolean][] = [
    [
      certs.selfSigned,
      "CERT_UNTRUSTED",
      /^certificate is not trusted: self-signed certificate$/,
      false,
    ],
    [certs.good, "CERT_UNTRUSTED", /^certificate is not trusted: unknown issuer$/, false],
    [certs.wrongName, "CERT_HOSTNAME", /^certificate is not valid for this host name$/, true],
    [certs.expired, "CERT_EXPIRED", /^certificate has expired/, true],
  ];
  for (const [pem, code, message, trustCa] of cases) {
    await using server = await serve((_q, r) => r.end("secret"), pem);
    const extras = trustCa ? { caCerts: [certs.ca] } : {};
    const url = new URL(`https://localhost:${server.port}/`);
    await assert.rejects(net.fetch(url, {}, extras), netError(code, message));
    // Deno's node:https (its path for a caller's Accept-Encoding) words an expired
    // leaf as UNABLE_TO_VERIFY_LEAF_SIGNATURE: refused, but not said to be expired.
    if (code === "CERT_EXPIRED" && RUNTIME === "deno") continue;
    const headers = CHOICES[1];
    await assert.rejects(
      net.fetch(url, { headers }, extras),
      netError(code, message),
      "with headers",
    );
  }
});

test(
  "fetch() trusts the CAs of extras.caCerts, on the runtime's fetch and with a caller's Accept-Encoding",
  {
    skip: peerSkip("openssl"),
  },
  async () => {
    using certs = makeCertificates();
    await using server = await serve((_q, r) => r.end("fine"), certs.good);
    const url = new URL(`https://localhost:${server.port}/`);
    for (const headers of [{}, CHOICES[1]]) {
      const label = JSON.stringify(headers);
      await assert.rejects(
        net.fetch(url, { headers }),
        netError("CERT_UNTRUSTED", /unknown issuer/),
      );
      const trusted = await net.fetch(url, { headers }, { caCerts: [certs.ca] });
      assert.equal(await trusted.text(), "fine", `trusted once the CA is given (${label})`);
      const again = await net.fetch(url, { headers }, { caCerts: [certs.ca] });
      assert.equal(await again.text(), "fine", `and again, on the same client (${label})`);
    }
  },
);

test("fetch() body: an abort while a read waits on a stalled body fails that read at once", async () => {
  const head = "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
  await using peer = await tcpPeer((socket) =>
    socket.once("data", () => socket.write(head + "x".repeat(1000)))
  );
  // Several rounds: on Deno a pending read once went on until the server sent more.
  for (let round = 0; round < 5; round++) {
    const abort = new AbortController();
    const response = await net.fetch(new URL(`http://127.0.0.1:${peer.port}/`), {
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 1000) received += (await reader.read()).value!.length;
    const started = performance.now();
    setTimeout(() => abort.abort(new Error("idle")), 50);
    const error = await reader.read().then(() => null, (e) => e);
    assert.ok(error instanceof NetError && error.code === "EABORTED", `round ${round}: ${error}`);
    assert.ok(performance.now() - started < 2000, `round ${round}: the read failed at once`);
  }
});
