/**
 * `npm run check:polarity`: the error rate of the `invert: auto` estimator (core/image/polarity.ts)
 * on images whose polarity is known, each through the app's own conversion (core/image/convert.ts):
 * - Fashion-MNIST, all 70,000 images from Debian's IDX files, as they are (never to be inverted)
 *   and as their negatives (always to be inverted);
 * - the same test images written as 112×112 photos (4× upscaled, JPEG-free) to check the resize
 *   path gives the same decisions;
 * - synthetic product photos: a garment (a Fashion-MNIST image) dark on a light, unevenly lit,
 *   noisy ground at random sizes and aspect ratios, some framed by a dark passe-partout, some in
 *   colour under an RGB model (to be inverted);
 * - the e2e suite's photos (a dark rectangle on #f4f4f4, e2e/support/images.ts; to be inverted).
 * Prints one line per group: errors, near-ties, and the error rate.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { convertPixels, convertRgba, type ModelInputSpec } from '../../src/core/image/convert';
import { createRng } from '../../src/core/rng';

const IDX = process.env.FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const GREY: ModelInputSpec = { channels: 1, height: 28, width: 28, mean: [0.5], std: [0.5], invert: 'auto' };
const RGB: ModelInputSpec = { ...GREY, channels: 3, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

function idx(name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(`${IDX}/${name}`))).subarray(16);
}

interface Tally {
  n: number;
  errors: number;
  ties: number;
  examples: string[];
}

const tallies = new Map<string, Tally>();
function count(group: string, want: boolean, got: { inverted: boolean; nearTie: boolean }, what: string) {
  const t = tallies.get(group) ?? { n: 0, errors: 0, ties: 0, examples: [] };
  tallies.set(group, t);
  t.n++;
  if (got.nearTie) t.ties++;
  if (got.inverted !== want) {
    t.errors++;
    if (t.examples.length < 5) t.examples.push(what);
  }
}

const sets = { test: idx('t10k-images-idx3-ubyte.gz'), train: idx('train-images-idx3-ubyte.gz') };
const px = 28 * 28;
for (const [name, data] of Object.entries(sets)) {
  const n = data.length / px;
  for (let i = 0; i < n; i++) {
    const img = data.subarray(i * px, (i + 1) * px);
    count('fashion-mnist as is', false, convertPixels(img, GREY).polarity, `${name}:${i}`);
    count(
      'fashion-mnist negatives',
      true,
      convertPixels(
        img.map((v) => 255 - v),
        GREY,
      ).polarity,
      `${name}:${i}`,
    );
  }
}

// The test images as 112×112 RGBA (each pixel 4×4): the resize path back to 28×28.
{
  const data = sets.test;
  for (let i = 0; i < 10000; i++) {
    const rgba = new Uint8Array(112 * 112 * 4);
    for (let y = 0; y < 112; y++)
      for (let x = 0; x < 112; x++) {
        const v = data[i * px + (y >> 2) * 28 + (x >> 2)];
        rgba.set([v, v, v, 255], (y * 112 + x) * 4);
      }
    count('fashion-mnist test as 112×112', false, convertRgba(rgba, 112, 112, GREY).polarity, `test:${i}`);
  }
}

/** A garment photo: dark object on a light ground with a lighting gradient and noise. */
function photo(rng: ReturnType<typeof createRng>, garment: Uint8Array, colour: boolean, framed: boolean) {
  const u = () => rng.nextFloat();
  const w = 60 + Math.floor(u() * 300);
  const h = Math.round(w * (0.6 + u() * 0.9));
  const ground = 190 + u() * 65;
  const slope = (u() - 0.5) * 60;
  const darkness = 0.5 + u() * 0.5;
  const tint = colour ? [u(), u(), u()] : [1, 1, 1];
  const side = Math.min(w, h) * (0.6 + u() * 0.35);
  const ox = (w - side) / 2 + (u() - 0.5) * 0.1 * w;
  const oy = (h - side) / 2 + (u() - 0.5) * 0.1 * h;
  const frame = framed ? Math.max(2, Math.round(Math.min(w, h) * (0.03 + u() * 0.04))) : 0;
  const frameLevel = u() * 60;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx = Math.floor(((x - ox) / side) * 28);
      const gy = Math.floor(((y - oy) / side) * 28);
      const g = gx >= 0 && gx < 28 && gy >= 0 && gy < 28 ? garment[gy * 28 + gx] / 255 : 0;
      const bg = ground + (slope * (x + y)) / (w + h);
      const inFrame = x < frame || y < frame || x >= w - frame || y >= h - frame;
      for (let c = 0; c < 3; c++) {
        const object = bg * (1 - darkness * g * (colour ? 0.5 + 0.5 * tint[c] : 1));
        const v = inFrame ? frameLevel : object + (u() - 0.5) * 12;
        rgba[(y * w + x) * 4 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
      rgba[(y * w + x) * 4 + 3] = 255;
    }
  return { rgba, w, h };
}

{
  const rng = createRng(7);
  const data = sets.test;
  for (let i = 0; i < 600; i++) {
    const garment = data.subarray(i * px, (i + 1) * px);
    const kind = i % 3;
    const { rgba, w, h } = photo(rng, garment, kind === 1, kind === 2);
    const group = ['photos, grey', 'photos, colour (RGB model)', 'photos, framed'][kind];
    count(group, true, convertRgba(rgba, w, h, kind === 1 ? RGB : GREY).polarity, `photo ${i} ${w}×${h}`);
  }
}

// e2e/support/images.ts: #f4f4f4 with a rectangle of `shade` at 30…70% × 15…85%.
for (const [w, h] of [
  [64, 48],
  [120, 200],
  [40, 40],
  [41, 40],
]) {
  for (const shade of [20, 21, 30, 60, 90, 91, 120]) {
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inside = x >= w * 0.3 && x < w * 0.7 && y >= h * 0.15 && y < h * 0.85;
        const v = inside ? shade : 0xf4;
        rgba.set([v, v, v, 255], (y * w + x) * 4);
      }
    count('e2e photos', true, convertRgba(rgba, w, h, GREY).polarity, `${w}×${h} shade ${shade}`);
  }
}

for (const [group, t] of tallies)
  console.log(
    `${group.padEnd(32)} ${String(t.errors).padStart(5)} errors of ${String(t.n).padStart(6)} (${((100 * t.errors) / t.n).toFixed(4)}%), ${t.ties} near-ties${t.examples.length ? `  e.g. ${t.examples.join(', ')}` : ''}`,
  );
