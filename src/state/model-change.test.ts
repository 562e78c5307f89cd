import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import { DEFAULT_SAMPLER_OPTIONS } from '../core/sampler/options';
import type { BundledDataset } from '../data/bundled';
import { inputKey } from '../data/uploads';
import {
  awaitingConversion,
  backendNotice,
  bundledDataFor,
  defaultBlockFor,
  inputReady,
  lastTimestep,
  linkMatches,
  linkNotice,
  type ModelScoped,
  modelChange,
  modelIdentity,
  offersBundledData,
  openLink,
  reconcileCompare,
  reconcileView,
  resultsOf,
  STASH_SIZE,
  stashResults,
  takeStashed,
} from './model-change';
import { NO_RESULTS, type ProbeRun } from './results';
import { A, B, block, defaultManifest, info, manifest, sdBlocks, upload } from './test-models';
import { DEFAULT_VIEW, type ViewState } from './view';

function state(overrides: Partial<ModelScoped> = {}): ModelScoped {
  return {
    model: null,
    modelIsDefault: false,
    modelStatus: 'loading',
    view: DEFAULT_VIEW,
    linkPending: null,
    compare: null,
    forward: null,
    compareForward: null,
    uploads: [],
    modelStash: [],
    ...NO_RESULTS,
    ...overrides,
  };
}

const probeRun = (status: ProbeRun['status']) => ({ status, blocks: ['up1_0'] }) as unknown as ProbeRun;
const forwardOf = (key: string) => ({ key, result: {} as never });

describe('defaultBlockFor', () => {
  it('gives the default model up1_0 (the first up block above the 7×7 bottleneck)', () => {
    expect(defaultBlockFor(defaultManifest)).toBe('up1_0');
  });

  it('picks the first up block at the lowest resolution above the bottleneck, whatever the names', () => {
    expect(defaultBlockFor({ blocks: sdBlocks })).toBe('/up_blocks.1/resnets.0/Add');
  });

  it('uses the resolution, not the forward order or the level numbers', () => {
    const blocks = [
      block('d', 'down', 32, 5),
      block('m', 'mid', 4, 0),
      block('u8b', 'up', 8),
      block('u16', 'up', 16),
      block('u4', 'up', 4),
      block('u8', 'up', 8),
    ];
    expect(defaultBlockFor({ blocks })).toBe('u8b');
    // Non-square maps compare by area.
    const wide = [block('m', 'mid', 4), { ...block('u', 'up', 4), resolution: [4, 16] as [number, number] }];
    expect(defaultBlockFor({ blocks: wide })).toBe('u');
  });

  it('falls back sensibly: first up block, then mid, then the middle block', () => {
    expect(
      defaultBlockFor({ blocks: [block('a', 'down', 8), block('u1', 'up', 8), block('u2', 'up', 8)] }),
    ).toBe('u1');
    expect(
      defaultBlockFor({ blocks: [block('a', 'down', 16), block('m', 'mid', 8), block('z', 'down', 4)] }),
    ).toBe('m');
    expect(
      defaultBlockFor({ blocks: [block('a', 'down', 16), block('b', 'down', 8), block('c', 'down', 4)] }),
    ).toBe('b');
    expect(defaultBlockFor({ blocks: [block('only', 'down', 16)] })).toBe('only');
    expect(defaultBlockFor({ blocks: [] })).toBe('');
  });

  it('handles 256 blocks', () => {
    const blocks = Array.from({ length: 256 }, (_, i) =>
      block(`/n.${i}`, i < 128 ? 'down' : 'up', i < 128 ? 64 >> (i % 4) : 8 << (i % 4)),
    );
    // Bottleneck 8×8 (down blocks and /n.128); the first up block above it is /n.129 at 16×16.
    expect(defaultBlockFor({ blocks })).toBe('/n.129');
  });
});

describe('lastTimestep', () => {
  it('is T − 1 for every schedule type', () => {
    expect(lastTimestep(defaultManifest.schedule)).toBe(999);
    expect(lastTimestep({ type: 'cosine', steps: 4000 })).toBe(3999);
    expect(lastTimestep({ type: 'alphasCumprod', alphasCumprod: [0.9, 0.5, 0.1] })).toBe(2);
  });
});

