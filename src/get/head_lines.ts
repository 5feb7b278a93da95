/**
 * Request and response heads as `-v` and `-i`/`-I` show them.
 *
 * @module
 */

/**
 * A response head as `-i` and `-I` print it on standard output: the status
 * line and the headers, CRLF-terminated, with the blank line after.
 *
 * @param response the response
 * @returns the head's text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHead } from "./head_lines.ts";
 *
 * const head = formatHead(new Response("", { status: 200, statusText: "OK" }));
 * assert(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"));
 * ```
 */
export function formatHead(response: Response): string {
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

/**
 * The lines `-v` prints for a request (`> …`), with credentials hidden.
 *
 * @param url where it goes
 * @param request its method and the headers it carries
 * @returns the lines, the last one `>`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestLines } from "./head_lines.ts";
 *
 * const lines = requestLines(new URL("http://h/x"), {
 *   method: "GET",
 *   headers: new Headers({ authorization: "Basic YTpi" }),
 * });
 * assert(lines.includes("> authorization: Basic [hidden]"));
 * ```
 */
export function requestLines(
  url: URL,
  { method, headers }: { method: string; headers: Headers },
): string[] {
  const lines = [`> ${method} ${url.pathname}${url.search} HTTP/1.1`, `> Host: ${url.host}`];
  for (const [name, value] of headers) {
    lines.push(
      `> ${name}: ${name === "authorization" ? value.split(" ")[0] + " [hidden]" : value}`,
    );
  }
  lines.push(">");
  return lines;
}

/**
 * The lines `-v` prints for a response head (`< …`).
 *
 * @param response the response
 * @returns the lines, the last one `<`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { responseLines } from "./head_lines.ts";
 *
 * const lines = responseLines(new Response(null, { status: 204, statusText: "No Content" }));
 * assert(lines[0] === "< HTTP/1.1 204 No Content" && lines.at(-1) === "<");
 * ```
 */
export function responseLines(response: Response): string[] {
  const lines = [`< HTTP/1.1 ${response.status} ${response.statusText}`];
  for (const [name, value] of response.headers) lines.push(`< ${name}: ${value}`);
  lines.push("<");
  return lines;
}
