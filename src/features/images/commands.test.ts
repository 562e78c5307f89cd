import { beforeEach, describe, expect, it } from 'vitest';
import { DiffProbeError } from '../../core/errors';
import { decidePolarity, type InvertMode } from '../../core/image/polarity';
import { inputIdentity, inputKey, type UploadedImage } from '../../data/uploads';
import { createFeatureSet } from '../../state/feature-set';
import { getState, useStore } from '../../state/store';
import { A, B, upload } from '../../state/test-models';
import { batchLabel, reconvertUploads, setBatchInvert } from './commands';

const initial = getState();
beforeEach(() => useStore.setState(initial, true));

/** A decoder that converts by file content ("bad" fails), recording what it was asked. */
function fakeDecode(calls: string[]) {
  return async (file: Blob, manifest: { input: { height: number } }, _c: unknown, name?: string) => {
    calls.push(name!);
    if ((await file.text()).includes('bad'))
      throw new DiffProbeError('image-decode', `"${name}" could not be decoded (corrupt data)`);
    return {
      x0: new Float32Array(manifest.input.height).fill(7),
      converted: new Uint8Array(manifest.input.height),
      notes: ['converted'],
    } as unknown as UploadedImage;
  };
}

describe('reconvertUploads', () => {
  it('converts every image made for another input, names each failure, keeps the rest', async () => {
    getState().switchModel(A, true);
    const keyA = inputKey(A.manifest);
    getState().addUploads([
      upload('upload:1', keyA),
      { ...upload('upload:2', keyA), name: 'broken.png', file: new Blob(['bad']) },
      upload('upload:3', keyA),
    ]);
    getState().setView({ images: ['upload:2', 'upload:3'] });
    getState().switchModel(B, false);
    expect(getState().uploads.map((u) => u.status)).toEqual(['converting', 'converting', 'converting']);
    const calls: string[] = [];
    const done = reconvertUploads(fakeDecode(calls) as never);
    expect(getState().jobs.uploads?.label).toBe('Converting 3 images for Other U-Net');
    await done;
    const s = getState();
    expect(calls).toEqual(['upload:1.png', 'broken.png', 'upload:3.png']);
    expect(s.uploads.map((u) => u.status)).toEqual(['ready', 'failed', 'ready']);
    expect(s.uploads[0].x0).toHaveLength(64);
    expect(s.uploads[0].decodedFor).toBe(inputKey(B.manifest));
    expect(s.uploads[1].error).toMatch(/^broken\.png: .*could not be decoded/);
    expect(s.view.images).toEqual(['upload:2', 'upload:3']);
    expect(s.jobs.uploads).toBeUndefined();
    const notice = s.notices.at(-1)!;
    expect(notice.level).toBe('error');
    expect(notice.title).toBe('1 of 3 images cannot be used with Other U-Net');
    expect(notice.text).toContain('broken.png');
  });

  it('does nothing when every image suits the model', async () => {
    getState().switchModel(B, false);
    getState().addUploads([upload('upload:1', inputKey(B.manifest))]);
    const calls: string[] = [];
    await reconvertUploads(fakeDecode(calls) as never);
    expect(calls).toEqual([]);
  });

  it('stops writing when another model is opened meanwhile', async () => {
    getState().switchModel(A, true);
    getState().addUploads([
      upload('upload:1', inputKey(A.manifest)),
      upload('upload:2', inputKey(A.manifest)),
    ]);
    getState().switchModel(B, false);
    const calls: string[] = [];
    const decode = fakeDecode(calls);
    const first = reconvertUploads((async (...args: Parameters<typeof decode>) => {
      const out = await decode(...args);
      getState().switchModel(A, true); // the user opens A again while B's conversion runs
      return out;
    }) as never);
    await first;
    // Nothing converted for B was written: both wait for A again (x0 was emptied for B).
    expect(calls).toEqual(['upload:1.png']);
    expect(getState().uploads.map((u) => [u.status, u.decodedFor, u.x0.length])).toEqual([
      ['converting', '', 0],
      ['converting', '', 0],
    ]);
    await reconvertUploads(fakeDecode(calls) as never);
    expect(getState().uploads.map((u) => [u.status, u.decodedFor, u.x0.length])).toEqual([
      ['ready', inputKey(A.manifest), 28],
      ['ready', inputKey(A.manifest), 28],
    ]);
  });

  it('Stop marks the images not yet converted as failed, naming them', async () => {
    getState().switchModel(A, true);
    getState().addUploads([
      upload('upload:1', inputKey(A.manifest)),
      upload('upload:2', inputKey(A.manifest)),
    ]);
    getState().switchModel(B, false);
    const calls: string[] = [];
    const decode = fakeDecode(calls);
    await reconvertUploads((async (...args: Parameters<typeof decode>) => {
      getState().jobs.uploads?.cancel();
      return decode(...args);
    }) as never);
    expect(getState().uploads.map((u) => u.status)).toEqual(['ready', 'failed']);
    expect(getState().uploads[1].error).toBe('upload:2.png was not converted for this model (stopped)');
  });
});