describe('reconcileView', () => {
  const ident = { model: 'Other U-Net', modelHash: 'bbbb22220000' };

  it('keeps the blocks the model has, drops the others', () => {
    const view = { ...DEFAULT_VIEW, blocks: ['up1_0', 'mid block, attn', '/conv_in/Conv'] };
    expect(reconcileView(view, B.manifest, ident).blocks).toEqual(['mid block, attn', '/conv_in/Conv']);
  });

  it('picks the default block when none remains', () => {
    const out = reconcileView(DEFAULT_VIEW, B.manifest, ident);
    expect(out.blocks).toEqual(['/up_blocks.1/resnets.0/Add']);
  });

  it('clamps t below the new T and keeps pooling, seed and images', () => {
    const view: ViewState = {
      ...DEFAULT_VIEW,
      t: 700,
      pooling: 'avg4',
      seed: 42,
      images: ['upload:abc', 'test:3'],
    };
    const out = reconcileView(view, B.manifest, ident);
    expect(out.t).toBe(49);
    expect(out.pooling).toBe('avg4');
    expect(out.seed).toBe(42);
    expect(out.images).toEqual(['upload:abc', 'test:3']);
    expect(out.model).toBe('Other U-Net');
    expect(out.modelHash).toBe('bbbb22220000');
  });

  it('returns the very same view when nothing has to change', () => {
    const view = { ...DEFAULT_VIEW, blocks: ['mid', 'up1_0'], t: 999 };
    expect(reconcileView(view, defaultManifest, { model: 'default', modelHash: '' })).toBe(view);
  });
});

describe('reconcileCompare', () => {
  it('keeps a valid pair, turns an invalid one off', () => {
    const keep = { block: 'mid block, attn', t: 10 };
    expect(reconcileCompare(keep, B.manifest)).toBe(keep);
    expect(reconcileCompare({ block: 'mid block, attn', t: 50 }, B.manifest)).toBeNull();
    expect(reconcileCompare({ block: 'up1_0', t: 10 }, B.manifest)).toBeNull();
    expect(reconcileCompare(null, B.manifest)).toBeNull();
  });
});

describe('model identity in links', () => {
  it('names the default model "default" and others by name and identity (bytes and manifest)', () => {
    expect(modelIdentity(A, true)).toEqual({ model: 'default', modelHash: '' });
    expect(modelIdentity(B, false)).toEqual({ model: 'Other U-Net', modelHash: B.id });
    expect(B.id).toMatch(/^bbbb222200000000-[0-9a-f]{16}$/);
  });

  it('a link made under one manifest does not land on the same bytes opened with another schedule or prediction', () => {
    const link = modelIdentity(B, false);
    expect(linkMatches(link, B, false)).toBe(true);
    const otherSchedule = info(
      manifest({ schedule: { type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps: 1000 } }),
      'bbbb2222',
    );
    const otherPrediction = info(
      manifest({ prediction: { ...B.manifest.prediction, type: 'v_prediction' } }),
      'bbbb2222',
    );
    const otherPreprocessing = info(
      manifest({ preprocessing: { ...B.manifest.preprocessing, invert: 'always' } }),
      'bbbb2222',
    );
    for (const other of [otherSchedule, otherPrediction, otherPreprocessing]) {
      expect(other.hash).toBe(B.hash);
      expect(linkMatches(link, other, false)).toBe(false);
      expect(linkNotice({ ...DEFAULT_VIEW, ...link }, other, false).title).toBe(
        'This link was made with another manifest',
      );
    }
    // A cosmetic edit (the name people see) is the same model.
    expect(linkMatches(link, info(manifest({ name: 'Renamed' }), 'bbbb2222'), false)).toBe(true);
  });

  it("matches by identity (or an older link's bytes prefix) first, by name without one", () => {
    expect(linkMatches({ model: 'default', modelHash: '' }, A, true)).toBe(true);
    expect(linkMatches({ model: 'default', modelHash: '' }, B, false)).toBe(false);
    expect(linkMatches({ model: 'renamed', modelHash: 'bbbb22220000' }, B, false)).toBe(true);
    expect(linkMatches({ model: 'Other U-Net', modelHash: 'cccc33330000' }, B, false)).toBe(false);
    expect(linkMatches({ model: 'Other U-Net', modelHash: '' }, B, false)).toBe(true);
    expect(linkMatches({ model: 'Other U-Net', modelHash: '' }, A, true)).toBe(false);
  });
});

