import { test } from "node:test";
import assert from "node:assert/strict";
import { ListenError, listenFailure, listenOnFirstHost } from "../../src/cli/listen.ts";
import { NetError } from "../../src/net/errors.ts";

test("listenOnFirstHost() falls back only when the first host has no IPv6, and names the last", async () => {
  const tried: string[] = [];
  const noIpv6 = new NetError("EAFNOSUPPORT", "no IPv6");
  const used = await listenOnFirstHost(["::", "0.0.0.0"], (host) => {
    tried.push(host);
    return host === "::" ? Promise.reject(noIpv6) : Promise.resolve(host);
  });
  assert.equal(used, "0.0.0.0");
  assert.deepEqual(tried, ["::", "0.0.0.0"]);

  const busy = new NetError("EADDRINUSE", "in use");
  await assert.rejects(
    listenOnFirstHost(["::", "0.0.0.0"], () => Promise.reject(busy)),
    (error) => error instanceof ListenError && error.host === "::" && error.cause === busy,
  );
});

test("listenFailure() never suggests the port that is busy", () => {
  const busy = new ListenError("127.0.0.1", new NetError("EADDRINUSE", "in use"));
  assert.match(listenFailure(busy, 8000, { suggestPort: 8080 }), /--port 8080 \(or --port 0/);
  assert.match(listenFailure(busy, 8080, { suggestPort: 8080 }), /--port 8081 \(or --port 0/);
});

test("listenFailure() gives the unknown error's message with the caller's hint", () => {
  const odd = new ListenError("::", new Error("bad key"));
  assert.equal(
    listenFailure(odd, 443, { suggestPort: 8443, hint: "check --tls-cert and --tls-key" }),
    "cannot listen on [::]:443: bad key (check --tls-cert and --tls-key)",
  );
});

test("listenFailure() says where once, and names a host that is no address (Bun: EINVAL)", () => {
  const context = "Cannot listen on 256.1.1.1:8000";
  const invalid = new ListenError(
    "256.1.1.1",
    new NetError("EOTHER", `${context}: EINVAL: invalid argument, listen`),
  );
  assert.equal(
    listenFailure(invalid, 8000, { suggestPort: 8080 }),
    "cannot listen on 256.1.1.1:8000: '256.1.1.1' is not an address or a known host name " +
      "(EINVAL: invalid argument, listen)",
  );
  const vague = new ListenError("no-such.invalid", new NetError("EOTHER", `${context}: Failed`));
  assert.match(listenFailure(vague, 8000, { suggestPort: 8080 }), /'no-such\.invalid' is not an/);
  // A UDP bind's own "Cannot bind UDP HOST:PORT" is not said a second time.
  const udp = new ListenError("::", new NetError("EOTHER", "Cannot bind UDP :::37: odd"));
  assert.equal(listenFailure(udp, 37, { suggestPort: 3737 }), "cannot listen on [::]:37: odd");
  // An address literal with an odd error keeps the error, said once.
  const odd = new ListenError(
    "127.0.0.1",
    new NetError("EOTHER", "Cannot listen on 127.0.0.1:8000: odd"),
  );
  assert.equal(
    listenFailure(odd, 8000, { suggestPort: 8080 }),
    "cannot listen on 127.0.0.1:8000: odd",
  );
});
