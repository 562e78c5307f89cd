import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';

/** Clicks `button` and returns the bytes of the file it downloads. */
export async function download(page: Page, button: Locator): Promise<Buffer> {
  const event = page.waitForEvent('download');
  await button.click();
  return readFileSync(await (await event).path());
}
