import { test } from "node:test";
import assert from "node:assert/strict";
import { SdNotifier, sdNotifyMessage } from "../../src/time/sd_notify.ts";
import { NetError } from "../../src/net/errors.ts";

test("sdNotifyMessage() writes KEY=VALUE lines and refuses a line break in a value", () => {
  const text = new TextDecoder().decode(sdNotifyMessage({ READY: "1", STATUS: "first sync" }));
  assert.equal(text, "READY=1\nSTATUS=first sync\n");
  assert.throws(() => sdNotifyMessage({ STATUS: "a\nb" }), TypeError);
  assert.throws(() => sdNotifyMessage({ "ready": "1" }), TypeError);
});

test("SdNotifier sends to a path or @name, logs one failure once, and refuses vsock", async () => {
  const sent: string[] = [];
  const lines: string[] = [];
  const failing = new SdNotifier("/run/systemd/notify", {
    send: (path) => {
      sent.push(path);
      return Promise.reject(new NetError("ECONNREFUSED", "connection refused"));
    },
    log: (l) => lines.push(l),
  });
  assert.equal(failing.enabled, true);
  await failing.notify({ READY: "1" });
  await failing.notify({ STOPPING: "1" });
  assert.deepEqual(sent, ["/run/systemd/notify"], "not tried again after a failure");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^cannot notify \/run\/systemd\/notify: connection refused/);
  const vsock = new SdNotifier("vsock:2:1234", {
    send: () => Promise.resolve(),
    log: (l) => lines.push(l),
  });
  await vsock.notify({ READY: "1" });
  assert.match(lines[1], /only AF_UNIX paths and @names/);
  assert.equal(new SdNotifier("", { send: () => Promise.resolve(), log: () => {} }).enabled, false);
});
