/**
 * Reason phrases of HTTP status codes (RFC 9110 §15), one table for the
 * file server's short status pages and the downloader's messages.
 *
 * @module
 */

/**
 * Reason phrases by status code, as RFC 9110 §15 names them (429: RFC 6585 §4;
 * 507: RFC 4918 §11.5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STATUS_TEXT } from "./status_text.ts";
 *
 * assert(STATUS_TEXT[404] === "Not Found");
 * ```
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  /** RFC 9110 §15.3.1 */ 200: "OK",
  /** RFC 9110 §15.3.2 */ 201: "Created",
  /** RFC 9110 §15.3.5 */ 204: "No Content",
  /** RFC 9110 §15.3.7 */ 206: "Partial Content",
  /** RFC 9110 §15.4.2 */ 301: "Moved Permanently",
  /** RFC 9110 §15.4.3 */ 302: "Found",
  /** RFC 9110 §15.4.4 */ 303: "See Other",
  /** RFC 9110 §15.4.5 */ 304: "Not Modified",
  /** RFC 9110 §15.4.8 */ 307: "Temporary Redirect",
  /** RFC 9110 §15.4.9 */ 308: "Permanent Redirect",
  /** RFC 9110 §15.5.1 */ 400: "Bad Request",
  /** RFC 9110 §15.5.2 */ 401: "Unauthorized",
  /** RFC 9110 §15.5.4 */ 403: "Forbidden",
  /** RFC 9110 §15.5.5 */ 404: "Not Found",
  /** RFC 9110 §15.5.6 */ 405: "Method Not Allowed",
  /** RFC 9110 §15.5.9 */ 408: "Request Timeout",
  /** RFC 9110 §15.5.10 */ 409: "Conflict",
  /** RFC 9110 §15.5.13 */ 412: "Precondition Failed",
  /** RFC 9110 §15.5.14 */ 413: "Content Too Large",
  /** RFC 9110 §15.5.16 */ 415: "Unsupported Media Type",
  /** RFC 9110 §15.5.17 */ 416: "Range Not Satisfiable",
  /** RFC 6585 §4 */ 429: "Too Many Requests",
  /** RFC 9110 §15.6.1 */ 500: "Internal Server Error",
  /** RFC 9110 §15.6.2 */ 501: "Not Implemented",
  /** RFC 9110 §15.6.3 */ 502: "Bad Gateway",
  /** RFC 9110 §15.6.4 */ 503: "Service Unavailable",
  /** RFC 9110 §15.6.5 */ 504: "Gateway Timeout",
  /** RFC 4918 §11.5 */ 507: "Insufficient Storage",
};
