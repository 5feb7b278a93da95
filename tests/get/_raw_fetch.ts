/**
 * A NetAdapter stand-in for in-process tests of `get`: its fetch is
 * node:http's client, which hands over the server's bytes exactly as sent
 * (the adapter contract: net.fetch never decodes a content coding), the
 * same under Deno and Bun.
 *
 * @module
 */
import http from "node:http";
import { Readable } from "node:stream";
import { Buffer } from "node:buffer";
import type { NetAdapter } from "../../src/net/types.ts";

/** Fetches `url` over plain HTTP with node:http; redirects are left to the caller. */
export function rawFetch(url: URL, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const request = http.request(url, {
      method: init.method ?? "GET",
      headers,
      signal: init.signal ?? undefined,
    }, (response) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) responseHeaders.set(name, [value].flat().join(", "));
      }
      const status = response.statusCode ?? 0;
      const nullBody = init.method === "HEAD" || [204, 304].includes(status);
      if (nullBody) response.resume();
      resolve(
        new Response(nullBody ? null : Readable.toWeb(response) as ReadableStream<Uint8Array>, {
          status,
          statusText: response.statusMessage,
          headers: responseHeaders,
        }),
      );
    });
    request.on("error", reject);
    request.end(init.body ? Buffer.from(init.body as Uint8Array) : undefined);
  });
}

/** A NetAdapter whose fetch is {@linkcode rawFetch}; nothing else is used by `get`. */
export function rawNet(): NetAdapter {
  return {
    runtime: "test",
    runtimeVersion: "0",
    insecureTls: true,
    insecureTlsHint: "",
    fetch: rawFetch,
  } as unknown as NetAdapter;
}
