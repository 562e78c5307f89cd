import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER_OPTIONS } from '../core/sampler/options';
import { inputKey } from '../data/uploads';
import { getState, useStore } from './store';
import { A, B, upload } from './test-models';
import { DEFAULT_VIEW } from './view';

const initial = getState();
beforeEach(() => useStore.setState(initial, true));

describe('notices', () => {
  it('shows an identical notice once when it comes twice in a row', () => {
    const s = getState();
    const first = s.notify('info', 'Running on WASM', 'no WebGPU');
    expect(getState().notify('info', 'Running on WASM', 'no WebGPU')).toBe(first);
    expect(getState().notices).toHaveLength(1);
    getState().notify('error', 'Other', 'x');
    getState().notify('info', 'Running on WASM', 'no WebGPU');
    expect(getState().notices.map((n) => n.title)).toEqual(['Running on WASM', 'Other', 'Running on WASM']);
  });

  it('shows it again once the first was dismissed', () => {
    const id = getState().notify('info', 'a', 'b');
    getState().dismiss(id);
    getState().notify('info', 'a', 'b');
    expect(getState().notices).toHaveLength(1);
  });
});

describe('switchModel', () => {
  it('reconciles the view and announces a link for another model once', () => {
    getState().openLink({
      ...DEFAULT_VIEW,
      model: 'Other U-Net',
      modelHash: B.hash.slice(0, 12),
      blocks: ['mid block, attn'],
    });
    getState().switchModel(A, true);
    const s = getState();
    expect(s.model).toBe(A);
    expect(s.modelIsDefault).toBe(true);
    expect(s.modelStatus).toBe('ready');
    expect(s.view.blocks).toEqual(['up1_0']);
    expect(s.linkPending?.blocks).toEqual(['mid block, attn']);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({ level: 'warning', title: 'This link was made with another model' });
    getState().switchModel(B, false);
    expect(getState().view.blocks).toEqual(['mid block, attn']);
    expect(getState().linkPending).toBeNull();
    expect(getState().notices).toHaveLength(1);
  });

  it('brings a model’s results back when it is opened again', () => {
    getState().switchModel(A, true);
    getState().setGenerated({
      step: 3,
      steps: 3,
      t: 0,
      images: new Float32Array(784),
      final: true,
      run: { model: 'm', count: 1, seed: 0, options: DEFAULT_SAMPLER_OPTIONS },
      timesteps: [2, 1, 0],
      stats: [],
    });
    getState().setUseBundledData(true);
    getState().switchModel(B, false);
    expect(getState().generated).toBeNull();
    expect(getState().useBundledData).toBe(false);
    getState().switchModel(A, true);
    expect(getState().generated?.steps).toBe(3);
    expect(getState().useBundledData).toBe(true);
  });
});

describe('view setters drop a pending link', () => {
  it.each([
    ['setView', () => getState().setView({ seed: 3 })],
    ['setT', () => getState().setT(5)],
    ['selectBlock', () => getState().selectBlock('mid', false)],
    ['setPooling', () => getState().setPooling('max')],
    ['setSeed', () => getState().setSeed(9)],
    ['removeUpload', () => getState().removeUpload('upload:1')],
  ])('%s', (_name, change) => {
    getState().openLink({ ...DEFAULT_VIEW, model: 'Other U-Net' });
    getState().switchModel(A, true);
    expect(getState().linkPending).not.toBeNull();
    change();
    expect(getState().linkPending).toBeNull();
  });
});

describe('uploads and the bundled data', () => {
  it('holds back images decoded for a model that is no longer loaded', () => {
    getState().switchModel(B, false);
    getState().addUploads([
      upload('upload:1', inputKey(A.manifest)),
      upload('upload:2', inputKey(B.manifest)),
    ]);
    expect(getState().uploads.map((u) => u.status)).toEqual(['converting', 'ready']);
  });

  it('updates one upload in place, keeping its id', () => {
    getState().addUploads([upload('upload:1', 'k', 'converting')]);
    getState().patchUpload('upload:1', { status: 'ready', id: 'upload:other' });
    expect(getState().uploads[0]).toMatchObject({ id: 'upload:1', status: 'ready' });
  });

  it('records which model owns the data set', () => {
    getState().switchModel(A, true);
    getState().setDataset({} as never);
    expect(getState().datasetOwner).toBe(A.hash);
    getState().setDataset({} as never, 'f00');
    expect(getState().datasetOwner).toBe('f00');
    getState().setDataset(null);
    expect(getState().datasetOwner).toBeNull();
  });
});
