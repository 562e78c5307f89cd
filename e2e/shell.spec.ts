import { expect, openApp, test } from './support/app';

test('loads with no console errors, cross-origin isolated, and names its backend', async ({ app }) => {
  const { page } = app;
  await openApp(page);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  await expect(page.getByRole('status')).toContainText(/(WebGPU|WASM).*Fashion-MNIST/);
  for (const name of ['Images', 'Timestep & Blocks', 'Feature maps', 'Embedding', 'Probe'])
    await expect(page.getByRole('region', { name })).toBeVisible();
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
  // eval is refused by the policy.
  const evalBlocked = await page.evaluate(() => {
    try {
      // biome-ignore lint/security/noGlobalEval: checking that the CSP blocks it
      return eval('1 + 1') !== 2;
    } catch {
      return true;
    }
  });
  expect(evalBlocked).toBe(true);
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
  await expect(page.getByLabel('Noise seed')).toHaveValue('7');

  await page.getByRole('button', { name: 'down1_1', exact: true }).click();
  await expect(page).toHaveURL(/blocks=down1_1(&|$)/);
  await page.waitForTimeout(700); // past the coalescing window, so the next change is its own entry
  await page.getByRole('button', { name: 'New noise' }).click();
  await expect(page).toHaveURL(/seed=8/);

  await page.goBack();
  await expect(page.getByLabel('Noise seed')).toHaveValue('7');
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
