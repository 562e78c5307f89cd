import type { Page } from '@playwright/test';

/** Real PNG/JPEG bytes, encoded by the browser itself (a dark shape on a light background). */
export async function encodeInPage(
  page: Page,
  type: 'image/png' | 'image/jpeg',
  w: number,
  h: number,
  shade: number,
): Promise<Buffer> {
  const b64 = await page.evaluate(
    async ({ type, w, h, shade }) => {
      const c = new OffscreenCanvas(w, h);
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#f4f4f4';
      ctx.fillRect(0, 0, w, h);
      ctx.fillStyle = `rgb(${shade},${shade},${shade})`;
      ctx.fillRect(w * 0.3, h * 0.15, w * 0.4, h * 0.7);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type, quality: 0.9 })).arrayBuffer());
      let s = '';
      for (const x of bytes) s += String.fromCharCode(x);
      return btoa(s);
    },
    { type, w, h, shade },
  );
  return Buffer.from(b64, 'base64');
}
