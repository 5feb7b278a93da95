/** Undoing content codings: gzip, zlib and raw deflate, br, stacked, corrupt. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { decodingOutput, parseContentCodings } from "../../src/get/content_decoding.ts";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";

const TEXT = Buffer.from("compressible text, ".repeat(2000));

/** Feeds `bytes` in slices of `size` and returns what came out. */
async function decode(codings: Parameters<typeof decodingOutput>[0], bytes: Uint8Array, size = 7) {
  const parts: Uint8Array[] = [];
  const output = decodingOutput(codings, (chunk) => void parts.push(chunk.slice()));
  for (let at = 0; at < bytes.length; at += size) await output.write(bytes.subarray(at, at + size));
  await output.end();
  return Buffer.concat(parts);
}

test("parseContentCodings() lists codings in undo order and refuses unknown ones", () => {
  assert.deepEqual(parseContentCodings("gzip"), ["gzip"]);
  assert.deepEqual(parseContentCodings("x-gzip"), ["gzip"]);
  assert.deepEqual(parseContentCodings("deflate, br"), ["br", "deflate"]);
  assert.deepEqual(parseContentCodings("identity"), []);
  assert.deepEqual(parseContentCodings(" GZIP "), ["gzip"]);
  assert.equal(parseContentCodings("zstd"), undefined);
  assert.equal(parseContentCodings("gzip, compress"), undefined);
});

test("decodingOutput() undoes gzip, zlib deflate, raw deflate and br, fed in small slices", async () => {
  assert.deepEqual(await decode(["gzip"], gzipSync(TEXT)), TEXT);
  assert.deepEqual(await decode(["deflate"], deflateSync(TEXT)), TEXT, "RFC 1950 zlib");
  assert.deepEqual(await decode(["deflate"], deflateRawSync(TEXT)), TEXT, "raw RFC 1951");
  assert.deepEqual(await decode(["deflate"], deflateRawSync(TEXT), 1), TEXT, "one byte at a time");
  assert.deepEqual(await decode(["br"], brotliCompressSync(TEXT)), TEXT);
  assert.deepEqual(await decode(["br"], brotliCompressSync(TEXT), 1 << 20), TEXT, "one chunk");
});

test("decodingOutput() undoes stacked codings in the order given", async () => {
  // Content-Encoding: gzip, br — gzip applied first, so br is undone first.
  const stacked = brotliCompressSync(gzipSync(TEXT));
  assert.deepEqual(await decode(parseContentCodings("gzip, br")!, stacked), TEXT);
});

test("decodingOutput() fails a corrupt or cut-off body with exit 61", async () => {
  const isBadEncoding = (e: unknown) =>
    e instanceof DownloadError && e.exitCode === EXIT.BAD_CONTENT_ENCODING &&
    /^Cannot decode the body: it is not valid gzip data$/.test(e.message);
  await assert.rejects(decode(["gzip"], TEXT), isBadEncoding);
  const gzipped = gzipSync(TEXT);
  await assert.rejects(decode(["gzip"], gzipped.subarray(0, gzipped.length - 20)), isBadEncoding);
});

test("decodingOutput() passes on the error of the write it feeds", async () => {
  const full = Object.assign(new DownloadError(EXIT.WRITE_ERROR, "Cannot write x: full"));
  const output = decodingOutput(["gzip"], () => {
    throw full;
  });
  await assert.rejects(
    (async () => {
      const bytes = gzipSync(TEXT);
      for (let at = 0; at < bytes.length; at += 64) await output.write(bytes.subarray(at, at + 64));
      await output.end();
    })(),
    (e) => e === full,
  );
});
