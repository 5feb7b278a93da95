/**
 * Where a request leads: its target's path resolved under the served folder,
 * remembered per URL (parsing and resolving cost as much as the rest of a
 * small file's response, and the same URLs come again and again).
 *
 * @module
 */
import { join } from "node:path";
import { resolvePath } from "./resolve_path.ts";

/** Request URLs whose resolved path is remembered. */
const LOCATION_CACHE_ENTRIES = 1000;
/**
 * The base for a target that is not an absolute URL: Bun hands an HTTP/1.0
 * request without Host over as `request.url === "/path"`.
 */
const NO_HOST_BASE = "http://localhost";

/** Where a request URL leads: a path under the root, or a refusal. */
export type Location =
  | { ok: true; path: string; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404 };

/** Options for {@linkcode Locator}. */
export interface LocatorOptions {
  /** The served folder. */
  root: string;
  /** Allow dot-segments (`.git`, `.env`). @default false */
  dotfiles?: boolean;
}

/**
 * Resolves request URLs to paths under the root, and refuses requests whose
 * target no server may guess at: several Host headers (RFC 9112 §3.2: 400),
 * which the runtimes join into one value with commas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Locator } from "./locate.ts";
 *
 * const locator = new Locator({ root: "/srv" });
 * const found = locator.locate(new Request("http://x/a/b%20c.txt"));
 * assert(found.ok && found.path.endsWith("b c.txt"));
 * assert(!locator.locate(new Request("http://x/%zz")).ok);
 * ```
 */
export class Locator {
  #options: LocatorOptions;
  #locations = new Map<string, Location>();

  constructor(options: LocatorOptions) {
    this.#options = options;
  }

  /**
   * Where a request leads.
   *
   * @param request the request
   * @returns the path and its segments, or 400/404
   */
  locate(request: Request): Location {
    if (request.headers.get("host")?.includes(",")) return { ok: false, status: 400 };
    const url = request.url;
    let location = this.#locations.get(url);
    if (!location) {
      const resolved = resolvePath(requestUrl(request).pathname, {
        dotfiles: this.#options.dotfiles,
      });
      location = resolved.ok
        ? { ...resolved, path: join(this.#options.root, ...resolved.segments) }
        : { ok: false, status: resolved.status };
      if (this.#locations.size >= LOCATION_CACHE_ENTRIES) this.#locations.clear();
      this.#locations.set(url, location);
    }
    return location;
  }
}

/**
 * A request's URL, parsed, also when the runtime gave only a path (Bun, for
 * an HTTP/1.0 request without Host).
 *
 * @param request the request
 * @returns the URL
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestUrl } from "./locate.ts";
 *
 * assert(requestUrl(new Request("http://x/a?b")).search === "?b");
 * ```
 */
export function requestUrl(request: Request): URL {
  return new URL(request.url, NO_HOST_BASE);
}
