/**
 * Shared e2e helpers: a `test` whose page records console errors and remote requests, and
 * helpers that read like user steps.
 */
import { test as base, expect, type Page } from '@playwright/test';

declare global {
  interface Window {
    /** Installed in every page by `test` below: a typed array as base64, to leave the page compactly. */
    toBase64(a: Float32Array): string;
  }
}

export interface AppPage {
  page: Page;
  consoleErrors: string[];
  /** Requests to anything but the app's own origin (must stay empty: nothing leaves the machine). */
  remoteRequests: string[];
}

export const test = base.extend<{ app: AppPage }>({
  app: async ({ page, baseURL }, use) => {
    const consoleErrors: string[] = [];
    const remoteRequests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(baseURL!) && !url.startsWith('blob:') && !url.startsWith('data:'))
        remoteRequests.push(url);
    });
    // Typed arrays leave the page as base64 (evaluate's JSON would turn them into huge objects).
    await page.addInitScript(() => {
      window.toBase64 = (a) => {
        const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000)
          s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
    });
    await use({ page, consoleErrors, remoteRequests });
  },
});

export { expect };

/** Opens the app (optionally with a query string) and waits until the model and the bundled images are loaded. */
export async function openApp(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByRole('status')).toContainText(/WebGPU|WASM/, { timeout: 90_000 });
  await expect(page.getByRole('button', { name: /^Test image 0: / })).toBeVisible({ timeout: 60_000 });
}

/** Opens the app on WASM (the backend CI has) with a bare .onnx opened on top of the default model. */
export async function openBareModel(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.addInitScript(() => {
    window.localStorage.setItem('diffprobe.preferences.v1', JSON.stringify({ backend: 'wasm' }));
  });
  await openApp(page);
  await page
    .getByLabel('Open model…')
    .setInputFiles([{ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) }]);
}
