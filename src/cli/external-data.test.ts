/**
 * A model whose weights are ONNX external data (model.onnx + its .data file, as a full-size export
 * writes them) in the CLI: onnxruntime-node finds the data beside the .onnx although the session is
 * made from bytes, the numbers equal those of the same model with its weights inside the .onnx, and
 * the model's identity covers the weights.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../core/npy';
import { rejection } from '../testing/rejection';
import { runCli } from '../testing/run-cli';
import { readModelFile } from './load';

const ROOT = resolve(import.meta.dirname, '../..');
const MODELS = join(ROOT, 'e2e/fixtures/models');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
let dir: string;

/** A manifest for the rgb32 test model (TinyDiffusersLike) in `folder`, naming `file`. */
function writeModel(folder: string, files: [string, string][], file: string): string {
  mkdirSync(folder, { recursive: true });
  for (const [from, to] of files) copyFileSync(join(MODELS, from), join(folder, to));
  const reference = JSON.parse(readFileSync(join(MODELS, 'rgb32/reference.json'), 'utf8'));
  const manifest = {
    format: 'diffprobe-manifest',
    version: 1,
    name: 'rgb32',
    model: { file, bytes: statSync(join(folder, file)).size, sha256: sha256(join(folder, file)) },
    input: { name: 'sample', channels: 3, height: 32, width: 32, range: [-1, 1] },
    preprocessing: {
      resize: 'shorter-side-center-crop',
      color: 'rgb',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    },
    timestep: { name: 'timestep', dtype: 'int64' },
    prediction: { type: 'v_prediction', output: 'out_sample' },
    schedule: reference.schedule,
    dataset: relative(folder, join(ROOT, 'public/data/fashion-mnist/dataset.json')),
    blocks: reference.modules.map((m: Record<string, unknown>) => ({
      name: m.module,
      output: m.tensor,
      stage: m.stage,
      level: m.level,
      resolution: m.resolution,
      channels: m.channels,
    })),
  };
  const path = join(folder, 'manifest.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

const cli = (argv: string[]) => runCli(argv, { DIFFPROBE_CACHE_DIR: join(dir, 'cache') });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-external-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a model with external data in the CLI', () => {
  it('extracts the same features as the model with its weights inside, under its own identity', async () => {
    const inside = writeModel(join(dir, 'inside'), [['rgb32/model.onnx', 'model.onnx']], 'model.onnx');
    const outside = writeModel(
      join(dir, 'outside'),
      [
        ['external/model.onnx', 'model.onnx'],
        ['external/weights.data', 'weights.data'],
      ],
      'model.onnx',
    );
    const args = ['extract', '--quiet', '--threads', '1', '--count', '3', '--t', '50', '--no-cache'];
    const a = await cli([...args, '--manifest', inside, '--out', join(dir, 'a.npy')]);
    const b = await cli([...args, '--manifest', outside, '--out', join(dir, 'b.npy')]);
    expect(a.err).toBe('');
    expect([a.code, b.code, b.err]).toEqual([0, 0, '']);
    const fa = readNpy(readFileSync(join(dir, 'a.npy')));
    const fb = readNpy(readFileSync(join(dir, 'b.npy')));
    expect(fb.shape).toEqual(fa.shape);
    expect(Array.from(fb.data as Float32Array)).toEqual(Array.from(fa.data as Float32Array));

    // The weights are part of the model: the same graph with other weights is another model.
    const file = await readModelFile(outside);
    const data = sha256(join(dir, 'outside/weights.data'));
    expect(file.sha256).toBe(sha256(join(dir, 'outside/model.onnx')));
    expect(file.hash).toBe(createHash('sha256').update(`${file.sha256}:${data}`).digest('hex'));
    const run = JSON.parse(readFileSync(join(dir, 'b.run.json'), 'utf8'));
    expect(run.model.hash).toBe(file.hash);
    expect(run.identity.model.sha256).toBe(file.hash);
  });

  it('names the data file when it is not beside the .onnx', async () => {
    const folder = join(dir, 'no-data');
    const manifest = writeModel(folder, [['external/model.onnx', 'model.onnx']], 'model.onnx');
    const error = await rejection(readModelFile(manifest));
    expect(error).toMatchObject({ code: 'model-missing' });
    expect(String((error as Error).message)).toMatch(
      /keeps its weights in "weights\.data".*next to the \.onnx/,
    );
    const r = await cli([
      'extract',
      '--quiet',
      '--manifest',
      manifest,
      '--count',
      '1',
      '--out',
      join(dir, 'c.npy'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('weights.data');
  });
});
