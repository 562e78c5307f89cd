/**
 * What a page really moves over the network, from the browser's own accounting (Chromium's
 * encodedDataLength through Playwright's request.sizes()): every request of the page, its workers
 * and its service worker, with the bytes on the wire (headers and the body as sent, compressed).
 * A response the service worker answered from its cache, or the HTTP cache served, moved nothing.
 */
import type { BrowserContext } from '@playwright/test';

export interface Transfer {
  /** Path and query on the host ("/models/fashion-mnist-ddpm/model.onnx"). */
  path: string;
  /** Bytes on the wire: 0 when a cache answered. */
  bytes: number;
  /** Answered by the service worker (from its caches, or from the network on its behalf). */
  fromServiceWorker: boolean;
  /** Made by the service worker itself (precaching). */
  byServiceWorker: boolean;
  status: number;
  /** When it finished, in ms since recording started. */
  at: number;
}

export interface TransferLog {
  transfers: Transfer[];
  /** Those that used the network. */
  onWire(): Transfer[];
  total(): number;
  reset(): void;
  /** Resolves once every request seen so far has been accounted for. */
  settled(): Promise<void>;
}

export function recordTransfers(context: BrowserContext, origin: string): TransferLog {
  const transfers: Transfer[] = [];
  const pending = new Set<Promise<void>>();
  let start = Date.now();
  context.on('requestfinished', (request) => {
    if (!request.url().startsWith(origin)) return;
    const work = (async () => {
      const response = await request.response();
      const sizes = await request.sizes().catch(() => null);
      const fromServiceWorker = response?.fromServiceWorker() ?? false;
      const wire = sizes ? Math.max(0, sizes.responseBodySize + sizes.responseHeadersSize) : 0;
      transfers.push({
        path: request.url().slice(origin.length) || '/',
        bytes: fromServiceWorker ? 0 : wire,
        fromServiceWorker,
        byServiceWorker: request.serviceWorker() !== null,
        status: response?.status() ?? 0,
        at: Date.now() - start,
      });
    })();
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  const onWire = () => transfers.filter((t) => t.bytes > 0);
  return {
    transfers,
    onWire,
    total: () => onWire().reduce((n, t) => n + t.bytes, 0),
    reset: () => {
      transfers.length = 0;
      start = Date.now();
    },
    settled: async () => {
      await Promise.all([...pending]);
    },
  };
}

/** One line per file, largest first: "  6.13 MB  /models/…/model.onnx". */
export function breakdown(transfers: readonly Transfer[]): string[] {
  const byPath = new Map<string, number>();
  for (const t of transfers) byPath.set(t.path, (byPath.get(t.path) ?? 0) + t.bytes);
  return [...byPath.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([path, bytes]) => `${(bytes / 1e6).toFixed(3).padStart(8)} MB  ${path}`);
}
