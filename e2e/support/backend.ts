import type { Page } from '@playwright/test';

/** Forces a backend through the persisted preference, before the app starts. */
export async function useBackend(page: Page, backend: 'auto' | 'webgpu' | 'wasm'): Promise<void> {
  await page.addInitScript((b) => {
    window.localStorage.setItem('diffprobe.preferences.v1', JSON.stringify({ backend: b }));
  }, backend);
}

export function decodeFloat32(base64: string): Float32Array {
  const buf = Buffer.from(base64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
