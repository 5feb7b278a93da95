import { test } from "node:test";
import assert from "node:assert/strict";
import { NetError } from "../../src/net/errors.ts";
import { TimeReplyError } from "../../src/time/codec.ts";
import { TimeQueryError, toTimeQueryError } from "../../src/time/time_query_error.ts";

test("toTimeQueryError() gives each adapter error code its kind and message", () => {
  const cases = [
    ["ENOTFOUND", "unknown-host", "cannot resolve the host name"],
    ["ECONNREFUSED", "refused", "connection refused"],
    ["EHOSTUNREACH", "unreachable", "host unreachable"],
    ["ENETUNREACH", "unreachable", "host unreachable"],
    ["ECONNRESET", "reset", "connection reset by the server"],
  ] as const;
  for (const [code, kind, message] of cases) {
    const cause = new NetError(code, `native text for ${code}`);
    const error = toTimeQueryError(cause);
    assert.deepEqual([error.kind, error.message, error.cause], [kind, message, cause]);
  }
});

test("toTimeQueryError() keeps a TimeQueryError, reads a TimeReplyError as bad-reply, else other", () => {
  const own = new TimeQueryError("no-data", "closed");
  assert.equal(toTimeQueryError(own), own);
  const reply = toTimeQueryError(new TimeReplyError(2));
  assert.equal(reply.kind, "bad-reply");
  assert.match(reply.message, /expected 4 bytes, received 2/);
  const other = toTimeQueryError(new NetError("EPIPE", "Broken pipe"));
  assert.deepEqual([other.kind, other.message], ["other", "Broken pipe"]);
  assert.deepEqual([toTimeQueryError("odd").kind, toTimeQueryError("odd").message], [
    "other",
    "odd",
  ]);
});