describe('stash', () => {
  it('sets results aside by model identity and gives them back for the same bytes and manifest only', () => {
    const results = { ...NO_RESULTS, probe: probeRun('done'), useBundledData: true };
    const stash = stashResults([], A, results);
    expect(takeStashed(stash, B).results).toBe(NO_RESULTS);
    // Same ONNX file under another manifest (other blocks): not the same model.
    const reconfigured = info({ ...defaultManifest, blocks: defaultManifest.blocks.slice(0, 3) }, 'aaaa1111');
    expect(takeStashed(stash, reconfigured).results).toBe(NO_RESULTS);
    // Same file, another preprocessing: not the same model either.
    const inverted = info(
      { ...defaultManifest, preprocessing: { ...defaultManifest.preprocessing, invert: 'always' } },
      'aaaa1111',
    );
    expect(takeStashed(stash, inverted).results).toBe(NO_RESULTS);
    // A cosmetic edit (name, description) is the same model: its results come back.
    expect(takeStashed(stash, info({ ...defaultManifest, name: 'renamed' }, 'aaaa1111')).results).toEqual(
      results,
    );
    const back = takeStashed(stash, { ...A, backend: 'webgpu' });
    expect(back.results).toEqual(results);
    expect(back.stash).toEqual([]);
  });

  it('keeps the choice to feed the bundled data when the same file is reopened under new settings', () => {
    const reconfigured = info({ ...B.manifest, blocks: B.manifest.blocks.slice(0, 2) }, B.hash.slice(0, 8));
    const chosen = state({ model: B, useBundledData: true, probe: probeRun('done') });
    const { patch } = modelChange(chosen, reconfigured, false);
    expect(patch.useBundledData).toBe(true);
    // Results belong to the old settings: set aside.
    expect(patch.probe).toBeNull();
    // Another file does not inherit it.
    expect(modelChange(chosen, A, true).patch.useBundledData).toBe(false);
  });

  it('replaces an older entry of the same model, skips empty results, keeps the newest few', () => {
    let stash = stashResults([], A, { ...NO_RESULTS, probe: probeRun('done') });
    stash = stashResults(stash, A, {
      ...NO_RESULTS,
      generated: {
        step: 1,
        steps: 1,
        t: 0,
        images: new Float32Array(1),
        final: true,
        run: { model: 'm', count: 1, seed: 0, options: DEFAULT_SAMPLER_OPTIONS },
        timesteps: [0],
        stats: [],
      },
    });
    expect(stash).toHaveLength(1);
    expect(stash[0].results.probe).toBeNull();
    expect(stashResults(stash, A, NO_RESULTS)).toEqual([]);
    for (let i = 0; i < STASH_SIZE + 3; i++)
      stash = stashResults(stash, info(defaultManifest, `f${i}`), { ...NO_RESULTS, useBundledData: true });
    expect(stash).toHaveLength(STASH_SIZE);
    expect(stash.at(-1)!.model).toBe(info(defaultManifest, `f${STASH_SIZE + 2}`).id);
  });

  it('marks what was still running as stopped, and stopped embeddings as no longer resumable', () => {
    const embedding = {
      main: { status: 'running', resumable: true } as never,
      compare: { status: 'stopped', resumable: true } as never,
    };
    const out = resultsOf({
      ...NO_RESULTS,
      probe: probeRun('training'),
      sweep: { grid: {} as never, status: 'running' },
      featureSet: { status: 'running' } as never,
      embedding,
    });
    expect(out.probe!.status).toBe('stopped');
    expect(out.sweep!.status).toBe('stopped');
    expect(out.featureSet!.status).toBe('stopped');
    expect(out.embedding.main).toMatchObject({ status: 'stopped', resumable: false });
    expect(out.embedding.compare).toMatchObject({ status: 'stopped', resumable: false });
    expect(resultsOf({ ...NO_RESULTS, probe: probeRun('done') }).probe!.status).toBe('done');
  });
});

