import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';

test('loads with no console errors, cross-origin isolated, and names its backend', async ({ app }) => {
  const { page } = app;
  await openApp(page);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  await expect(page.getByRole('status')).toContainText(/(WebGPU|WASM).*Fashion-MNIST/);
  for (const name of ['Images', 'Timestep & Blocks', 'Feature maps', 'Embedding', 'Probe'])
    await expect(page.getByRole('region', { name, exact: true })).toBeVisible();
  expect(app.consoleErrors).toEqual([]);
  expect(app.remoteRequests).toEqual([]);
});

test('serves a strict Content-Security-Policy without eval', async ({ app }) => {
  const { page } = app;
  const response = await page.goto('/');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("default-src 'self'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  // The meta tag carries the same policy for static hosts that cannot set headers.
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // Code from strings is refused: an injected inline script and a string timer (an eval) never run,
  // and the browser reports the violations.
  const result = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const w = window as unknown as Record<string, unknown>;
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.append(script);
    // biome-ignore lint/suspicious/noExplicitAny: a string timer is exactly what we check is blocked
    (setTimeout as any)('window.__evalRan = true', 0);
    await new Promise((r) => setTimeout(r, 200));
    return { inline: w.__inlineRan === true, evaled: w.__evalRan === true, violations };
  });
  expect(result.inline).toBe(false);
  expect(result.evaled).toBe(false);
  expect(result.violations.join(' ')).toMatch(/script-src/);
});

test('the view lives in the URL: a link reopens it, Back and Forward work', async ({ app }) => {
  const { page } = app;
  await openApp(page, '?t=250&blocks=mid,up1_0&seed=7');
  await expect(page.getByLabel('Timestep', { exact: true })).toHaveValue('250');
  await expect(page.getByRole('button', { name: 'mid', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByRole('button', { name: 'up1_0', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByLabel('Noise seed', { exact: true })).toHaveValue('7');

  await page.getByRole('button', { name: 'down1_1', exact: true }).click();
  await expect(page).toHaveURL(/block=down1_1(&|$)/);
  await page.waitForTimeout(700); // past the coalescing window, so the next change is its own entry
  await page.getByRole('button', { name: 'New noise' }).click();
  await expect(page).toHaveURL(/seed=8/);

  await page.goBack();
  await expect(page.getByLabel('Noise seed', { exact: true })).toHaveValue('7');
  await expect(page.getByRole('button', { name: 'down1_1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.goBack();
  await expect(page.getByRole('button', { name: 'mid', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.goForward();
  await expect(page.getByRole('button', { name: 'down1_1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
});

test('a link made with another model keeps its view in the URL and says which model to open', async ({
  app,
}) => {
  const { page } = app;
  const link = `?${new URLSearchParams([
    ['model', 'My SD U-Net'],
    ['mh', 'abcdef012345'],
    ['block', '/down_blocks.0/resnets.1/Add'],
    ['block', 'mid block, attn'],
    ['t', '30'],
  ])}`;
  await openApp(page, link);
  await expect(
    page.getByText(
      'This link was made with model My SD U-Net (sha256 abcdef012345…); the loaded model is the default model',
    ),
  ).toBeVisible();
  await expect(page.locator('.notice', { hasText: 'This link was made with' })).toHaveCount(1);
  // The default model stands in (its default block, the link's t) without rewriting the link.
  await expect(page.getByRole('button', { name: 'up1_0', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByLabel('Timestep', { exact: true })).toHaveValue('30');
  expect(await page.evaluate(() => window.location.search)).toBe(link);
  // The user's first change makes the URL describe what is on screen; Back returns to the link.
  await page.getByRole('button', { name: 'mid', exact: true }).click();
  await expect(page).toHaveURL(/\?t=30&block=mid$/);
  await page.goBack();
  expect(await page.evaluate(() => window.location.search)).toBe(link);
  expect(app.consoleErrors).toEqual([]);
});

test('the feature cache shows its size and can be cleared', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const count = 24;
  await page.evaluate(async (n) => {
    const blocks = window.diffprobe.state().model!.manifest.blocks.map((b) => b.name);
    const data = new Float32Array(n * 784).map((_, i) => Math.cos(i));
    const params = {
      images: { data, count: n },
      t: 7,
      seed: 3,
      blocks,
      pooling: { kind: 'avg' as const },
      batchSize: 8,
    };
    // Extraction caches the blocks it computed: all of them here, so one of them is a hit later.
    await window.diffprobe.run('extractFeatures', { ...params, images: { data: data.slice(), count: n } });
    const again = await window.diffprobe.run('extractFeatures', {
      ...params,
      blocks: ['mid'],
      images: { data: data.slice(), count: n },
    });
    if (again.cached !== n) throw new Error(`expected ${n} cached images, got ${again.cached}`);
  }, count);
  // The header shows the cache only once asked; reload to see the stored entries survive a reload.
  await page.reload();
  await expect(page.getByText(/Feature cache: [\d.]+ KB \(\d+ entr/)).toBeVisible();
  await page.getByRole('button', { name: 'Clear cache' }).click();
  await expect(page.getByText('Feature cache: 0 B (0 entries')).toBeVisible();
});

test('README screenshot', async ({ app }) => {
  const { page } = app;
  // The full-HD layout (e2e/a11y.spec.ts checks it and three other sizes).
  await page.setViewportSize({ width: 1920, height: 1080 });
  await useBackend(page, 'wasm');
  await openApp(page, '?img=test:0,test:1&blocks=up1_0&t=100');
  const tiles = page.getByRole('img', { name: /64 channel maps of block up1_0 at t = 100/ });
  await expect(tiles).toBeVisible();
  expect(await tiles.getAttribute('data-channels')).toBe('64');
  await page.screenshot({ path: 'docs/img/screenshot.png' });
});

test('WASM threads: the choice is kept and applies from the next load', async ({ app }) => {
  const { page } = app;
  // Unlike useBackend, only on the first load: the reload must see the stored choice.
  await page.addInitScript(() => {
    const key = 'diffprobe.preferences.v1';
    if (!window.localStorage.getItem(key))
      window.localStorage.setItem(key, JSON.stringify({ backend: 'wasm' }));
  });
  await openApp(page);
  const status = page.getByRole('status');
  await expect(status).toContainText(/WASM \(\d+ threads?\)/);
  const auto = Number(/WASM \((\d+) thread/.exec((await status.textContent())!)![1]);
  const chosen = auto === 1 ? 2 : 1;
  await page.getByLabel('WASM threads').selectOption(String(chosen));
  await expect(page.getByText('reload the page to apply')).toBeVisible();
  await page.reload();
  await expect(status).toContainText(`WASM (${chosen} thread${chosen === 1 ? '' : 's'}) ·`, {
    timeout: 120_000,
  });
  await expect(page.getByLabel('WASM threads')).toHaveValue(String(chosen));
  await expect(page.getByText('reload the page to apply')).toHaveCount(0);
  expect(app.consoleErrors).toEqual([]);
});
