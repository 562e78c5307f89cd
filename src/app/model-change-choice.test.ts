import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DiffProbeError } from '../core/errors';
import { getState, useStore } from '../state/store';
import { A, B } from '../state/test-models';

/** The compute worker, faked: a load answers with model B; a job of a run waits until released. */
const worker = vi.hoisted(() => {
  const jobs: string[] = [];
  let release: (() => void) | null = null;
  let loaded: unknown = null;
  const run = (job: string, _params: unknown, options: { signal?: AbortSignal } = {}) => {
    if (job !== 'cacheStats') jobs.push(job);
    if (job === 'loadModel') return Promise.resolve(loaded);
    if (job === 'cacheStats') return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      release = () => resolve({ done: true });
      options.signal?.addEventListener('abort', () =>
        reject(new DiffProbeError('cancelled', `${job} stopped`)),
      );
    });
  };
  return {
    jobs,
    run,
    release: () => release?.(),
    setLoaded: (m: unknown) => {
      loaded = m;
    },
  };
});
vi.mock('./compute', () => ({ compute: () => ({ run: worker.run, onEvent: () => () => {} }) }));

const { openModelFiles } = await import('./commands');
const { runJobOrThrow, trackRun } = await import('../state/jobs');

const initial = getState();
const file = () => new File([new Uint8Array(8)], 'other.onnx');
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A run of two jobs on model A (like a probe: extraction, then training), started now. */
function startRun(): Promise<string> {
  return trackRun('sweep', async (run) => {
    try {
      await runJobOrThrow('sweep', 'Sweep', 'extractFeatures', {} as never, { run });
      await runJobOrThrow('sweep', 'Sweep', 'trainProbe', {} as never, { run });
      return 'finished';
    } catch {
      return 'stopped';
    }
  });
}

beforeEach(() => {
  useStore.setState(initial, true);
  getState().switchModel(A, true);
  worker.jobs.length = 0;
  worker.setLoaded(B);
});

describe('opening another model while a run is in progress', () => {
  it('asks; "Keep the current model" leaves the run and the model alone', async () => {
    const run = startRun();
    const opening = openModelFiles([file()]);
    await tick();
    const choice = getState().modelChangeChoice;
    expect(choice).toMatchObject({ running: 'a sweep', target: 'other.onnx' });
    choice!.choose('keep');
    expect(await opening).toBe(false);
    expect(getState().modelChangeChoice).toBeNull();
    expect(worker.jobs).not.toContain('loadModel');
    worker.release();
    await tick();
    worker.release();
    expect(await run).toBe('finished');
    expect(getState().model).toBe(A);
  });

  it('"Let it finish" opens the model only once the run has finished', async () => {
    const run = startRun();
    const opening = openModelFiles([file()]);
    await tick();
    getState().modelChangeChoice!.choose('wait');
    await tick();
    expect(worker.jobs).not.toContain('loadModel');
    worker.release(); // the extraction…
    await tick();
    expect(worker.jobs).toEqual(['extractFeatures', 'trainProbe']);
    worker.release(); // …and the training: the run is done, then the model opens.
    expect(await run).toBe('finished');
    expect(await opening).toBe(true);
    expect(worker.jobs.at(-1)).toBe('loadModel');
    expect(getState().model).toBe(B);
  });

  it('"Stop it" stops the run (its next job never starts) before the model opens', async () => {
    const run = startRun();
    const opening = openModelFiles([file()]);
    await tick();
    getState().modelChangeChoice!.choose('stop');
    expect(await run).toBe('stopped');
    expect(await opening).toBe(true);
    expect(worker.jobs).toEqual(['extractFeatures', 'loadModel']);
    expect(getState().model).toBe(B);
  });

  it('does not ask when nothing runs', async () => {
    expect(await openModelFiles([file()])).toBe(true);
    expect(getState().modelChangeChoice).toBeNull();
    expect(getState().model).toBe(B);
  });
});
