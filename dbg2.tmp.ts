import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { startStaticHost } from './e2e/support/static-host';
const host = await startStaticHost('/tmp/dist-classroom', 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-quic','--no-first-run','--disable-background-networking','--disable-dev-shm-usage'] });
const context = await browser.newContext();
const page = await context.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 300)));
const model = readFileSync('/tmp/dist-classroom/models/fashion-mnist-ddpm/model.onnx');
let n = 0;
await page.route('**/models/fashion-mnist-ddpm/model.onnx', async (route) => {
  n++; console.log('route', n, route.request().headers()['cache-control'] ?? '', Date.now());
  await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: n === 1 ? model.subarray(0, model.length >> 1) : model });
});
const t0 = Date.now();
await page.goto(host.url + '/');
for (let i = 0; i < 40; i++) { await page.waitForTimeout(3000); const s = await page.getByRole('status').textContent(); console.log(((Date.now()-t0)/1000).toFixed(0), s?.slice(0, 80)); if (/WASM \(/.test(s ?? '')) break; }
console.log('requests', n, 'alerts', await page.getByRole('alert').count());
await browser.close(); await host.close();
