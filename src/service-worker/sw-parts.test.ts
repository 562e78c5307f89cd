import { describe, expect, it } from 'vitest';
import { FILE_CACHE } from '../data/download';
import { isolationSource } from '../features/offline/isolation';
import { CURRENT_CACHES, staleCaches, WASM_CACHE } from './cache-names';
import { ISOLATED_BY_SW, withIsolation } from './isolation';

describe('versioned caches', () => {
  it("an old release's caches are stale; this release's, Workbox's and other sites' are not", () => {
    expect(CURRENT_CACHES).toEqual([FILE_CACHE, WASM_CACHE]);
    const names = [
      'diffprobe-files-v0',
      FILE_CACHE,
      'diffprobe-wasm-v0',
      WASM_CACHE,
      'workbox-precache-v2-http://x/',
      'someone-else',
    ];
    expect(staleCaches(names)).toEqual(['diffprobe-files-v0', 'diffprobe-wasm-v0']);
  });
});

describe('isolation from the service worker', () => {
  it('adds COOP/COEP (and a Server-Timing mark) to a response without them, keeps the body and status', async () => {
    const plain = new Response('<html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    const out = withIsolation(plain);
    expect(out.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
    expect(out.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
    expect(out.headers.get('Server-Timing')).toContain(ISOLATED_BY_SW);
    expect(out.headers.get('Content-Type')).toBe('text/html');
    expect(await out.text()).toBe('<html>');
  });

  it('a response that has them passes unchanged', () => {
    const isolated = new Response('', {
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
    });
    expect(withIsolation(isolated)).toBe(isolated);
  });

  it("the page tells the host's headers from the service worker's by that mark", () => {
    const entry = (names: string[]) =>
      ({ serverTiming: names.map((name) => ({ name })) }) as unknown as PerformanceEntry;
    expect(isolationSource(false, entry([ISOLATED_BY_SW]))).toBe('none');
    expect(isolationSource(true, entry([ISOLATED_BY_SW]))).toBe('service-worker');
    expect(isolationSource(true, entry(['db']))).toBe('headers');
    expect(isolationSource(true, undefined)).toBe('headers');
  });
});
