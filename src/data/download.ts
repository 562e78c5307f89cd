/**
 * @file Downloading the default model and the bundled data: checked against the SHA-256 their
 * manifest or index gives, kept for offline use only once checked, with progress.
 *
 * The bytes go to a Cache Storage cache of ours ({@link FILE_CACHE}) once they match their digest,
 * so a second visit (or one with the network off) reads them without a request, and a download cut
 * short, or a stale or damaged copy, is never used: a copy that does not match is dropped and the
 * file fetched again past every cache (`cache: 'reload'`); if that still does not match, the load
 * fails saying so. The page keeps this cache rather than the service worker, so that a first visit
 * downloads each file once (a service worker precaching them would fetch them a second time) and
 * nothing unverified is ever stored. A cache that is full, evicted or missing (private windows,
 * `file:` pages, Node) only means the network is asked; that is not worth a word to the user.
 */
import { DiffProbeError, type ErrorCode } from '../core/errors';
import { sha256Hex } from '../core/sha256';

/**
 * Our cache of verified downloads. The version changes when what it holds changes meaning (a new
 * model or data-set format): the service worker deletes the caches of other versions when it takes
 * over (service-worker/cache-names.ts).
 */
export const FILE_CACHE = 'diffprobe-files-v1';

/** Where downloads come from and go to: the browser's fetch and Cache Storage, or a test's fakes. */
export interface DownloadIo {
  fetch(url: string, init: { cache?: RequestCache }): Promise<Response>;
  /** A stored copy, or null (none, evicted, or no Cache Storage here). Never throws. */
  cached(url: string): Promise<Uint8Array | null>;
  /** Stores checked bytes, copying them before its first await; a full or missing cache is not an error. */
  store(url: string, bytes: Uint8Array): Promise<void>;
  evict(url: string): Promise<void>;
}

export interface DownloadRequest {
  url: string;
  /** Lower-case hex SHA-256 the bytes must have; without one nothing is checked or stored. */
  sha256?: string;
  /** What the file is, for messages: "model file", "training images (part 3)". */
  what: string;
  /** The file's size when known (the manifest's model.bytes): the progress total. */
  bytes?: number;
  /** The error code of a file that does not match its digest (model-corrupt, dataset-invalid). */
  mismatch: ErrorCode;
  /** The error code of a file the server does not have (HTTP 404). */
  missing: ErrorCode;
  onProgress?: (done: number, total: number) => void;
}

/** Bytes of a file, from our cache when a checked copy is there, else from the network. */
export async function download(request: DownloadRequest, io: DownloadIo = browserIo()): Promise<Uint8Array> {
  const { url, sha256 } = request;
  if (sha256) {
    const cached = await io.cached(url);
    if (cached) {
      if ((await sha256Hex(cached)) === sha256) {
        request.onProgress?.(cached.length, cached.length);
        return cached;
      }
      await io.evict(url);
    }
  }
  let bytes = await fetchBytes(request, io, 'default');
  if (sha256 && (await sha256Hex(bytes)) !== sha256) {
    // Cut short, or a stale copy from an HTTP cache or proxy: once more, past every cache.
    bytes = await fetchBytes(request, io, 'reload');
    const actual = await sha256Hex(bytes);
    if (actual !== sha256)
      throw new DiffProbeError(
        request.mismatch,
        `the ${request.what} at ${url} does not match its digest: SHA-256 ${actual}, expected ${sha256} (${bytes.length} bytes). If DiffProbe was updated meanwhile, reload the page`,
        { url, expected: sha256, actual },
      );
  }
  // Kept in the background: the caller has its checked bytes now, and writing several MB to Cache
  // Storage (0.2 s for the model on a two-core laptop) need not hold up the session (store() copies
  // the bytes before its first await and never throws).
  if (sha256) void io.store(url, bytes);
  return bytes;
}

async function fetchBytes(
  request: DownloadRequest,
  io: DownloadIo,
  cache: RequestCache,
): Promise<Uint8Array> {
  const { url, what } = request;
  let response: Response;
  try {
    response = await io.fetch(url, { cache });
  } catch (error) {
    throw new DiffProbeError(
      'network',
      `could not download the ${what} (${url}): ${String(error)}${offlineNote()}`,
      { url },
    );
  }
  if (!response.ok)
    throw new DiffProbeError(
      response.status === 404 ? request.missing : 'network',
      `the ${what} at ${url} answered HTTP ${response.status}`,
      { url, status: response.status },
    );
  return readBody(response, request);
}

/**
 * The body with progress. The total is the known size, else Content-Length when the body is not
 * content-encoded (an encoded body's length counts compressed bytes, the stream gives decoded ones).
 */
async function readBody(response: Response, request: DownloadRequest): Promise<Uint8Array> {
  const encoded = response.headers.get('Content-Encoding');
  const length = Number(response.headers.get('Content-Length'));
  const total = request.bytes ?? (!encoded && length > 0 ? length : 0);
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let done = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      done += next.value.length;
      request.onProgress?.(done, Math.max(total, done));
    }
  } catch (error) {
    throw new DiffProbeError(
      'network',
      `the download of the ${request.what} (${request.url}) broke off after ${done} bytes: ${String(error)}${offlineNote()}`,
      { url: request.url },
    );
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(done);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function offlineNote(): string {
  return typeof navigator !== 'undefined' && navigator.onLine === false ? ' (the browser is offline)' : '';
}

/** fetch and Cache Storage as this page or worker has them; without Cache Storage, no cache. */
export function browserIo(): DownloadIo {
  const storage = typeof caches === 'undefined' ? null : caches;
  const open = async () => {
    try {
      return (await storage?.open(FILE_CACHE)) ?? null;
    } catch {
      return null; // e.g. an opaque origin, or storage blocked by the user
    }
  };
  return {
    fetch: (url, init) => fetch(url, init),
    async cached(url) {
      try {
        const hit = await (await open())?.match(url);
        return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
      } catch {
        return null;
      }
    },
    async store(url, bytes) {
      try {
        const headers = {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(bytes.length),
        };
        // The Response copies the bytes now, so the caller may go on using (or transfer) its own.
        const response = new Response(bytes as Uint8Array<ArrayBuffer>, { headers });
        await (await open())?.put(url, response);
      } catch (error) {
        // Over quota or evicting: the next visit downloads the file again, which is all it costs.
        console.info(`DiffProbe: not kept for offline use (${url}): ${String(error)}`);
      }
    },
    async evict(url) {
      try {
        await (await open())?.delete(url);
      } catch {
        // Nothing to drop.
      }
    },
  };
}
