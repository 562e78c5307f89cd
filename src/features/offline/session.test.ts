import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../data/uploads';
import { type ModelResults, NO_RESULTS } from '../../state/results';
import type { ModelInfo } from '../../worker/jobs';
import { SAVED_FOR_MS, saveSession, snapshot, takeSavedSession } from './session';

const model = { id: 'h1-k1', hash: 'h1', manifest: { name: 'm' } } as unknown as ModelInfo;
const probe = {
  spec: { model: 'h1-k1' },
  curve: Float64Array.of(0.5, 0.7),
} as unknown as ModelResults['probe'];
const embedding = {
  main: { slot: 'main', coords: Float32Array.of(1, 2), resumable: true },
  compare: null,
} as unknown as ModelResults['embedding'];
const upload = {
  id: 'upload:abc',
  name: 'shoe.png',
  file: new Blob([new Uint8Array([1, 2, 3])]),
  x0: new Float32Array(4),
} as unknown as UploadedImage;

describe('results across an update', () => {
  it("the loaded model's results join the stash; a stopped embedding is no longer resumable", () => {
    const s = { ...NO_RESULTS, probe, embedding, model, modelStash: [], uploads: [upload] };
    const saved = snapshot(s, 1000);
    expect(saved.stash).toHaveLength(1);
    expect(saved.stash[0]).toMatchObject({ model: model.id });
    expect(saved.stash[0].results.probe).toBe(probe);
    expect(saved.stash[0].results.embedding.main?.resumable).toBe(false);
    expect(saved.uploads).toEqual([upload]);
  });

  it('IndexedDB keeps them for the next page load, once; a session older than an hour is not restored', async () => {
    const idb = new IDBFactory();
    const s = { ...NO_RESULTS, probe, embedding, model, modelStash: [], uploads: [upload] };
    await saveSession(snapshot(s, 1000), idb);
    const back = await takeSavedSession(idb, 2000);
    expect(back?.stash[0].results.probe).toEqual(probe);
    expect(back?.uploads[0].id).toBe('upload:abc');
    expect(await takeSavedSession(idb, 3000)).toBeNull();
    await saveSession(snapshot(s, 1000), idb);
    expect(await takeSavedSession(idb, 1000 + SAVED_FOR_MS + 1)).toBeNull();
    expect(await takeSavedSession(undefined)).toBeNull();
  });
});
