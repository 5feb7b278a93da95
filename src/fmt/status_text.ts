/**
 * Reason phrases of the HTTP status codes netkit sends or reports: one table
 * for the file server's status pages and the download client's messages.
 *
 * @module
 */

/**
 * Reason phrases by status code (RFC 9110 §15).
 *
 * @example
 * ```ts
 * import { STATUS_TEXT } from "./status_text.ts";
 *
 * console.assert(STATUS_TEXT[404] === "Not Found");
 * ```
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  /** RFC 9110 §15.3.5 */
  204: "No Content",
  /** RFC 9110 §15.4.2 */
  301: "Moved Permanently",
  /** RFC 9110 §15.4.5 */
  304: "Not Modified",
  /** RFC 9110 §15.5.1 */
  400: "Bad Request",
  /** RFC 9110 §15.5.2 */
  401: "Unauthorized",
  /** RFC 9110 §15.5.4 */
  403: "Forbidden",
  /** RFC 9110 §15.5.5 */
  404: "Not Found",
  /** RFC 9110 §15.5.6 */
  405: "Method Not Allowed",
  /** RFC 9110 §15.5.9 */
  408: "Request Timeout",
  /** RFC 9110 §15.5.17 */
  416: "Range Not Satisfiable",
  /** RFC 6585 §4 */
  429: "Too Many Requests",
  /** RFC 9110 §15.6.1 */
  500: "Internal Server Error",
  /** RFC 9110 §15.6.2 */
  501: "Not Implemented",
  /** RFC 9110 §15.6.3 */
  502: "Bad Gateway",
  /** RFC 9110 §15.6.4 */
  503: "Service Unavailable",
  /** RFC 9110 §15.6.5 */
  504: "Gateway Timeout",
};
