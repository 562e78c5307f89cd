import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/sha256';
import { type DownloadIo, download } from './download';

const MODEL_URL = 'https://x.test/models/m/model.onnx';
const good = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);

/** A fake network (answers in order) and cache, recording what happened. */
function fakeIo(answers: (Uint8Array | Error | number)[], cached: Uint8Array | null = null) {
  const log: string[] = [];
  let store = cached;
  const io: DownloadIo & { log: string[]; stored: () => Uint8Array | null } = {
    log,
    stored: () => store,
    async fetch(_url, init) {
      log.push(`fetch ${init.cache ?? 'default'}`);
      const a = answers.shift();
      if (a instanceof Error) throw a;
      if (typeof a === 'number') return new Response('nope', { status: a });
      return new Response(a as Uint8Array<ArrayBuffer>);
    },
    async cached() {
      log.push(store ? 'cache hit' : 'cache miss');
      return store;
    },
    async store(_url, bytes) {
      log.push('store');
      store = bytes;
    },
    async evict() {
      log.push('evict');
      store = null;
    },
  };
  return io;
}

const request = async (extra: Partial<Parameters<typeof download>[0]> = {}) => ({
  url: MODEL_URL,
  sha256: await sha256Hex(good),
  what: 'model file',
  mismatch: 'model-corrupt' as const,
  missing: 'model-missing' as const,
  ...extra,
});

describe('download (checked, kept for offline use)', () => {
  it('first visit: fetched once, checked, then stored; second visit: from the cache, no request', async () => {
    const io = fakeIo([good]);
    const progress: number[] = [];
    const bytes = await download(
      await request({ bytes: good.length, onProgress: (d) => progress.push(d) }),
      io,
    );
    expect(bytes).toEqual(good);
    expect(io.log).toEqual(['cache miss', 'fetch default', 'store']);
    expect(progress.at(-1)).toBe(good.length);
    const again = fakeIo([], io.stored());
    expect(await download(await request(), again)).toEqual(good);
    expect(again.log).toEqual(['cache hit']);
  });

  it('a half-downloaded file (checksum mismatch) is fetched again past every cache and never stored or used', async () => {
    const io = fakeIo([good.subarray(0, 2000), good]);
    expect(await download(await request(), io)).toEqual(good);
    expect(io.log).toEqual(['cache miss', 'fetch default', 'fetch reload', 'store']);
    // Still wrong the second time: an error naming both digests, and nothing kept.
    const bad = fakeIo([good.subarray(0, 2000), good.subarray(0, 2000)]);
    const error = await download(await request(), bad).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model-corrupt' });
    expect(String((error as Error).message)).toMatch(
      /does not match its digest: SHA-256 [0-9a-f]{64}, expected/,
    );
    expect(bad.stored()).toBeNull();
  });

  it('a damaged or stale copy in the cache is dropped and downloaded again', async () => {
    const stale = good.slice();
    stale[10] ^= 1;
    const io = fakeIo([good], stale);
    expect(await download(await request(), io)).toEqual(good);
    expect(io.log).toEqual(['cache hit', 'evict', 'fetch default', 'store']);
    expect(io.stored()).toEqual(good);
  });

  it('an evicted or full cache only means the network is asked (nothing alarming)', async () => {
    const io = fakeIo([good]);
    io.store = async () => {
      io.log.push('store refused');
    };
    expect(await download(await request(), io)).toEqual(good);
    expect(io.log).toEqual(['cache miss', 'fetch default', 'store refused']);
  });

  it('offline with nothing cached: a network error; a 404: the missing code; no digest: nothing stored', async () => {
    const offline = await download(await request(), fakeIo([new TypeError('Failed to fetch')])).catch(
      (e) => e,
    );
    expect(offline).toMatchObject({ code: 'network' });
    expect(offline.message).toContain('could not download the model file');
    const missing = await download(await request(), fakeIo([404])).catch((e) => e);
    expect(missing).toMatchObject({ code: 'model-missing' });
    expect(missing.message).toContain('HTTP 404');
    const unchecked = fakeIo([good]);
    await download(await request({ sha256: undefined }), unchecked);
    expect(unchecked.log).toEqual(['fetch default']);
  });
});
