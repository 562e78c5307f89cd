/**
 * @file A sweep, the same in the app and the CLI: for every t, extract every block of the spec for
 * all images once, then fit one probe per block on the training images and judge it on the
 * validation images. The cell with the best validation accuracy is chosen, and only its probe is
 * evaluated on the test images, once, at the end (also when the sweep is stopped: the best of the
 * cells computed). Every cell records the model it was computed with.
 */
import { DiffProbeError, isDiffProbeError } from '../core/errors';
import { headMemoryError } from '../core/heads/layout';
import { HEADS, type NeuralHead } from '../core/heads/spec';
import type { Pooling } from '../core/pooling';
import type { HeadResult, ProbeResult } from '../worker/jobs';
import type { FeatureSpec } from './feature-spec';
import { extractAt } from './features';
import {
  evaluateProbe,
  type ImageInput,
  leakProblems,
  specLayout,
  splitLabels,
  splitProblems,
} from './probe-run';
import { buildProvenance, type Provenance, type ProvenanceOrigin } from './provenance';
import type { PipelineRuntime } from './runtime';
import { type LabelledSplit, splitIds } from './split';
import { emptyGrid, type SweepGrid, withCell } from './sweep-grid';

export interface SweepRequest {
  /** The grid: spec.blocks × spec.timesteps, with the data and its split. */
  spec: FeatureSpec;
  split: LabelledSplit;
  /** The linear probe's settings: every cell's, or, with a head, the comparison's at the chosen cell. */
  C: number;
  maxIter: number;
  /** A neural head to train in every cell instead of the linear probe. */
  head?: NeuralHead | null;
  /** The blocks' map shapes [C, H, W] (the manifest's), for the attention head's tokens. */
  maps?: Record<string, readonly [number, number, number]>;
  /** With a head: the pooling of the linear probe it is compared with (default: global average). */
  linearPooling?: Pooling;
  /** The model's files and the engine, for the grid's provenance record (absent: none is made). */
  origin?: ProvenanceOrigin;
}

export interface SweepEvents {
  /** After every computed cell, and once more with the chosen cell's test accuracy. */
  onGrid?: (grid: SweepGrid) => void;
  /** Work units: extracting the images at one t counts as much as all the probes at that t. */
  onProgress?: (done: number, total: number, note: string) => void;
}

/**
 * The best cell so far: its probe or head and its rows (test, and with a head the training and
 * validation rows too, for the linear comparison), kept for the one test evaluation.
 */
interface Best {
  b: number;
  j: number;
  accuracy: number;
  probe: Pick<ProbeResult, 'W' | 'b' | 'mean' | 'scale'> | HeadResult;
  X: Float32Array;
  dim: number;
}

/** The provenance of a sweep of `req` (x₀ of splitIds(req.split) in `x0`): also a sharded sweep's whole grid's. */
export function sweepProvenance(
  req: SweepRequest,
  origin: ProvenanceOrigin,
  x0: Float32Array,
): Promise<Provenance> {
  const { spec, split } = req;
  const head = req.head ?? null;
  return buildProvenance(
    origin,
    { ids: splitIds(split), x0, labels: splitLabels(split), classes: split.classes },
    {
      kind: 'sweep',
      spec,
      C: req.C,
      maxIter: req.maxIter,
      head,
      linearPooling: head ? (req.linearPooling ?? { kind: 'avg' }) : null,
    },
  );
}

/**
 * Runs a sweep. Resolves with the grid and 'done', or 'stopped' when the user stopped it (the
 * cells computed so far, and the best of them tested). Throws DiffProbeError('probe-data') for a
 * split that cannot be probed (too few classes, test images duplicating training images), and
 * any runtime error (after onGrid has had the cells so far).
 */
