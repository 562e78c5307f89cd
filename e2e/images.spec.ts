/**
 * Adding the user's own images: PNG and JPEG files, a labelled folder, and every kind of bad file,
 * each with its own message while the rest of the batch is still added.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { encodeInPage } from './support/images';

/** A valid 1×1 GIF with two frames (an animation). */
function animatedGif(): Buffer {
  const frame = [
    0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 0x02, 0x02, 0x44,
    0x01, 0x00,
  ];
  return Buffer.from([
    ...Buffer.from('GIF89a'),
    1,
    0,
    1,
    0,
    0x80,
    0,
    0,
    0,
    0,
    0,
    0xff,
    0xff,
    0xff,
    ...frame,
    ...frame,
    0x3b,
  ]);
}

function pngHeaderOnly(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

test('PNG and JPEG uploads become model inputs; bad files get their own messages', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const png = await encodeInPage(page, 'image/png', 64, 48, 30);
  const jpeg = await encodeInPage(page, 'image/jpeg', 120, 200, 60);
  const corrupt = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 7)]);
  await page.getByLabel('Add images').setInputFiles([
    { name: 'shirt.png', mimeType: 'image/png', buffer: png },
    { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpeg },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
    { name: 'broken.png', mimeType: 'image/png', buffer: corrupt },
    { name: 'huge.png', mimeType: 'image/png', buffer: pngHeaderOnly(20000, 20000) },
    {
      name: 'drawing.svg',
      mimeType: 'image/svg+xml',
      buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    },
    { name: 'blink.gif', mimeType: 'image/gif', buffer: animatedGif() },
  ]);
  const errors = page.getByRole('alert').filter({ hasText: 'Could not add 5 of 8 files' });
  await expect(errors).toBeVisible({ timeout: 30_000 });
  await expect(errors).toContainText('notes.txt: this file type is not supported');
  await expect(errors).toContainText('empty.png: this file is empty');
  await expect(errors).toContainText('broken.png: this file could not be read as an image');
  await expect(errors).toContainText('huge.png: this image is too large');
  await expect(errors).toContainText('20000×20000');
  await expect(errors).toContainText('drawing.svg');
  const added = page.getByRole('note').filter({ hasText: 'Added 3 images' });
  await expect(added).toContainText('blink.gif: animated image: the first frame is used');
  // The photos (dark on a light ground) are inverted, as they were before polarity was decided per
  // image; the GIF's one black pixel is a uniform dark image, kept.
  await expect(added).toContainText('Inverted 2 of 3 images (light background); 1 kept (dark background)');
  await expect(page.getByRole('list', { name: 'Polarity of your images' })).toContainText(
    '8 files inverted 2 of 3 images',
  );

  const yours = page.getByRole('list', { name: 'Your images' });
  await expect(yours.getByRole('button', { name: /^(shirt\.png|photo\.jpg|blink\.gif)$/ })).toHaveCount(3);
  await expect(yours.getByRole('img', { name: 'photo.jpg as the model sees it' })).toBeVisible();
  await expect(yours.getByRole('img', { name: 'Original photo.jpg' })).toBeVisible();
  // The first added image is selected and runs through the U-Net like a bundled one.
  await expect(page.getByRole('img', { name: /channel maps of block/ })).toBeVisible({ timeout: 60_000 });
  expect(app.consoleErrors).toEqual([]);
});

test('a folder of sub-folders becomes a labelled set; camera permission denied is explained', async ({
  app,
}) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const root = mkdtempSync(join(tmpdir(), 'diffprobe-folder-'));
  const set = join(root, 'clothes');
  for (const [cls, shade] of [
    ['boots', 20],
    ['bags', 90],
  ] as const) {
    mkdirSync(join(set, cls), { recursive: true });
    for (let i = 0; i < 2; i++)
      writeFileSync(join(set, cls, `${i}.png`), await encodeInPage(page, 'image/png', 40 + i, 40, shade + i));
  }
  await page.getByLabel('Add folder').setInputFiles(set);
  const added = page.getByRole('note').filter({ hasText: 'Added 4 images' });
  await expect(added).toContainText('2 classes from folder names: bags, boots');
  await expect(added).toContainText('Inverted 4 of 4 images (light background)');
  const yours = page.getByRole('list', { name: 'Your images' });
  await expect(yours.getByRole('button', { name: /\(boots\)$/ })).toHaveCount(2);
  await expect(yours.getByRole('button', { name: /\(bags\)$/ })).toHaveCount(2);
  await expect(yours.getByText('inverted', { exact: true })).toHaveCount(4);
  // The whole folder's choice: none inverted, converted again.
  const batches = page.getByRole('list', { name: 'Polarity of your images' });
  await expect(batches).toContainText('clothes/ inverted 4 of 4 images (light background)');
  await page.getByLabel('Polarity of clothes/').selectOption('never');
  await expect(batches).toContainText('clothes/ inverted 0 of 4 images (invert: never)');
  await expect(yours.getByText('not inverted', { exact: true })).toHaveCount(4);

  // Camera permission denied (the same page): a message, and the app keeps working.
  await page.getByRole('button', { name: 'Use camera' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: /Camera permission denied|The camera could not be opened/ }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use camera' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('WASM');
});
