/** What the tests share: the platform they run against (started and set up by
 * tests/runtime/test_sdk_typescript.py), new end users, and small servers on free ports. */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import net from "node:net";

import { DreamApi, type DreamApiOptions } from "@dream-api/client";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/runtime/test_sdk_typescript.py`);
  return value;
}

/** api_multi of the running platform */
export const BASE_URL = required("DREAMAPI_BASE_URL");
/** a platform whose tiers are `free` (default: 3 units a month), `big` (1,000,000) and `burst`
 * (3 calls a minute) */
export const API_KEY = required("DREAMAPI_API_KEY");
export const PLATFORM_ID = required("DREAMAPI_PLATFORM_ID");
export const FREE_LIMIT = 3;
export const BURST_RATE = 3;

export function newUser(): string {
  return `sdkts_${randomBytes(6).toString("hex")}`;
}

export function client(options: DreamApiOptions = {}): DreamApi {
  return new DreamApi({ apiKey: API_KEY, baseUrl: BASE_URL, ...options });
}

/** A TCP proxy to `target`. The first answer is not passed on: once the upstream starts
 * answering, the client's socket is destroyed without a byte of it (the call was counted, and the
 * client saw a dropped connection); `dropNext()` does that again to the next answer, on whichever
 * connection it comes. Everything else is relayed both ways. */
export async function droppingProxy(target: string): Promise<{
  url: string;
  connections: () => number;
  dropped: () => boolean;
  drops: () => number;
  dropNext: () => void;
  close: () => Promise<void>;
}> {
  const upstreamUrl = new URL(target);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let armed = 1;
  let drops = 0;
  const server = net.createServer((downstream) => {
    connections += 1;
    const upstream = net.connect(Number(upstreamUrl.port), upstreamUrl.hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    downstream.on("close", () => upstream.destroy());
    upstream.on("close", () => downstream.destroy());
    downstream.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (armed > 0) {
        armed -= 1;
        drops += 1;
        downstream.destroy();
        upstream.destroy();
      } else {
        downstream.write(chunk);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    dropped: () => drops > 0,
    drops: () => drops,
    dropNext: () => {
      armed += 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never answers. */
export async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
