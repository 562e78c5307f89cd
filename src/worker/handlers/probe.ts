/**
 * @file trainProbe / applyProbe: the linear probe in the worker. Standardisation is fitted on the
 * training rows only; each L-BFGS iteration is streamed (loss, train and validation accuracy) so
 * the UI can draw live curves, and Stop keeps the model as it is at that iteration. The test rows
 * are evaluated once, after the last iteration: nothing streamed (hence nothing a user or a sweep
 * chooses by) has seen them.
 */
import { DiffProbeError } from '../../core/errors';
import { checkSplitProbeData, type ProbeProblem } from '../../core/probe/checks';
import type { ObjectiveGraphInput } from '../../core/probe/objective-graph';
import {
  accuracy,
  confusionMatrix,
  predict,
  predictProba,
  SoftmaxTrainer,
} from '../../core/probe/softmax-regression';
import { applyStandardizer, fitStandardizer, isFiniteStandardizer } from '../../core/probe/standardize';
import { configureWasm, webRuntime } from '../../engine/onnx-web';
import { createOrtDataTerm, ORT_OBJECTIVE_MIN_WORK, type OrtDataTerm } from '../../engine/probe-objective';
import type { JobContext } from '../context';
import type { Jobs, ProbeParams, ProbeResult, ProbeStep } from '../jobs';
import { environment } from './environment';

/** Builds the objective's data term on some ONNX Runtime (the worker: onnxruntime-web's WASM). */
export type DataTermFactory = (input: ObjectiveGraphInput) => Promise<OrtDataTerm>;

async function webDataTerm(input: ObjectiveGraphInput): Promise<OrtDataTerm> {
  const env = await environment();
  configureWasm(env.crossOriginIsolated, env.hardwareConcurrency);
  return createOrtDataTerm(await webRuntime('wasm'), input);
}

/**
 * ORT's GEMM for large probes (see engine/probe-objective.ts); null (→ the JavaScript loop)
 * for small ones, or if ORT cannot build the session — the loop computes the same objective.
 */
async function ortDataTerm(input: ObjectiveGraphInput, create: DataTermFactory): Promise<OrtDataTerm | null> {
  if (input.n * input.d * input.k < ORT_OBJECTIVE_MIN_WORK) return null;
  try {
    return await create(input);
  } catch (error) {
    console.warn('probe: ONNX Runtime objective unavailable, using the JavaScript loop', error);
    return null;
  }
}

const NO_ROWS = { X: new Float32Array(0), y: new Int32Array(0) };

/** Problems of the validation rows themselves (their labels and values); the rest is the split's. */
export function validationProblems(params: ProbeParams): ProbeProblem[] {
  if (!params.validation?.y.length) return [];
  return checkSplitProbeData(params.train, params.validation, params.d, params.k, true)
    .filter((p) => p.kind === 'non-finite' || p.kind === 'bad-label')
    .map((p) => ({ ...p, message: `validation rows: ${p.message}` }));
}

/**
 * @param makeDataTerm where large probes compute their objective: onnxruntime-web's WASM in the worker
 *   (the default); the CLI passes onnxruntime-node.
 */
export async function trainProbe(
  params: ProbeParams,
  ctx: JobContext,
  makeDataTerm: DataTermFactory = webDataTerm,
): Promise<ProbeResult> {
  const started = performance.now();
  const { d, k, train } = params;
  const test = params.test ?? NO_ROWS;
  const validation = params.validation ?? NO_ROWS;
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const nVal = validation.y.length;
  // Fitted first: its pass over the training rows also tells whether they are all finite. (With
  // no training rows the checks explain that.)
  const std = nTrain > 0 ? fitStandardizer(train.X, nTrain, d) : null;
  const problems = [
    ...checkSplitProbeData(train, test, d, k, std !== null && isFiniteStandardizer(std)),
    ...validationProblems(params),
  ];
  if (problems.length || !std)
    throw new DiffProbeError('probe-data', problems.map((p) => p.message).join('; '), {
      problems: problems.map((p) => p.kind),
    });

  const Ztest = applyStandardizer(test.X, nTest, d, std);
  const Zval = applyStandardizer(validation.X, nVal, d, std);
  const prepared = performance.now();
  // The ORT graph standardises the training rows itself, as it takes them in; only the
  // JavaScript loop needs them standardised here.
  const dataTerm = await ortDataTerm(
    {
      X: train.X,
      standardizer: std,
      y: train.y,
      n: nTrain,
      d,
      k,
      // The graph counts the held-out rows it holds at every evaluation: the validation rows.
      ...(nVal > 0 && { test: { X: Zval, y: validation.y, n: nVal } }),
    },
    makeDataTerm,
  );
  const Ztrain = dataTerm ? null : applyStandardizer(train.X, nTrain, d, std);
  const timings = {
    prepareMs: prepared - started,
    setupMs: performance.now() - prepared,
    ...dataTerm?.setup,
    trainMs: 0,
    finishMs: 0,
  };
  try {
    return await fitProbe(params, ctx, { Ztrain, Zval, Ztest, std, started, dataTerm, timings });
  } finally {
    await dataTerm?.release().catch(() => {});
  }
}