describe('awaitingConversion', () => {
  it('marks uploads made for another input as converting, with no stale x0', () => {
    const keyA = inputKey(A.manifest);
    const keyB = inputKey(B.manifest);
    const uploads = [upload('upload:1', keyA), upload('upload:2', keyB), upload('upload:3', keyA, 'failed')];
    const out = awaitingConversion(uploads, keyB);
    expect(out.map((u) => u.status)).toEqual(['converting', 'ready', 'converting']);
    expect(out[0].x0).toHaveLength(0);
    expect(out[0].converted).toHaveLength(0);
    expect(out[0].decodedFor).toBe('');
    expect(out[0].file).toBe(uploads[0].file);
    expect(out[1]).toBe(uploads[1]);
  });

  it('returns the same array when every upload suits the model', () => {
    const keyA = inputKey(A.manifest);
    const uploads = [upload('upload:1', keyA)];
    expect(awaitingConversion(uploads, keyA)).toBe(uploads);
  });

  it('keys on what the conversion depends on, not on the model', () => {
    const renamed: Manifest = { ...defaultManifest, name: 'x', blocks: [] };
    expect(inputKey(defaultManifest)).toBe(inputKey(renamed));
    expect(inputKey(defaultManifest)).not.toBe(
      inputKey({ ...defaultManifest, preprocessing: { ...defaultManifest.preprocessing, invert: 'never' } }),
    );
    expect(inputKey(defaultManifest)).not.toBe(
      inputKey({ ...defaultManifest, input: { ...defaultManifest.input, height: 32 } }),
    );
  });
});

describe('backendNotice', () => {
  it('announces a fallback once, not again for the next model on the same backend', () => {
    const first = info(defaultManifest, 'a', 'wasm', 'this browser has no WebGPU');
    expect(backendNotice(null, first)).toEqual({
      title: 'Running on WASM',
      text: 'this browser has no WebGPU',
    });
    expect(backendNotice(first, info(manifest(), 'b', 'wasm', 'this browser has no WebGPU'))).toBeNull();
    expect(backendNotice(first, info(manifest(), 'b', 'wasm', 'WebGPU failed: x'))).not.toBeNull();
    expect(backendNotice(first, info(manifest(), 'b', 'webgpu', null))).toBeNull();
  });
});

describe('modelChange', () => {
  it('reconciles the view, clears the old maps and sets results aside (A → B → A)', () => {
    const keyA = inputKey(A.manifest);
    const probe = probeRun('done');
    const onA = state({
      model: A,
      modelIsDefault: true,
      view: { ...DEFAULT_VIEW, t: 300, seed: 5 },
      compare: { block: 'mid', t: 500 },
      forward: forwardOf('a'),
      compareForward: forwardOf('a2'),
      probe,
      probeTry: { id: 'test:1', proba: [1] },
      uploads: [upload('upload:1', keyA)],
    });
    const toB = modelChange(onA, B, false);
    expect(toB.notice).toBeNull();
    const onB = { ...onA, ...toB.patch } as ModelScoped;
    expect(onB.model).toBe(B);
    expect(onB.view.blocks).toEqual(['/up_blocks.1/resnets.0/Add']);
    expect(onB.view.t).toBe(49);
    expect(onB.view.seed).toBe(5);
    expect(onB.view.model).toBe('Other U-Net');
    expect(onB.compare).toBeNull();
    expect(onB.forward).toBeNull();
    expect(onB.compareForward).toBeNull();
    expect(onB.probe).toBeNull();
    expect(onB.probeTry).toBeNull();
    expect(onB.uploads[0].status).toBe('converting');
    expect(onB.modelStash).toHaveLength(1);

    const backToA = {
      ...onB,
      ...modelChange({ ...onB, probe: probeRun('done') }, A, true).patch,
    } as ModelScoped;
    expect(backToA.probe).toBe(probe);
    expect(backToA.probeTry).toEqual({ id: 'test:1', proba: [1] });
    expect(backToA.view.model).toBe('default');
    expect(backToA.view.blocks).toEqual(['up1_0']);
    // B's results are now the ones set aside.
    expect(backToA.modelStash.map((e) => e.model)).toEqual([B.id]);
  });

  it('is not a model change for the same file and manifest (another backend): everything stays', () => {
    const probe = probeRun('done');
    const onA = state({ model: A, modelIsDefault: true, forward: forwardOf('a'), probe });
    const { patch } = modelChange(onA, { ...A, backend: 'webgpu' }, true);
    expect(patch.forward).toBeUndefined();
    expect(patch.probe).toBeUndefined();
    expect(patch.model!.backend).toBe('webgpu');
    expect(patch.view).toBe(onA.view);
  });

  it('keeps a link made with another model pending when the default model loads first', () => {
    const link: ViewState = {
      ...DEFAULT_VIEW,
      model: 'Other U-Net',
      modelHash: 'bbbb22220000',
      blocks: ['/down_blocks.0/resnets.1/Add', 'mid block, attn'],
      t: 30,
    };
    const start = state({ view: link });
    const { patch, notice } = modelChange(start, A, true);
    expect(patch.linkPending).toBe(link);
    expect(patch.view!.blocks).toEqual(['up1_0']);
    expect(patch.view!.model).toBe('default');
    expect(patch.view!.t).toBe(30);
    expect(notice!.text).toBe(
      "This link was made with model Other U-Net (sha256 bbbb22220000…); the loaded model is the default model (Fashion-MNIST DDPM (DiffProbe default)). Open Other U-Net with 'Open model…' to reproduce it.",
    );

    // Opening the link's model applies the link itself.
    const onA = { ...start, ...patch } as ModelScoped;
    const opened = modelChange(onA, B, false);
    expect(opened.notice).toBeNull();
    expect(opened.patch.linkPending).toBeNull();
    expect(opened.patch.view!.blocks).toEqual(['/down_blocks.0/resnets.1/Add', 'mid block, attn']);
    expect(opened.patch.view!.t).toBe(30);

    // Another model that is not the link's: still pending, said again with the new name.
    const other = info(manifest({ name: 'Third' }), 'cccc3333');
    const third = modelChange(onA, other, false);
    expect(third.patch.linkPending).toBe(link);
    expect(third.notice!.text).toContain('the loaded model is Third');
  });

  it('takes a link for the default model as it is at start-up', () => {
    const link = { ...DEFAULT_VIEW, blocks: ['mid'], t: 250 };
    const { patch, notice } = modelChange(state({ view: link }), A, true);
    expect(notice).toBeNull();
    expect(patch.linkPending).toBeNull();
    expect(patch.view).toBe(link);
  });

  it('says how to reproduce a default-model link while another model is loaded', () => {
    const onB = state({ model: B, view: reconcileView(DEFAULT_VIEW, B.manifest, modelIdentity(B, false)) });
    const { patch, notice } = openLink(onB, { ...DEFAULT_VIEW, t: 20 });
    expect(patch.linkPending).toEqual({ ...DEFAULT_VIEW, t: 20 });
    expect(patch.view!.t).toBe(20);
    expect(notice!.text).toMatch(
      /made with the default model; the loaded model is Other U-Net\. Reload the page/,
    );
    expect(
      openLink(onB, { ...DEFAULT_VIEW, ...modelIdentity(B, false), t: 20 }).patch.linkPending,
    ).toBeNull();
    expect(openLink(state(), DEFAULT_VIEW).patch).toEqual({ view: DEFAULT_VIEW, linkPending: null });
  });
});

