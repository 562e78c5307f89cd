/**
 * @file The tour's computations and their sizes. Each heavy step queues its work behind the
 * previous step's and behind any running job (the worker runs one job at a time, and a second
 * extraction would cancel the first), starts it only if the tour is still on that step, and
 * skips it when the result on screen is already the one the step needs (Back, then Next).
 *
 * Sizes, chosen so that each step computes in under a minute on WASM with one thread on a 2-vCPU
 * machine (which extracts 18–27 images/s there; a laptop with more cores runs more threads):
 * t-SNE of 400 test images (one extraction pass for both blocks), a probe on 300 + 150 images,
 * and a sweep of every block at two timesteps on the probe's images, whose first timestep the
 * probe step has already put in the feature cache.
 */

import type { FeatureSpec } from '../../pipeline/feature-spec';
import { splitIds } from '../../pipeline/split';
import { getState, subscribe } from '../../state/store';
import { DEFAULT_EMBED_OPTIONS } from '../../worker/embedding/embedder';
import { runComparison, runEmbedding } from '../embedding/commands';
import { extractConcatenated, labelledSplit, type ProbeSettings } from '../probe/commands';
import { runSweepWithBaselines, trainProbeWithBaselines } from '../results/baselines';
import { probeFindingText, sweepFindingText } from '../results/selectors';

export const TOUR_T = 25;
/** The shallowest block: the encoder's first, at the input's resolution. */
export const SHALLOW_BLOCK = 'down0_0';
/** A block in the middle of the decoder (the best one in docs/model-card-probe.md). */
export const PROBE_BLOCK = 'up1_0';
export const TSNE_POINTS = 400;
export const TSNE_ITERATIONS = 500;
/** Training images (a fifth of them held out for validation), test images, split seed. */
export const PROBE_SIZES = { nTrain: 300, nTest: 150, splitSeed: 0 };
const PROBE_SETTINGS: ProbeSettings = {
  source: 'bundled',
  testFraction: 0.3,
  ...PROBE_SIZES,
  timesteps: [TOUR_T],
  C: 1,
  maxIter: 200,
};
/** A small t and a large one: far enough apart that 60 validation images tell them apart. */
export const SWEEP_TIMESTEPS = [TOUR_T, 500];

export const probeFindingNow = probeFindingText;
export const sweepFindingNow = sweepFindingText;

const busy = () => Object.keys(getState().jobs).some((k) => k !== 'model');

function whenIdle(): Promise<void> {
  if (!busy()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = subscribe(() => {
      if (busy()) return;
      stop();
      resolve();
    });
  });
}

let queue: Promise<void> = Promise.resolve();

/** Someone paging through the tour quickly does not start every step's work on the way. */
const SETTLE_MS = 400;

/** Runs `work` after the work queued before it, once no job runs, if the tour is still on this step. */
function queueWork(work: () => Promise<void>): void {
  const step = getState().tour?.step;
  queue = queue
    .then(() => new Promise((resolve) => setTimeout(resolve, SETTLE_MS)))
    .then(whenIdle)
    .then(() => (getState().tour?.step === step ? work() : undefined))
    .catch(() => {
      // Errors reach the user as notices from the commands themselves.
    });
}

/** Resolves when the tour's queued work is done (tests and the card's "computing" state). */
export function tourWorkDone(): Promise<void> {
  return queue;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `test:${i}`);

function embeddingReady(slot: 'main' | 'compare', block: string): boolean {
  const run = getState().embedding[slot];
  return (
    run?.status === 'done' &&
    run.method === 'tsne' &&
    run.t === TOUR_T &&
    run.ids.length === TSNE_POINTS &&
    run.blocks.length === 1 &&
    run.blocks[0] === block
  );
}

/** t-SNE of the shallow block, then of the mid-decoder block on the same points. */
export function tourEmbedding(): void {
  queueWork(async () => {
    if (embeddingReady('main', SHALLOW_BLOCK)) {
      if (!embeddingReady('compare', PROBE_BLOCK)) await runComparison({ block: PROBE_BLOCK, t: TOUR_T });
      return;
    }
    getState().setView({ blocks: [SHALLOW_BLOCK], t: TOUR_T });
    // One U-Net pass per image for both blocks; the two embeddings then read the feature cache.
    if (getState().cacheStats !== null)
      if (
        !(await extractConcatenated(ids(TSNE_POINTS), [SHALLOW_BLOCK, PROBE_BLOCK], [TOUR_T], 'Tour: t-SNE'))
      )
        return;
    await runEmbedding({
      count: TSNE_POINTS,
      choice: 'first',
      method: 'tsne',
      options: { ...DEFAULT_EMBED_OPTIONS, nIter: TSNE_ITERATIONS },
      compare: { block: PROBE_BLOCK, t: TOUR_T },
    });
  });
}

/** The split and sizes of a result's feature spec are the tour's. */
function tourData(data: FeatureSpec['data']): boolean {
  return (
    data.source === 'bundled' &&
    data.splitSeed === PROBE_SIZES.splitSeed &&
    data.sizes.train + data.sizes.validation === PROBE_SIZES.nTrain &&
    data.sizes.test === PROBE_SIZES.nTest
  );
}

function probeReady(): boolean {
  const run = getState().probe;
  return (
    run?.status === 'done' &&
    run.spec.blocks.join() === PROBE_BLOCK &&
    run.spec.timesteps.join() === String(TOUR_T) &&
    tourData(run.spec.data)
  );
}

/** The probe on the mid-decoder block, with raw pixels and the shallowest block beside it. */
export function tourProbe(): void {
  queueWork(async () => {
    if (probeReady()) return;
    const { model } = getState();
    if (!model) return;
    getState().setView({ blocks: [PROBE_BLOCK], t: TOUR_T });
    // Every block of these images at t goes to the feature cache in this one pass: the probe, its
    // comparisons and the sweep's first column (the sweep splits the same way) then read them
    // instead of running the U-Net again.
    const split = labelledSplit(PROBE_SETTINGS);
    if (split && getState().cacheStats !== null) {
      const all = model.manifest.blocks.map((b) => b.name);
      if (!(await extractConcatenated(splitIds(split), all, [TOUR_T], 'Tour: features'))) return;
    }
    await trainProbeWithBaselines(PROBE_SETTINGS);
  });
}

function sweepReady(): boolean {
  const { sweep, model } = getState();
  if (sweep?.status !== 'done' || !model) return false;
  const { spec } = sweep.grid;
  return (
    spec.blocks.length === model.manifest.blocks.length &&
    spec.timesteps.join() === SWEEP_TIMESTEPS.join() &&
    tourData(spec.data)
  );
}

/** Every block at two timesteps, on the probe's images (the same split). */
export function tourSweep(): void {
  queueWork(async () => {
    const { model } = getState();
    if (sweepReady() || !model) return;
    await runSweepWithBaselines({
      blocks: model.manifest.blocks.map((b) => b.name),
      timesteps: SWEEP_TIMESTEPS,
      ...PROBE_SIZES,
      C: PROBE_SETTINGS.C,
      maxIter: 100,
    });
  });
}