describe('polarity per batch', () => {
  /** Converts like fakeDecode, deciding the polarity of a light-background image under `mode`. */
  const decodeWith = (modes: InvertMode[]) =>
    (async (
      _file: Blob,
      manifest: { input: { height: number } },
      _c: unknown,
      _n?: string,
      mode?: InvertMode,
    ) => {
      modes.push(mode!);
      return {
        x0: new Float32Array(manifest.input.height).fill(mode === 'never' ? 1 : -1),
        converted: new Uint8Array(manifest.input.height),
        polarity: decidePolarity(new Float32Array(16).fill(250), 4, 4, mode!),
        notes: [],
      } as unknown as UploadedImage;
    }) as never;

  it('names a batch by its folder, its one file, or its count', () => {
    const f = (name: string, path?: string) => ({ file: Object.assign(new Blob([]), { name }), path });
    expect(batchLabel([f('a.png', 'clothes/bags/a.png'), f('b.png', 'clothes/shoes/b.png')])).toBe(
      'clothes/',
    );
    expect(batchLabel([f('a.png')])).toBe('a.png');
    expect(batchLabel([f('a.png'), f('b.png')])).toBe('2 files');
  });

  it('an override converts the batch again, and what used the old polarity is cleared', async () => {
    getState().switchModel(A, true);
    const key = inputKey(A.manifest);
    const inverted = decidePolarity(new Float32Array(16).fill(250), 4, 4, 'auto');
    getState().addUploads(
      [
        { ...upload('upload:1', key), polarity: inverted },
        { ...upload('upload:2', key), polarity: inverted, batch: 'batch-2' },
      ],
      { id: 'batch-1', label: 'clothes/', invert: null },
    );
    expect(getState().uploadBatches).toEqual([{ id: 'batch-1', label: 'clothes/', invert: null }]);
    const before = inputIdentity('upload:1', getState().uploads);
    getState().setFeatureSet(
      createFeatureSet(
        { imageIds: ['upload:1'], t: 0, seed: 0, pooling: 'avg', blocks: ['mid'] },
        new Int32Array(1),
      ),
    );
    const modes: InvertMode[] = [];
    await setBatchInvert('batch-1', 'never', decodeWith(modes));
    const s = getState();
    // Only batch-1's image was converted again, with the batch's choice.
    expect(modes).toEqual(['never']);
    expect(s.uploadBatches[0].invert).toBe('never');
    expect(s.uploads.map((u) => [u.status, u.polarity?.inverted])).toEqual([
      ['ready', false],
      ['ready', true],
    ]);
    expect(inputIdentity('upload:1', s.uploads)).not.toBe(before);
    expect(inputIdentity('test:3', s.uploads)).toBe('test:3');
    expect(s.featureSet).toBeNull();
    expect(s.notices.at(-1)).toMatchObject({ title: 'Polarity of 1 image changed' });
    // Back to the model's setting: converted with 'auto' (the default model's) again.
    await setBatchInvert('batch-1', null, decodeWith(modes));
    expect(modes).toEqual(['never', 'auto']);
    expect(getState().uploads[0].polarity?.inverted).toBe(true);
  });
});