describe('bundled data and input readiness', () => {
  const dataset = {
    index: { name: 'Fashion-MNIST', classes: ['a'], channels: 1, height: 2, width: 2, splits: {} },
    splits: { test: { images: new Uint8Array(8), labels: new Uint8Array(2), count: 2 } },
  } as unknown as BundledDataset;

  it('gives the data set to its own model, to another only when chosen', () => {
    const base = { dataset, datasetOwner: A.hash, useBundledData: false };
    expect(bundledDataFor({ ...base, model: A })).toBe(dataset);
    expect(bundledDataFor({ ...base, model: B })).toBeNull();
    expect(bundledDataFor({ ...base, model: B, useBundledData: true })).toBe(dataset);
    expect(offersBundledData({ ...base, model: A })).toBe(false);
    expect(offersBundledData({ ...base, model: B })).toBe(true);
    expect(offersBundledData({ ...base, dataset: null, model: B })).toBe(false);
  });

  it('knows which images the loaded model can run now', () => {
    const keyB = inputKey(B.manifest);
    const s = {
      dataset,
      datasetOwner: A.hash,
      useBundledData: false,
      model: B,
      uploads: [
        upload('upload:1', keyB),
        upload('upload:2', 'old', 'converting'),
        upload('upload:3', keyB, 'failed'),
      ],
    };
    expect(inputReady('upload:1', s)).toBe(true);
    expect(inputReady('upload:2', s)).toBe(false);
    expect(inputReady('upload:3', s)).toBe(false);
    expect(inputReady('upload:9', s)).toBe(false);
    expect(inputReady('test:1', s)).toBe(false);
    expect(inputReady('test:1', { ...s, useBundledData: true })).toBe(true);
    expect(inputReady('test:2', { ...s, useBundledData: true })).toBe(false);
    expect(inputReady(undefined, s)).toBe(false);
  });
});
