/**
 * @file A sweep, the same in the app and the CLI: for every t, extract every block of the spec for
 * all images once, then fit one probe per block on the training images and judge it on the
 * validation images. The cell with the best validation accuracy is chosen, and only its probe is
 * evaluated on the test images, once, at the end (also when the sweep is stopped: the best of the
 * cells computed). Every cell records the model it was computed with.
 */
import { DiffProbeError, isDiffProbeError } from '../core/errors';
import type { ProbeResult } from '../worker/jobs';
import type { FeatureSpec } from './feature-spec';
import { extractAt } from './features';
import { type ClassLabels, evaluateProbe, type ImageInput, leakProblems, splitProblems } from './probe-run';
import type { PipelineRuntime } from './runtime';
import { type LabelledSplit, splitIds } from './split';
import { emptyGrid, type SweepGrid, withCell } from './sweep-grid';

export interface SweepRequest {
  /** The grid: spec.blocks × spec.timesteps, with the data and its split. */
  spec: FeatureSpec;
  split: LabelledSplit;
  C: number;
  maxIter: number;
  /** As ProbeRequest.classLabels. */
  classLabels?: ClassLabels;
}

export interface SweepEvents {
  /** After every computed cell, and once more with the chosen cell's test accuracy. */
  onGrid?: (grid: SweepGrid) => void;
  /** Work units: extracting the images at one t counts as much as all the probes at that t. */
  onProgress?: (done: number, total: number, note: string) => void;
}

/** The best cell so far: its probe and its test rows, kept for the one test evaluation. */
interface Best {
  b: number;
  j: number;
  accuracy: number;
  probe: Pick<ProbeResult, 'W' | 'b' | 'mean' | 'scale'>;
  testX: Float32Array;
  dim: number;
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
  let grid = emptyGrid(spec, req);
  events.onGrid?.(grid);
  const problems = splitProblems(split);
  if (problems.length) throw new DiffProbeError('probe-data', problems.join('; '));
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
  /** The one look at the test images: the chosen cell's probe on them. */
  const choose = () => {
    if (!best) return;
    const { accuracy } = evaluateProbe(best.probe, best.testX, split.test.labels, best.dim, k);
    grid = {
      ...grid,
      chosen: {
        block: blocks[best.b],
        t: spec.timesteps[best.j],
        validationAccuracy: best.accuracy,
        testAccuracy: accuracy,
      },
    };
    events.onGrid?.(grid);
  };
  try {
    report('starting');
    const labels =
      req.classLabels?.(ids) ??
      Int32Array.from([...split.train.labels, ...split.validation.labels, ...split.test.labels]);
    let first: Float32Array | null = input(ids);
    const leaks = await leakProblems(split, first);
    if (leaks.length) throw new DiffProbeError('probe-data', leaks.join(' '));
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
        labels,
      );
      done = extractedBefore + blocks.length;
      for (const [b, block] of blocks.entries()) {
        const dim = dims[block];
        const X = features[block];
        // The slices are ours to give: transferred rather than copied again.
        const train = { X: X.slice(0, nTrain * dim), y: split.train.labels.slice() };
        const validation = { X: X.slice(nTrain * dim, nFit * dim), y: split.validation.labels.slice() };
        const result = await rt.run(
          'trainProbe',
          { train, validation, d: dim, k, C: req.C, maxIter: req.maxIter },
          { label: `probe on ${block} at t = ${t}`, transfer: [train.X.buffer, validation.X.buffer] },
        );
        // A probe stopped mid-training is not a result for the grid.
        if (result.stopReason === 'stopped') throw new DiffProbeError('cancelled', 'sweep stopped');
        const acc = result.validationAccuracy;
        grid = withCell(grid, b, j, {
          validationAccuracy: acc,
          trainAccuracy: result.trainAccuracy,
          model: spec.model,
        });
        if (acc !== null && (!best || acc > best.accuracy))
          best = { b, j, accuracy: acc, probe: result, testX: X.slice(nFit * dim), dim };
        done++;
        events.onGrid?.(grid);
        report(
          `t = ${t}, ${block}: ${acc === null ? 'no validation images' : `${(acc * 100).toFixed(1)}% validation accuracy`}`,
        );
      }
    }
    choose();
    return { grid, status: 'done' };
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) throw error;
    choose();
    return { grid, status: 'stopped' };
  }
}
