/**
 * @file Loads the PyTorch reference fixtures written by tools/model/fixtures.py, for the parity
 * tests in Node (vitest) and the browser (Playwright). Node-only (reads files).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readNpy } from '../core/npy';

export const FIXTURE_DIR = resolve(import.meta.dirname, '../../tools/model/fixtures/fashion-mnist-ddpm');

export interface ParityFixtures {
  index: {
    model: { sha256: string; onnx: string; manifest: string; step: number };
    seed: number;
    cases: { index: number; label: number; t: number }[];
    outputs: string[];
    files: Record<string, string>;
    shapes: Record<string, number[]>;
  };
  /** Name (x0, noise, x_t, t, eps, or a block name) → [data, shape]. */
  arrays: Record<string, { data: Float32Array; shape: number[] }>;
  root: string;
}

export function loadParityFixtures(dir = FIXTURE_DIR): ParityFixtures {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as ParityFixtures['index'];
  const arrays: ParityFixtures['arrays'] = {};
  for (const [name, file] of Object.entries(index.files)) {
    const npy = readNpy(new Uint8Array(readFileSync(join(dir, file))));
    if (!(npy.data instanceof Float32Array)) throw new Error(`${file} is not float32`);
    arrays[name] = { data: npy.data, shape: [...npy.shape] };
  }
  return { index, arrays, root: resolve(dir, '../../../..') };
}

/** One case's slice of an [K, ...] array. */
export function caseSlice(a: { data: Float32Array; shape: number[] }, k: number): Float32Array {
  const per = a.data.length / a.shape[0];
  return a.data.subarray(k * per, (k + 1) * per);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
