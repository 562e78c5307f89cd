import { beforeEach, describe, expect, it } from 'vitest';
import { DiffProbeError } from '../../core/errors';
import { inputKey, type UploadedImage } from '../../data/uploads';
import { getState, useStore } from '../../state/store';
import { A, B, upload } from '../../state/test-models';
import { reconvertUploads } from './commands';

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
