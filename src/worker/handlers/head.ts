/**
 * @file trainHead / applyHead: the neural heads (core/heads) in the worker, on TensorFlow.js's WASM
 * backend. tfjs is imported only here and only when a head is first trained (engine/tf-web.ts, a
 * chunk of its own). The data checks are the linear probe's (classes, labels, NaN/Inf), so a
 * split that cannot be probed gets the same message whichever head is chosen; a head whose batch
 * would not fit in memory is refused before anything is allocated, naming the largest grid that fits.
 */
import { DiffProbeError } from '../../core/errors';
import { attentionBatchBytes, groupsDim, HEAD_BATCH_BUDGET, headMemoryError } from '../../core/heads/layout';
import type { TF } from '../../core/heads/model';
import { validateHead } from '../../core/heads/spec';
import { fitHead, predictHead } from '../../core/heads/train';
import { parameterCount } from '../../core/heads/weights';
import { checkSplitProbeData } from '../../core/probe/checks';
import type { JobContext } from '../context';
import type { HeadParams, HeadResult, Jobs } from '../jobs';
import { validationProblems } from './probe';

/** Where tfjs comes from: the browser's door by default; the CLI and the tests pass Node's. */
export type TfLoader = () => Promise<TF>;

const webTf: TfLoader = () => import('../../engine/tf-web').then((m) => m.webTf());

const NO_ROWS = { X: new Float32Array(0), y: new Int32Array(0) };

function checkHeadParams(params: HeadParams): void {
  const { head, layout } = params;
  validateHead(head);
  const { d, k } = layout;
  if (head.kind === 'attention' && (layout.groups.length === 0 || groupsDim(layout.groups) !== d))
    throw new DiffProbeError(
      'internal',
      `the attention head's token groups hold ${groupsDim(layout.groups)} values, the rows ${d}`,
    );
  const problems = [
    ...checkSplitProbeData(params.train, params.test ?? NO_ROWS, d, k),
    ...validationProblems({ ...params, d, k, C: 1, maxIter: 1 }),
  ];
  if (problems.length)
    throw new DiffProbeError('probe-data', problems.map((p) => p.message).join('; '), {
      problems: problems.map((p) => p.kind),
    });
  if (head.kind === 'attention' && attentionBatchBytes(head, layout.groups) > HEAD_BATCH_BUDGET) {
    const maps = layout.groups.map((g) => [g.channels, g.height, g.width] as const);
    throw (
      headMemoryError(head, maps, 1, { kind: 'raw' }) ??
      new DiffProbeError('out-of-memory', 'the head does not fit')
    );
  }
}

export async function trainHead(
  params: HeadParams,
  ctx: JobContext,
  loadTf: TfLoader = webTf,
): Promise<HeadResult> {
  const started = performance.now();
  checkHeadParams(params);
  const tf = await loadTf();
  const { head, layout } = params;
  const validation = params.validation ?? NO_ROWS;
  const test = params.test ?? NO_ROWS;
  const fit = await fitHead(
    tf,
    head,
    layout,
    { train: params.train, validation, test },
    {
      onEpoch: (e) =>
        ctx.partial({
          iter: e.iter,
          loss: e.loss,
          trainAccuracy: e.trainAccuracy,
          validationAccuracy: e.validationAccuracy,
        }),
      onBatch: (done, total, note) => ctx.progress(done, total, note),
      // Stop keeps the best epoch so far: a head stopped early is still a head.
      shouldStop: () => ctx.stopRequested(),
    },
    params.initial,
  );
  return {
    kind: head.kind,
    head,
    layout,
    weights: fit.weights,
    scaling: fit.scaling,
    ...(params.returnInitial ? { initial: fit.initial } : {}),
    trainAccuracy: fit.trainAccuracy,
    validationAccuracy: fit.validationAccuracy,
    testAccuracy: fit.test?.accuracy ?? null,
    testPredictions: fit.test?.predictions ?? new Int32Array(0),
    testConfidence: fit.test?.confidence ?? new Float32Array(0),
    confusion: fit.test?.confusion ?? new Int32Array(layout.k * layout.k),
    iterations: fit.epochs,
    bestEpoch: fit.bestEpoch,
    stopReason: fit.stopReason,
    solver: 'tfjs-wasm',
    parameters: parameterCount(fit.weights),
    timings: fit.timings,
    ms: performance.now() - started,
  };
}

export async function applyHead(
  params: Jobs['applyHead']['params'],
  loadTf: TfLoader = webTf,
): Promise<{ proba: Float64Array }> {
  const tf = await loadTf();
  return {
    proba: predictHead(tf, params.head, params.layout, params.weights, params.scaling, params.X, params.n),
  };
}
