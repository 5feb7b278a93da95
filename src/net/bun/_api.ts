/**
 * The slice of Bun's API that `bun.ts` uses, declared locally so the project
 * type-checks under `deno check` without bun-types (whose globals clash with
 * Deno's). Structurally compatible with bun-types 1.4.
 *
 * @module
 */

export interface BunSocket<T> {
  data: T;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly localAddress?: string;
  write(data: Uint8Array): number;
  end(data?: Uint8Array): number;
  terminate(): void;
  timeout(seconds: number): void;
}

export interface BunSocketHandlers<T> {
  open?(socket: BunSocket<T>): void;
  data?(socket: BunSocket<T>, chunk: Uint8Array): void;
  drain?(socket: BunSocket<T>): void;
  end?(socket: BunSocket<T>): void;
  close?(socket: BunSocket<T>, error?: Error): void;
  error?(socket: BunSocket<T>, error: Error): void;
  timeout?(socket: BunSocket<T>): void;
  connectError?(socket: BunSocket<T>, error: Error): void;
}

export interface BunTcpListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActive?: boolean): void;
}

export interface BunUdpSocket {
  readonly port: number;
  readonly hostname: string;
  send(data: Uint8Array, port: number, address: string): boolean;
  /** Sends `[data, port, address, data, port, address, …]` in one sendmmsg; returns how many went. */
  sendMany(packets: (Uint8Array | number | string)[]): number;
  close(): void;
}

export interface BunServer {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string; port: number } | null;
}

/** A lazily opened file; a Response with it as body goes out with sendfile. */
export interface BunFile extends Blob {
  slice(start?: number, end?: number): Blob;
}

export interface BunApi {
  readonly version: string;
  /** The entry script's path; under `/$bunfs/` in a compiled binary. */
  readonly main: string;
  file(path: string): BunFile;
  listen<T>(options: {
    hostname: string;
    port: number;
    binaryType?: "uint8array";
    socket: BunSocketHandlers<T>;
  }): BunTcpListener;
  connect<T>(options: {
    hostname: string;
    port: number;
    binaryType?: "uint8array";
    socket: BunSocketHandlers<T>;
  }): Promise<BunSocket<T>>;
  udpSocket(options: {
    hostname: string;
    port: number;
    binaryType?: "uint8array";
    socket: {
      data?(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
      error?(error: Error): void;
    };
  }): Promise<BunUdpSocket>;
  serve(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    development: boolean;
    idleTimeout?: number;
    /** Largest request body Bun accepts before answering 413 itself (default 128 MiB). */
    maxRequestBodySize?: number;
    tls?: { cert: string; key: string };
    fetch(request: Request, server: BunServer): Response | Promise<Response>;
    error?(error: Error): Response;
  }): BunServer;
  dns: {
    lookup(hostname: string): Promise<{ address: string; family: 4 | 6 }[]>;
  };
}

/** The slice of `bun:ffi` that the Bun adapter uses to call libc. */
export interface BunFfi {
  FFIType: { i32: number; u32: number; ptr: number; u64: number; i64_fast: number };
  dlopen(
    path: string,
    symbols: Record<string, { args: number[]; returns: number }>,
  ): {
    // deno-lint-ignore no-explicit-any
    symbols: Record<string, (...args: any[]) => any>;
    close(): void;
  };
  read: { i32(pointer: number, offset: number): number };
}