async function fitProbe(
  params: ProbeParams,
  ctx: JobContext,
  prep: {
    Ztrain: Float32Array | null;
    Zval: Float32Array;
    Ztest: Float32Array;
    std: ReturnType<typeof fitStandardizer>;
    started: number;
    dataTerm: OrtDataTerm | null;
    timings: ProbeResult['timings'];
  },
): Promise<ProbeResult> {
  const { d, k, train } = params;
  const test = params.test ?? NO_ROWS;
  const validation = params.validation ?? NO_ROWS;
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const nVal = validation.y.length;
  const { Ztrain, Zval, Ztest, std, started, dataTerm, timings } = prep;
  const trainStart = performance.now();
  const trainer = new SoftmaxTrainer(Ztrain, train.y, nTrain, d, k, {
    C: params.C,
    maxIter: params.maxIter,
    dataTerm: dataTerm ?? undefined,
  });
  let info = await trainer.stepAsync();
  let stopped = false;
  while (true) {
    const validationAccuracy =
      nVal === 0
        ? null
        : info.testCorrect !== undefined
          ? info.testCorrect / nVal
          : accuracy(validation.y, predict(trainer.model, Zval, nVal));
    const step: ProbeStep = {
      iter: info.iter,
      loss: info.meanCrossEntropy,
      trainAccuracy: info.trainAccuracy,
      validationAccuracy,
    };
    ctx.partial(step);
    ctx.progress(
      Math.min(info.iter, params.maxIter),
      params.maxIter,
      validationAccuracy === null
        ? `iteration ${info.iter}, loss ${info.meanCrossEntropy.toFixed(4)}`
        : `iteration ${info.iter}, validation accuracy ${(validationAccuracy * 100).toFixed(1)}%`,
    );
    if (info.done) break;
    // Stop keeps the model as it is now: a probe stopped early is still a probe.
    if (await ctx.stopRequested()) {
      stopped = true;
      break;
    }
    info = await trainer.stepAsync();
  }
  const finishStart = performance.now();
  timings.trainMs = finishStart - trainStart;
  if (dataTerm) timings.evalMs = dataTerm.runMs;
  const model = trainer.model;
  const proba = predictProba(model, Ztest, nTest);
  const testPredictions = new Int32Array(nTest);
  const testConfidence = new Float32Array(nTest);
  for (let i = 0; i < nTest; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    testPredictions[i] = best;
    testConfidence[i] = proba[i * k + best];
  }
  return {
    W: model.W,
    b: model.b,
    mean: std.mean,
    scale: std.scale,
    // Counted by the objective at the point L-BFGS accepted, which is this model.
    trainAccuracy: info.trainAccuracy,
    validationAccuracy: nVal ? accuracy(validation.y, predict(model, Zval, nVal)) : null,
    // The only look at the test rows.
    testAccuracy: nTest ? accuracy(test.y, testPredictions) : null,
    testPredictions,
    testConfidence,
    confusion: confusionMatrix(test.y, testPredictions, k),
    iterations: info.iter,
    stopReason: stopped ? 'stopped' : info.reason,
    solver: dataTerm ? 'onnxruntime-wasm' : 'javascript',
    timings: { ...timings, finishMs: performance.now() - finishStart },
    ms: performance.now() - started,
  };
}

export async function applyProbe(params: Jobs['applyProbe']['params']): Promise<{ proba: Float64Array }> {
  const { probe, X, n, d, k } = params;
  const Z = applyStandardizer(X, n, d, { d, mean: probe.mean, scale: probe.scale });
  return { proba: predictProba({ d, k, W: probe.W, b: probe.b }, Z, n) };
}