export async function runSweep(
  rt: PipelineRuntime,
  req: SweepRequest,
  input: ImageInput,
  events: SweepEvents = {},
): Promise<{ grid: SweepGrid; status: 'done' | 'stopped' }> {
  const { spec, split } = req;
  const head = req.head ?? null;
  const linearPooling = req.linearPooling ?? { kind: 'avg' };
  let grid = emptyGrid(spec, { ...req, linearPooling });
  events.onGrid?.(grid);
  const problems = splitProblems(split);
  if (problems.length) throw new DiffProbeError('probe-data', problems.join('; '));
  if (head?.kind === 'attention') {
    if (!req.maps) throw new DiffProbeError('internal', "the attention head needs the blocks' map shapes");
    for (const block of spec.blocks) {
      const memory = headMemoryError(head, [req.maps[block]], 1, spec.pooling);
      if (memory) throw memory;
    }
  }
  const ids = splitIds(split);
  const n = ids.length;
  const nTrain = split.train.ids.length;
  const nFit = nTrain + split.validation.ids.length;
  const k = split.classes.length;
  const blocks = spec.blocks;
  const unitsPerT = 2 * blocks.length;
  const total = spec.timesteps.length * unitsPerT;
  let done = 0;
  const report = (note: string) => events.onProgress?.(done, total, note);
  let best: Best | null = null;
  const nTest = split.test.ids.length;
  /** The one look at the test images: the chosen cell's probe or head on them. */
  const choose = async () => {
    if (!best) return;
    const chosen = best;
    const testX = chosen.X.slice(nFit * chosen.dim);
    let accuracy: number;
    if ('head' in chosen.probe) {
      const { head: h, layout, weights, scaling } = chosen.probe;
      const { proba } = await rt.run(
        'applyHead',
        { head: h, layout, weights, scaling, X: testX, n: nTest },
        { label: `${HEADS[h.kind].noun} on ${blocks[chosen.b]}: the test images` },
      );
      let correct = 0;
      for (let i = 0; i < nTest; i++) {
        let arg = 0;
        for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + arg]) arg = c;
        if (arg === split.test.labels[i]) correct++;
      }
      accuracy = nTest ? correct / nTest : 0;
    } else accuracy = evaluateProbe(chosen.probe, testX, split.test.labels, chosen.dim, k).accuracy;
    const block = blocks[chosen.b];
    const t = spec.timesteps[chosen.j];
    grid = {
      ...grid,
      chosen: {
        block,
        t,
        validationAccuracy: chosen.accuracy,
        testAccuracy: accuracy,
        ...(head ? { linearTestAccuracy: null } : {}),
      },
    };
    events.onGrid?.(grid);
    if (head) {
      const linear = await linearAt(chosen, block, t);
      if (grid.chosen) grid = { ...grid, chosen: { ...grid.chosen, linearTestAccuracy: linear } };
      events.onGrid?.(grid);
    }
  };
  /**
   * What the head adds: the linear probe on the chosen cell, on the same images (its features
   * pooled with `linearPooling`, from the chosen cell's rows when that is the sweep's pooling).
   */
  const linearAt = async (chosen: Best, block: string, t: number): Promise<number | null> => {
    const same = JSON.stringify(linearPooling) === JSON.stringify(spec.pooling);
    const { X, dim } = same
      ? chosen
      : await extractAt(
          rt,
          { ...spec, blocks: [block], pooling: linearPooling },
          t,
          n,
          () => input(ids),
          `${block} at t = ${t}, for the linear probe`,
        ).then((f) => ({ X: f.features[block], dim: f.dims[block] }));
    const part = (from: number, to: number) => X.slice(from * dim, to * dim);
    const r = await rt.run(
      'trainProbe',
      {
        train: { X: part(0, nTrain), y: split.train.labels.slice() },
        validation: { X: part(nTrain, nFit), y: split.validation.labels.slice() },
        test: { X: part(nFit, n), y: split.test.labels.slice() },
        d: dim,
        k,
        C: req.C,
        maxIter: req.maxIter,
      },
      { label: `the linear probe on ${block} at t = ${t} (what the head adds)` },
    );
    return r.stopReason === 'stopped' ? null : r.testAccuracy;
  };
  try {
    report('starting');
    let first: Float32Array | null = input(ids);
    const leaks = await leakProblems(split, first);
    if (leaks.length) throw new DiffProbeError('probe-data', leaks.join(' '));
    if (req.origin) {
      grid = { ...grid, provenance: await sweepProvenance(req, req.origin, first) };
      events.onGrid?.(grid);
    }
    for (const [j, t] of spec.timesteps.entries()) {
      const extractedBefore = done;
      const { features, dims } = await extractAt(
        rt,
        spec,
        t,
        n,
        () => {
          const x0 = first ?? input(ids);
          first = null;
          return x0;
        },
        `features at t = ${t}`,
        (filled) => {
          done = extractedBefore + Math.floor((blocks.length * filled) / n);
          report(`extracting t = ${t}: ${filled}/${n} images`);
        },
      );
      done = extractedBefore + blocks.length;
      for (const [b, block] of blocks.entries()) {
        const dim = dims[block];
        const X = features[block];
        // The slices are ours to give: transferred rather than copied again.
        const train = { X: X.slice(0, nTrain * dim), y: split.train.labels.slice() };
        const validation = { X: X.slice(nTrain * dim, nFit * dim), y: split.validation.labels.slice() };
        const transfer = [train.X.buffer, validation.X.buffer];
        const result = head
          ? await rt.run(
              'trainHead',
              {
                head,
                layout: req.maps
                  ? specLayout({ blocks: [block], timesteps: [t], pooling: spec.pooling }, req.maps, dim, k)
                  : { d: dim, k, groups: [] },
                train,
                validation,
              },
              { label: `${HEADS[head.kind].noun} on ${block} at t = ${t}`, transfer },
            )
          : await rt.run(
              'trainProbe',
              { train, validation, d: dim, k, C: req.C, maxIter: req.maxIter },
              { label: `probe on ${block} at t = ${t}`, transfer },
            );
        // A probe stopped mid-training is not a result for the grid.
        if (result.stopReason === 'stopped') throw new DiffProbeError('cancelled', 'sweep stopped');
        const acc = result.validationAccuracy;
        grid = withCell(grid, b, j, {
          validationAccuracy: acc,
          trainAccuracy: result.trainAccuracy,
          model: spec.model,
        });
        // The chosen cell's rows are kept whole with a head: the linear comparison may fit on them.
        if (acc !== null && (!best || acc > best.accuracy))
          best = { b, j, accuracy: acc, probe: result, X, dim };
        done++;
        events.onGrid?.(grid);
        report(
          `t = ${t}, ${block}: ${acc === null ? 'no validation images' : `${(acc * 100).toFixed(1)}% validation accuracy`}`,
        );
      }
    }
    await choose();
    return { grid, status: 'done' };
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) throw error;
    try {
      await choose();
    } catch (inner) {
      // Stopped again while the chosen cell was tested: the grid keeps what it has.
      if (!isDiffProbeError(inner, 'cancelled')) throw inner;
    }
    return { grid, status: 'stopped' };
  }
}
