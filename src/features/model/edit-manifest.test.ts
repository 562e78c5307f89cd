import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../core/manifest/types';
import { validateManifest } from '../../core/manifest/validate';
import type { BlockCandidate } from '../../worker/jobs';
import { editManifest, manifestFile } from './edit-manifest';

const bundled = (): Manifest =>
  validateManifest(
    JSON.parse(
      readFileSync(
        new URL('../../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url),
        'utf8',
      ),
    ),
  );

const candidate = (name: string, stage: BlockCandidate['stage'], level: number): BlockCandidate => ({
  name,
  output: `${name}_output_0`,
  stage,
  level,
  resolution: [7, 7],
  channels: 64,
  reasons: ['residual'],
  preselected: false,
});

describe('editManifest', () => {
  const m = bundled();
  const candidates = [candidate('/net/down.0/Add', 'down', 0), candidate('/net/mid/Add', 'mid', 2)];

  it('keeps forward order (candidates first), drops skips to blocks no longer picked', () => {
    const out = editManifest(m, candidates, {
      blocks: ['up0_2', '/net/mid/Add', 'down0_0', '/net/down.0/Add'],
      schedule: m.schedule,
      prediction: 'epsilon',
      extraValues: {},
    });
    expect(out.blocks.map((b) => b.name)).toEqual(['/net/down.0/Add', '/net/mid/Add', 'down0_0', 'up0_2']);
    expect(out.blocks[1]).toEqual({
      name: '/net/mid/Add',
      output: '/net/mid/Add_output_0',
      stage: 'mid',
      level: 2,
      resolution: [7, 7],
      channels: 64,
    });
    for (const s of out.skips ?? [])
      expect(['down0_0', 'up0_2']).toEqual(expect.arrayContaining([s.from, s.to]));
    // What "Save manifest" writes is a manifest the validator (and so the CLI) accepts.
    expect(validateManifest(JSON.parse(manifestFile(out)))).toEqual(out);
  });

  it('applies the schedule, the prediction type and extra-input values', () => {
    const withExtra: Manifest = {
      ...m,
      extraInputs: [{ name: 'y', dtype: 'int64', shape: [], batched: true, value: 0 }],
    };
    const out = editManifest(withExtra, [], {
      blocks: ['mid'],
      schedule: { type: 'cosine', steps: 4000 },
      prediction: 'v_prediction',
      extraValues: { y: 7 },
    });
    expect(out.schedule).toEqual({ type: 'cosine', steps: 4000 });
    expect(out.prediction).toEqual({ type: 'v_prediction', output: 'eps' });
    expect(out.extraInputs).toEqual([{ name: 'y', dtype: 'int64', shape: [], batched: true, value: 7 }]);
    expect(out.blocks.map((b) => b.name)).toEqual(['mid']);
  });

  it('changes how a learned variance is read, and never adds one to a C-channel model', () => {
    const learned: Manifest = { ...m, prediction: { ...m.prediction, variance: 'learned_range' } };
    const edits = { blocks: ['mid'], schedule: m.schedule, prediction: 'epsilon' as const, extraValues: {} };
    expect(editManifest(learned, [], edits).prediction.variance).toBe('learned_range');
    expect(editManifest(learned, [], { ...edits, variance: 'learned' }).prediction).toEqual({
      type: 'epsilon',
      output: 'eps',
      variance: 'learned',
    });
    expect(editManifest(m, [], { ...edits, variance: 'learned' }).prediction).toEqual(m.prediction);
  });

  it('draws the graph’s skips between the picked candidates, from the encoder block to the next picked one', () => {
    const plain: Manifest = { ...m, blocks: [], skips: undefined };
    const at = (c: BlockCandidate, position: number) => ({ ...c, position });
    const found = [
      at(candidate('/enc1/Relu_1', 'down', 0), 10),
      at(candidate('/enc2/Relu_1', 'down', 1), 20),
      at(candidate('/mid/Relu_1', 'mid', 2), 30),
      at(candidate('/up1/ConvTranspose', 'up', 1), 31),
      at(candidate('/dec1/Relu_1', 'up', 1), 40),
      at(candidate('/dec2/Relu_1', 'up', 0), 50),
    ];
    const edges = [
      { from: '/enc2/Relu_1', concat: '/dec1/Concat', position: 32 },
      { from: '/enc1/Relu_1', concat: '/dec2/Concat', position: 42 },
    ];
    const edit = (blocks: string[]) =>
      editManifest(
        plain,
        found,
        { blocks, schedule: m.schedule, prediction: 'epsilon', extraValues: {} },
        edges,
      ).skips;
    expect(edit(['/enc1/Relu_1', '/enc2/Relu_1', '/mid/Relu_1', '/dec1/Relu_1', '/dec2/Relu_1'])).toEqual([
      { from: '/enc2/Relu_1', to: '/dec1/Relu_1' },
      { from: '/enc1/Relu_1', to: '/dec2/Relu_1' },
    ]);
    expect(edit(['/enc2/Relu_1', '/up1/ConvTranspose', '/dec2/Relu_1'])).toEqual([
      { from: '/enc2/Relu_1', to: '/dec2/Relu_1' },
    ]);
    expect(edit(['/mid/Relu_1'])).toBeUndefined();
  });
});
